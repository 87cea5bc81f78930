/**
 * The `wasm` backend: float32 matmul on a WebAssembly SIMD micro-kernel that
 * this library generates at run time from TypeScript (kernels/wasm/encode.ts,
 * kernels/wasm/gemm-module.ts); no prebuilt binary is shipped.
 *
 * - Operands are packed (kernels/wasm/pack.ts) into one linear memory owned by
 *   the kernel set, which grows on demand up to {@link MAX_PAGES} (1 GiB) and
 *   never shrinks; larger products run on js.
 * - **Small or thin products stay on js** (they run faster there): see
 *   {@link WasmBackendOptions.minWork} and the measured crossover in
 *   {@link DEFAULT_WASM_MIN_WORK}.
 * - Sums are accumulated in float32 (the js kernel accumulates in float64),
 *   so the error of an entry is bounded by about K·u·Σ|a||b| with u = 2⁻²⁴.
 * - float64 work never reaches this kernel.
 */
import { batchOffsets, matmul as jsMatmul, matmulDims, type MatmulArgs } from '../js/matmul.ts';
import { normalized, pairwiseCosineForward as jsPairwiseCosineForward } from '../js/pairwise.ts';
import type { Storage } from '../types.ts';
import { DEFAULT_GEMM, gemmModule, type GemmParams } from './gemm-module.ts';
import { packA, packB, roundUp } from './pack.ts';
import { wasmApi, type WasmMemory } from './api.ts';
import { CONTROL_BYTES, coreCount, startGemmPool, type GemmFn, type GemmPool } from './threads.ts';

/** WebAssembly pages (64 KiB) the kernel memory may grow to: 1 GiB. */
export const MAX_PAGES = 16384;
const PAGE = 65536;

/**
 * Multiply–adds below which a float32 matmul stays on js. Measured on the
 * development machine (2-core AMD EPYC, Node 20; per-call times of the two
 * kernels, 2026-11-25): wasm is slower than js at 2×2×2 (0.57×), about even
 * at 1×1×1 and 3×3×3, and faster from 4×4×4 (1.6×) up (2.4× at 8³, 4–6× at
 * 64³–256³), thin products included, except when the output has fewer than
 * {@link WASM_MIN_OUTPUT} entries (a dot product 1×1000×1: 0.16×).
 */
export const DEFAULT_WASM_MIN_WORK = 64;

/** Outputs with fewer entries than this stay on js (the packing would cost more than the product). */
export const WASM_MIN_OUTPUT = 16;

/** Options of {@link createWasmKernels}. */
export interface WasmBackendOptions {
  /** products with fewer multiply-adds run on js (default {@link DEFAULT_WASM_MIN_WORK}) */
  minWork?: number;
  /** products with fewer output entries run on js (default {@link WASM_MIN_OUTPUT}) */
  minOutput?: number;
  /** register-block and cache-block shape of the generated kernel (default {@link DEFAULT_GEMM}) */
  gemm?: GemmParams;
  /**
   * threads that share a large product, the calling one included (default:
   * the environment variable `GYROGRAD_WASM_THREADS` if set, else the number
   * of cores, at most 4); 1 runs single-threaded
   */
  threads?: number;
  /** products with fewer multiply-adds run on the calling thread only (default {@link DEFAULT_THREAD_MIN_WORK}) */
  minThreadWork?: number;
  /** whether the calling thread computes its share of a threaded product (default true; false only tests the workers) */
  callerWorks?: boolean;
}

/**
 * Multiply–adds from which a product is shared with the worker threads.
 * Measured on the development machine (2 cores, 2 threads vs 1, square
 * products, 2026-11-25): 64³ 0.62× (waking a worker costs more than it
 * saves), 128³ 1.0×, 256³ 1.33×, 512³ 1.55×, 1024³ 1.65×.
 */
export const DEFAULT_THREAD_MIN_WORK = 1 << 22;

/** The default thread count (see {@link WasmBackendOptions.threads}). */
export function defaultWasmThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.GYROGRAD_WASM_THREADS;
  const n = env === undefined || env === '' ? NaN : Number(env);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_THREADS) : Math.min(coreCount(), 4);
}

/** The most threads a kernel set uses. */
export const MAX_THREADS = 64;

/** Terminates the worker pool of a kernel set that was dropped without `destroy()`. */
const dropped = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<{ pool?: GemmPool }>((h) => h.pool?.terminate()) : undefined;

