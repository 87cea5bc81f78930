/**
 * Backend selection for the public API: which kernel backend runs float32
 * work. float64 always runs on the exact `js` backend.
 *
 * Backends:
 * - host backends, on typed arrays: `js` (every kernel), `wasm` (float32
 *   matmul on a WebAssembly SIMD kernel generated in TypeScript,
 *   kernels/wasm), and gpu.js's CPU routes `gpujs-cpu`, `gpujs-webasm`
 *   (kernels/gpu);
 * - device backends, whose tensors live on the device (kernels/gpu/device):
 *   gpu.js's GL modes `gpujs-webgl2`, `gpujs-webgl` (browsers) and
 *   `gpujs-headlessgl` (Node, the native `gl` package and an X display).
 *   Ops pass textures from kernel to kernel; values come back to the host
 *   only when read (`toArray`, `item`, printing) — see {@link transferStats}.
 * - `gpujs-webgpu` (where `navigator.gpu` answers an adapter): a device
 *   backend on storage buffers whose work is chained asynchronously; it is
 *   selected with `await setBackend('gpujs-webgpu')` and read with
 *   `toArrayAsync`, and never chosen by default.
 *
 * A route other than js is probed (its module or a tiny kernel is built and
 * run against known values) the first time it is asked for, and registered
 * only if it works; kernels a backend lacks run on wasm when it has them,
 * else on js (see Fallbacks).
 *
 * **Default.** At first use, the environment variable `GYROGRAD_BACKEND`
 * selects a backend if set (an unknown or unavailable name is reported by a
 * warning, and the default applies). Otherwise the default is a device
 * backend on a *hardware* GPU when one answers (webgl2, then webgl, then
 * headlessgl), else `wasm` when the engine runs WebAssembly SIMD, else `js`.
 * A GL implementation that renders in software (SwiftShader, llvmpipe,
 * softpipe, …) is never picked by default: it runs the kernels correctly but
 * slower than wasm on the machines measured (BENCHMARKS.md).
 * {@link backendInfo} says, per backend, why it was or was not chosen.
 *
 * **Fallbacks.** With a gpu.js backend active, the float32 kernels it lacks
 * run on wasm's when wasm has them, else on js (a device backend then reads
 * its inputs back, counted in {@link transferStats}).
 */
import * as registry from '../kernels/registry.ts';
import { GPU_MODES, gpuBackendName, probeMode, type GpuMode } from '../kernels/gpu/index.ts';
import {
  DEVICE_MODES, isHardwareRenderer, probeDeviceMode, timedProbe, type DeviceMode, type RendererInfo, type TimedProbe,
} from '../kernels/gpu/device/probe.ts';
import { jsKernels } from '../kernels/js/index.ts';
import { createWebGpuBackend } from '../kernels/gpu/device/webgpu.ts';
import { HARDWARE_BUDGET_BYTES, type DeviceBackend } from '../kernels/gpu/device/index.ts';
import { probeWasm } from '../kernels/wasm/index.ts';
import { ArgumentError, ValueError } from './errors.ts';

/** Thrown by {@link setBackend} for a known backend that cannot run here. */
export class BackendUnavailableError extends ValueError {
  /** `'BackendUnavailableError'`, so that messages and `err.name` show the class. */
  override readonly name: string = 'BackendUnavailableError';
}

/** gpu.js CPU routes (host backends). */
const HOST_GPU_MODES: readonly GpuMode[] = GPU_MODES.filter((m) => m !== 'headlessgl');
const gpuNames = new Map<string, GpuMode>(HOST_GPU_MODES.map((m) => [gpuBackendName(m), m]));
const deviceNames = new Map<string, DeviceMode>(DEVICE_MODES.map((m) => [`gpujs-${m}`, m]));
/** Name of the WebGPU backend (recognised, not yet runnable). */
const WEBGPU = 'gpujs-webgpu';
/** Probe outcome per backend name: `null` when available, else the reason. */
const probed = new Map<string, string | null>();
/** The device backends that probed available, with their renderers. */
const devices = new Map<string, { backend: DeviceBackend; info: RendererInfo; timing?: TimedProbe }>();

/** Name of the WebAssembly SIMD backend. */
const WASM = 'wasm';

/** Why gpujs-webgpu is not available before its asynchronous probe ran. */
function webgpuUnprobed(): string {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav?.gpu === undefined) return 'navigator.gpu is absent here (no WebGPU in this engine; Chromium may need --enable-unsafe-webgpu)';
  return "WebGPU adapters are found asynchronously: call `await setBackend('gpujs-webgpu')` first";
}

