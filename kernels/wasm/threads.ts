/**
 * Worker threads for the wasm matmul (Node only): every thread instantiates
 * the same generated module on one *shared* WebAssembly memory, and the row
 * panels of a product are handed out in chunks through an atomic counter, so
 * a loaded core simply takes fewer chunks. The calling thread works too and
 * then blocks (`Atomics.wait`, allowed on Node's main thread) until every
 * worker has finished: the matmul stays a synchronous function.
 *
 * Control block: the first 32 int32 of the shared memory (the packed
 * operands start after it). Workers are started once, lazily, and are
 * `unref`ed (they never keep a process alive). If the engine has no
 * `node:worker_threads` (browsers, Node < 20.16 without
 * `process.getBuiltinModule`), or a worker fails to start or does not come
 * up in time, the pool is not created and the caller runs single-threaded.
 *
 * Failures: a worker that throws while computing flags the job as failed
 * (the product is then recomputed on the calling thread, and the pool is
 * retired); a worker that reports an `error` or exits is noticed at the next
 * product, which then runs single-threaded. A worker killed *during* a
 * product (e.g. by its own out-of-memory) cannot be noticed while the caller
 * waits, since the caller's event loop is blocked: the wait would not end.
 */
import type { WasmMemory, WasmModule } from './api.ts';

/** Arguments of one gemm call, as the generated function takes them. */
export type GemmFn = (aPtr: number, bPtr: number, cPtr: number, p0: number, p1: number, nq: number, K: number, Mp: number, Np: number) => void;

/** Int32 slots of the control block. */
const SEQ = 0,
  NEXT = 1,
  DONE = 2,
  NCHUNKS = 3,
  CHUNK = 4,
  ARGS = 5 /* … 12: the 8 gemm arguments */,
  STOP = 13,
  READY = 14,
  FAILED = 15,
  WCHUNKS = 16;
/** Int32 slots in the control block. */
const SLOTS = 32;
/** Bytes reserved for the control block at address 0. */
export const CONTROL_BYTES = SLOTS * 4;

