/**
 * Backend selection for the public API: which kernel backend runs float32
 * work. float64 always runs on the exact `js` backend.
 */
import * as registry from '../kernels/registry.ts';
import { ValueError } from './errors.ts';

/** Name of the backend that runs float32 kernels now (`'js'` by default). */
export function backend(): string {
  return registry.backend();
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return registry.listBackends();
}

/** Selects the backend for float32 kernels. Throws a ValueError for an unknown name. */
export function setBackend(name: string): void {
  if (!registry.listBackends().includes(name)) {
    throw new ValueError(`setBackend: unknown backend '${name}'; expected one of: ${registry.listBackends().join(', ')}`);
  }
  registry.setBackend(name);
}
