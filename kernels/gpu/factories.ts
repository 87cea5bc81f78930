/**
 * Making the gpu.js backends: the host routes (`gpujs-cpu`, `gpujs-webasm`)
 * and the device backends (`gpujs-webgl2`, `gpujs-webgl`, `gpujs-headlessgl`,
 * `gpujs-webgpu`), each probed with a tiny kernel first. This module and
 * everything it imports (the gpu.js kernels, the device kernels) is reached
 * through kernels/gpu/provider.ts: statically in Node, by a dynamic import
 * in browser bundles (provider-browser.ts, swapped in by package.json's
 * `browser` field), so a browser bundle loads this code only when a gpu.js
 * backend is asked for.
 */
import type { Backend, Kernels } from '../kernel-types.ts';
import { GPU_MODES, gpuBackendName, probeMode } from './index.ts';
import { DEVICE_MODES, probeDeviceMode, timedProbe, type RendererInfo, type TimedProbe } from './device/probe.ts';
import { createWebGpuBackend } from './device/webgpu.ts';
import { HARDWARE_BUDGET_BYTES, type DeviceBackend } from './device/index.ts';
import { isHardwareRenderer } from './renderer.ts';
import type { MatmulArgs } from '../js/matmul.ts';
import type { Storage } from '../types.ts';

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

/** A device backend's record, with the larger memory budget on a GPU identified by name (WebGL cannot report its memory). */
function deviceMade(name: string, backend: DeviceBackend, info: RendererInfo): Made {
  if (isHardwareRenderer(info.renderer)) backend.context.store.memory.budgetBytes = HARDWARE_BUDGET_BYTES;
  return { ok: true, backend: { name, kind: 'device', kernels: backend.kernels }, device: { backend, info } };
}

/**
 * Makes gpu.js backend `name` (a host route or a GL device backend; gpu.js
 * must be loadable synchronously: see kernels/gpu/load.ts); `wasmMatmul` is
 * the matmul a host route runs its small products on.
 */
export function makeGpuBackend(name: string, wasmMatmul?: Kernels['matmul']): Made {
  const host = GPU_MODES.find((m) => m !== 'headlessgl' && gpuBackendName(m) === name);
  if (host !== undefined) {
    const r = probeMode(host, wasmMatmul === undefined ? {} : { matmulFallback: wasmMatmul });
    return r.ok ? { ok: true, backend: { name, kernels: r.set.kernels } } : { ok: false, reason: r.reason, final: true };
  }
  const dmode = DEVICE_MODES.find((m) => `gpujs-${m}` === name);
  if (dmode === undefined) return { ok: false, reason: `'${name}' is not a gpu.js backend`, final: true };
  const r = probeDeviceMode(dmode, name);
  if (!r.ok) return { ok: false, reason: dmode === 'headlessgl' ? `${r.reason} (${HEADLESSGL_HINT})` : r.reason, final: true };
  return deviceMade(name, r.backend, r.info);
}

/** Makes `gpujs-webgpu` under `name` (finds an adapter, loads gpu.js, checks a kernel). */
export async function makeWebGpuBackend(name: string): Promise<Made> {
  const r = await createWebGpuBackend(name);
  if (!r.ok) return { ok: false, reason: r.reason, final: true };
  return deviceMade(name, r.backend, { renderer: r.info.renderer, vendor: '', software: r.info.software });
}

/** Times a 256³ matmul on device backend `b` against `hostMatmul` (see probe.ts `timedProbe`). */
export function timeDevice(b: DeviceBackend, hostMatmul: (args: MatmulArgs) => Storage): TimedProbe {
  return timedProbe(b, hostMatmul);
}

export type { RendererInfo, TimedProbe };
