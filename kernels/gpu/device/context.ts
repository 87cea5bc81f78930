/**
 * The device side of one gpu.js GL `GPU` (webgl2, webgl, headlessgl): its
 * {@link DeviceStore} (a tensor's values are one flat float32 texture,
 * uploaded by a copy kernel, read back with `texture.toArray()`, freed with
 * `texture.delete()`), the compiled-kernel cache, and {@link DeviceContext.run},
 * which every device kernel calls: compile (once per source and size), bind
 * inputs (uploading host-only ones, counted), run, and wrap the output
 * texture as device-resident {@link TensorData}.
 *
 * Output textures are *immutable* pipeline results (gpu.js `pipeline: true,
 * immutable: true`): every call returns a texture of its own, so a value
 * stays valid as long as its tensor. Memory is owned by the store's
 * {@link DeviceMemory}: freed when the tensor is garbage-collected, spilled
 * to host past the byte budget. An evicted kernel first spills the live
 * textures it produced (a texture reads back through its kernel).
 */
import type { GPU } from 'gpu.js';
import { DeviceMemory, TensorData, type DeviceStore } from '../../data.ts';
import { KernelCache } from '../cache.ts';
import type { CompiledKernel } from '../common.ts';

/** A gpu.js GL texture as far as this module uses it. */
export interface GlTexture {
  toArray(): unknown;
  delete(): void;
  /** the backend kernel that rendered it */
  readonly kernel?: unknown;
}

/** Counters of a device context. */
export interface DeviceCounters {
  /** kernels compiled (cache misses) */
  compiled: number;
  /** kernels evicted from the full cache */
  evicted: number;
  /** kernels destroyed (evicted, or at destroy) */
  destroyed: number;
  /** device kernel calls, all kernels */
  calls: number;
  /** calls that ran on the host fallback (empty, oversized or unsupported inputs) */
  fallbacks: number;
  /** GL textures created minus deleted, counted at the GL context (−1 when the context cannot be observed) */
  glTextures: number;
}

/** An input of a device kernel: device data (a texture) or a number (a uniform). */
export type DeviceArg = TensorData | number;

/** Thrown by {@link DeviceContext.run} for an output the device cannot hold; the caller falls back to host. */
export class DeviceLimitError extends Error {
  override readonly name: string = 'DeviceLimitError';
}

/** Largest tensor a device kernel takes or makes: GL indexes in float32. */
export const MAX_DEVICE_ELEMENTS = 1 << 24;

/**
 * Default device memory budget (bytes): 1 GiB. WebGL cannot report how much
 * memory a GPU has, so this is a guess that fits integrated and laptop GPUs;
 * the backend layer raises it to {@link HARDWARE_BUDGET_BYTES} on a GPU it
 * identifies by name. Tune with `setDeviceMemoryBudget`.
 */
export const DEFAULT_BUDGET_BYTES = 1024 * 1024 * 1024;

/** Budget on an identified hardware GPU (bytes): 4 GiB. */
export const HARDWARE_BUDGET_BYTES = 4 * 1024 * 1024 * 1024;

/** What the device kernels of one gpu.js GL `GPU` share. */
export interface DeviceContext {
  /** the store holding this backend's device data (GL textures, WebGPU buffers) */
  readonly store: DeviceStore<unknown>;
  readonly counters: DeviceCounters;
  /**
   * Runs the kernel of `src` with a flat output `[n]` on `args` and returns
   * the output as device data. `key` names the signature (the source is
   * part of the cache key).
   */
  run(key: string, src: string, n: number, args: readonly DeviceArg[]): TensorData;
  /** a host fallback ran */
  fellBack(): void;
  /** number of compiled kernels cached */
  cacheSize(): number;
  /** destroys every kernel and the GPU after spilling the live textures to host */
  destroy(): void;
}

/** Options of {@link createDeviceContext}. */
export interface DeviceContextOptions {
  /** device memory budget in bytes (default {@link DEFAULT_BUDGET_BYTES}) */
  budgetBytes?: number;
  /** compiled-kernel cache capacity (default 1024) */
  maxKernels?: number;
}

/** The upload kernel: a copy of its (host) argument into a new device value. */
export const COPY_SRC = 'function (a) { return a[this.thread.x]; }';
/** The fill kernel: its (uniform) argument everywhere. */
export const FILL_SRC = 'function (v) { return v; }';

