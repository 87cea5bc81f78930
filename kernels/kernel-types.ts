/**
 * The types of the kernel tables: the full kernel set (the `js` backend's),
 * kernel names, kernels on TensorData, and a backend. Shared by the registry
 * and the backends it registers (types only, so no module imports the
 * registry to describe itself to it).
 */
import type { jsKernels } from './js/index.ts';
import type { OnData } from './data.ts';

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
