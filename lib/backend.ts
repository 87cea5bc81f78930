/**
 * Backend selection for the public API: which kernel backend runs float32
 * work. float64 always runs on the exact `js` backend.
 *
 * Backends:
 * - host backends, on typed arrays: `js` (every kernel), `wasm` (float32
 *   matmul on a WebAssembly SIMD kernel generated in TypeScript,
 *   kernels/wasm), and gpu.js's CPU routes `gpujs-cpu`, `gpujs-webasm`
 *   (kernels/gpu);
 * - device backends, whose tensors live on the device (kernels/gpu/device):
 *   gpu.js's GL modes `gpujs-webgl2`, `gpujs-webgl` (browsers) and
 *   `gpujs-headlessgl` (Node, the native `gl` package and an X display).
 *   Ops pass textures from kernel to kernel; values come back to the host
 *   only when read (`toArray`, `item`, printing) — see {@link transferStats}.
 * - `gpujs-webgpu` (where `navigator.gpu` answers an adapter): a device
 *   backend on storage buffers whose work is chained asynchronously; it is
 *   selected with `await setBackend('gpujs-webgpu')` and read with
 *   `toArrayAsync`, and never chosen by default.
 *
 * A route other than js is probed (its module or a tiny kernel is built and
 * run against known values) the first time it is asked for, and registered
 * only if it works; kernels a backend lacks run on wasm when it has them,
 * else on js (see Fallbacks).
 *
 * **Default.** Chosen lazily by the kernel registry at the first kernel use
 * (importing the library does nothing: the package is side-effect free, so a
 * bundle that imports only `tensor` and `matmul` gets the same default). The
 * environment variable `GYROGRAD_BACKEND` selects a backend if set (an
 * unknown or unavailable name is reported by a warning, and the default
 * applies). Otherwise the default is a device backend on a *hardware* GPU
 * when one answers (webgl2, then webgl, then headlessgl), else `wasm` when
 * the engine runs WebAssembly SIMD, else `js`. A GL implementation that
 * renders in software (SwiftShader, llvmpipe, softpipe, …) is never picked
 * by default: it runs the kernels correctly but slower than wasm on the
 * machines measured (BENCHMARKS.md). {@link backendInfo} says, per backend,
 * why it was or was not chosen.
 *
 * **gpu.js on demand.** gpu.js (an optional dependency) and the library's
 * gpu.js kernels are loaded only when a gpu.js backend is probed:
 * synchronously in Node, by dynamic imports in browsers, where a bundle
 * keeps them in chunks of their own (package.json's `browser` field maps
 * kernels/gpu/provider.ts to its dynamic variant). In a browser the
 * gpu.js backends therefore need `await setBackend(name)` or
 * `await loadGpuBackends()` first; before that, the default considers the
 * CPU backends only.
 *
 * **Fallbacks.** With a gpu.js backend active, the float32 kernels it lacks
 * run on wasm's when wasm has them, else on js (a device backend then reads
 * its inputs back, counted in {@link transferStats}).
 */
import * as registry from '../kernels/registry.ts';
import { gpuState, isDeviceName, needsGpuJs, WEBGPU } from '../kernels/backends.ts';
import type { DeviceBackend } from '../kernels/gpu/device/index.ts';
import { ArgumentError, ValueError } from './errors.ts';

/** Thrown by {@link setBackend} for a known backend that cannot run here. */
export class BackendUnavailableError extends ValueError {
  /** `'BackendUnavailableError'`, so that messages and `err.name` show the class. */
  override readonly name: string = 'BackendUnavailableError';
}

/**
 * The default backend: a device backend on a hardware GPU when one answers
 * (webgl2, webgl, headlessgl; software renderers are passed over), else
 * `wasm` where WebAssembly SIMD runs, else `js`. Probes once. In a browser,
 * the gpu.js device backends count once gpu.js is loaded
 * ({@link loadGpuBackends}).
 */
export function defaultBackend(): string {
  return registry.defaultName();
}

/** Every backend name this library knows (available here or not). */
export function listBackends(): string[] {
  return registry.knownNames();
}

/** The backends that actually run here (probes each once). */
export function availableBackends(): string[] {
  return registry.knownNames().filter((n) => registry.probeBackend(n) === null);
}

/** Name of the backend that runs float32 kernels now (by default {@link defaultBackend}). */
export function backend(): string {
  return registry.activeName();
}

