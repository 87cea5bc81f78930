/**
 * Backend selection for the public API: which kernel backend runs float32
 * work. float64 always runs on the exact `js` backend.
 *
 * Backends: `js` (always available, the default) and the gpu.js routes
 * `gpujs-cpu`, `gpujs-webasm`, `gpujs-headlessgl` (see kernels/gpu). A gpu.js
 * route is probed (a tiny kernel is created and run) the first time it is
 * asked for, and registered only if it works. The environment variable
 * `GYROGRAD_BACKEND` (read once, at first use of this module or of any
 * kernel) selects a backend; if it names an unknown or unavailable backend a
 * warning says so and `js` stays active.
 *
 * The default stays `js`: measured on the development machine (2 cores, no
 * GPU), js float32 matmul 512³ beats every gpu.js mode there.
 */
import * as registry from '../kernels/registry.ts';
import { GPU_MODES, gpuBackendName, probeMode, type GpuMode } from '../kernels/gpu/index.ts';
import { ValueError } from './errors.ts';

/** Thrown by {@link setBackend} for a known backend that cannot run here. */
export class BackendUnavailableError extends ValueError {
  /** `'BackendUnavailableError'`, so that messages and `err.name` show the class. */
  override readonly name: string = 'BackendUnavailableError';
}

const gpuNames = new Map<string, GpuMode>(GPU_MODES.map((m) => [gpuBackendName(m), m]));
/** Probe outcome per gpu.js backend name: `null` when available, else the reason. */
const probed = new Map<string, string | null>();

/** Probes (once) the gpu.js backend `name` and registers it if it works; returns the failure reason or null. */
function ensure(name: string): string | null {
  const mode = gpuNames.get(name);
  if (mode === undefined) return null;
  const known = probed.get(name);
  if (known !== undefined) return known;
  const r = probeMode(mode);
  if (r.ok) registry.registerBackend({ name, kernels: r.set.kernels });
  const reason = r.ok ? null : r.reason;
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
  if (want === undefined || want === '') return;
  try {
    select(want);
  } catch (e) {
    const con = (globalThis as { console?: { warn(msg: string): void } }).console;
    con?.warn(`gyrograd: GYROGRAD_BACKEND='${want}' ignored (${e instanceof Error ? e.message : String(e)}); using backend 'js'`);
  }
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

/** Name of the backend that runs float32 kernels now (`'js'` by default). */
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
  for (const n of gpuNames.keys()) if (!names.includes(n)) names.push(n);
  return names;
}

/**
 * Selects the backend for float32 kernels. Throws a ValueError for an
 * unknown name and a `BackendUnavailableError` (a ValueError) for a
 * known backend that cannot run here; the current backend is kept then.
 */
export function setBackend(name: string): void {
  applyEnv();
  select(name);
}