/** Probes (once) the backend `name` and registers it if it works; returns the failure reason or null. */
function ensure(name: string): string | null {
  if (name === 'js') return null;
  const known = probed.get(name);
  if (known !== undefined) return known;
  let reason: string | null;
  const dmode = deviceNames.get(name);
  const mode = gpuNames.get(name);
  if (name === WEBGPU) return webgpuUnprobed(); // probed only by setBackend, asynchronously
  else if (dmode !== undefined) {
    const r = probeDeviceMode(dmode, name);
    if (r.ok) {
      registry.registerBackend({ name, kind: 'device', kernels: r.backend.kernels });
      devices.set(name, { backend: r.backend, info: r.info });
      // a GPU identified by name gets the larger budget (WebGL cannot report its memory)
      if (isHardwareRenderer(r.info.renderer)) r.backend.context.store.memory.budgetBytes = HARDWARE_BUDGET_BYTES;
      reason = null;
    } else {
      reason = dmode === 'headlessgl'
        ? `${r.reason} (headlessgl needs the optional native 'gl' package and an X display: a GPU, or Mesa under Xvfb, e.g. xvfb-run -a <command>)`
        : r.reason;
    }
  } else if (mode !== undefined || name === WASM) {
    // a gpu.js CPU route runs its small products on the wasm matmul when that runs (the fastest CPU route)
    const wasmMatmul = mode === undefined || ensure(WASM) !== null ? undefined : registry.kernelsOf(WASM)?.matmul;
    const r = mode === undefined ? probeWasm() : probeMode(mode, wasmMatmul === undefined ? {} : { matmulFallback: wasmMatmul });
    if (r.ok) registry.registerBackend({ name, kernels: r.set.kernels });
    // kernels a backend lacks run on wasm before js
    if (r.ok && mode === undefined) registry.setFallbackBackend(WASM);
    reason = r.ok ? null : r.reason;
  } else return null; // registered directly with the registry (tests, benchmarks)
  probed.set(name, reason);
  return reason;
}
let envApplied = false;

/** Applies `GYROGRAD_BACKEND` once (lib/ has no Node types: read `process` defensively). */
function applyEnv(): void {
  if (envApplied) return;
  envApplied = true;
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const want = proc?.env?.GYROGRAD_BACKEND;
  if (want !== undefined && want !== '') {
    try {
      select(want);
      return;
    } catch (e) {
      const con = (globalThis as { console?: { warn(msg: string): void } }).console;
      con?.warn(`gyrograd: GYROGRAD_BACKEND='${want}' ignored (${e instanceof Error ? e.message : String(e)}); using backend '${defaultBackend()}'`);
    }
  }
  registry.setBackend(defaultBackend());
}

/**
 * Why the default passes over a device backend that runs here, or undefined:
 * a software renderer by name, or — where the GL hides its renderer
 * (headless-gl says only "ANGLE") — a device slower than the CPU route on a
 * short timed matmul.
 */
function passedOver(name: string): string | undefined {
  const d = devices.get(name);
  if (d === undefined) return undefined;
  const choose = `never picked by default, choose it with setBackend('${name}')`;
  if (d.info.software) return `renders in software (${d.info.renderer}); ${choose}`;
  if (name === WEBGPU) return `its readback is asynchronous (toArray would throw); ${choose.replace('setBackend', 'await setBackend')}`;
  if (isHardwareRenderer(d.info.renderer)) return undefined;
  const host = ensure(WASM) === null ? WASM : 'js';
  const hostMatmul = registry.kernelsOf(host)?.matmul ?? jsKernels.matmul;
  d.timing ??= timedProbe(d.backend, hostMatmul);
  const { deviceMs, hostMs } = d.timing;
  if (deviceMs < hostMs) return undefined;
  return `its renderer is not identified ('${d.info.renderer}') and a 256³ matmul took ${deviceMs.toFixed(1)} ms on it vs ${hostMs.toFixed(1)} ms on ${host} (a software renderer, or a GPU slower than the CPU); ${choose}`;
}

/**
 * The default backend: a device backend on a hardware GPU when one answers
 * (webgl2, webgl, headlessgl; software renderers are passed over), else
 * `wasm` where WebAssembly SIMD runs, else `js`. Probes once.
 */
