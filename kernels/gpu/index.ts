/**
 * gpu.js backends: float32 `matmul` and the fused `poincarePairwiseForward`
 * written as gpu.js kernels, for the gpu.js modes `cpu`, `webasm` and
 * `headlessgl` (backend names `gpujs-cpu`, `gpujs-webasm`, `gpujs-headlessgl`).
 *
 * - **Availability.** A mode is available when a `GPU` of that mode can be
 *   created and runs a tiny kernel correctly ({@link probeMode}); errors are
 *   caught and reported as the reason. `headlessgl` needs the optional native
 *   `gl` package and an X display (e.g. Xvfb).
 * - **Cache.** Each kernel is compiled once per *shape signature* (batch,
 *   M, K, N, operand strides and operand lengths for matmul; N, M, c, eps for
 *   the Poincaré kernel) and cached in a bounded LRU of
 *   {@link GpuBackendOptions.maxKernels} kernels (default 32) per backend; an
 *   evicted kernel is destroyed (`kernel.destroy()`), and
 *   {@link GpuKernelSet.destroy} destroys every cached kernel and the `GPU`.
 * - **Small work stays on js.** A call whose multiply-add count is below
 *   {@link GpuBackendOptions.minWork} runs the exact js kernel instead (see
 *   {@link DEFAULT_MIN_WORK}); so do calls whose operands exceed 2²⁴
 *   elements, since gpu.js indexes in float32 on GL.
 * - gpu.js computes in float32 only; float64 work never reaches these kernels
 *   (the registry keeps float64 on js, and these kernels defer to js for it).
 */
import { GPU } from 'gpu.js';
import { batchOffsets, matmul as jsMatmul, type MatmulArgs } from '../js/matmul.ts';
import { poincarePairwiseForward as jsPoincareForward } from '../js/poincare.ts';
import { sizeOf, type DType, type Storage } from '../types.ts';

/** gpu.js modes this library wraps as backends. */
export type GpuMode = 'cpu' | 'webasm' | 'headlessgl';
/** Every wrapped mode, in order of preference. */
export const GPU_MODES: readonly GpuMode[] = ['cpu', 'webasm', 'headlessgl'];

/** Backend name of a gpu.js mode. */
export function gpuBackendName(mode: GpuMode): string {
  return `gpujs-${mode}`;
}

/**
 * Default threshold (multiply-adds, or output entries for elementwise
 * kernels) below which a call stays on js. Measured here (2 CPU cores,
 * Node 20, no GPU; see the session report): for float32 matmul 512³ the js
 * packed kernel beats every gpu.js mode (js ≈ 4.0 GFLOP/s, gpujs-webasm
 * ≈ 2.0, gpujs-headlessgl on Mesa llvmpipe ≈ 1.2, gpujs-cpu ≈ 0.5), so no
 * crossover exists on this machine; 2²⁰ is a conservative constant, NOT a
 * measured crossover — it only keeps tiny calls off the kernel-launch and
 * compile overhead. Re-measure on a machine with a real GPU.
 */
export const DEFAULT_MIN_WORK = 1 << 20;

/** Largest operand (elements) sent to gpu.js: GL indexes textures in float32. */
const MAX_ELEMENTS = 1 << 24;

/** Options of {@link createGpuKernels}. */
export interface GpuBackendOptions {
  /** calls with less work than this run on js (default {@link DEFAULT_MIN_WORK}) */
  minWork?: number;
  /** capacity of the compiled-kernel LRU cache (default 32) */
  maxKernels?: number;
}

/** A gpu.js kernel as far as this module uses it. */
interface CompiledKernel {
  (...args: unknown[]): unknown;
  destroy?: (removeCanvasReferences?: boolean) => void;
}

