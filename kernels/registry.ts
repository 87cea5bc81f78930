/**
 * Kernel registry: maps a kernel name to its implementation on each backend,
 * chooses which backend runs a call, and chooses the default backend —
 * lazily, on the first kernel lookup, with no import-time side effects (the
 * package is `"sideEffects": false`, so a bundle that imports only `tensor`
 * and `matmul` still gets the right default and honours `GYROGRAD_BACKEND`).
 *
 * The op layer calls `kernel(name, dtype)` and never names a backend; the
 * kernel it gets takes and returns {@link TensorData} (kernels/data.ts), so
 * device-resident values pass from op to op without readback. float64 work
 * always runs on the exact `js` backend; float32 work runs on the active
 * backend when it implements the kernel, else on the *fallback* backend
 * (`wasm`, once it probed available) when that implements it, else on `js`.
 * With `js` active, float32 runs on js.
 *
 * Backends are of two kinds: *host* backends (js, wasm, gpu.js's CPU routes)
 * register kernels on typed arrays (the registry adapts them with `onHost`,
 * which reads device data back, counted), and *device* backends (gpu.js GL
 * and WebGPU) register kernels on TensorData that keep their results on the
 * device. Backends other than js are made on first use by kernels/backends.ts
 * (probed once; the outcome is kept).
 *
 * **The default** (applied by the first lookup unless a backend was chosen
 * before): `GYROGRAD_BACKEND` when set and available (else a warning), else a
 * device backend on a hardware GPU (webgl2, webgl, headlessgl; software
 * renderers and GLs slower than the CPU are passed over), else `wasm` where
 * WebAssembly SIMD runs, else `js`. Where gpu.js must load asynchronously
 * (browsers) the device backends count only once it is loaded
 * ({@link loadGpu}), which re-applies the default if nothing was chosen.
 *
 * Internal names here differ from the public ones of lib/backend.ts on
 * purpose (`activate`, `activeName`, `registeredNames`): those check names
 * and throw typed errors; these do neither.
 */
import { jsKernels } from './js/index.ts';
import { onHost } from './data.ts';
import type { DType } from './types.ts';
import type { Backend, DataKernels, KernelName, Kernels } from './kernel-types.ts';
import {
  buildableNames,
  DEVICE_NAMES,
  isDeviceName,
  loadGpuCode,
  makeBackend,
  makeWebGpuBackend,
  needsGpuJs,
  WASM,
  WEBGPU,
  webGpuUnprobedReason,
  type DeviceRecord,
  type Made,
} from './backends.ts';
import { isHardwareRenderer } from './gpu/renderer.ts';
import { gpuFactories } from './gpu/provider.ts';
import type { TimedProbe } from './gpu/factories.ts';

export type { Backend, DataKernels, KernelName, Kernels } from './kernel-types.ts';

/** A registered backend with its kernels on TensorData (host kernels adapted once, lazily). */
interface Entry {
  readonly backend: Backend;
  readonly device: boolean;
  readonly adapted: Partial<Record<KernelName, unknown>>;
}

function entryOf(b: Backend): Entry {
  return { backend: b, device: b.kind === 'device', adapted: {} };
}

/** The kernel `name` of entry `e` on TensorData, or undefined. */
function dataKernel<K extends KernelName>(e: Entry, name: K): DataKernels[K] | undefined {
  const hit = e.adapted[name];
  if (hit !== undefined) return hit as DataKernels[K];
  const b = e.backend;
  let k: unknown;
  if (b.kind === 'device') k = b.kernels[name];
  else {
    const raw = b.kernels[name];
    k = raw === undefined ? undefined : onHost(raw as (...args: never[]) => unknown);
  }
  if (k !== undefined) e.adapted[name] = k;
  return k as DataKernels[K] | undefined;
}

// ---------------------------------------------------------------- the table

const jsEntry: Entry = entryOf({ name: 'js', kernels: jsKernels });
const backends = new Map<string, Entry>([['js', jsEntry]]);
let active: Entry = jsEntry;
let fallback: Entry | undefined;
/** Whether the default was applied or a backend chosen (so the first lookup has nothing to do). */
let decided = false;
/** Whether the choice was explicit (`activate`, `GYROGRAD_BACKEND`) rather than the default. */
let explicit = false;

/** Registers (or replaces) a backend. */
export function registerBackend(b: Backend): void {
  backends.set(b.name, entryOf(b));
}

/** Removes a registered backend (not `js`, not the active or fallback one); returns whether it was registered. */
export function unregisterBackend(name: string): boolean {
  if (name === 'js' || name === active.backend.name || name === fallback?.backend.name) {
    throw new Error(`unregisterBackend: cannot remove '${name}' (js, or the active or fallback backend)`);
  }
  probed.delete(name);
  return backends.delete(name);
}

/** Names of the registered backends (made or registered so far; see {@link knownNames} for every name). */
export function registeredNames(): string[] {
  return [...backends.keys()];
}