export function defaultBackend(): string {
  for (const name of deviceNames.keys()) {
    if (ensure(name) === null && passedOver(name) === undefined) return name;
  }
  return ensure(WASM) === null ? WASM : 'js';
}
registry.onFirstKernel(applyEnv);

/** Every backend name this library knows (available here or not). */
export function listBackends(): string[] {
  applyEnv();
  return listBackendsRaw();
}

/** The backends that actually run here (probes the gpu.js routes once). */
export function availableBackends(): string[] {
  applyEnv();
  return listBackends().filter((n) => ensure(n) === null);
}

/** Name of the backend that runs float32 kernels now (by default {@link defaultBackend}). */
export function backend(): string {
  applyEnv();
  return registry.backend();
}

function select(name: string): void {
  const names = listBackendsRaw();
  if (!names.includes(name)) {
    throw new ValueError(`setBackend: unknown backend '${name}'; expected one of: ${names.join(', ')}`);
  }
  const reason = ensure(name);
  if (reason !== null) {
    throw new BackendUnavailableError(`setBackend: backend '${name}' is not available here: ${reason}`);
  }
  registry.setBackend(name);
}

function listBackendsRaw(): string[] {
  const names = registry.listBackends();
  for (const n of [WASM, ...gpuNames.keys(), ...deviceNames.keys(), WEBGPU]) if (!names.includes(n)) names.push(n);
  return names;
}

/** Why backend `name` cannot run here (probing it once), or `null` when it can; throws for an unknown name. */
export function backendUnavailableReason(name: string): string | null {
  applyEnv();
  if (!listBackendsRaw().includes(name)) {
    throw new ValueError(`backendUnavailableReason: unknown backend '${name}'; expected one of: ${listBackendsRaw().join(', ')}`);
  }
  return ensure(name);
}

/**
 * Selects the backend for float32 kernels. Throws a ValueError for an
 * unknown name and a `BackendUnavailableError` (a ValueError) for a
 * known backend that cannot run here; the current backend is kept then.
 *
 * `gpujs-webgpu` is the one backend that must first find its device
 * asynchronously: `setBackend('gpujs-webgpu')` returns a Promise (rejected
 * with the BackendUnavailableError when no adapter answers); every other
 * name selects synchronously and returns nothing. On WebGPU, read values
 * with `toArrayAsync` (its readback is asynchronous: `toArray` and `item`
 * throw a typed error for values that live only on the device).
 */
export function setBackend(name: string): void | Promise<void> {
  applyEnv();
  if (name === WEBGPU && !probed.has(WEBGPU)) return probeWebGpuBackend().then(() => select(name));
  select(name);
}

let webgpuProbe: Promise<void> | undefined;

/** Finds a WebGPU adapter and registers `gpujs-webgpu` when it runs (once). */
function probeWebGpuBackend(): Promise<void> {
  webgpuProbe ??= createWebGpuBackend(WEBGPU).then((r) => {
    if (r.ok) {
      registry.registerBackend({ name: WEBGPU, kind: 'device', kernels: r.backend.kernels });
      devices.set(WEBGPU, { backend: r.backend, info: { renderer: r.info.renderer, vendor: '', software: r.info.software } });
    }
    probed.set(WEBGPU, r.ok ? null : r.reason);
  });
  return webgpuProbe;
}

/**
 * Runs `fn` with backend `name` selected for float32 kernels and restores the
 * previous backend afterwards (also when `fn` throws). Throws like
 * {@link setBackend} for an unknown or unavailable name, before running `fn`.
 */
export function withBackend<T>(name: string, fn: () => T): T {
  applyEnv();
  if (typeof fn !== 'function') {
    throw new ArgumentError(`withBackend: argument 'fn' must be a function to run with backend '${String(name)}', got ${fn === null ? 'null' : typeof fn}`);
  }
  const previous = registry.backend();
  select(name);
  try {
    return fn();
  } finally {
    registry.setBackend(previous);
  }
}

/** What {@link backendInfo} reports about one backend. */
export interface BackendInfo {
  /** the backend name */
  readonly name: string;
  /** `host`: typed arrays in memory; `device`: tensors live on a GPU device (textures) */
  readonly kind: 'host' | 'device';
  /** whether it runs here */
  readonly available: boolean;
  /** why it does not run here (when not available) */
  readonly reason: string | null;
  /** the GL renderer, for a device backend that runs ('' when the GL hides it, e.g. headless-gl's 'ANGLE') */
  readonly renderer?: string;
  /** the GL vendor, for a device backend that runs */
  readonly vendor?: string;
  /** whether that renderer rasterises in software (by its name, or by a timed probe where the GL hides it) */
  readonly software?: boolean;
  /** whether it is the default here */
  readonly isDefault: boolean;
  /** whether it is the active backend now */
  readonly active: boolean;
  /** why the default passed it over although it runs (software renderer), if so */
  readonly passedOver?: string;
}

