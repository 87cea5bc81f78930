/**
 * gpu.js backends: float32 kernels written as gpu.js kernels for the gpu.js
 * modes `cpu`, `webasm` and `headlessgl` (backend names `gpujs-cpu`,
 * `gpujs-webasm`, `gpujs-headlessgl`):
 *
 * | kernel | file | gpu.js kernels per call |
 * |---|---|---|
 * | `matmul` (batched, broadcast, either operand transposed) | matmul.ts | 1 |
 * | `poincarePairwiseForward` / `…Backward` | poincare.ts | 1 / 1 + 2 sums (+1 plane copy on GL) |
 * | `pairwiseSqEuclideanForward` | pairwise.ts | 1 |
 * | `pairwiseCosineForward` / `…Backward` | pairwise.ts | 1 / 1 + 2 sums (+1 plane copy on GL) |
 * | `softmaxRows` / `softmaxRowsBackward` / `logSumExpRows` | rows.ts | 2 / 2 / 1 |
 *
 * - **Fused elementwise chains.** Every elementwise chain is one kernel: a
 *   thread computes its output entry through the whole chain in registers
 *   (the Poincaré distance from the Gram entry and the squared norms; the
 *   Poincaré and cosine backward partials, one plane per partial; the
 *   pairwise distances straight from x and y with the loop over D inside the
 *   kernel; softmax's subtract–exp–divide; the softmax backward's
 *   s·(g − Σ g·s)). Reductions over a row or column are separate kernels.
 * - **Pipelines.** On headlessgl the intermediates of a multi-kernel call
 *   (the backward partials feeding the row/column sums, softmax's row
 *   statistics, the softmax backward's row dots) stay on the device as
 *   textures (`pipeline: true`; a kernel's output texture is reused by its
 *   next call, so nothing accumulates); only results are read back. cpu and
 *   webasm have no device memory: the same kernels pass plain arrays.
 * - **Availability.** A mode is available when a `GPU` of that mode can be
 *   created and runs a tiny kernel correctly ({@link probeMode}); errors are
 *   caught and reported as the reason. `headlessgl` needs the optional native
 *   `gl` package and an X display (e.g. Xvfb).
 * - **Cache.** Each kernel is compiled once per *shape signature* (its sizes
 *   and the constants baked into it) and cached in a bounded LRU of
 *   {@link GpuBackendOptions.maxKernels} kernels (default 32) per backend
 *   (cache.ts); an evicted kernel is destroyed (`kernel.destroy()`), and
 *   {@link GpuKernelSet.destroy} destroys every cached kernel and the `GPU`.
 * - **Counters.** {@link GpuKernelSet.stats} counts, per kernel, the calls that
 *   ran on gpu.js, plus js fallbacks, compilations, evictions and
 *   destructions; {@link GpuKernelSet.engines} names the gpu.js engine that ran
 *   each kernel's last call (`cpu`, `webasm`, or `gpu` for GL).
 * - **Small work stays on js.** A call whose work (multiply-adds, or entries
 *   for elementwise kernels) is below {@link GpuBackendOptions.minWork} runs
 *   the exact js kernel instead (see {@link DEFAULT_MIN_WORK}); so do calls
 *   whose operands exceed 2²⁴ elements (gpu.js indexes in float32 on GL) or
 *   whose 2-D output exceeds the GL texture size, and the inputs each kernel
 *   file's guards exclude (non-finite rows for softmax/logSumExp, huge values
 *   for the pairwise kernels).
 * - gpu.js computes in float32 only; float64 work never reaches these kernels
 *   (the registry keeps float64 on js, and these kernels defer to js for it).
 */
import type { GPU } from 'gpu.js';
import { gpuJs } from './load.ts';
import type { jsKernels } from '../js/index.ts';
import { matmul as jsMatmul, type MatmulArgs } from '../js/matmul.ts';
import type { Storage } from '../types.ts';
import { KernelCache } from './cache.ts';
import { GPU_KERNEL_NAMES, type CompiledKernel, type GpuKernelName, type KernelContext, type KernelSettings } from './common.ts';
import { makeMatmul } from './matmul.ts';
import { makeCosineBackward, makeCosineForward, makeSqEuclidean } from './pairwise.ts';
import { makePoincareBackward, makePoincareForward } from './poincare.ts';
import { makeLogSumExpRows, makeSoftmaxRows, makeSoftmaxRowsBackward } from './rows.ts';

export { GPU_KERNEL_NAMES, type GpuKernelName } from './common.ts';

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

/** Options of {@link createGpuKernels}. */
export interface GpuBackendOptions {
  /** calls with less work than this run on js (default {@link DEFAULT_MIN_WORK}) */
  minWork?: number;
  /** capacity of the compiled-kernel LRU cache (default 32) */
  maxKernels?: number;
  /**
   * the float32 matmul that products below `minWork` (or too large for the
   * device) run on; default the js kernel. The backend layer passes the wasm
   * matmul when it runs, the fastest CPU route measured.
   */
  matmulFallback?: (args: MatmulArgs) => Storage;
}

