/**
 * Where the registry gets the gpu.js backend factories (kernels/gpu/factories.ts):
 * here, statically — Node makes gpu.js backends synchronously
 * (`setBackend('gpujs-headlessgl')`). Browser bundles get
 * provider-browser.ts instead (package.json's `browser` field maps this file
 * to it), which loads the factories with a dynamic import, so the gpu.js
 * kernel code is a chunk of its own there. Both modules export the same two
 * functions.
 */
import * as factories from './factories.ts';

/** The gpu.js backend factories. */
export type GpuFactories = typeof factories;

/** The factories when they are loaded (always, here). */
export function gpuFactories(): GpuFactories | undefined {
  return factories;
}

/** Loads the factories (already loaded here). */
export function loadGpuFactories(): Promise<GpuFactories> {
  return Promise.resolve(factories);
}