/** The kernels of the wasm backend, with counters. */
export interface WasmKernelSet {
  readonly kernels: { matmul: (args: MatmulArgs) => Storage; pairwiseCosineForward: typeof jsPairwiseCosineForward };
  /** calls that ran on WebAssembly, and calls sent to js */
  readonly stats: { matmul: number; fallbacks: number };
  /** bytes of the kernel's linear memory */
  memoryBytes(): number;
  /**
   * Threads a large product runs on now (1 until the first product that
   * needs the workers starts them, or when they cannot run), why the
   * workers are not running if they are not, and how many chunks of row
   * panels the workers have computed.
   */
  threads(): { count: number; reason: string | null; workerChunks: number };
  /**
   * Stops the worker threads; later products run single-threaded. (A set
   * that is dropped without it has its workers stopped when it is garbage
   * collected.) The linear memory is freed with the set itself.
   */
  destroy(): void;
}

/** Creates the wasm kernel set; throws if WebAssembly SIMD is unavailable. */
export function createWasmKernels(opts: WasmBackendOptions = {}): WasmKernelSet {
  const P = opts.gemm ?? DEFAULT_GEMM;
  const minWork = opts.minWork ?? DEFAULT_WASM_MIN_WORK;
  const minOutput = opts.minOutput ?? WASM_MIN_OUTPUT;
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1 && opts.threads <= MAX_THREADS)) {
    throw new RangeError(`createWasmKernels: threads must be an integer in [1, ${MAX_THREADS}], got ${String(opts.threads)}`);
  }
  const wantThreads = opts.threads ?? defaultWasmThreads();
  const minThreadWork = opts.minThreadWork ?? DEFAULT_THREAD_MIN_WORK;
  const api = wasmApi();
  let poolReason: string | null = null;
  if (wantThreads === 1)
    poolReason =
      opts.threads === 1 ? 'single-threaded by request (threads: 1)' : 'one core reported (or none: Node < 20.16 has no process.getBuiltinModule to ask)';
  else if (typeof SharedArrayBuffer !== 'function') poolReason = 'SharedArrayBuffer is not available';
  // a shared memory where threads may run; an engine that refuses one runs single-threaded
  let shared = poolReason === null;
  let memory: WasmMemory;
  try {
    memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared });
  } catch (e) {
    if (!shared) throw e;
    shared = false;
    poolReason = `shared WebAssembly memory is not available (${e instanceof Error ? e.message : String(e)})`;
    memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared });
  }
  const module = new api.Module(gemmModule(P, { minPages: 1, maxPages: MAX_PAGES, shared }));
  const gemm = new api.Instance(module, { env: { memory } }).exports.gemm as GemmFn;
  const stats = { matmul: 0, fallbacks: 0 };
  const handle: { pool?: GemmPool } = {};
  let poolTried = !shared;

  /** The worker pool, started on first need; undefined when it cannot run. */
  function workers(): GemmPool | undefined {
    if (!poolTried) {
      poolTried = true;
      const r = startGemmPool(module, memory, wantThreads - 1, { callerWorks: opts.callerWorks ?? true });
      if (typeof r === 'string') poolReason = r;
      else handle.pool = r;
    }
    return handle.pool;
  }

  function retirePool(reason: string): void {
    handle.pool?.terminate();
    handle.pool = undefined;
    poolTried = true;
    poolReason = reason;
  }

  /** A Float32Array view of at least `floats` elements (grows the memory); undefined past MAX_PAGES or when growing fails. */
  function view(floats: number): Float32Array | undefined {
    const bytes = floats * 4;
    if (bytes > MAX_PAGES * PAGE) return undefined;
    const have = memory.buffer.byteLength;
    if (bytes > have) {
      try {
        memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch {
        return undefined; // the engine could not commit the memory: the product runs on js
      }
    }
    return new Float32Array(memory.buffer);
  }

  function matmul(args: MatmulArgs): Storage {
    const { a, aShape, b, bShape, transposeA, transposeB, batchShape, dtype } = args;
    const { M, K, N, batch } = matmulDims(args);
    const Mp = roundUp(M, P.MR),
      Np = roundUp(N, P.NR);
    const f =
      dtype === 'float32' && M * N * K >= minWork && M * N >= minOutput && M * N * K * batch > 0
        ? view(CONTROL_BYTES / 4 + Mp * K + Np * K + Mp * Np)
        : undefined;
    if (f === undefined) {
      stats.fallbacks++;
      return jsMatmul(args);
    }
    const aAt = CONTROL_BYTES / 4,
      bAt = aAt + Mp * K,
      cAt = bAt + Np * K;
    // a product with fewer row panels than two per thread gains nothing from waking the workers
    const team = M * N * K >= minThreadWork && Mp / P.MR >= 2 * wantThreads ? workers() : undefined;
    const offsets = batchOffsets(aShape, bShape, batchShape, M * K, K * N);
    const ars = transposeA ? 1 : K,
      acs = transposeA ? M : 1;
    const brs = transposeB ? 1 : N,
      bcs = transposeB ? K : 1;
    const fa = a instanceof Float32Array ? a : Float32Array.from(a);
    const fb = b instanceof Float32Array ? b : Float32Array.from(b);
    const out = new Float32Array(batch * M * N);
    let lastAo = -1,
      lastBo = -1;
    for (let t = 0; t < batch; t++) {
      const ao = offsets.aOff[t],
        bo = offsets.bOff[t];
      // a broadcast operand is packed once for all the batch entries that share it
      if (ao !== lastAo) packA(fa, ao, ars, acs, M, K, f, aAt, P);
      if (bo !== lastBo) packB(fb, bo, brs, bcs, K, N, f, bAt, P);
      lastAo = ao;
      lastBo = bo;
      f.fill(0, cAt, cAt + Mp * Np);
      const ran =
        team !== undefined &&
        handle.pool === team &&
        team.run(gemm, { aPtr: aAt * 4, bPtr: bAt * 4, cPtr: cAt * 4, panels: Mp / P.MR, nq: Np / P.NR, K, Mp, Np });
      if (!ran) {
        if (team !== undefined && handle.pool === team) retirePool(team.broken() ?? 'the worker pool failed');
        gemm(aAt * 4, bAt * 4, cAt * 4, 0, Mp / P.MR, Np / P.NR, K, Mp, Np);
      }
      const o = t * M * N;
      if (Np === N) out.set(f.subarray(cAt, cAt + M * N), o);
      else for (let i = 0; i < M; i++) out.set(f.subarray(cAt + i * Np, cAt + i * Np + N), o + i * N);
    }
    stats.matmul++;
    return out;
  }

  /** Cosine similarities as two row normalisations (float64, rounded once) and one SIMD matmul. */
  function pairwiseCosineForward(x: Storage, y: Storage, N: number, M: number, D: number, eps: number, dtype: 'float32' | 'float64'): Storage {
    if (dtype !== 'float32') return jsPairwiseCosineForward(x, y, N, M, D, eps, dtype);
    const a = Float32Array.from(normalized(x, N, D, eps));
    const b = Float32Array.from(normalized(y, M, D, eps));
    return matmul({ a, aShape: [N, D], b, bShape: [M, D], transposeA: false, transposeB: true, batchShape: [], dtype: 'float32' });
  }

  const set: WasmKernelSet = {
    kernels: { matmul, pairwiseCosineForward },
    stats,
    memoryBytes: () => memory.buffer.byteLength,
    threads: () => ({
      count: handle.pool === undefined ? 1 : handle.pool.workers + 1,
      reason: handle.pool === undefined ? (poolReason ?? 'not started yet (no product large enough so far)') : null,
      workerChunks: handle.pool?.workerChunks() ?? 0,
    }),
    destroy: () => retirePool('destroyed'),
  };
  dropped?.register(set, handle);
  return set;
}

