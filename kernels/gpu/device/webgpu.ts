/**
 * The device side of a gpu.js WebGPU `GPU` (`gpujs-webgpu`): a tensor's
 * values are one f32 storage buffer. gpu.js's WebGPU kernels are
 * asynchronous (a call resolves to its pipelined buffer), so a handle here is
 * a *Promise* of the buffer: ops stay synchronous and only chain work —
 * each kernel call waits for its inputs' buffers, and WebGPU's one queue
 * runs the submissions in order — until a reader awaits the result
 * (`toArrayAsync`). A synchronous reader (`toArray`, `item`) on data that
 * lives only here throws a typed {@link SyncReadError}.
 *
 * A buffer is destroyed only after every kernel that reads it has been
 * submitted (each handle keeps the promise of its last use).
 */
import type { GPU } from 'gpu.js';
import { loadGpuJs } from '../load.ts';
import { createDeviceBackend, type DeviceBackend } from './index.ts';
import { checkProbeResult, isSoftwareRenderer, PROBE_INPUT, PROBE_SRC } from './probe.ts';
import { DeviceMemory, SyncReadError, TensorData, type DeviceStore } from '../../data.ts';
import { KernelCache } from '../cache.ts';
import type { CompiledKernel } from '../common.ts';
import {
  COPY_SRC,
  DEFAULT_BUDGET_BYTES,
  DeviceLimitError,
  FILL_SRC,
  MAX_DEVICE_ELEMENTS,
  type DeviceArg,
  type DeviceContext,
  type DeviceContextOptions,
  type DeviceCounters,
} from './context.ts';

/** A gpu.js WebGPU pipeline result as far as this module uses it. */
interface BufferResult {
  toArray(): Promise<unknown>;
  delete(): void;
}

/** A WebGPU handle: the pending buffer and the promise of its last use. */
export interface WebGpuHandle {
  readonly buffer: Promise<BufferResult>;
  lastUse: Promise<unknown>;
}

/** Wraps a gpu.js WebGPU `GPU` as a device context with asynchronous handles. */
export function createWebGpuContext(name: string, gpu: GPU, opts: DeviceContextOptions = {}): DeviceContext {
  const counters: DeviceCounters = { compiled: 0, evicted: 0, destroyed: 0, calls: 0, fallbacks: 0, glTextures: -1 };
  const memory = new DeviceMemory(opts.budgetBytes ?? DEFAULT_BUDGET_BYTES);
  let destroyed = false;
  // a kernel evicted from the cache keeps serving the buffers it made (WebGPU buffers outlive their kernel)
  const cache = new KernelCache(opts.maxKernels ?? 1024, counters, (k) => k.destroy?.());
  const compile = (key: string, src: string, n: number): CompiledKernel => {
    if (destroyed) throw new Error(`${name}: backend was destroyed`);
    return cache.get(
      `${key}|${n}|${src}`,
      () => gpu.createKernel(src, { output: [n], pipeline: true, immutable: true, precision: 'single' }) as unknown as CompiledKernel,
    );
  };
  const call = (k: CompiledKernel, args: readonly unknown[]): WebGpuHandle => {
    const buffer = Promise.all(args).then((resolved) => k(...resolved) as Promise<BufferResult>);
    // a failed kernel rejects its readers; the bookkeeping chains never reject
    const settled = buffer.then(
      () => undefined,
      () => undefined,
    );
    return { buffer, lastUse: settled };
  };
  const read = async (h: WebGpuHandle, length: number): Promise<Float32Array> => {
    const r = await (await h.buffer).toArray();
    const out = new Float32Array(length);
    out.set((r as Float32Array).subarray(0, length));
    return out;
  };

  const store: DeviceStore<WebGpuHandle> = {
    name,
    memory,
    upload: (values) => call(compile('upload', COPY_SRC, values.length), [values]),
    fill: (value, length) => call(compile('fill', FILL_SRC, length), [value]),
    read() {
      throw new SyncReadError(`${name}: WebGPU reads back asynchronously; read this tensor with toArrayAsync (or await it before toArray)`);
    },
    readAsync: read,
    free(h) {
      void h.lastUse
        .then(() => h.buffer)
        .then(
          (b) => b.delete(),
          () => undefined,
        );
    },
  };

  return {
    store,
    counters,
    run(key, src, n, args: readonly DeviceArg[]) {
      if (n === 0) return TensorData.fromHost(new Float32Array(0));
      if (n > MAX_DEVICE_ELEMENTS) throw new DeviceLimitError(`${name}: output of ${n} elements exceeds the device limit ${MAX_DEVICE_ELEMENTS}`);
      const k = compile(key, src, n);
      const inputs = args.map((a) => (typeof a === 'number' ? undefined : a.on(store)));
      const h = call(
        k,
        args.map((a, i) => (typeof a === 'number' ? a : inputs[i]!.buffer)),
      );
      for (const inp of inputs) if (inp !== undefined) inp.lastUse = Promise.all([inp.lastUse, h.lastUse]);
      counters.calls++;
      return TensorData.fromDevice(store, h, n);
    },
    fellBack() {
      counters.fallbacks++;
    },
    cacheSize: () => cache.size,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      cache.clear();
      void gpu.destroy().catch(() => undefined);
    },
  };
}

/** The adapter facts a WebGPU probe reports. */
export interface AdapterInfo {
  /** vendor, architecture and description joined (e.g. "google swiftshader") */
  readonly renderer: string;
  /** whether the adapter is a fallback (software) adapter, or SwiftShader by name */
  readonly software: boolean;
}

/**
 * Makes a `gpujs-webgpu` device backend where a WebGPU adapter answers and a
 * tiny pipelined gpu.js `webgpu` kernel round-trips correctly; else the reason.
 */
export async function createWebGpuBackend(
  name: string,
  opts: DeviceContextOptions = {},
): Promise<{ ok: true; backend: DeviceBackend; info: AdapterInfo } | { ok: false; reason: string }> {
  type Adapter = { info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean }; isFallbackAdapter?: boolean };
  const nav = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<Adapter | null> } } }).navigator;
  if (nav?.gpu === undefined) return { ok: false, reason: 'navigator.gpu is absent here (no WebGPU in this engine; Chromium may need --enable-unsafe-webgpu)' };
  let adapter: Adapter | null;
  try {
    adapter = await nav.gpu.requestAdapter();
  } catch (e) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (adapter === null || adapter === undefined) return { ok: false, reason: 'navigator.gpu answered no adapter' };
  const ai = adapter.info ?? {};
  const renderer = [ai.vendor, ai.architecture, ai.description].filter((x) => x !== undefined && x !== '').join(' ');
  const info: AdapterInfo = { renderer, software: Boolean(ai.isFallbackAdapter ?? adapter.isFallbackAdapter) || isSoftwareRenderer(renderer) };
  let gpu: GPU | undefined;
  try {
    const Gpu = await loadGpuJs();
    gpu = new Gpu({ mode: 'webgpu' });
    const k = gpu.createKernel(PROBE_SRC, { output: [PROBE_INPUT.length], pipeline: true, immutable: true }) as unknown as ((
      a: Float32Array,
    ) => Promise<BufferResult>) & { destroy?: () => void };
    const t = await k(PROBE_INPUT);
    const r = (await t.toArray()) as Float32Array;
    t.delete();
    k.destroy?.();
    checkProbeResult(r);
    return { ok: true, backend: createDeviceBackend(name, gpu, opts, createWebGpuContext), info };
  } catch (e) {
    if (gpu) void gpu.destroy().catch(() => undefined);
    return { ok: false, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}