/** Counts live GL textures by wrapping the context's create/delete calls, when it can. */
function observeTextures(gpu: GPU, counters: DeviceCounters): void {
  const gl = (gpu as unknown as { context?: Record<string, unknown> }).context;
  if (!gl || typeof gl.createTexture !== 'function' || typeof gl.deleteTexture !== 'function') {
    counters.glTextures = -1;
    return;
  }
  const create = gl.createTexture as (...a: unknown[]) => unknown;
  const del = gl.deleteTexture as (...a: unknown[]) => unknown;
  try {
    gl.createTexture = function (this: unknown, ...a: unknown[]) {
      counters.glTextures++;
      return create.apply(this, a);
    };
    gl.deleteTexture = function (this: unknown, ...a: unknown[]) {
      if (a[0]) counters.glTextures--;
      return del.apply(this, a);
    };
  } catch {
    counters.glTextures = -1;
  }
}

/** Wraps a gpu.js GL `GPU` as a device context. */
export function createDeviceContext(name: string, gpu: GPU, opts: DeviceContextOptions = {}): DeviceContext {
  const counters: DeviceCounters = { compiled: 0, evicted: 0, destroyed: 0, calls: 0, fallbacks: 0, glTextures: 0 };
  observeTextures(gpu, counters);
  const memory = new DeviceMemory(opts.budgetBytes ?? DEFAULT_BUDGET_BYTES);
  const live = (gpu as unknown as { kernels?: unknown[] }).kernels;
  let destroyed = false;

  const dispose = (k: CompiledKernel): void => {
    // a texture reads back through the kernel that rendered it: spill those first
    const inner = k.kernel;
    if (inner !== undefined) memory.spillIf((h) => (h as GlTexture).kernel === inner);
    k.destroy?.();
    const i = live && inner ? live.indexOf(inner) : -1;
    if (live && i !== -1) live.splice(i, 1);
  };
  const cache = new KernelCache(opts.maxKernels ?? 1024, counters, dispose);

  const compile = (key: string, src: string, n: number): CompiledKernel => {
    if (destroyed) throw new Error(`${name}: backend was destroyed`);
    return cache.get(
      `${key}|${n}|${src}`,
      () => gpu.createKernel(src, { output: [n], pipeline: true, immutable: true, precision: 'single', tactic: 'precision' }) as unknown as CompiledKernel,
    );
  };

  const store: DeviceStore<GlTexture> = {
    name,
    memory,
    upload(values) {
      return compile('upload', COPY_SRC, values.length)(values) as GlTexture;
    },
    fill(value, length) {
      return compile('fill', FILL_SRC, length)(value) as GlTexture;
    },
    read(handle, length) {
      return toFloat32(handle.toArray(), length);
    },
    async readAsync(handle, length) {
      return toFloat32(handle.toArray(), length);
    },
    free(handle) {
      handle.delete();
    },
  };

  return {
    store,
    counters,
    run(key, src, n, args) {
      if (n === 0) return TensorData.fromHost(new Float32Array(0));
      if (n > MAX_DEVICE_ELEMENTS) throw new DeviceLimitError(`${name}: output of ${n} elements exceeds the device limit ${MAX_DEVICE_ELEMENTS}`);
      const k = compile(key, src, n);
      const bound = args.map((a) => (typeof a === 'number' ? a : a.on(store)));
      counters.calls++;
      return TensorData.fromDevice(store, k(...bound) as GlTexture, n);
    },
    fellBack() {
      counters.fallbacks++;
    },
    cacheSize: () => cache.size,
    destroy() {
      if (destroyed) return;
      memory.spillAll();
      destroyed = true;
      cache.clear();
      void gpu.destroy().catch(() => undefined);
    },
  };
}

/** A texture's values (a Float32Array, or nested arrays of them) as one flat Float32Array of `n`. */
function toFloat32(r: unknown, n: number): Float32Array {
  if (r instanceof Float32Array && r.length === n) return r.slice();
  const out = new Float32Array(n);
  let o = 0;
  const walk = (x: unknown): void => {
    if (x instanceof Float32Array) {
      out.set(x.subarray(0, Math.min(x.length, n - o)), o);
      o += x.length;
    } else if (Array.isArray(x)) for (const y of x) walk(y);
    else throw new Error(`gpu.js returned an unexpected texture value: ${Object.prototype.toString.call(x)}`);
  };
  walk(r);
  if (o < n) throw new Error(`gpu.js returned ${o} values, expected ${n}`);
  return out;
}