/** Result of {@link probeWasm}. */
export type WasmProbe = { ok: true; set: WasmKernelSet } | { ok: false; reason: string };

/**
 * Whether this JavaScript engine runs the generated WebAssembly SIMD module
 * correctly: validates it and checks a 5×9 by 9×11 product (padding in
 * every direction) against a plain loop. On success returns a fresh kernel
 * set with `opts`.
 */
export function probeWasm(opts: WasmBackendOptions = {}): WasmProbe {
  try {
    const bytes = gemmModule(opts.gemm ?? DEFAULT_GEMM, { minPages: 1, maxPages: MAX_PAGES, shared: false });
    if (!wasmApi().validate(bytes)) throw new Error('this engine does not validate WebAssembly SIMD (fixed-width SIMD is required)');
    const set = createWasmKernels({ ...opts, minWork: 0, minOutput: 0, threads: 1 });
    const M = 5,
      K = 9,
      N = 11; // awkward sizes: padding in every direction
    const a = Float32Array.from({ length: M * K }, (_, i) => ((i * 7) % 5) - 2);
    const b = Float32Array.from({ length: K * N }, (_, i) => ((i * 3) % 7) - 3);
    const got = set.kernels.matmul({ a, aShape: [M, K], b, bShape: [K, N], transposeA: false, transposeB: false, batchShape: [], dtype: 'float32' });
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
        if (got[i * N + j] !== s) throw new Error(`probe product differs at (${i}, ${j}): ${got[i * N + j]} ≠ ${s}`);
      }
    }
    return { ok: true, set: createWasmKernels(opts) };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}
