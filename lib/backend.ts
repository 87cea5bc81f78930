/**
 * Backend selection for the public API: which kernel backend runs float32
 * work. float64 always runs on the exact `js` backend.
 *
 * Backends: `js` (always available: typed-array kernels for every op),
 * `wasm` (float32 matmul on a WebAssembly SIMD kernel generated in
 * TypeScript, kernels/wasm) and the gpu.js routes `gpujs-cpu`,
 * `gpujs-webasm`, `gpujs-headlessgl` (kernels/gpu). A route other than js is
 * probed (its module or a tiny kernel is built and run against a plain loop)
 * the first time it is asked for, and registered only if it works; kernels a
 * backend lacks run on wasm when it has them, else on js (see Fallbacks).
 *
 * **Default.** At first use, the environment variable `GYROGRAD_BACKEND`
 * selects a backend if set (an unknown or unavailable name is reported by a
 * warning, and the default applies). Otherwise the default is the fastest
 * route measured (bench/run.ts, BENCHMARKS.md): `wasm` when the engine runs
 * WebAssembly SIMD, else `js`. No gpu.js route is chosen by default: on the
 * machines measured (no GPU; Mesa renders GL in software) each was slower
 * than js; choose one explicitly where a GPU makes it pay.
 *
 * **Fallbacks.** With a gpu.js backend active, its small products (below its
 * work threshold) run on the wasm matmul, and the float32 kernels it lacks on
 * wasm's when wasm has them, before js: each call goes to the fastest route
 * measured for it.
 */
import * as registry from '../kernels/registry.ts';
import { GPU_MODES, gpuBackendName, probeMode, type GpuMode } from '../kernels/gpu/index.ts';
import { probeWasm } from '../kernels/wasm/index.ts';
import { ValueError } from './errors.ts';

/** Thrown by {@link setBackend} for a known backend that cannot run here. */
export class BackendUnavailableError extends ValueError {
  /** `'BackendUnavailableError'`, so that messages and `err.name` show the class. */
  override readonly name: string = 'BackendUnavailableError';
}

const gpuNames = new Map<string, GpuMode>(GPU_MODES.map((m) => [gpuBackendName(m), m]));
/** Probe outcome per gpu.js backend name: `null` when available, else the reason. */
const probed = new Map<string, string | null>();

/** Name of the WebAssembly SIMD backend. */
const WASM = 'wasm';

/** Probes (once) the backend `name` and registers it if it works; returns the failure reason or null. */
function ensure(name: string): string | null {
  const mode = gpuNames.get(name);
  if (mode === undefined && name !== WASM) return null;
  const known = probed.get(name);
  if (known !== undefined) return known;
  // a gpu.js backend runs its small products on the wasm matmul when that runs (the fastest CPU route)
  const wasmMatmul = mode === undefined || ensure(WASM) !== null ? undefined : registry.kernelsOf(WASM)?.matmul;
  const r = mode === undefined ? probeWasm() : probeMode(mode, wasmMatmul === undefined ? {} : { matmulFallback: wasmMatmul });
  if (r.ok) registry.registerBackend({ name, kernels: r.set.kernels });
  // kernels a backend lacks run on wasm before js
  if (r.ok && mode === undefined) registry.setFallbackBackend(WASM);
  const reason = r.ok ? null : mode === 'headlessgl' ? `${r.reason} (headlessgl needs the optional native 'gl' package and an X display: a GPU, or Mesa under Xvfb, e.g. xvfb-run -a <command>)` : r.reason;
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

/** The default backend: `wasm` where WebAssembly SIMD runs (probed once), else `js`. */
export function defaultBackend(): string {
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
  for (const n of [WASM, ...gpuNames.keys()]) if (!names.includes(n)) names.push(n);
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
 */
export function setBackend(name: string): void {
  applyEnv();
  select(name);
}

/**
 * Runs `fn` with backend `name` selected for float32 kernels and restores the
 * previous backend afterwards (also when `fn` throws). Throws like
 * {@link setBackend} for an unknown or unavailable name, before running `fn`.
 */
export function withBackend<T>(name: string, fn: () => T): T {
  applyEnv();
  const previous = registry.backend();
  select(name);
  try {
    return fn();
  } finally {
    registry.setBackend(previous);
  }
}