/** Every backend name: the registered ones and those this library can make. */
export function knownNames(): string[] {
  const names = registeredNames();
  for (const n of buildableNames()) if (!names.includes(n)) names.push(n);
  return names;
}

/** Name of the backend that runs float32 kernels now (applies the default first). */
export function activeName(): string {
  ensureDefault();
  return active.backend.name;
}

/**
 * Makes registered backend `name` the active one (an explicit choice: the
 * default is not applied afterwards); throws a plain Error if it is not
 * registered. lib/backend.ts's `setBackend` probes and checks names first.
 */
export function activate(name: string): void {
  const b = backends.get(name);
  if (!b) {
    throw new Error(`activate: backend '${name}' is not registered; registered backends: ${registeredNames().join(', ')}`);
  }
  active = b;
  decided = true;
  explicit = true;
}

/** What {@link restoreChoice} puts back: the active backend and whether it was chosen explicitly. */
export interface Choice {
  readonly name: string;
  readonly explicit: boolean;
}

/** The current choice (applies the default first), for {@link restoreChoice}. */
export function currentChoice(): Choice {
  ensureDefault();
  return { name: active.backend.name, explicit };
}

/**
 * Puts back a choice taken by {@link currentChoice} (as `withBackend` does
 * after its function): a default stays a default, so loading gpu.js later
 * may still re-decide it. Throws if the backend is no longer registered.
 */
export function restoreChoice(c: Choice): void {
  activate(c.name);
  explicit = c.explicit;
}

/**
 * Chooses the backend that serves the float32 kernels the active backend
 * lacks (none: `undefined`, then js serves them); throws if not registered.
 */
export function setFallbackBackend(name: string | undefined): void {
  if (name === undefined) {
    fallback = undefined;
    return;
  }
  const b = backends.get(name);
  if (!b) throw new Error(`setFallbackBackend: unknown backend '${name}'; registered backends: ${registeredNames().join(', ')}`);
  fallback = b;
}

/** The host (typed-array) kernel table of registered host backend `name` (undefined if none or a device backend). */
export function kernelsOf(name: string): Partial<Kernels> | undefined {
  const b = backends.get(name)?.backend;
  return b === undefined || b.kind === 'device' ? undefined : b.kernels;
}

// ----------------------------------------------------- making and choosing

/** Probe outcome per backend name: `null` when it runs, else the reason. */
const probed = new Map<string, string | null>();
/** The device backends that run, with their renderers and timings. */
const devices = new Map<string, DeviceRecord & { timing?: TimedProbe }>();

function adopt(name: string, r: Made): string | null {
  if (!r.ok) {
    if (r.final) probed.set(name, r.reason);
    return r.reason;
  }
  registerBackend(r.backend);
  if (r.device !== undefined) devices.set(name, r.device);
  // kernels a backend lacks run on wasm before js
  if (name === WASM) setFallbackBackend(WASM);
  probed.set(name, null);
  return null;
}

/**
 * Makes backend `name` if it is not registered yet (probing it once) and
 * returns why it cannot run, or null when it runs. A registered name (js, a
 * backend made before, or one registered directly by tests) runs. Names
 * nobody can make get a reason.
 */
export function probeBackend(name: string): string | null {
  if (backends.has(name)) return null;
  const known = probed.get(name);
  if (known !== undefined) return known;
  if (name === WEBGPU) return webGpuUnprobedReason(); // probed only by probeWebGpu, asynchronously
  // a gpu.js CPU route runs its small products on the wasm matmul when that runs (the fastest CPU route)
  const wasmMatmul = needsGpuJs(name) && probeBackend(WASM) === null ? kernelsOf(WASM)?.matmul : undefined;
  return adopt(name, makeBackend(name, wasmMatmul));
}

let webGpuProbe: Promise<string | null> | undefined;

/** Finds a WebGPU adapter and registers `gpujs-webgpu` when it runs (once); resolves to the reason or null. */
export function probeWebGpu(): Promise<string | null> {
  webGpuProbe ??= makeWebGpuBackend().then((r) => adopt(WEBGPU, r));
  return webGpuProbe;
}

/** Whether `gpujs-webgpu` has been probed (asynchronously). */
export function webGpuProbed(): boolean {
  return probed.has(WEBGPU);
}

/** The device backend `name` that runs here (probing it), or undefined. */
export function deviceRecord(name: string): DeviceRecord | undefined {
  if (probeBackend(name) !== null) return undefined;
  return devices.get(name);
}

/**
 * Why the default passes over device backend `name` although it runs (a
 * software renderer by name; WebGPU's asynchronous readback; or, where the
 * GL hides its renderer, a short timed matmul slower than the CPU route), or
 * undefined.
 */