/** The kernels of one gpu.js mode, with their cache and counters. */
export interface GpuKernelSet {
  readonly mode: GpuMode;
  /** the mode gpu.js reports it runs (`gpu.mode`) */
  readonly gpuMode: string;
  readonly kernels: {
    matmul: (args: MatmulArgs) => Storage;
    poincarePairwiseForward: (
      xy: Storage, x2: Storage, y2: Storage, N: number, M: number, c: number, eps: number, dtype: DType,
    ) => Storage;
  };
  /** calls that ran on gpu.js (not the js fallback), per kernel */
  readonly stats: { matmul: number; poincarePairwiseForward: number; fallbacks: number };
  /** number of compiled kernels in the cache */
  cacheSize(): number;
  /** destroys every cached kernel and the GPU; the set must not be used afterwards */
  destroy(): void;
}

const MATMUL_SRC = `function (a, b, aOff, bOff) {
  let ai = aOff[this.thread.z] + this.thread.y * this.constants.ars;
  let bi = bOff[this.thread.z] + this.thread.x * this.constants.bcs;
  let s = 0;
  for (let k = 0; k < this.constants.K; k++) {
    s += a[ai] * b[bi];
    ai += this.constants.acs;
    bi += this.constants.brs;
  }
  return s;
}`;

const POINCARE_SRC = `function (xy, x2, y2) {
  const i = this.thread.y;
  const j = this.thread.x;
  const p = xy[i * this.constants.M + j];
  const a2 = x2[i];
  const b2 = y2[j];
  const c = this.constants.c;
  const A = 1 - 2 * c * p + c * b2;
  const B = 1 - c * a2;
  const num2 = A * A * a2 - 2 * A * B * p + B * B * b2;
  const den = 1 - 2 * c * p + c * c * a2 * b2;
  const m = Math.sqrt(Math.max(num2, 1e-30)) / Math.max(den, 1e-15);
  const u = Math.min(Math.max(this.constants.sc * m, -1 + this.constants.eps), 1 - this.constants.eps);
  return this.constants.k * 0.5 * Math.log((1 + u) / (1 - u));
}`;

/** Flattens a gpu.js result (Float32Array, or nested arrays of them) into `out`. */
function flattenInto(r: unknown, out: Float32Array, off: number): number {
  if (r instanceof Float32Array) {
    out.set(r, off);
    return off + r.length;
  }
  if (Array.isArray(r)) {
    for (const x of r) off = flattenInto(x, out, off);
    return off;
  }
  throw new Error(`gpu.js returned an unexpected result: ${Object.prototype.toString.call(r)}`);
}

