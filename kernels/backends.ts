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
 * | `gpujs-cpu`, `gpujs-webasm` | host | kernels/gpu/factories.ts (`probeMode`) |
 * | `gpujs-webgl2`, `gpujs-webgl`, `gpujs-headlessgl` | device | kernels/gpu/factories.ts (`probeDeviceMode`) |
 * | `gpujs-webgpu` | device | kernels/gpu/factories.ts (`createWebGpuBackend`, asynchronous) |
 *
 * Every gpu.js backend needs the optional `gpu.js` package, loaded on demand
 * (synchronously in Node, by a dynamic import in browsers), and the gpu.js
 * kernel code of kernels/gpu, reached through kernels/gpu/provider.ts
 * (statically in Node; a dynamically imported chunk in browser bundles).
 */
import type { Kernels } from './kernel-types.ts';
import { GpuJsMissingError, GpuJsNotLoadedError, gpuJs, loadGpuJs as loadGpuJsAsync } from './gpu/load.ts';
import { gpuFactories, loadGpuFactories } from './gpu/provider.ts';
import type { Made } from './gpu/factories.ts';
import { probeWasm } from './wasm/index.ts';

export type { DeviceRecord, Made } from './gpu/factories.ts';

/** Name of the WebAssembly SIMD backend. */
export const WASM = 'wasm';
/** Name of the WebGPU device backend. */
export const WEBGPU = 'gpujs-webgpu';
/** gpu.js CPU routes (host backends). */
export const HOST_GPU_NAMES: readonly string[] = ['gpujs-cpu', 'gpujs-webasm'];
/** gpu.js GL device backends, in the default's order of preference. */
export const DEVICE_NAMES: readonly string[] = ['gpujs-webgl2', 'gpujs-webgl', 'gpujs-headlessgl'];

/** Every backend name this library can make, besides `js`. */
export function buildableNames(): string[] {
  return [WASM, ...HOST_GPU_NAMES, ...DEVICE_NAMES, WEBGPU];
}

/** Whether backend `name` runs on gpu.js. */
export function needsGpuJs(name: string): boolean {
  return name.startsWith('gpujs-');
}

/** Whether backend `name` keeps its tensors on a device. */
export function isDeviceName(name: string): boolean {
  return DEVICE_NAMES.includes(name) || name === WEBGPU;
}

/** Why the gpu.js code cannot be used synchronously now, as a failed {@link Made}, or undefined when it can. */
function gpuProblem(): Made | undefined {
  if (gpuFactories() === undefined) {
    return {
      ok: false,
      reason: "the gpu.js backends are loaded on demand here: `await loadGpuBackends()` or `await setBackend('<gpu.js backend>')` first",
      final: false,
    };
  }
  try {
    gpuJs();
    return undefined;
  } catch (e) {
    const final = !(e instanceof GpuJsNotLoadedError);
    const reason = e instanceof GpuJsMissingError || e instanceof GpuJsNotLoadedError ? e.message : `gpu.js failed to load: ${String(e)}`;
    return { ok: false, reason, final };
  }
}

/** Whether the gpu.js backends can be made synchronously now (`ready`), only after loading (`async`), or never (`missing`: gpu.js is not installed). */
export function gpuState(): 'ready' | 'async' | 'missing' {
  const p = gpuProblem();
  return p === undefined ? 'ready' : p.ok || !p.final ? 'async' : 'missing';
}

/** Loads what the gpu.js backends need: their factories (browser bundles) and gpu.js; rejects when gpu.js is not installed. */
export async function loadGpuCode(): Promise<void> {
  await loadGpuFactories();
  await loadGpuJsAsync();
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
  if (!HOST_GPU_NAMES.includes(name) && !DEVICE_NAMES.includes(name))
    return { ok: false, reason: `'${name}' is not a backend this library makes`, final: true };
  return gpuProblem() ?? gpuFactories()!.makeGpuBackend(name, wasmMatmul);
}

/** Why `gpujs-webgpu` cannot run before its asynchronous probe. */
export function webGpuUnprobedReason(): string {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav?.gpu === undefined) return 'navigator.gpu is absent here (no WebGPU in this engine; Chromium may need --enable-unsafe-webgpu)';
  return "WebGPU adapters are found asynchronously: call `await setBackend('gpujs-webgpu')` first";
}

/** Makes `gpujs-webgpu` (loads the gpu.js code, finds an adapter, checks a kernel). */
export async function makeWebGpuBackend(): Promise<Made> {
  const f = await loadGpuFactories();
  return f.makeWebGpuBackend(WEBGPU);
}