export function passedOverReason(name: string): string | undefined {
  const d = devices.get(name);
  if (d === undefined) return undefined;
  const choose = `never picked by default, choose it with setBackend('${name}')`;
  if (d.info.software) return `renders in software (${d.info.renderer}); ${choose}`;
  if (name === WEBGPU) return `its readback is asynchronous (toArray would throw); ${choose.replace('setBackend', 'await setBackend')}`;
  if (isHardwareRenderer(d.info.renderer)) return undefined;
  const host = probeBackend(WASM) === null ? WASM : 'js';
  const hostMatmul = kernelsOf(host)?.matmul ?? jsKernels.matmul;
  // a device record exists only once the gpu.js factories are loaded
  d.timing ??= gpuFactories()!.timeDevice(d.backend, hostMatmul);
  const { deviceMs, hostMs } = d.timing;
  if (deviceMs < hostMs) return undefined;
  return `its renderer is not identified ('${d.info.renderer}') and a 256³ matmul took ${deviceMs.toFixed(1)} ms on it vs ${hostMs.toFixed(1)} ms on ${host} (a software renderer, or a GPU slower than the CPU); ${choose}`;
}

/**
 * The default backend: a device backend on a hardware GPU when one answers
 * (webgl2, webgl, headlessgl; software renderers are passed over), else
 * `wasm` where WebAssembly SIMD runs, else `js`. Probes once.
 */
export function defaultName(): string {
  for (const name of DEVICE_NAMES) {
    if (probeBackend(name) === null && passedOverReason(name) === undefined) return name;
  }
  return probeBackend(WASM) === null ? WASM : 'js';
}

/** Makes `name` active after probing it; returns why it cannot run (the active backend is kept then), or null. */
export function chooseBackend(name: string): string | null {
  const reason = probeBackend(name);
  if (reason === null) activate(name);
  return reason;
}

/** Applies `GYROGRAD_BACKEND` (lib/ and kernels/ have no Node types: `process` is read defensively), else the default. */
function applyDefault(): void {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const want = proc?.env?.GYROGRAD_BACKEND;
  if (want !== undefined && want !== '') {
    const reason = knownNames().includes(want) ? chooseBackend(want) : `unknown backend; expected one of: ${knownNames().join(', ')}`;
    if (reason === null) return;
    const con = (globalThis as { console?: { warn(msg: string): void } }).console;
    con?.warn(`gyrograd: GYROGRAD_BACKEND='${want}' ignored (${reason}); using backend '${defaultName()}'`);
  }
  const name = defaultName();
  active = backends.get(name) ?? jsEntry;
}

/** Applies the default once, unless a backend was chosen already. */
function ensureDefault(): void {
  if (decided) return;
  decided = true; // first: probing runs kernels of its own, which must not recurse here
  applyDefault();
}

/**
 * Loads the gpu.js backends' code (in a browser bundle: their factories and
 * gpu.js, two dynamically imported chunks; probe outcomes that waited for
 * them were not kept) and, when no backend was chosen explicitly, applies
 * the default again (it may now pick a device backend on a hardware GPU).
 * Rejects when gpu.js is not installed.
 */
export async function loadGpu(): Promise<void> {
  await loadGpuCode();
  if (decided && !explicit) {
    decided = false;
    ensureDefault();
  }
}

/** Whether backend `name` is one whose tensors live on a device. */
export function isDeviceBackend(name: string): boolean {
  return isDeviceName(name) || backends.get(name)?.device === true;
}

// ---------------------------------------------------------------- lookups

/** Whether the active backend keeps float32 results on a device (gpu.js GL/WebGPU). */
export function activeIsDevice(): boolean {
  ensureDefault();
  return active.device;
}

/**
 * Whether the active backend runs every float32 kernel of `names` itself.
 * Fused ops ask this on device backends: where a device backend lacks one of
 * their kernels they run their composite (device-resident) definition
 * instead of copying data to a host kernel and back.
 */
export function activeImplements(names: readonly KernelName[]): boolean {
  ensureDefault();
  return names.every((n) => active.backend.kernels[n] !== undefined);
}

/**
 * Whether float32 kernel `name` runs on a backend of its own now, i.e. the
 * active backend implements it and is not `js`. Ops whose fused kernel is
 * only worth it off js (it would lose to a matmul-based form there) ask this.
 */
export function provides(name: KernelName): boolean {
  ensureDefault();
  return active !== jsEntry && active.backend.kernels[name] !== undefined;
}

/** Name of the backend that serves kernel `name` for data of `dtype` now (active, fallback or js). */
export function servingBackend(name: KernelName, dtype: DType): string {
  ensureDefault();
  if (dtype === 'float32' && active !== jsEntry) {
    if (active.backend.kernels[name] !== undefined) return active.backend.name;
    if (fallback?.backend.kernels[name] !== undefined) return fallback.backend.name;
  }
  return 'js';
}

/** The implementation of kernel `name` for data of `dtype`, on TensorData. */
export function kernel<K extends KernelName>(name: K, dtype: DType): DataKernels[K] {
  ensureDefault();
  if (dtype === 'float32' && active !== jsEntry) {
    const k = dataKernel(active, name) ?? (fallback && dataKernel(fallback, name));
    if (k) return k;
  }
  return dataKernel(jsEntry, name)!;
}