/** The worker's source: CommonJS, evaluated by `new Worker(src, { eval: true })`. */
const WORKER_SRC = `
const { workerData } = require('node:worker_threads');
const { module, memory } = workerData;
const ctl = new Int32Array(memory.buffer, 0, ${SLOTS});
let gemm;
try {
  gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
} catch (e) {
  Atomics.store(ctl, ${FAILED}, 1);
}
let seen = Atomics.load(ctl, ${SEQ});
Atomics.add(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
for (;gemm !== undefined;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (Atomics.load(ctl, ${STOP}) !== 0) break;
  try {
    const n = ctl[${NCHUNKS}], chunk = ctl[${CHUNK}], panels = ctl[${ARGS + 3}];
    for (let c = Atomics.add(ctl, ${NEXT}, 1); c < n; c = Atomics.add(ctl, ${NEXT}, 1)) {
      const p0 = c * chunk;
      gemm(ctl[${ARGS}], ctl[${ARGS + 1}], ctl[${ARGS + 2}], p0, Math.min(panels, p0 + chunk), ctl[${ARGS + 4}], ctl[${ARGS + 5}], ctl[${ARGS + 6}], ctl[${ARGS + 7}]);
      Atomics.add(ctl, ${WCHUNKS}, 1);
    }
  } catch (e) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error' | 'exit', listener: (arg: unknown) => void): void;
}
interface WorkerThreads {
  Worker: new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;
}

/** A Node built-in module, reached without an import so the library still loads elsewhere (undefined there). */
function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}

/** Number of cores the engine reports (1 when unknown). */
export function coreCount(): number {
  const os = builtin<{ availableParallelism?: () => number }>('node:os');
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, os?.availableParallelism?.() ?? nav?.hardwareConcurrency ?? 1);
}

/** A started pool. */
export interface GemmPool {
  /** worker threads (the calling thread works as well) */
  readonly workers: number;
  /**
   * Runs `gemm` over row panels [0, panels) of the product described by
   * `args`, in chunks, on every thread. Returns false, having computed
   * nothing usable, when the pool is broken (a worker failed or exited):
   * the caller then computes the product itself and retires the pool.
   */
  run(gemm: GemmFn, args: { aPtr: number; bPtr: number; cPtr: number; panels: number; nq: number; K: number; Mp: number; Np: number }): boolean;
  /** Chunks computed by the workers so far (the calling thread's are not counted). */
  workerChunks(): number;
  /** Why the pool is broken, or null. */
  broken(): string | null;
  /** Stops the workers. */
  terminate(): void;
}

/** Options of {@link startGemmPool}. */
export interface PoolOptions {
  /** how long to wait for the workers to start (default 10 s) */
  timeoutMs?: number;
  /** whether the calling thread computes chunks too (default true; false is for tests of the workers) */
  callerWorks?: boolean;
}

/**
 * Starts `workers` worker threads on `memory` (shared) running `module`;
 * waits up to `timeoutMs` for them to be ready. Returns the reason when no
 * pool can run here.
 */
export function startGemmPool(
  module: WasmModule,
  memory: WasmMemory,
  workers: number,
  { timeoutMs = 10_000, callerWorks = true }: PoolOptions = {},
): GemmPool | string {
  const wt = builtin<WorkerThreads>('node:worker_threads');
  if (wt === undefined) return 'node:worker_threads is not available in this engine';
  if (!(memory.buffer instanceof SharedArrayBuffer)) return 'the kernel memory is not shared';
  const ctl = new Int32Array(memory.buffer, 0, SLOTS);
  ctl.fill(0);
  const started: NodeWorker[] = [];
  let brokenReason: string | null = null;
  const stopAll = (): void => {
    Atomics.store(ctl, STOP, 1);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    for (const w of started) void w.terminate();
  };
  try {
    for (let i = 0; i < workers; i++) {
      const w = new wt.Worker(WORKER_SRC, { eval: true, workerData: { module, memory } });
      w.unref();
      // an 'error' event without a listener would end the process; here it retires the pool
      w.on('error', (e) => {
        brokenReason ??= `a worker thread failed: ${e instanceof Error ? e.message : String(e)}`;
      });
      w.on('exit', (code) => {
        brokenReason ??= `a worker thread exited (code ${String(code)})`;
      });
      started.push(w);
    }
  } catch (e) {
    stopAll();
    return `could not start worker threads: ${e instanceof Error ? e.message : String(e)}`;
  }
  const deadline = Date.now() + timeoutMs;
  for (let r = Atomics.load(ctl, READY); r < workers; r = Atomics.load(ctl, READY)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      stopAll();
      return `worker threads did not start within ${timeoutMs} ms (${r} of ${workers} ready)`;
    }
    Atomics.wait(ctl, READY, r, left);
  }
  if (Atomics.load(ctl, FAILED) !== 0) {
    stopAll();
    return 'a worker thread could not instantiate the WebAssembly module';
  }
  return {
    workers,
    workerChunks: () => Atomics.load(ctl, WCHUNKS),
    broken: () => brokenReason,
    run(gemm, { aPtr, bPtr, cPtr, panels, nq, K, Mp, Np }) {
      if (brokenReason !== null) return false;
      const threads = workers + 1;
      // about four chunks per thread: enough to balance a core that is busy with something else
      const chunk = Math.max(1, Math.ceil(panels / (4 * threads)));
      const n = Math.ceil(panels / chunk);
      ctl[NCHUNKS] = n;
      ctl[CHUNK] = chunk;
      ctl.set([aPtr, bPtr, cPtr, panels, nq, K, Mp, Np], ARGS);
      Atomics.store(ctl, NEXT, 0);
      Atomics.store(ctl, DONE, 0);
      Atomics.add(ctl, SEQ, 1); // publishes the job (sequentially consistent)
      Atomics.notify(ctl, SEQ);
      try {
        if (callerWorks) {
          for (let c = Atomics.add(ctl, NEXT, 1); c < n; c = Atomics.add(ctl, NEXT, 1)) {
            const p0 = c * chunk;
            gemm(aPtr, bPtr, cPtr, p0, Math.min(panels, p0 + chunk), nq, K, Mp, Np);
          }
        }
      } finally {
        // wait for every worker even if this thread's share threw, so that no job overlaps the next
        for (let d = Atomics.load(ctl, DONE); d < workers; d = Atomics.load(ctl, DONE)) Atomics.wait(ctl, DONE, d);
      }
      if (Atomics.exchange(ctl, FAILED, 0) !== 0) {
        brokenReason ??= 'a worker thread failed while computing a product';
        return false;
      }
      return true;
    },
    terminate: stopAll,
  };
}
