/**
 * The compiled-kernel cache of one gpu.js kernel set: an LRU keyed by the
 * kernel's *shape signature* (the kernel name plus every size and constant
 * baked into the compiled source). A kernel is compiled once per signature;
 * past `capacity` the least recently used kernel is evicted and destroyed
 * (`kernel.destroy()`, which also frees its GL textures), and counters record
 * compilations, evictions and destructions so tests can check that nothing leaks.
 */
import type { CompiledKernel } from './common.ts';

/** Counters of a {@link KernelCache}. */
export interface CacheCounters {
  /** kernels compiled (cache misses) */
  compiled: number;
  /** kernels evicted because the cache was full */
  evicted: number;
  /** kernels destroyed (evicted ones, and every cached one when the set is destroyed) */
  destroyed: number;
}

/** A bounded LRU of compiled gpu.js kernels. */
export class KernelCache {
  // a Map iterates in insertion order: a hit is re-inserted at the end, the first entry is the LRU
  private readonly map = new Map<string, CompiledKernel>();
  private readonly capacity: number;
  private readonly counters: CacheCounters;
  private readonly dispose: (k: CompiledKernel) => void;

  /** `dispose` destroys one kernel (default `kernel.destroy()`). */
  constructor(capacity: number, counters: CacheCounters, dispose: (k: CompiledKernel) => void = (k) => k.destroy?.()) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.counters = counters;
    this.dispose = dispose;
  }

  /** The kernel of signature `key`, compiled by `make` on a miss. */
  get(key: string, make: () => CompiledKernel): CompiledKernel {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const k = make();
    this.counters.compiled++;
    this.map.set(key, k);
    while (this.map.size > this.capacity) {
      const [oldKey, old] = this.map.entries().next().value as [string, CompiledKernel];
      this.map.delete(oldKey);
      this.counters.evicted++;
      this.destroyOne(old);
    }
    return k;
  }

  /** Number of cached kernels. */
  get size(): number {
    return this.map.size;
  }

  /** Destroys every cached kernel. */
  clear(): void {
    for (const k of this.map.values()) this.destroyOne(k);
    this.map.clear();
  }

  private destroyOne(k: CompiledKernel): void {
    this.counters.destroyed++;
    this.dispose(k);
  }
}
