/**
 * Which of *our* backends the benchmarks measure, generically over backend
 * names: every name in `availableBackends()` whose float32 implementation of a
 * kernel differs from the js one is "a backend implementing that kernel". A
 * new backend (e.g. a WebAssembly SIMD one, or a worker-thread variant) is
 * therefore picked up without editing the benchmarks.
 *
 * Also here: an X display for gpu.js's `headlessgl` mode (Xvfb started on a
 * free display when DISPLAY is unset), the "route" a call takes on a backend
 * (its own kernel or its js fallback below a work threshold), and threshold-free
 * ("raw") variants of backends for the crossover measurement.
 */
import { availableBackends } from '../lib/index.ts';
import { kernelsOf, registerBackend, type KernelName, type Kernels } from '../kernels/registry.ts';
import { createGpuKernels, DEFAULT_MIN_WORK, GPU_MODES, gpuBackendName } from '../kernels/gpu/index.ts';
import { createWasmKernels, DEFAULT_WASM_MIN_WORK } from '../kernels/wasm/index.ts';
import { displayForHeadlessGl, type XvfbHandle } from '../tools/xvfb.ts';

/** Parses `--name=a,b` from argv (undefined when absent). */
export function argList(name: string): string[] | undefined {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined
    ? undefined
    : a
        .slice(name.length + 3)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
}

let xvfb: XvfbHandle | undefined;

/**
 * Makes sure gpu.js `headlessgl` can find an X display before any backend is
 * probed (the library probes each backend once and caches the outcome). Returns
 * a one-line note for the report; {@link stopDisplay} stops an Xvfb started here.
 */
export async function prepareDisplay(): Promise<string> {
  const d = await displayForHeadlessGl();
  xvfb = d.started;
  return d.reason === undefined ? d.note : `${d.note}; gpujs-headlessgl will be unavailable`;
}

export function stopDisplay(): void {
  xvfb?.stop();
  xvfb = undefined;
}

/** Whether backend `name` has its own float32 implementation of kernel `k` (not the js fallback of the registry). */
export function implementsKernel(name: string, k: KernelName): boolean {
  if (name === 'js') return true;
  availableBackends(); // probes (and so registers) every backend that runs
  return kernelsOf(name)?.[k] !== undefined;
}

/**
 * The available backends (js first) that implement at least one of `kernels`,
 * restricted to `--backends=a,b` when given; `skipped` lists the others with the reason.
 */
export function oursBackends(kernels: readonly KernelName[]): { names: string[]; skipped: string[] } {
  const only = argList('backends');
  const names: string[] = [];
  const skipped: string[] = [];
  for (const n of availableBackends()) {
    if (n.includes('[') || n === WASM_1T) continue; // variants registered by the bench itself
    if (only !== undefined && !only.includes(n)) {
      skipped.push(`${n} (not in --backends)`);
      continue;
    }
    if (kernels.some((k) => implementsKernel(n, k))) names.push(n);
    else skipped.push(`${n} (implements none of ${kernels.join(', ')} for float32)`);
  }
  if (names.includes('wasm') && (only === undefined || only.includes(WASM_1T))) {
    if (!wasm1tRegistered) registerBackend({ name: WASM_1T, kernels: createWasmKernels({ threads: 1 }).kernels });
    wasm1tRegistered = true;
    names.push(WASM_1T);
  }
  names.sort((a, b) => (a === 'js' ? -1 : b === 'js' ? 1 : 0));
  return { names, skipped };
}

/**
 * The wasm backend runs large products on every core (worker threads); tfjs-wasm
 * runs on one here. The bench also measures wasm on one thread, registered
 * under this name, so both comparisons are reported.
 */
export const WASM_1T = 'wasm-1thread';
let wasm1tRegistered = false;

/** What the bench knows about a backend beyond its name: its work threshold and how to build it without one. */
interface Hook {
  /** calls with less work (multiply-adds for matmul, output entries for elementwise kernels) run on js */
  minWork?: number;
  /** the backend's kernels with no threshold (minWork = 0) */
  makeRaw?: () => Partial<Kernels>;
}

const HOOKS = new Map<string, Hook>(
  GPU_MODES.map((m) => [gpuBackendName(m), { minWork: DEFAULT_MIN_WORK, makeRaw: () => createGpuKernels(m, { minWork: 0 }).kernels }]),
);

HOOKS.set('wasm', { minWork: DEFAULT_WASM_MIN_WORK, makeRaw: () => createWasmKernels({ minWork: 0, minOutput: 0 }).kernels });
HOOKS.set(WASM_1T, { minWork: DEFAULT_WASM_MIN_WORK, makeRaw: () => createWasmKernels({ minWork: 0, minOutput: 0, threads: 1 }).kernels });

/**
 * Which code runs a float32 call of kernel `k` with `work` multiply-adds (matmul)
 * or output entries (elementwise kernels) on backend `name`, as far as the bench
 * knows the backend's threshold (gpu.js: `DEFAULT_MIN_WORK`; wasm: its module's
 * default). Backends it knows nothing about: "<name> kernel" (their own
 * thresholds, if any, apply).
 */
export function route(name: string, k: KernelName, work: number): string {
  if (name === 'js') return 'js';
  if (!implementsKernel(name, k)) return 'js (not implemented)';
  const mw = HOOKS.get(name)?.minWork;
  if (mw !== undefined && work < mw) return `js fallback (work < ${pow2(mw)})`;
  return `${name} kernel`;
}

function pow2(x: number): string {
  const l = Math.log2(x);
  return Number.isInteger(l) ? `2^${l}` : String(x);
}

/** The work threshold the bench knows for backend `name` (undefined: none known). */
export function knownMinWork(name: string): number | undefined {
  return HOOKS.get(name)?.minWork;
}

/**
 * A threshold-free variant of backend `name` for the crossover measurement,
 * registered under `${name}[raw]`, or undefined when the bench knows no way to
 * build one (then the backend is measured as shipped, thresholds included).
 * A new backend with a work threshold can be added to HOOKS.
 */
export function rawVariant(name: string): string | undefined {
  const make = HOOKS.get(name)?.makeRaw;
  if (make === undefined) return undefined;
  const raw = `${name}[raw]`;
  registerBackend({ name: raw, kernels: make() });
  return raw;
}