/**
 * Every known backend with whether it runs here, why not, its renderer
 * (device backends) and why the default chose it or passed it over.
 * Probes every backend once.
 */
export function backendInfo(): BackendInfo[] {
  applyEnv();
  const def = defaultBackend();
  const now = registry.backend();
  return listBackendsRaw().map((name) => {
    const reason = ensure(name);
    const d = devices.get(name);
    const kind = deviceNames.has(name) || name === WEBGPU ? 'device' : 'host';
    const over = passedOver(name);
    return {
      name, kind, available: reason === null, reason,
      ...(d === undefined ? {} : { renderer: d.info.renderer, vendor: d.info.vendor, software: d.info.software || over !== undefined }),
      isDefault: name === def, active: name === now,
      ...(over === undefined ? {} : { passedOver: over }),
    };
  });
}

/** Device memory counters of a device backend (see {@link deviceMemoryStats}). */
export interface DeviceMemoryInfo {
  /** tensors with a live device copy */
  readonly live: number;
  /** bytes they hold */
  readonly liveBytes: number;
  /** most bytes held at once */
  readonly peakBytes: number;
  /** device copies freed because their tensor was garbage-collected */
  readonly collected: number;
  /** device copies spilled to host because the budget was exceeded */
  readonly spilled: number;
  /** device copies freed in all (released by a transformation's scope, collected, spilled or moved) */
  readonly freed: number;
  /** the byte budget */
  readonly budgetBytes: number;
  /** GL textures alive in the backend's context (created minus deleted; −1 if unobservable) */
  readonly glTextures: number;
  /** kernels compiled */
  readonly compiled: number;
  /** device kernel calls that ran on the host instead (empty or oversized tensors) */
  readonly fallbacks: number;
}

function deviceOf(fn: string, name: string | undefined): DeviceBackend {
  const n = name ?? registry.backend();
  if (!deviceNames.has(n) && n !== WEBGPU) {
    throw new ValueError(`${fn}: '${n}' is not a device backend; expected one of: ${[...deviceNames.keys(), WEBGPU].join(', ')}`);
  }
  const reason = ensure(n);
  if (reason !== null) throw new BackendUnavailableError(`${fn}: backend '${n}' is not available here: ${reason}`);
  return devices.get(n)!.backend;
}

/**
 * Device memory of device backend `name` (default: the active backend).
 * Memory needs no `dispose`: a tensor's texture is freed when the tensor is
 * garbage-collected, and past the budget the least recently used textures
 * spill to host.
 * @throws ValueError for a host backend; BackendUnavailableError when it does not run here
 */
export function deviceMemoryStats(name?: string): DeviceMemoryInfo {
  applyEnv();
  const b = deviceOf('deviceMemoryStats', name);
  const m = b.context.store.memory;
  const c = b.context.counters;
  return { ...m.stats(), budgetBytes: m.budgetBytes, glTextures: c.glTextures, compiled: c.compiled, fallbacks: c.fallbacks };
}

/**
 * Sets the device memory budget (bytes) of device backend `name` (default:
 * the active one); textures past it spill to host, least recently used first.
 * The default is 1 GiB, 4 GiB on a GPU identified by its renderer name (WebGL
 * cannot report a GPU's memory). A training step's intermediates are all
 * alive until its `valueAndGrad` returns, so the budget should exceed one
 * step's working set, else the step spills (correct, but each spill is a readback).
 * On `gpujs-webgpu` nothing spills (its readback is asynchronous): memory is
 * bounded there by the scopes of `valueAndGrad`/`update` and by garbage
 * collection when the program yields (as a browser training loop does).
 * @throws ValueError unless bytes is a positive finite number
 */
export function setDeviceMemoryBudget(bytes: number, name?: string): void {
  applyEnv();
  if (!(typeof bytes === 'number' && bytes > 0 && Number.isFinite(bytes))) {
    throw new ValueError(`setDeviceMemoryBudget: bytes must be a positive finite number, got ${String(bytes)}`);
  }
  deviceOf('setDeviceMemoryBudget', name).context.store.memory.budgetBytes = bytes;
}
