/**
 * The browser variant of provider.ts (package.json's `browser` field maps
 * provider.ts here for bundlers): the gpu.js backend factories and the
 * kernel code behind them load with a dynamic import on first request, so
 * a browser bundle keeps them in a chunk of their own.
 */
import type { GpuFactories } from './provider.ts';

let loaded: GpuFactories | undefined;
let pending: Promise<GpuFactories> | undefined;

/** The factories when they are loaded, else undefined ({@link loadGpuFactories} first). */
export function gpuFactories(): GpuFactories | undefined {
  return loaded;
}

/** Loads the factories (a dynamic import: a separate chunk); a failed fetch is not remembered, so the next call tries again. */
export function loadGpuFactories(): Promise<GpuFactories> {
  pending ??= import('./factories.ts').then(
    (m) => {
      loaded = m;
      return m;
    },
    (e: unknown) => {
      pending = undefined;
      throw e;
    },
  );
  return pending;
}