/** Creates a `GPU` of `mode` and its kernels; throws if the mode cannot run. */
export function createGpuKernels(mode: GpuMode, opts: GpuBackendOptions = {}): GpuKernelSet {
  const minWork = opts.minWork ?? DEFAULT_MIN_WORK;
  const maxKernels = Math.max(1, opts.maxKernels ?? 32);
  const gpu = new GPU({ mode });
  // LRU: a Map iterates in insertion order; a hit is re-inserted at the end
  const cache = new Map<string, CompiledKernel>();
  const stats = { matmul: 0, poincarePairwiseForward: 0, fallbacks: 0 };
  let destroyed = false;

  function compiled(key: string, make: () => CompiledKernel): CompiledKernel {
    if (destroyed) throw new Error(`gpujs-${mode}: kernel set was destroyed`);
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const k = make();
    cache.set(key, k);
    while (cache.size > maxKernels) {
      const [oldKey, old] = cache.entries().next().value as [string, CompiledKernel];
      cache.delete(oldKey);
      old.destroy?.();
    }
    return k;
  }

  function matmul(args: MatmulArgs): Storage {
    const { a, aShape, b, bShape, transposeA, transposeB, batchShape, dtype } = args;
    const ra = aShape.length, rb = bShape.length;
    const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
    const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
    const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
    const batch = sizeOf(batchShape);
    if (
      dtype !== 'float32' || batch * M * N * K < minWork || batch === 0 || M === 0 || N === 0 || K === 0 ||
      a.length > MAX_ELEMENTS || b.length > MAX_ELEMENTS || batch * M * N > MAX_ELEMENTS
    ) {
      stats.fallbacks++;
      return jsMatmul(args);
    }
    const offsets = batchOffsets(aShape, bShape, batchShape, M * K, K * N);
    // float32 holds these offsets exactly: every operand has at most 2²⁴ elements (checked above)
    const aOff = Float32Array.from(offsets.aOff), bOff = Float32Array.from(offsets.bOff);
    const constants = {
      K,
      ars: transposeA ? 1 : K, acs: transposeA ? M : 1,
      brs: transposeB ? 1 : N, bcs: transposeB ? K : 1,
    };
    const key = `mm:${batch}:${M}:${K}:${N}:${transposeA}:${transposeB}:${a.length}:${b.length}`;
    const k = compiled(key, () => gpu.createKernel(MATMUL_SRC, {
      output: [N, M, batch], constants, precision: 'single', tactic: 'precision',
    }) as unknown as CompiledKernel);
    const fa = a instanceof Float32Array ? a : Float32Array.from(a);
    const fb = b instanceof Float32Array ? b : Float32Array.from(b);
    const out = new Float32Array(batch * M * N);
    flattenInto(k(fa, fb, aOff, bOff), out, 0);
    stats.matmul++;
    return out;
  }

  function poincarePairwiseForward(
    xy: Storage, x2: Storage, y2: Storage, N: number, M: number, c: number, eps: number, dtype: DType,
  ): Storage {
    if (dtype !== 'float32' || N * M < minWork || N === 0 || M === 0 || N * M > MAX_ELEMENTS) {
      stats.fallbacks++;
      return jsPoincareForward(xy, x2, y2, N, M, c, eps, dtype);
    }
    const sc = Math.sqrt(c);
    const key = `pf:${N}:${M}:${c}:${eps}`;
    const k = compiled(key, () => gpu.createKernel(POINCARE_SRC, {
      output: [M, N], constants: { M, c, sc, eps, k: 2 / sc }, precision: 'single', tactic: 'precision',
    }) as unknown as CompiledKernel);
    const f = (s: Storage) => (s instanceof Float32Array ? s : Float32Array.from(s));
    const out = new Float32Array(N * M);
    flattenInto(k(f(xy), f(x2), f(y2)), out, 0);
    stats.poincarePairwiseForward++;
    return out;
  }

  return {
    mode,
    gpuMode: gpu.mode,
    kernels: { matmul, poincarePairwiseForward },
    stats,
    cacheSize: () => cache.size,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const k of cache.values()) k.destroy?.();
      cache.clear();
      void gpu.destroy().catch(() => undefined);
    },
  };
}

/** Result of {@link probeMode}. */
export type ProbeResult = { ok: true; set: GpuKernelSet } | { ok: false; reason: string };

/**
 * Tries to create a gpu.js `GPU` of `mode` and run a tiny, independent
 * kernel on it (`out[i] = 2·a[i] + 1`); on success returns a fresh kernel set
 * with the requested options, else the reason. The probe deliberately does
 * not use the library's kernels, so a wrong kernel shows up as a failing
 * parity test rather than as an unavailable backend.
 */
export function probeMode(mode: GpuMode, opts: GpuBackendOptions = {}): ProbeResult {
  let gpu: GPU | undefined;
  try {
    gpu = new GPU({ mode });
    if (gpu.mode !== mode) throw new Error(`gpu.js runs mode '${gpu.mode}' instead of '${mode}'`);
    const k = gpu.createKernel('function (a) { return 2 * a[this.thread.x] + 1; }', { output: [3] }) as unknown as CompiledKernel;
    const r = k(new Float32Array([1, 2, 3])) as ArrayLike<number>;
    if (!(r[0] === 3 && r[1] === 5 && r[2] === 7)) throw new Error(`probe kernel returned [${Array.from(r).join(', ')}]`);
    k.destroy?.();
    void gpu.destroy().catch(() => undefined);
    gpu = undefined;
    return { ok: true, set: createGpuKernels(mode, opts) };
  } catch (e) {
    if (gpu) void gpu.destroy().catch(() => undefined);
    return { ok: false, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}
