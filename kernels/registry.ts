/**
 * Kernel registry: maps a kernel name to its implementation on each backend
 * and chooses which backend runs a call.
 *
 * The op layer calls `kernel(name, dtype)` and never names a backend; the
 * kernel it gets takes and returns {@link TensorData} (kernels/data.ts), so
 * device-resident values pass from op to op without readback. float64 work
 * always runs on the exact `js` backend; float32 work runs on the active
 * backend when it implements the kernel, else on the *fallback* backend (set
 * by the backend layer to the fastest CPU route, `wasm`, when it runs) when
 * that implements it, else on `js`. With `js` active, float32 runs on js.
 *
 * Backends are of two kinds: *host* backends (js, wasm) register kernels on
 * typed arrays (the registry adapts them with `onHost`, which reads device
 * data back, counted), and *device* backends (gpu.js) register kernels on
 * TensorData that keep their results on the device.
 */
import { jsKernels } from './js/index.ts';
import { onHost, type OnData } from './data.ts';
import type { DType } from './types.ts';

/** The full kernel set on typed arrays; the `js` backend implements all of it. */
export type Kernels = typeof jsKernels;
/** Name of a kernel. */
export type KernelName = keyof Kernels;
/** The full kernel set on TensorData, as the op layer calls it. */
export type DataKernels = { readonly [K in KernelName]: OnData<Kernels[K]> };

/** A compute backend: a name and the kernels it accelerates. */
export type Backend =
  | { readonly name: string; readonly kind?: 'host'; readonly kernels: Partial<Kernels> }
  | { readonly name: string; readonly kind: 'device'; readonly kernels: Partial<DataKernels> };

/** A registered backend with its kernels on TensorData (host kernels adapted once, lazily). */
interface Entry {
  readonly backend: Backend;
  readonly device: boolean;
  readonly adapted: Partial<Record<KernelName, unknown>>;
}

function entryOf(b: Backend): Entry {
  return { backend: b, device: b.kind === 'device', adapted: {} };
}

/** The kernel `name` of entry `e` on TensorData, or undefined. */
function dataKernel<K extends KernelName>(e: Entry, name: K): DataKernels[K] | undefined {
  const hit = e.adapted[name];
  if (hit !== undefined) return hit as DataKernels[K];
  const b = e.backend;
  let k: unknown;
  if (b.kind === 'device') k = b.kernels[name];
  else {
    const raw = b.kernels[name];
    k = raw === undefined ? undefined : onHost(raw as (...args: never[]) => unknown);
  }
  if (k !== undefined) e.adapted[name] = k;
  return k as DataKernels[K] | undefined;
}

const backends = new Map<string, Entry>([['js', entryOf({ name: 'js', kernels: jsKernels })]]);
let active: Entry = backends.get('js')!;
let fallback: Entry | undefined;

/** Registers (or replaces) a backend. */
export function registerBackend(b: Backend): void {
  backends.set(b.name, entryOf(b));
}

/** Removes a registered backend (not `js`, not the active or fallback one); returns whether it was registered. */
export function unregisterBackend(name: string): boolean {
  if (name === 'js' || name === active.backend.name || name === fallback?.backend.name) {
    throw new Error(`unregisterBackend: cannot remove '${name}' (js, or the active or fallback backend)`);
  }
  return backends.delete(name);
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** Name of the backend that runs float32 kernels now. */
export function backend(): string {
  return active.backend.name;
}

/** Whether the active backend keeps float32 results on a device (gpu.js GL/WebGPU). */
export function activeIsDevice(): boolean {
  runFirstUse();
  return active.device;
}

/**
 * Whether the active backend runs every float32 kernel of `names` itself.
 * Fused ops ask this on device backends: where a device backend lacks one of
 * their kernels they run their composite (device-resident) definition
 * instead of copying data to a host kernel and back.
 */
export function activeImplements(names: readonly KernelName[]): boolean {
  runFirstUse();
  return names.every((n) => active.backend.kernels[n] !== undefined);
}

/** Chooses the backend for float32 kernels; throws if it is not registered. */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    throw new Error(`setBackend: unknown backend '${name}'; registered backends: ${listBackends().join(', ')}`);
  }
  active = b;
}

/**
 * Chooses the backend that serves the float32 kernels the active backend
 * lacks (none: `undefined`, then js serves them); throws if not registered.
 */
export function setFallbackBackend(name: string | undefined): void {
  if (name === undefined) {
    fallback = undefined;
    return;
  }
  const b = backends.get(name);
  if (!b) throw new Error(`setFallbackBackend: unknown backend '${name}'; registered backends: ${listBackends().join(', ')}`);
  fallback = b;
}

/** The host (typed-array) kernel table of registered host backend `name` (undefined if none or a device backend). */
export function kernelsOf(name: string): Partial<Kernels> | undefined {
  const b = backends.get(name)?.backend;
  return b === undefined || b.kind === 'device' ? undefined : b.kernels;
}

let firstUse: (() => void) | undefined;

/**
 * Installs a hook run once, before the first {@link kernel} lookup (the
 * public backend layer uses it to apply the `GYROGRAD_BACKEND` environment
 * variable even when user code never calls `setBackend`).
 */
export function onFirstKernel(hook: () => void): void {
  firstUse = hook;
}

/** Runs the first-use hook, once. */
function runFirstUse(): void {
  if (firstUse === undefined) return;
  const hook = firstUse;
  firstUse = undefined;
  hook();
}

/**
 * Whether float32 kernel `name` runs on a backend of its own now, i.e. the
 * active backend implements it and is not `js`. Ops whose fused kernel is
 * only worth it off js (it would lose to a matmul-based form there) ask this.
 */
export function provides(name: KernelName): boolean {
  runFirstUse();
  return active.backend.name !== 'js' && active.backend.kernels[name] !== undefined;
}

const jsEntry = backends.get('js')!;

/** Name of the backend that serves kernel `name` for data of `dtype` now (active, fallback or js). */
export function servingBackend(name: KernelName, dtype: DType): string {
  runFirstUse();
  if (dtype === 'float32' && active !== jsEntry) {
    if (active.backend.kernels[name] !== undefined) return active.backend.name;
    if (fallback?.backend.kernels[name] !== undefined) return fallback.backend.name;
  }
  return 'js';
}

/** The implementation of kernel `name` for data of `dtype`, on TensorData. */
export function kernel<K extends KernelName>(name: K, dtype: DType): DataKernels[K] {
  runFirstUse();
  if (dtype === 'float32' && active !== jsEntry) {
    const k = dataKernel(active, name) ?? (fallback && dataKernel(fallback, name));
    if (k) return k;
  }
  return dataKernel(jsEntry, name)!;
}
