/**
 * Kernel registry: maps a kernel name to its implementation on each backend
 * and chooses which backend runs a call.
 *
 * The op layer calls `kernel(name, dtype)` and never names a backend. float64
 * work always runs on the exact `js` backend; float32 work runs on the active
 * backend when it implements the kernel, else on the *fallback* backend (set
 * by the backend layer to the fastest CPU route, `wasm`, when it runs) when
 * that implements it, else on `js`. With `js` active, float32 runs on js.
 */
import { jsKernels } from './js/index.ts';
import type { DType } from './types.ts';

/** The full kernel set; the `js` backend implements all of it. */
export type Kernels = typeof jsKernels;
/** Name of a kernel. */
export type KernelName = keyof Kernels;

/** A compute backend: a name and the kernels it accelerates. */
export interface Backend {
  readonly name: string;
  readonly kernels: Partial<Kernels>;
}

const backends = new Map<string, Backend>([['js', { name: 'js', kernels: jsKernels }]]);
let active: Backend = backends.get('js')!;
let fallback: Backend | undefined;

/** Registers (or replaces) a backend. */
export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
}

/** Removes a registered backend (not `js`, not the active or fallback one); returns whether it was registered. */
export function unregisterBackend(name: string): boolean {
  if (name === 'js' || name === active.name || name === fallback?.name) {
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
  return active.name;
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

/** The kernel table of registered backend `name` (undefined if none). */
export function kernelsOf(name: string): Partial<Kernels> | undefined {
  return backends.get(name)?.kernels;
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
  return active.name !== 'js' && active.kernels[name] !== undefined;
}

/** The implementation of kernel `name` for data of `dtype`. */
export function kernel<K extends KernelName>(name: K, dtype: DType): Kernels[K] {
  runFirstUse();
  if (dtype === 'float32' && active.name !== 'js') {
    const k = active.kernels[name] ?? fallback?.kernels[name];
    if (k) return k as Kernels[K];
  }
  return jsKernels[name];
}