/** Throws the typed error for an unknown name. */
function checkKnown(fn: string, name: string): void {
  const names = registry.knownNames();
  if (typeof name !== 'string' || !names.includes(name)) {
    throw new ValueError(`${fn}: unknown backend '${String(name)}'; expected one of: ${names.join(', ')}`);
  }
}

/** Probes and selects `name`, with the typed errors naming the public function `fn`. */
function select(name: string, fn = 'setBackend'): void {
  checkKnown(fn, name);
  const reason = registry.chooseBackend(name);
  if (reason !== null) {
    throw new BackendUnavailableError(`${fn}: backend '${name}' is not available here: ${reason}`);
  }
}

/** Why backend `name` cannot run here (probing it once), or `null` when it can; throws for an unknown name. */
export function backendUnavailableReason(name: string): string | null {
  checkKnown('backendUnavailableReason', name);
  return registry.probeBackend(name);
}

/**
 * Selects the backend for float32 kernels. Throws a ValueError for an
 * unknown name and a `BackendUnavailableError` (a ValueError) for a
 * known backend that cannot run here; the current backend is kept then.
 *
 * Where a backend must first load code or find its device, `setBackend`
 * returns a Promise (rejected with the BackendUnavailableError when it
 * cannot run): `gpujs-webgpu` the first time (its adapter is found
 * asynchronously), and every gpu.js backend in a browser until gpu.js is loaded (it is
 * loaded on demand, so bundles that never choose it do not contain it; in
 * Node it loads synchronously). Every other call selects synchronously and
 * returns nothing; `await setBackend(name)` is right everywhere. On WebGPU,
 * read values with `toArrayAsync` (its readback is asynchronous: `toArray`
 * and `item` throw a typed error for values that live only on the device).
 */
