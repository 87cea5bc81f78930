/**
 * Loading gpu.js on demand: the one module that touches the `gpu.js`
 * package at run time (every other file imports its types only), so a
 * bundle that never chooses a gpu.js backend never contains gpu.js (its
 * browser build is 1.2 MB, 85 % of a bundle that imported it statically).
 *
 * - {@link gpuJs} returns the `GPU` class synchronously: once loaded, or, in
 *   Node (≥ 20.16, which has `process.getBuiltinModule`), by a synchronous
 *   `require` through `createRequire(import.meta.url)`. In a browser it
 *   throws {@link GpuJsNotLoadedError} until {@link loadGpuJs} resolved.
 * - {@link loadGpuJs} loads it with a dynamic `import('gpu.js')` (a separate
 *   chunk for bundlers), everywhere.
 *
 * gpu.js is an optional dependency of gyrograd: where it is not installed
 * (`npm install --omit=optional`) both report a {@link GpuJsMissingError}
 * saying how to install it, and the gpu.js backends are unavailable for
 * that reason; js and wasm are unaffected.
 */
import type { GPU } from 'gpu.js';

/** The `GPU` class of gpu.js. */
export type GpuClass = typeof GPU;

/** gpu.js is not installed (an optional dependency). */
export class GpuJsMissingError extends Error {
  override readonly name: string = 'GpuJsMissingError';
}

/** gpu.js is installed but must first be loaded asynchronously (browsers). */
export class GpuJsNotLoadedError extends Error {
  override readonly name: string = 'GpuJsNotLoadedError';
}

let loaded: GpuClass | undefined;
let failure: GpuJsMissingError | undefined;
let pending: Promise<GpuClass> | undefined;

const INSTALL = "the optional package 'gpu.js' is not installed (npm install gpu.js; `npm install --omit=optional` leaves it out)";

/** The `GPU` class in whatever shape the module system hands gpu.js over (CommonJS exports, a UMD default). */
function classOf(mod: unknown): GpuClass | undefined {
  const m = mod as { GPU?: unknown; default?: { GPU?: unknown } | unknown } | undefined;
  const d = m?.default as { GPU?: unknown } | undefined;
  const c = m?.GPU ?? d?.GPU ?? d;
  return typeof c === 'function' ? (c as GpuClass) : undefined;
}

function missing(e: unknown): GpuJsMissingError {
  const code = (e as { code?: unknown } | null)?.code;
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new GpuJsMissingError(
    code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)/i.test(msg) ? INSTALL : `gpu.js failed to load: ${msg}`,
  );
}

/** Node's `require` for this module, or undefined outside Node (or before Node 20.16). */
function nodeRequire(): ((id: string) => unknown) | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }).process;
  if (proc?.versions?.node === undefined || typeof proc.getBuiltinModule !== 'function') return undefined;
  const mod = proc.getBuiltinModule('node:module') as { createRequire?: (url: string) => (id: string) => unknown } | undefined;
  return mod?.createRequire?.((import.meta as unknown as { url: string }).url);
}

/**
 * The gpu.js `GPU` class, loading it synchronously where the platform allows
 * (Node); throws {@link GpuJsMissingError} when gpu.js is not installed and
 * {@link GpuJsNotLoadedError} where it must first be loaded with
 * {@link loadGpuJs} (browsers).
 */
export function gpuJs(): GpuClass {
  if (loaded !== undefined) return loaded;
  if (failure !== undefined) throw failure;
  const req = nodeRequire();
  if (req === undefined) {
    throw new GpuJsNotLoadedError("gpu.js is loaded on demand here: `await setBackend('<gpu.js backend>')` or `await loadGpuBackends()` first");
  }
  try {
    const c = classOf(req('gpu.js'));
    if (c === undefined) throw new Error("the module 'gpu.js' exports no GPU class");
    loaded = c;
    return c;
  } catch (e) {
    failure = missing(e);
    throw failure;
  }
}

/**
 * Where gpu.js stands: `ready` (usable synchronously now: loaded, or
 * loadable synchronously in Node), `async` (installed or not, it can only
 * be tried with {@link loadGpuJs}: browsers before loading), `missing` (a
 * load failed: not installed, or broken).
 */
export function gpuJsState(): 'ready' | 'async' | 'missing' {
  if (loaded !== undefined) return 'ready';
  if (failure !== undefined) return 'missing';
  if (nodeRequire() === undefined) return 'async';
  try {
    gpuJs();
    return 'ready';
  } catch {
    return 'missing';
  }
}

/** How {@link loadGpuJs} imports gpu.js (replaceable by tests, to simulate a failed chunk fetch). @internal */
let importGpuJs: () => Promise<unknown> = () => import('gpu.js');

/** Replaces the importer of {@link loadGpuJs} and forgets any load state; returns a function that restores both. @internal (tests only) */
export function withGpuJsImporterForTests(importer: () => Promise<unknown>): () => void {
  const saved = { importGpuJs, loaded, failure, pending };
  importGpuJs = importer;
  loaded = undefined;
  failure = undefined;
  pending = undefined;
  return () => ({ importGpuJs, loaded, failure, pending } = saved);
}

/**
 * Loads gpu.js (a dynamic import: a separate chunk in bundles); rejects with
 * {@link GpuJsMissingError} when it is not installed or its chunk failed to
 * load. A failed dynamic import is not remembered: the next call tries again
 * (a chunk fetch can fail for a moment on a flaky network), while a failure
 * of Node's synchronous load (gpu.js not installed) stays final.
 */
export function loadGpuJs(): Promise<GpuClass> {
  if (loaded !== undefined) return Promise.resolve(loaded);
  if (failure !== undefined) return Promise.reject(failure);
  pending ??= importGpuJs().then(
    (mod: unknown) => {
      const c = classOf(mod);
      if (c === undefined) throw new GpuJsMissingError("gpu.js failed to load: the module 'gpu.js' exports no GPU class");
      loaded = c;
      return c;
    },
    (e: unknown) => {
      pending = undefined;
      throw missing(e);
    },
  );
  return pending;
}

/** Why gpu.js cannot be used synchronously now (null when it can). */
export function gpuJsUnavailableReason(): string | null {
  try {
    gpuJs();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
