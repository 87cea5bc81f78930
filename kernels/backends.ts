/**
 * The backends this library can make, by name, and how each is made: a
 * probe (a tiny kernel built and checked against known values) that returns
 * the backend, or the reason it cannot run here. The registry
 * (kernels/registry.ts) calls these on first use of a name and keeps the
 * outcome; nothing here holds state besides what gpu.js loading caches
 * (kernels/gpu/load.ts).
 *
 * | name | kind | made by |
 * |---|---|---|
 * | `wasm` | host | kernels/wasm `probeWasm` |
 * | `gpujs-cpu`, `gpujs-webasm` | host | kernels/gpu `probeMode` |
 * | `gpujs-webgl2`, `gpujs-webgl`, `gpujs-headlessgl` | device | kernels/gpu/device `probeDeviceMode` |
 * | `gpujs-webgpu` | device | kernels/gpu/device `createWebGpuBackend` (asynchronous) |
 *
 * Every gpu.js backend needs the optional `gpu.js` package, loaded on demand
 * (synchronously in Node, by a dynamic import in browsers).
 */
import type { Backend, Kernels } from './kernel-types.ts';
import { GPU_MODES, gpuBackendName, probeMode, type GpuMode } from './gpu/index.ts';
import { DEVICE_MODES, probeDeviceMode, type DeviceMode, type RendererInfo } from './gpu/device/probe.ts';
import { createWebGpuBackend } from './gpu/device/webgpu.ts';
import type { DeviceBackend } from './gpu/device/index.ts';
import { GpuJsMissingError, GpuJsNotLoadedError, gpuJs } from './gpu/load.ts';
import { probeWasm } from './wasm/index.ts';

/** Name of the WebAssembly SIMD backend. */
export const WASM = 'wasm';
/** Name of the WebGPU device backend. */
export const WEBGPU = 'gpujs-webgpu';
/** gpu.js CPU routes (host backends), by backend name. */
export const HOST_GPU_NAMES: ReadonlyMap<string, GpuMode> = new Map(GPU_MODES.filter((m) => m !== 'headlessgl').map((m) => [gpuBackendName(m), m]));
/** gpu.js GL device backends, by backend name, in the default's order of preference. */
export const DEVICE_NAMES: ReadonlyMap<string, DeviceMode> = new Map(DEVICE_MODES.map((m) => [`gpujs-${m}`, m]));

/** Every backend name this library can make, besides `js`. */
export function buildableNames(): string[] {
  return [WASM, ...HOST_GPU_NAMES.keys(), ...DEVICE_NAMES.keys(), WEBGPU];
}

/** Whether backend `name` runs on gpu.js. */
export function needsGpuJs(name: string): boolean {
  return name.startsWith('gpujs-');
}

/** Whether backend `name` keeps its tensors on a device. */
export function isDeviceName(name: string): boolean {
  return DEVICE_NAMES.has(name) || name === WEBGPU;
}

/** A device backend that runs, with its renderer. */
export interface DeviceRecord {
  readonly backend: DeviceBackend;
  readonly info: RendererInfo;
}

/**
 * What making a backend gave: the backend (and, for a device backend, its
 * renderer), or the reason it cannot run; `final: false` marks a reason that
 * may change (gpu.js not loaded yet in a browser), which must not be cached.
 */
export type Made =
  { readonly ok: true; readonly backend: Backend; readonly device?: DeviceRecord } | { readonly ok: false; readonly reason: string; readonly final: boolean };

const HEADLESSGL_HINT = "headlessgl needs the optional native 'gl' package and an X display: a GPU, or Mesa under Xvfb, e.g. xvfb-run -a <command>";

/** gpu.js's state as a failed {@link Made}, or undefined when it can be used now. */
function gpuJsProblem(): Made | undefined {
  try {
    gpuJs();
    return undefined;
  } catch (e) {
    const final = !(e instanceof GpuJsNotLoadedError);
    const reason = e instanceof GpuJsMissingError || e instanceof GpuJsNotLoadedError ? e.message : `gpu.js failed to load: ${String(e)}`;
    return { ok: false, reason, final };
  }
}

/**
 * Makes the synchronous backend `name` (every known name but
 * {@link WEBGPU}); `wasmMatmul` is the matmul a gpu.js CPU route runs its
 * small products on (the wasm one when it runs).
 */
export function makeBackend(name: string, wasmMatmul?: Kernels['matmul']): Made {
  if (name === WASM) {
    const r = probeWasm();
    return r.ok ? { ok: true, backend: { name, kernels: r.set.kernels } } : { ok: false, reason: r.reason, final: true };
  }
  const host = HOST_GPU_NAMES.get(name);
  const dmode = DEVICE_NAMES.get(name);
  if (host === undefined && dmode === undefined) return { ok: false, reason: `'${name}' is not a backend this library makes`, final: true };
  const problem = gpuJsProblem();
  if (problem !== undefined) return problem;
  if (host !== undefined) {
    const r = probeMode(host, wasmMatmul === undefined ? {} : { matmulFallback: wasmMatmul });
    return r.ok ? { ok: true, backend: { name, kernels: r.set.kernels } } : { ok: false, reason: r.reason, final: true };
  }
  const r = probeDeviceMode(dmode!, name);
  if (!r.ok) return { ok: false, reason: dmode === 'headlessgl' ? `${r.reason} (${HEADLESSGL_HINT})` : r.reason, final: true };
  return { ok: true, backend: { name, kind: 'device', kernels: r.backend.kernels }, device: { backend: r.backend, info: r.info } };
}

/** Why `gpujs-webgpu` cannot run before its asynchronous probe. */
export function webGpuUnprobedReason(): string {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav?.gpu === undefined) return 'navigator.gpu is absent here (no WebGPU in this engine; Chromium may need --enable-unsafe-webgpu)';
  return "WebGPU adapters are found asynchronously: call `await setBackend('gpujs-webgpu')` first";
}

/** Makes `gpujs-webgpu` (finds an adapter, loads gpu.js, checks a kernel). */
export async function makeWebGpuBackend(): Promise<Made> {
  const r = await createWebGpuBackend(WEBGPU);
  if (!r.ok) return { ok: false, reason: r.reason, final: true };
  return {
    ok: true,
    backend: { name: WEBGPU, kind: 'device', kernels: r.backend.kernels },
    device: { backend: r.backend, info: { renderer: r.info.renderer, vendor: '', software: r.info.software } },
  };
}