export function setBackend(name: string): void | Promise<void> {
  checkKnown('setBackend', name);
  if (name === WEBGPU && !registry.webGpuProbed()) return registry.probeWebGpu().then(() => select(name));
  if (needsGpuJs(name) && gpuState() === 'async') {
    return registry.loadGpu().then(
      () => select(name),
      (e: unknown) => {
        throw new BackendUnavailableError(`setBackend: backend '${name}' is not available here: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }
  select(name);
}

/**
 * Loads the code the gpu.js backends need (gpu.js is loaded on demand: in a
 * browser bundle it is a separate chunk, fetched here) and resolves to
 * {@link availableBackends}. When no backend was chosen explicitly, the
 * default is decided again with the device backends counted (a hardware
 * GPU is then picked, as in Node). Where gpu.js is not installed (an
 * optional dependency) it resolves too: the gpu.js backends are then
 * unavailable, and {@link backendUnavailableReason} says to install it.
 */
export async function loadGpuBackends(): Promise<string[]> {
  await registry.loadGpu().catch(() => undefined);
  return availableBackends();
}

/**
 * Runs `fn` with backend `name` selected for float32 kernels and restores the
 * previous backend afterwards (also when `fn` throws). Throws like
 * {@link setBackend} for an unknown or unavailable name, before running `fn`
 * (a backend whose code must load first is unavailable here until loaded).
 * The backend is selected while `fn` runs synchronously: for an `async` `fn`,
 * the code after its first `await` already runs with the previous backend
 * (select it with `setBackend` around asynchronous work instead).
 */
export function withBackend<T>(name: string, fn: () => T): T {
  if (typeof fn !== 'function') {
    throw new ArgumentError(`withBackend: argument 'fn' must be a function to run with backend '${String(name)}', got ${fn === null ? 'null' : typeof fn}`);
  }
  const previous = registry.currentChoice();
  select(name, 'withBackend');
  try {
    return fn();
  } finally {
    registry.restoreChoice(previous);
  }
}

/** What {@link backendInfo} reports about one backend. */
export interface BackendInfo {
  /** the backend name */
  readonly name: string;
  /** `host`: typed arrays in memory; `device`: tensors live on a GPU device (textures) */
  readonly kind: 'host' | 'device';
  /** whether it runs here */
  readonly available: boolean;
  /** why it does not run here (when not available) */
  readonly reason: string | null;
  /** the GL renderer, for a device backend that runs ('' when the GL hides it, e.g. headless-gl's 'ANGLE') */
  readonly renderer?: string;
  /** the GL vendor, for a device backend that runs */
  readonly vendor?: string;
  /** whether that renderer rasterises in software (by its name, or by a timed probe where the GL hides it) */
  readonly software?: boolean;
  /** whether it is the default here */
  readonly isDefault: boolean;
  /** whether it is the active backend now */
  readonly active: boolean;
  /** why the default passed it over although it runs (software renderer), if so */
  readonly passedOver?: string;
}

/**
 * Every known backend with whether it runs here, why not, its renderer
 * (device backends) and why the default chose it or passed it over.
 * Probes every backend once.
 */
export function backendInfo(): BackendInfo[] {
  const now = registry.activeName();
  const def = defaultBackend();
  return registry.knownNames().map((name) => {
    const reason = registry.probeBackend(name);
    const d = registry.deviceRecord(name);
    const kind = registry.isDeviceBackend(name) ? 'device' : 'host';
    const over = registry.passedOverReason(name);
    return {
      name,
      kind,
      available: reason === null,
      reason,
      ...(d === undefined ? {} : { renderer: d.info.renderer, vendor: d.info.vendor, software: d.info.software || over !== undefined }),
      isDefault: name === def,
      active: name === now,
      ...(over === undefined ? {} : { passedOver: over }),
    };
  });
}

/** Device memory counters of a device backend (see {@link deviceMemoryStats}). */
export interface DeviceMemoryInfo {
  /** tensors with a live device copy */
  readonly live: number;
  /** bytes they hold */
  readonly liveBytes: number;
  /** most bytes held at once */
  readonly peakBytes: number;
  /** device copies freed because their tensor was garbage-collected */
  readonly collected: number;
  /** device copies spilled to host because the budget was exceeded */
  readonly spilled: number;
  /** device copies freed in all (released by a transformation's scope, collected, spilled or moved) */
  readonly freed: number;
  /** the byte budget */
  readonly budgetBytes: number;
  /** GL textures alive in the backend's context (created minus deleted; −1 if unobservable) */
  readonly glTextures: number;
  /** kernels compiled */
  readonly compiled: number;
  /** device kernel calls that ran on the host instead (empty or oversized tensors) */
  readonly fallbacks: number;
}

function deviceOf(fn: string, name: string | undefined): DeviceBackend {
  const n = name ?? registry.activeName();
  if (!isDeviceName(n)) {
    throw new ValueError(`${fn}: '${n}' is not a device backend; expected one of: ${registry.knownNames().filter(isDeviceName).join(', ')}`);
  }
  const reason = registry.probeBackend(n);
  if (reason !== null) throw new BackendUnavailableError(`${fn}: backend '${n}' is not available here: ${reason}`);
  return registry.deviceRecord(n)!.backend;
}

/**
 * Device memory of device backend `name` (default: the active backend).
 * Memory needs no `dispose`: a tensor's texture is freed when the tensor is
 * garbage-collected, and past the budget the least recently used textures
 * spill to host.
 * @throws ValueError for a host backend; BackendUnavailableError when it does not run here
 */
export function deviceMemoryStats(name?: string): DeviceMemoryInfo {
  const b = deviceOf('deviceMemoryStats', name);
  const m = b.context.store.memory;
  const c = b.context.counters;
  return { ...m.stats(), budgetBytes: m.budgetBytes, glTextures: c.glTextures, compiled: c.compiled, fallbacks: c.fallbacks };
}

/**
 * Sets the device memory budget (bytes) of device backend `name` (default:
 * the active one); textures past it spill to host, least recently used first.
 * The default is 1 GiB, 4 GiB on a GPU identified by its renderer name (WebGL
 * cannot report a GPU's memory). A training step's intermediates are all
 * alive until its `valueAndGrad` returns, so the budget should exceed one
 * step's working set, else the step spills (correct, but each spill is a readback).
 * On `gpujs-webgpu` nothing spills (its readback is asynchronous): memory is
 * bounded there by the scopes of `valueAndGrad`/`update` and by garbage
 * collection when the program yields (as a browser training loop does).
 * @throws ValueError unless bytes is a positive finite number
 */
export function setDeviceMemoryBudget(bytes: number, name?: string): void {
  if (!(typeof bytes === 'number' && bytes > 0 && Number.isFinite(bytes))) {
    throw new ValueError(`setDeviceMemoryBudget: bytes must be a positive finite number, got ${String(bytes)}`);
  }
  deviceOf('setDeviceMemoryBudget', name).context.store.memory.budgetBytes = bytes;
}