/** The kernels a gpu.js backend implements, with the js kernels' signatures. */
export type GpuKernels = Pick<typeof jsKernels, GpuKernelName>;

/** Counters of a {@link GpuKernelSet}. */
export type GpuStats = Record<GpuKernelName, number> & {
  /** calls that ran on the fallback (below minWork, float64, too large, excluded inputs): the js kernels, or `matmulFallback` for matmul */
  fallbacks: number;
  /** kernels compiled (cache misses) */
  compiled: number;
  /** kernels evicted from the full cache */
  evicted: number;
  /** kernels destroyed (evicted, or at {@link GpuKernelSet.destroy}) */
  destroyed: number;
};

/** The kernels of one gpu.js mode, with their cache and counters. */
export interface GpuKernelSet {
  readonly mode: GpuMode;
  /** the mode gpu.js reports it runs (`gpu.mode`) */
  readonly gpuMode: string;
  readonly kernels: GpuKernels;
  /** calls that ran on gpu.js (not the js fallback), per kernel, and the cache counters */
  readonly stats: Readonly<GpuStats>;
  /**
   * per kernel, the gpu.js engine(s) that ran its last gpu.js call (`'cpu'`,
   * `'webasm'`, `'gpu'` for the GL modes; several joined by `+` if a
   * kernel fell back inside gpu.js)
   */
  readonly engines: Readonly<Partial<Record<GpuKernelName, string>>>;
  /** number of compiled kernels in the cache */
  cacheSize(): number;
  /** number of kernels gpu.js itself still holds for this set's `GPU` (destroyed ones are removed) */
  liveKernels(): number;
  /** destroys every cached kernel and the GPU; the set must not be used afterwards */
  destroy(): void;
}

/** Creates a `GPU` of `mode` and its kernels; throws if the mode cannot run. */
export function createGpuKernels(mode: GpuMode, opts: GpuBackendOptions = {}): GpuKernelSet {
  const minWork = opts.minWork ?? DEFAULT_MIN_WORK;
  const gpu = new (gpuJs())({ mode });
  const stats = { fallbacks: 0, compiled: 0, evicted: 0, destroyed: 0 } as GpuStats;
  for (const n of GPU_KERNEL_NAMES) stats[n] = 0;
  const engines: Partial<Record<GpuKernelName, string>> = {};
  // gpu.js's GPU keeps every kernel it created in `gpu.kernels`; the GL and webasm kernels remove
  // themselves on destroy(), the cpu kernel does not (gpu.js 2.24), so a destroyed cpu kernel would
  // stay reachable for the life of the GPU: remove it here
  const live = (gpu as unknown as { kernels?: unknown[] }).kernels;
  const dispose = (k: CompiledKernel): void => {
    const inner = k.kernel;
    k.destroy?.();
    const i = live && inner ? live.indexOf(inner) : -1;
    if (live && i !== -1) live.splice(i, 1);
  };
  const cache = new KernelCache(opts.maxKernels ?? 32, stats, dispose);
  const maxTexture = (gpu as unknown as { Kernel?: { features?: { maxTextureSize?: number } } }).Kernel?.features?.maxTextureSize;
  const texLimit = typeof maxTexture === 'number' && maxTexture > 0 ? maxTexture : Infinity;
  let destroyed = false;

  const ctx: KernelContext = {
    minWork,
    matmulFallback: opts.matmulFallback ?? jsMatmul,
    pipeline: gpu.mode === 'headlessgl',
    kernel(key: string, src: string, settings: KernelSettings): CompiledKernel {
      if (destroyed) throw new Error(`gpujs-${mode}: kernel set was destroyed`);
      return cache.get(key, () => gpu.createKernel(src, { ...settings, precision: 'single', tactic: 'precision' }) as unknown as CompiledKernel);
    },
    fits2d: (w, h) => w <= texLimit && h <= texLimit,
    ran(name, ...ks) {
      stats[name]++;
      const seen = [...new Set(ks.map((k) => k.kernel?.constructor.mode ?? '?'))];
      engines[name] = seen.join('+');
    },
    fallback() {
      stats.fallbacks++;
    },
  };

  const kernels: GpuKernels = {
    matmul: makeMatmul(ctx),
    poincarePairwiseForward: makePoincareForward(ctx),
    poincarePairwiseBackward: makePoincareBackward(ctx),
    pairwiseSqEuclideanForward: makeSqEuclidean(ctx),
    pairwiseCosineForward: makeCosineForward(ctx),
    pairwiseCosineBackward: makeCosineBackward(ctx),
    softmaxRows: makeSoftmaxRows(ctx),
    softmaxRowsBackward: makeSoftmaxRowsBackward(ctx),
    logSumExpRows: makeLogSumExpRows(ctx),
  };

  return {
    mode,
    gpuMode: gpu.mode,
    kernels,
    stats,
    engines,
    cacheSize: () => cache.size,
    liveKernels: () => live?.length ?? 0,
    destroy() {
      if (destroyed) return;
      destroyed = true;
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
    gpu = new (gpuJs())({ mode });
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
