/**
 * Device check: one script that says what a machine can do for gyrograd, for
 * every backend `availableBackends()` reports (plus `gpujs-webgpu` when a
 * WebGPU adapter answers), and why each other backend is unavailable.
 * Written for a lent GPU machine (e.g. one NVIDIA H200, no network), where it
 * runs from the self-contained pack of `tools/device/`
 * (`bash tools/device/run.sh`); it runs the same from source here
 * (`npm run bench:device -- --quick`).
 *
 * It reports:
 *  - the environment: Node version, CPU model and cores, memory, OS and glibc,
 *    `nvidia-smi -L` (and a one-line GPU query) when the binary exists, the GPU
 *    libraries and device nodes present, the real GL renderer/vendor strings of
 *    headless GL (the native `gl` package: a `gl(1, 1)` context, read through
 *    the native `getParameter`, since the JS wrapper masks RENDERER as "ANGLE"
 *    and has no `WEBGL_debug_renderer_info`), the WebGPU adapters that Dawn
 *    (the `webgpu` package) finds, if it loads, and the library's
 *    `backendInfo()` for every backend (kind, renderer, software flag, why the
 *    default passed it over);
 *  - WebGPU in Node: Node 20 has no `navigator`. When `dawn.node` loads, the
 *    script installs `navigator.gpu = create(flags)` and Dawn's `globals`
 *    (GPUBufferUsage, GPUMapMode, GPUShaderStage, …) *before* any backend is
 *    probed, then runs `await setBackend('gpujs-webgpu')` (the library's
 *    asynchronous probe) and reports its outcome or reason;
 *  - float32 matmul n×n·n×n at n = 1024, 2048, 4096, two timings of the
 *    median of a few runs after a warm-up call: (a) the product with the
 *    whole result read (`await toArrayAsync(matmul(A, B))`), (b) the product
 *    synchronised by a one-element read (`await toArrayAsync(slice(C, [0, 0],
 *    [1, 1]))`), i.e. the device's compute without the n² readback and the
 *    host's number[] conversion of toArrayAsync (whose cost alone is timed on
 *    the host and reported). GFLOP/s = 2n³/t. 64 sampled entries are checked
 *    against a float64 dot product within γ_n·Σ|a_ik b_kj| (γ_n =
 *    n·u/(1 − n·u), u = 2⁻²⁴). A size whose estimated time (from the previous
 *    size, × 8) would blow the per-item budget (`--budget`, 60 s) is skipped,
 *    saying why;
 *  - one CHEST training step at B = 1024, C = 1000, K = 10 (C·K = 10,000
 *    proxies per space), D = 512 in both spaces, 1024 HypHC triplets:
 *    `valueAndGrad` of `chest({ centersPerClass: 10 })(inputs, labels, triplets)`
 *    w.r.t. the four inputs, reading the loss value (inputs and triplets made as
 *    in bench/chest-step.ts); also timed reading the four gradients too. The
 *    first step reads everything and is checked against the reference backend
 *    (wasm when available): loss within 1e-3 relative, gradients within 1e-2
 *    relative L2. On a device backend the four inputs are then placed on the
 *    device (a reduction of each, outside any scope), as a training loop's
 *    parameters are: an upload made inside valueAndGrad's device scope is
 *    freed with it, so host inputs would be uploaded again every step.
 *    `transferStats()` is recorded per step (the first step, the placement, a
 *    loss-read step, a step reading the gradients too), and
 *    `deviceMemoryStats(name)` after the steps on a device backend;
 *  - the targets: CHEST step wasm_ms / backend_ms ≥ 5× on a GPU backend, and
 *    matmul at n = 4096 > 1 TFLOP/s.
 *
 * Every read goes through `await toArrayAsync(…)`, so every backend (the
 * synchronous host and GL ones, and WebGPU, whose readback is asynchronous)
 * shares one code path. An item that does not settle within its time limit
 * (a hung device) is reported as failed and the backend's remaining items are
 * skipped.
 *
 * Backends are run in the order wasm (the reference), GPU candidates (on
 * hardware first, then software renderers), then the other CPU routes, so
 * that an overall deadline (`--deadline`, 400 s) cuts the least useful items;
 * the report is rewritten after every item, so a run killed from outside
 * still leaves its figures behind.
 *
 * Output: `device-check.json` and `device-check.md` (with `-quick` before the
 * extension for --quick) under `$OUT` if set, else `--out=DIR`, else
 * `bench/out/`; the markdown is printed too. Exit status 1 if a correctness
 * check failed.
 *
 * Flags: `--quick` (tiny sizes, seconds), `--backends=a,b` (only these),
 * `--budget=S` (per item, seconds), `--deadline=S` (whole run, seconds),
 * `--runs=N` (timed runs per item), `--out=DIR`, `--sizes=n1,n2,…` (matmul
 * sizes), `--chest=B,C,K,D,T` (CHEST step sizes), `--software-chest` (also run
 * the full-size CHEST step on a software renderer: skipped by default, it
 * needs tens of GB of host memory on llvmpipe), `--device-budget-mib=N`
 * (`setDeviceMemoryBudget` of each GL device backend; the library's default
 * is 512 MiB), `--no-webgpu-probe` (do not
 * load Dawn), `--dawn-flag=F` (repeatable; passed to Dawn's `create`, e.g.
 * `--dawn-flag=backend=vulkan`, `--dawn-flag=adapter=NVIDIA`).
 *
 * When DISPLAY is unset, an Xvfb is started for headless GL if one is on
 * PATH (tools/xvfb.ts), before any backend is probed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  availableBackends,
  backend,
  backendInfo,
  backendUnavailableReason,
  chest,
  deviceMemoryStats,
  listBackends,
  matmul,
  setBackend,
  setDeviceMemoryBudget,
  slice,
  sum,
  tensor,
  toArrayAsync,
  transferStats,
  valueAndGrad,
  type BackendInfo,
  type ChestInputs,
  type DeviceMemoryInfo,
  type Tensor,
  type TransferStats,
} from '../lib/index.ts';
import { displayForHeadlessGl, type XvfbHandle } from '../tools/xvfb.ts';
import { chestData, fmt, median, mulberry32, randomFloat32, referenceMatmulEntry, relL2, type ChestData } from './util.ts';

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const flag = (name: string): string | undefined => argv.find((s) => s.startsWith(`--${name}=`))?.slice(name.length + 3);
const numFlag = (name: string, dflt: number): number => {
  const v = flag(name);
  const x = v === undefined ? dflt : Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`--${name} must be a positive number, got '${v}'`);
  return x;
};
const ONLY = flag('backends')
  ?.split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');
const SOFTWARE_CHEST = argv.includes('--software-chest');
const DEVICE_BUDGET_MIB = flag('device-budget-mib') === undefined ? undefined : numFlag('device-budget-mib', 512);
const DAWN_FLAGS = argv.filter((s) => s.startsWith('--dawn-flag=')).map((s) => s.slice('--dawn-flag='.length));
const WEBGPU = 'gpujs-webgpu';

const CFG = QUICK
  ? { sizes: [64, 128], chest: { B: 32, C: 10, K: 4, D: 32, T: 128 }, runs: 3, minSampleMs: 20 }
  : { sizes: [1024, 2048, 4096], chest: { B: 1024, C: 1000, K: 10, D: 512, T: 1024 }, runs: 5, minSampleMs: 0 };
const intList = (name: string): number[] | undefined => {
  const v = flag(name);
  if (v === undefined) return undefined;
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`--${name} takes positive integers separated by commas, got '${v}'`);
  return xs;
};
const sizesFlag = intList('sizes');
if (sizesFlag !== undefined) CFG.sizes = sizesFlag;
const chestFlag = intList('chest');
if (chestFlag !== undefined) {
  if (chestFlag.length !== 5) throw new Error(`--chest takes B,C,K,D,T (5 integers), got '${flag('chest')}'`);
  const [B, C, K, D, T] = chestFlag;
  CFG.chest = { B, C, K, D, T };
}
const RUNS = Math.round(numFlag('runs', CFG.runs));
const BUDGET_MS = numFlag('budget', QUICK ? 10 : 60) * 1000;
const DEADLINE_MS = numFlag('deadline', QUICK ? 120 : 400) * 1000;
const OUT_DIR = process.env.OUT || flag('out') || path.resolve(process.cwd(), 'bench', 'out');
const STEM = QUICK ? 'device-check-quick' : 'device-check';

/** Targets of the device issue. */
const TARGET_CHEST_SPEEDUP = 5; // CHEST step: wasm_ms / gpu_ms
const TARGET_MATMUL_TFLOPS = 1; // matmul n = 4096
const TARGET_N = 4096;

const T0 = performance.now();
const elapsed = (): number => performance.now() - T0;

// ------------------------------------------------------------------ report model

interface MatmulRow {
  backend: string;
  n: number;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  /** median ms of one call: product + the whole result read (`await toArrayAsync(C)`) */
  ms?: number;
  msAll?: number[];
  /** the first call (compilation, uploads), whole result read */
  firstMs?: number;
  /** 2n³ / ms */
  gflops?: number;
  /** calls per timed sample (small sizes only) */
  reps?: number;
  /** median ms of one call: product synchronised by a one-element read (`slice(C, [0, 0], [1, 1])`) */
  syncMs?: number;
  syncMsAll?: number[];
  /** 2n³ / syncMs */
  syncGflops?: number;
  /** host time of `Array.from` of n² float32 values: the number[] conversion inside toArrayAsync */
  convertMs?: number;
  /** max over the sampled entries of |ours − exact| / (γ_n·Σ|a b|): ≤ 1 passes */
  errOverBound?: number;
}

interface ChestRow {
  backend: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  /** first step (loss and gradients read), includes compilation and uploads */
  firstMs?: number;
  /** median ms of a step reading the loss value only */
  ms?: number;
  msAll?: number[];
  /** median ms of a step reading the loss and the four gradients */
  msWithGrads?: number;
  msWithGradsAll?: number[];
  /** host time of `Array.from` of the four gradients' float32 values (part of "with grads") */
  gradConvertMs?: number;
  loss?: number;
  /** vs the reference backend: |Δloss|/|loss| and the max relative L2 of the gradients */
  lossRelDiff?: number;
  gradRelL2?: number;
  referenceBackend?: string;
  /** `transferStats()` differences: the first step (host inputs), placing the inputs on the device (device backends), and per step (averaged) of the timed loss-read and with-gradients steps */
  transfers?: {
    firstStep?: TransferStats;
    placement?: TransferStats;
    lossStep?: TransferStats;
    lossSteps?: number;
    gradStep?: TransferStats;
    gradSteps?: number;
  };
  /** `deviceMemoryStats(name)` after the steps (device backends), or why it could not be read */
  deviceMemory?: DeviceMemoryInfo | { error: string };
}

interface Report {
  tool: 'gyrograd device check';
  quick: boolean;
  date: string;
  argv: string[];
  pack: Record<string, string>;
  settings: {
    runs: number;
    budgetS: number;
    deadlineS: number;
    sizes: number[];
    chest: typeof CFG.chest;
    dawnFlags: string[];
    deviceBudgetMiB?: number;
    softwareChest: boolean;
  };
  environment: Record<string, unknown>;
  backends: {
    listed: string[];
    available: string[];
    default: string;
    measured: string[];
    unavailable: { name: string; reason: string }[];
    notMeasured: { name: string; reason: string }[];
    /** `backendInfo()` after the WebGPU probe, or why it threw */
    info: BackendInfo[] | { error: string };
    /** `await setBackend('gpujs-webgpu')` */
    webgpu: { tried: boolean; ok: boolean; reason?: string; ms?: number };
  };
  matmul: MatmulRow[];
  chest: ChestRow[];
  targets: string[];
  checks: { failures: number; messages: string[] };
  elapsedS?: number;
  finished: boolean;
}

const report: Report = {
  tool: 'gyrograd device check',
  quick: QUICK,
  date: new Date().toISOString(),
  argv,
  pack: Object.fromEntries(
    Object.entries(process.env)
      .filter(([k]) => k.startsWith('DEVICE_PACK_'))
      .map(([k, v]) => [k, v ?? '']),
  ),
  settings: {
    runs: RUNS,
    budgetS: BUDGET_MS / 1000,
    deadlineS: DEADLINE_MS / 1000,
    sizes: CFG.sizes,
    chest: CFG.chest,
    dawnFlags: DAWN_FLAGS,
    deviceBudgetMiB: DEVICE_BUDGET_MIB,
    softwareChest: SOFTWARE_CHEST,
  },
  environment: {},
  backends: { listed: [], available: [], default: '', measured: [], unavailable: [], notMeasured: [], info: [], webgpu: { tried: false, ok: false } },
  matmul: [],
  chest: [],
  targets: [],
  checks: { failures: 0, messages: [] },
  finished: false,
};

function fail(label: string, detail: string): void {
  report.checks.failures++;
  report.checks.messages.push(`${label}: ${detail}`);
  console.error(`CHECK FAILED: ${label}: ${detail}`);
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
const log = (s: string): void => console.error(`[${(elapsed() / 1000).toFixed(1)} s] ${s}`);

/** Rejects when `p` has not settled within `ms` (a hung device must not stall the whole run). */
class ItemTimeout extends Error {}
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ItemTimeout(`${what} did not settle within ${fmt(ms / 1000)} s (device hung?)`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------ environment

/** Runs a command with a timeout; its trimmed stdout, or undefined when it is missing or fails. */
function run(cmd: string, args: string[], timeoutMs = 20_000): { out?: string; error?: string } {
  try {
    return { out: execFileSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }).trim() };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') return { error: `${cmd} not found` };
    return { error: `${cmd} ${args.join(' ')} failed: ${errText(err.stderr || err)}` };
  }
}

function findOnPath(bin: string, extra: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...extra]) {
    if (dir && existsSync(`${dir}/${bin}`)) return `${dir}/${bin}`;
  }
  return undefined;
}

/** GPU-related shared libraries the dynamic linker knows (ldconfig -p), device nodes and ICD files. */
function gpuLibraries(): Record<string, unknown> {
  const want = [
    'libcuda.so.1',
    'libnvidia-ml.so.1',
    'libGL.so.1',
    'libGLX.so.0',
    'libGLX_nvidia.so.0',
    'libGLX_mesa.so.0',
    'libEGL.so.1',
    'libEGL_nvidia.so.0',
    'libEGL_mesa.so.0',
    'libvulkan.so.1',
    'libX11.so.6',
    'libstdc++.so.6',
  ];
  const ldconfig = findOnPath('ldconfig', ['/sbin', '/usr/sbin']);
  const found: Record<string, string[]> = {};
  let note: string | undefined;
  if (ldconfig === undefined) note = 'ldconfig not found';
  else {
    const r = run(ldconfig, ['-p']);
    if (r.out === undefined) note = r.error;
    else {
      for (const line of r.out.split('\n')) {
        const m = /^\s*(\S+)\s.*=>\s*(\S+)/.exec(line);
        if (m && want.includes(m[1])) (found[m[1]] ??= []).push(m[2]);
      }
    }
  }
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const icd = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/share/glvnd/egl_vendor.d', '/etc/glvnd/egl_vendor.d'].flatMap((d) =>
    list(d).map((f) => `${d}/${f}`),
  );
  return {
    libraries: Object.fromEntries(want.map((w) => [w, found[w]?.join(', ') ?? 'absent'])),
    ...(note === undefined ? {} : { librariesNote: note }),
    deviceNodes: [
      ...list('/dev')
        .filter((f) => f.startsWith('nvidia'))
        .map((f) => `/dev/${f}`),
      ...list('/dev/dri').map((f) => `/dev/dri/${f}`),
    ],
    icdFiles: icd,
  };
}

/** The real GL strings of headless GL (the native getParameter; the JS wrapper masks them). */
function glInfo(): Record<string, unknown> {
  let create: (w: number, h: number) => unknown;
  try {
    create = createRequire(import.meta.url)('gl') as typeof create;
  } catch (e) {
    return { ok: false, reason: `the native 'gl' package does not load: ${errText(e)}` };
  }
  type GL = Record<string, number> & { getExtension(n: string): { destroy?: () => void } | null; getParameter(p: number): unknown };
  const gl = create(1, 1) as GL | null;
  if (gl === null) {
    return {
      ok: false,
      reason: `gl(1, 1) returned null: no GL context (headless-gl 8 renders through ANGLE's GLX backend: it needs an X display with GLX; DISPLAY=${process.env.DISPLAY ?? 'unset'})`,
    };
  }
  try {
    const native = Object.getPrototypeOf(Object.getPrototypeOf(gl)) as { getParameter(this: GL, p: number): unknown };
    const get = (p: string): string => {
      try {
        return String(native.getParameter.call(gl, gl[p]));
      } catch (e) {
        return `? (${errText(e)})`;
      }
    };
    const dbg = gl.getExtension('WEBGL_debug_renderer_info') as Record<string, number> | null;
    const renderer = get('RENDERER');
    return {
      ok: true,
      renderer,
      vendor: get('VENDOR'),
      version: get('VERSION'),
      glsl: get('SHADING_LANGUAGE_VERSION'),
      maxTextureSize: gl.getParameter(gl.MAX_TEXTURE_SIZE),
      webglDebugRendererInfo: dbg === null ? 'absent' : String(gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL)),
      software: /llvmpipe|softpipe|swiftshader|software/i.test(renderer),
    };
  } finally {
    gl.getExtension('STACKGL_destroy_context')?.destroy?.();
  }
}

function glibc(): string | undefined {
  const r = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return r?.header?.glibcVersionRuntime;
}

// ------------------------------------------------------------------ WebGPU through Dawn

/** What the probes use of a WebGPU `GPU` and its adapters. */
interface GpuLike {
  requestAdapter(o?: unknown): Promise<unknown>;
}

/** The facts of an adapter (`adapter.info`, limits, features). */
function describeAdapter(adapter: unknown): Record<string, unknown> {
  const a = adapter as { info?: Record<string, unknown>; limits?: Record<string, unknown>; features?: Iterable<string>; isFallbackAdapter?: boolean };
  const info: Record<string, unknown> = {};
  for (const k of ['vendor', 'architecture', 'device', 'description', 'backendType', 'adapterType', 'isFallbackAdapter']) {
    if (a.info?.[k] !== undefined && a.info[k] !== '') info[k] = a.info[k];
  }
  if (a.isFallbackAdapter !== undefined && info.isFallbackAdapter === undefined) info.isFallbackAdapter = a.isFallbackAdapter;
  let features: string[] | undefined;
  try {
    features = a.features === undefined ? undefined : [...a.features];
  } catch {
    features = undefined;
  }
  return {
    info,
    maxBufferSize: a.limits?.maxBufferSize,
    maxStorageBufferBindingSize: a.limits?.maxStorageBufferBindingSize,
    shaderF16: features?.includes('shader-f16'),
  };
}

/** The adapter `gpu.requestAdapter(options)` answers, described, or why there is none. */
async function probeAdapter(gpu: GpuLike, options: unknown): Promise<Record<string, unknown>> {
  try {
    const adapter = await withTimeout(gpu.requestAdapter(options), 20_000, 'requestAdapter');
    if (adapter === null || adapter === undefined) return { ok: false, reason: 'requestAdapter returned null (no Vulkan/GL adapter Dawn can use)' };
    return { ok: true, ...describeAdapter(adapter) };
  } catch (e) {
    return { ok: false, reason: `requestAdapter failed: ${errText(e)}` };
  }
}

/**
 * Makes WebGPU reachable from Node, before any backend is probed: loads Dawn
 * (the `webgpu` package), adds its `globals` (GPUBufferUsage, GPUMapMode,
 * GPUShaderStage, … — gpu.js's WebGPU kernels use them as globals) that the
 * engine lacks, and installs `navigator.gpu = create(DAWN_FLAGS)` (Node 20
 * has no `navigator`; a newer Node's gets a `gpu` property). Then describes
 * the adapter gpu.js will get (`requestAdapter()`, no options) and the
 * high-performance one. Keeps an engine's own `navigator.gpu` when there is one.
 */
async function installDawn(): Promise<Record<string, unknown>> {
  if (argv.includes('--no-webgpu-probe')) return { ok: false, installed: false, reason: 'not probed (--no-webgpu-probe)' };
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  let gpu = g.navigator?.gpu;
  let source: string;
  if (gpu !== undefined) source = "this engine's own navigator.gpu";
  else {
    const spec = 'webgpu'; // a variable: neither tsc nor the bundler resolves it; it loads from node_modules next to this file
    let mod: { create(flags: string[]): GpuLike; globals?: Record<string, unknown> };
    try {
      mod = (await import(spec)) as typeof mod;
    } catch (e) {
      return { ok: false, installed: false, reason: `the 'webgpu' package (Dawn) does not load: ${errText(e)}` };
    }
    let version = '?';
    try {
      version = (createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version;
    } catch {
      // version unknown
    }
    const added: string[] = [];
    for (const [k, v] of Object.entries(mod.globals ?? {})) {
      if (k in globalThis) continue;
      Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
      added.push(k);
    }
    try {
      gpu = mod.create(DAWN_FLAGS);
    } catch (e) {
      return { ok: false, installed: false, reason: `Dawn loads, but create(${JSON.stringify(DAWN_FLAGS)}) threw: ${errText(e)}` };
    }
    if (g.navigator !== undefined) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else {
      Object.defineProperty(globalThis, 'navigator', {
        value: { gpu, hardwareConcurrency: os.availableParallelism() },
        configurable: true,
        writable: true,
      });
    }
    source = `Dawn (webgpu ${version}) create(${JSON.stringify(DAWN_FLAGS)}) as navigator.gpu; globals added: ${added.join(', ') || 'none'}`;
  }
  const dflt = await probeAdapter(gpu, undefined);
  const perf = await probeAdapter(gpu, { powerPreference: 'high-performance' });
  return { ok: dflt.ok === true, installed: true, source, adapter: dflt, highPerformanceAdapter: perf };
}

/**
 * `await setBackend('gpujs-webgpu')`: the library finds the adapter and runs
 * a probe kernel. The previous backend is selected again afterwards.
 */
async function probeWebGpuBackend(): Promise<Report['backends']['webgpu']> {
  if (ONLY !== undefined && !ONLY.includes(WEBGPU)) return { tried: false, ok: false, reason: 'not in --backends' };
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav?.gpu === undefined) return { tried: false, ok: false, reason: 'navigator.gpu is absent (Dawn not installed)' };
  const previous = backend();
  const t0 = performance.now();
  try {
    await withTimeout(Promise.resolve(setBackend(WEBGPU)), 90_000, `await setBackend('${WEBGPU}')`);
    return { tried: true, ok: true, ms: performance.now() - t0 };
  } catch (e) {
    return { tried: true, ok: false, reason: errText(e), ms: performance.now() - t0 };
  } finally {
    await setBackend(previous);
  }
}

// ------------------------------------------------------------------ backends

/** CPU routes (by name); every other backend is a GPU candidate. */
const isCpuRoute = (n: string): boolean => n === 'js' || /cpu|wasm|webasm/.test(n);

const infoOf = (name: string): BackendInfo | undefined => (Array.isArray(report.backends.info) ? report.backends.info.find((b) => b.name === name) : undefined);

/** Why a GPU candidate is no GPU here (a software renderer), or ''. */
function softwareNote(name: string): string {
  if (isCpuRoute(name)) return '';
  const bi = infoOf(name);
  const gl = report.environment.gl as { ok?: boolean; software?: boolean; renderer?: string } | undefined;
  if (bi?.software === true) return `software renderer (${bi.renderer || (name === 'gpujs-headlessgl' ? gl?.renderer : '') || 'unnamed'}): no GPU`;
  if (name === 'gpujs-headlessgl' && gl?.ok === true && gl.software === true) return `software GL renderer (${gl.renderer}): no GPU`;
  return '';
}

/** The library's backendInfo(), or why it threw. */
function readBackendInfo(): BackendInfo[] | { error: string } {
  try {
    return backendInfo();
  } catch (e) {
    return { error: `backendInfo() threw: ${errText(e)}` };
  }
}

/** Backends a timed-out item left in an unknown state: their remaining items are skipped. */
const hung = new Map<string, string>();

/** Selects `name` (the first selection of gpujs-webgpu already happened in probeWebGpuBackend). */
async function useBackend(name: string): Promise<void> {
  await setBackend(name);
  if (DEVICE_BUDGET_MIB !== undefined && infoOf(name)?.kind === 'device' && !budgetSet.has(name)) {
    budgetSet.add(name);
    try {
      setDeviceMemoryBudget(DEVICE_BUDGET_MIB * 2 ** 20, name);
      log(`${name}: device memory budget set to ${DEVICE_BUDGET_MIB} MiB`);
    } catch (e) {
      log(`${name}: setDeviceMemoryBudget failed: ${errText(e)}`);
      report.checks.messages.push(`note: ${name}: --device-budget-mib not applied: ${errText(e)}`);
    }
  }
}
const budgetSet = new Set<string>();

/** Throws when something switched the active backend during an item (e.g. a late-settling probe). */
function checkStillOn(name: string): void {
  if (backend() !== name) throw new Error(`the active backend changed to '${backend()}' during the item`);
}

/** Time limit of one item: twice the budget plus slack, never far past the deadline. */
function itemLimitMs(): number {
  return Math.max(30_000, Math.min(2 * BUDGET_MS + 30_000, DEADLINE_MS - elapsed() + 30_000));
}

// ------------------------------------------------------------------ matmul

const U = 2 ** -24;
const gamma = (k: number): number => (k * U) / (1 - k * U);

async function timeCall(body: () => Promise<unknown>, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) await body();
  return (performance.now() - t0) / reps;
}

/** Timed runs that fit in `budgetMs` at `estMs` per run (at least 1, at most RUNS). */
function runsFor(estMs: number, budgetMs = BUDGET_MS): number {
  return Math.max(1, Math.min(RUNS, Math.floor(budgetMs / Math.max(estMs, 1e-3)) - 1));
}

/** Host time of `Array.from` on `n` float32 values (the number[] conversion of toArrayAsync), best of 2. */
const convertCache = new Map<number, number>();
function convertMs(n: number): number {
  let t = convertCache.get(n);
  if (t === undefined) {
    const a = new Float32Array(n).fill(0.5);
    t = Infinity;
    for (let r = 0; r < 2; r++) {
      const t0 = performance.now();
      Array.from(a);
      t = Math.min(t, performance.now() - t0);
    }
    convertCache.set(n, t);
  }
  return t;
}

async function matmulItem(name: string, n: number, row: MatmulRow): Promise<void> {
  const rng = mulberry32(1000 + n);
  const a = randomFloat32(rng, n * n),
    b = randomFloat32(rng, n * n);
  const A = tensor(a, [n, n]),
    B = tensor(b, [n, n]);
  const full = async (): Promise<{ dtype: string; values: number[] }> => {
    const C = matmul(A, B);
    return { dtype: C.dtype, values: await toArrayAsync(C) };
  };
  const sync = async (): Promise<number> => (await toArrayAsync(slice(matmul(A, B), [0, 0], [1, 1])))[0];
  // warm-up call: compilation, uploads; its result is checked
  const t0 = performance.now();
  const c = await full();
  row.firstMs = performance.now() - t0;
  if (c.dtype !== 'float32') fail(`matmul ${name} n=${n}`, `result dtype is ${c.dtype}, expected float32`);
  if (c.values.length !== n * n) fail(`matmul ${name} n=${n}`, `read ${c.values.length} values, expected ${n * n}`);
  const srng = mulberry32(7 + n);
  let worst = 0;
  for (let s = 0; s < 64; s++) {
    const i = Math.floor(srng() * n),
      j = Math.floor(srng() * n);
    const [exact, abs] = referenceMatmulEntry(a, b, n, n, i, j);
    const r = Math.abs(c.values[i * n + j] - exact) / Math.max(gamma(n) * abs, 1e-30);
    if (!(r <= worst)) worst = r; // NaN propagates
  }
  row.errOverBound = worst;
  if (!(worst <= 1)) fail(`matmul ${name} n=${n}`, `sampled entry off by ${worst.toPrecision(3)}× the γ_n·Σ|ab| bound`);
  if (row.firstMs > BUDGET_MS / 2) {
    row.reason = `the first call took ${fmt(row.firstMs / 1000)} s (> half the ${BUDGET_MS / 1000} s budget): not timed further`;
    return;
  }
  // (a) product + the whole result read
  const probe = await timeCall(full, 1);
  const reps = CFG.minSampleMs > 0 ? Math.max(1, Math.ceil(CFG.minSampleMs / Math.max(probe, 1e-3))) : 1;
  const half = BUDGET_MS / 2;
  const runs = runsFor(probe * reps, half);
  const ts: number[] = reps === 1 ? [probe] : [];
  while (ts.length < runs) ts.push(await timeCall(full, reps));
  row.msAll = ts;
  row.reps = reps;
  row.ms = median(ts);
  row.gflops = (2 * n ** 3) / (row.ms * 1e6);
  // (b) product synchronised by a one-element read (the first call compiles the slice)
  const spent = ts.reduce((s, x) => s + x * reps, probe);
  await sync();
  const sProbe = await timeCall(sync, 1);
  const sRuns = runsFor(sProbe * reps, Math.max(BUDGET_MS - spent, sProbe * reps * 2));
  const ss: number[] = reps === 1 ? [sProbe] : [];
  while (ss.length < sRuns) ss.push(await timeCall(sync, reps));
  row.syncMsAll = ss;
  row.syncMs = median(ss);
  row.syncGflops = (2 * n ** 3) / (row.syncMs * 1e6);
  row.convertMs = convertMs(n * n);
  checkStillOn(name);
  row.status = 'ok';
}

async function matmulBackend(name: string): Promise<void> {
  let prevMs: number | undefined, prevN: number | undefined;
  let stop: string | undefined; // why the larger sizes are not run
  for (const n of CFG.sizes) {
    const row: MatmulRow = { backend: name, n, status: 'skipped' };
    report.matmul.push(row);
    stop ??= hung.get(name);
    if (stop !== undefined) {
      row.reason = stop;
      continue;
    }
    if (prevMs !== undefined && prevN !== undefined) {
      const est = prevMs * (n / prevN) ** 3;
      if (2 * est > BUDGET_MS) {
        row.reason = `estimated ${fmt(est / 1000)} s per call (from n = ${prevN}, × ${(n / prevN) ** 3}); a warm-up and one run exceed the ${BUDGET_MS / 1000} s budget`;
        log(`matmul ${name} n=${n}: skipped (${row.reason})`);
        continue;
      }
      if (elapsed() + 2 * est > DEADLINE_MS) {
        row.reason = `overall deadline (${DEADLINE_MS / 1000} s) would be passed (estimated ${fmt((2 * est) / 1000)} s)`;
        log(`matmul ${name} n=${n}: skipped (${row.reason})`);
        continue;
      }
    } else if (elapsed() > DEADLINE_MS) {
      row.reason = `overall deadline (${DEADLINE_MS / 1000} s) passed`;
      continue;
    }
    try {
      await useBackend(name);
      await withTimeout(matmulItem(name, n, row), itemLimitMs(), `matmul ${name} n=${n}`);
      if (row.status !== 'ok') {
        log(`matmul ${name} n=${n}: ${row.reason}`);
        stop = `a smaller size already took ${fmt(row.firstMs! / 1000)} s per call`;
        continue;
      }
      log(
        `matmul ${name} n=${n}: ${fmt(row.ms!)} ms with the result read (${fmt(row.gflops!)} GFLOP/s), ${fmt(row.syncMs!)} ms with a 1-element read (${fmt(row.syncGflops!)} GFLOP/s), first call ${fmt(row.firstMs!)} ms, err/bound ${row.errOverBound!.toPrecision(2)}`,
      );
      // the larger sizes are estimated from the slower of the two timings
      prevMs = Math.max(row.ms!, row.syncMs!);
      prevN = n;
    } catch (e) {
      row.status = 'failed';
      row.reason = errText(e);
      fail(`matmul ${name} n=${n}`, `threw: ${row.reason}`);
      stop = `n = ${n} failed`;
      if (e instanceof ItemTimeout) hung.set(name, `an earlier item hung: ${row.reason}`);
    } finally {
      writeReport();
    }
  }
}

// ------------------------------------------------------------------ CHEST step

/** The inputs of bench/chest-step.ts at this run's sizes (bench/util.ts). */
function makeChestData(seed: number): ChestData {
  return chestData(seed, CFG.chest);
}

const KEYS = ['euclidean', 'hyperbolic', 'euclideanProxies', 'hyperbolicProxies'] as const;

/** Multiply-adds ×2 of the step's products: similarity forward + two backward products, per space. */
function chestFlops(): number {
  const { B, D, C, K } = CFG.chest;
  return 12 * B * D * C * K;
}

/** after − before, divided by `steps`. */
function transferDelta(before: TransferStats, after: TransferStats, steps = 1): TransferStats {
  return {
    uploads: (after.uploads - before.uploads) / steps,
    readbacks: (after.readbacks - before.readbacks) / steps,
    uploadBytes: (after.uploadBytes - before.uploadBytes) / steps,
    readbackBytes: (after.readbackBytes - before.readbackBytes) / steps,
  };
}

let chestRef: { backend: string; loss: number; grads: Float32Array[] } | undefined;

async function chestItem(name: string, data: ChestData, row: ChestRow): Promise<void> {
  const { B, D, C, K } = CFG.chest;
  const inputs: ChestInputs = {
    euclidean: tensor(data.e, [B, D]),
    hyperbolic: tensor(data.h, [B, D]),
    euclideanProxies: tensor(data.pe, [C * K, D]),
    hyperbolicProxies: tensor(data.ph, [C * K, D]),
  };
  const loss = chest({ centersPerClass: K });
  const vg = valueAndGrad((inp: ChestInputs) => loss(inp, data.labels, data.triplets));
  const lossOnly = async (): Promise<number> => (await toArrayAsync(vg(inputs)[0]))[0];
  const withGrads = async (): Promise<{ value: number; grads: number[][] }> => {
    const [v, g] = vg(inputs);
    const [value, ...grads] = await Promise.all([toArrayAsync(v), ...KEYS.map((k) => toArrayAsync((g as Record<string, Tensor>)[k]))]);
    return { value: value[0], grads };
  };
  row.transfers = {};
  // first step: everything read and checked
  let s0 = transferStats();
  const t0 = performance.now();
  const first = await withGrads();
  row.firstMs = performance.now() - t0;
  row.transfers.firstStep = transferDelta(s0, transferStats());
  row.loss = first.value;
  if (!Number.isFinite(first.value)) fail(`CHEST ${name}`, `loss is ${first.value}`);
  if (chestRef === undefined) chestRef = { backend: name, loss: first.value, grads: first.grads.map((x) => Float32Array.from(x)) };
  else {
    const ref = chestRef;
    row.referenceBackend = ref.backend;
    row.lossRelDiff = Math.abs(first.value - ref.loss) / Math.abs(ref.loss);
    row.gradRelL2 = Math.max(...first.grads.map((g, i) => relL2(g, ref.grads[i])));
    if (!(row.lossRelDiff <= 1e-3)) fail(`CHEST ${name} loss vs ${ref.backend}`, `relative difference ${row.lossRelDiff.toExponential(2)} > 1e-3`);
    if (!(row.gradRelL2 <= 1e-2)) fail(`CHEST ${name} gradients vs ${ref.backend}`, `relative L2 difference ${row.gradRelL2.toExponential(2)} > 1e-2`);
  }
  row.gradConvertMs = first.grads.reduce((s, g) => s + convertMs(g.length), 0);
  if (row.firstMs > BUDGET_MS / 2) {
    row.reason = `the first step took ${fmt(row.firstMs / 1000)} s (> half the ${BUDGET_MS / 1000} s budget): not timed further`;
    return;
  }
  // Keep the four inputs on the device between the timed steps, as a training loop's parameters are (the
  // optimizer's outputs): an upload made inside valueAndGrad's device scope is freed with the scope, so host
  // inputs would be uploaded again every step. A reduction outside any scope uploads each one and keeps it.
  if (infoOf(name)?.kind === 'device') {
    s0 = transferStats();
    await Promise.all(KEYS.map((k) => toArrayAsync(sum(inputs[k]))));
    row.transfers.placement = transferDelta(s0, transferStats());
  }
  // loss read only
  s0 = transferStats();
  const probe = await timeCall(lossOnly, 1);
  const runs = runsFor(probe);
  const times = [probe];
  for (let r = 1; r < runs; r++) times.push(await timeCall(lossOnly, 1));
  row.transfers.lossStep = transferDelta(s0, transferStats(), times.length);
  row.transfers.lossSteps = times.length;
  row.msAll = times;
  row.ms = median(times);
  // with the gradients read too, as far as the budget allows
  const spent = times.reduce((s, x) => s + x, 0);
  if (spent + 2 * row.ms <= BUDGET_MS && elapsed() + 2 * row.ms <= DEADLINE_MS) {
    s0 = transferStats();
    const g = [await timeCall(withGrads, 1)];
    const more = Math.min(RUNS - 1, Math.floor((BUDGET_MS - spent - g[0]) / Math.max(g[0], 1e-3)));
    for (let r = 0; r < more; r++) g.push(await timeCall(withGrads, 1));
    row.transfers.gradStep = transferDelta(s0, transferStats(), g.length);
    row.transfers.gradSteps = g.length;
    row.msWithGradsAll = g;
    row.msWithGrads = median(g);
  }
  checkStillOn(name);
  row.status = 'ok';
}

async function chestBackend(name: string, data: ChestData): Promise<void> {
  const row: ChestRow = { backend: name, status: 'skipped' };
  report.chest.push(row);
  if (hung.has(name)) {
    row.reason = hung.get(name);
    writeReport();
    return;
  }
  if (!QUICK && !SOFTWARE_CHEST && softwareNote(name) !== '') {
    // measured on the 24 GB development machine: at B = 512, C·K = 5,000, D = 128 the llvmpipe process peaked at
    // 5.7 GB resident, and the full-size step was OOM-killed at 24 GB (device intermediates ×16)
    row.reason = `software renderer: the full-size step needs tens of GB of host memory on it (OOM-killed at 24 GB on the development machine); --software-chest runs it`;
    log(`CHEST ${name}: skipped (${row.reason})`);
    writeReport();
    return;
  }
  // estimate from this backend's largest matmul (×1.5 for the elementwise work), at its compute-only speed
  const mm = report.matmul.filter((r) => r.backend === name && r.status === 'ok').sort((a, b) => b.n - a.n)[0];
  const gf = mm === undefined ? undefined : Math.max(mm.gflops ?? 0, mm.syncGflops ?? 0) || undefined;
  const est = gf === undefined ? undefined : (1.5 * chestFlops()) / (gf * 1e6);
  if (est !== undefined && est > BUDGET_MS) {
    row.reason = `estimated ${fmt(est / 1000)} s per step (${fmt(chestFlops() / 1e9)} GFLOP of products at this backend's ${fmt(gf!)} GFLOP/s matmul, n = ${mm!.n}) > the ${BUDGET_MS / 1000} s budget`;
    log(`CHEST ${name}: skipped (${row.reason})`);
    writeReport();
    return;
  }
  if (elapsed() + (est ?? 0) > DEADLINE_MS) {
    row.reason = `overall deadline (${DEADLINE_MS / 1000} s) would be passed`;
    log(`CHEST ${name}: skipped (${row.reason})`);
    writeReport();
    return;
  }
  try {
    await useBackend(name);
    await withTimeout(chestItem(name, data, row), itemLimitMs(), `CHEST ${name}`);
    if (row.status !== 'ok') log(`CHEST ${name}: ${row.reason}`);
    else {
      const t = row.transfers?.lossStep;
      log(
        `CHEST ${name}: ${fmt(row.ms!)} ms/step (loss read), ${row.msWithGrads === undefined ? '—' : fmt(row.msWithGrads)} ms with gradients read, first step ${fmt(row.firstMs!)} ms, loss ${row.loss}${t === undefined ? '' : `; per loss-read step ${transfer(t)}`}`,
      );
    }
  } catch (e) {
    row.status = 'failed';
    row.reason = errText(e);
    fail(`CHEST ${name}`, `threw: ${row.reason}`);
    if (e instanceof ItemTimeout) hung.set(name, `an earlier item hung: ${row.reason}`);
  } finally {
    if (infoOf(name)?.kind === 'device') {
      try {
        row.deviceMemory = deviceMemoryStats(name);
      } catch (e) {
        row.deviceMemory = { error: errText(e) };
      }
    }
    writeReport();
  }
}

// ------------------------------------------------------------------ targets and markdown

function targets(): string[] {
  const out: string[] = QUICK ? ['--quick: tiny sizes; these ratios only show that the pipeline works, they say nothing about the targets.'] : [];
  const wasm = report.chest.find((r) => r.backend === 'wasm' && r.status === 'ok');
  const gpus = report.backends.measured.filter((n) => !isCpuRoute(n));
  const hw = gpus.filter((n) => softwareNote(n) === '');
  out.push(
    hw.length > 0
      ? `GPU candidates measured: ${hw.join(', ')}${gpus.length > hw.length ? ` (and on software renderers: ${gpus.filter((n) => !hw.includes(n)).join(', ')})` : ''}.`
      : `**No GPU backend on real GPU hardware was measured** (${gpus.length === 0 ? 'no GPU candidate is available' : `only software renderers: ${gpus.join(', ')}`}); the GPU targets below are not measured on a GPU.`,
  );
  if (gpus.length === 0)
    out.push(
      `CHEST step ≥ ${TARGET_CHEST_SPEEDUP}× faster than wasm on a GPU backend: **not measured** — no GPU backend is available here (only CPU routes: ${report.backends.measured.join(', ') || 'none'}).`,
    );
  for (const r of report.chest.filter((x) => x.backend !== 'wasm')) {
    const gpu = !isCpuRoute(r.backend);
    const sw = softwareNote(r.backend);
    if (r.status !== 'ok' || r.ms === undefined) {
      out.push(`CHEST ${r.backend}${gpu ? ' (GPU candidate)' : ' (CPU route)'}: not measured (${r.reason ?? r.status})${sw ? `; ${sw}` : ''}.`);
      continue;
    }
    if (wasm?.ms === undefined) {
      out.push(`CHEST ${r.backend}: ${fmt(r.ms)} ms/step; no wasm figure to compare with.`);
      continue;
    }
    const ratio = wasm.ms / r.ms;
    const verdict = gpu
      ? sw
        ? 'software renderer, not a GPU figure'
        : ratio >= TARGET_CHEST_SPEEDUP
          ? 'target met'
          : 'target NOT met'
      : 'CPU route, for reference';
    out.push(
      `CHEST wasm_ms / ${r.backend}_ms = ${fmt(wasm.ms)} / ${fmt(r.ms)} = **${fmt(ratio)}×** (target ≥ ${TARGET_CHEST_SPEEDUP}× on a GPU backend: ${verdict})${sw ? `; ${sw}` : ''}.`,
    );
  }
  const big = report.matmul.filter((r) => r.n === TARGET_N);
  if (big.length === 0) out.push(`matmul n = ${TARGET_N}: not part of this run${QUICK ? ' (--quick)' : ''}; target > ${TARGET_MATMUL_TFLOPS} TFLOP/s.`);
  for (const r of big) {
    const sw = softwareNote(r.backend);
    if (r.status !== 'ok' || r.syncGflops === undefined || r.gflops === undefined) {
      out.push(`matmul n = ${TARGET_N} on ${r.backend}: not measured (${r.reason ?? r.status})${sw ? `; ${sw}` : ''}.`);
      continue;
    }
    const tf = r.syncGflops / 1000;
    out.push(
      `matmul n = ${TARGET_N} on ${r.backend}: **${tf.toPrecision(3)} TFLOP/s** synchronised by a 1-element read (target > ${TARGET_MATMUL_TFLOPS}: ${tf > TARGET_MATMUL_TFLOPS ? 'met' : 'NOT met'}); ${(r.gflops / 1000).toPrecision(3)} TFLOP/s with the whole result read through toArrayAsync (of which ≈ ${fmt(r.convertMs ?? NaN)} ms is the host's number[] conversion)${isCpuRoute(r.backend) ? ' [CPU route]' : ''}${sw ? `; ${sw}` : ''}.`,
    );
  }
  return out;
}

const cell = (x: unknown): string =>
  String(x ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, '<br>');
const ms = (x: number | undefined): string => (x === undefined ? '' : fmt(x));
/** An integer as is, else three significant digits. */
const num = (x: number): string => (Number.isInteger(x) ? String(x) : fmt(x));
function bytes(b: number): string {
  if (b < 1024) return `${num(b)} B`;
  if (b < 2 ** 20) return `${fmt(b / 1024)} KiB`;
  return `${fmt(b / 2 ** 20)} MiB`;
}
const transfer = (t: TransferStats | undefined, steps?: number): string =>
  t === undefined
    ? ''
    : `${num(t.uploads)} up (${bytes(t.uploadBytes)}), ${num(t.readbacks)} down (${bytes(t.readbackBytes)})${steps === undefined ? '' : ` [mean of ${steps}]`}`;

function backendInfoLine(b: BackendInfo): string {
  const parts = [b.kind, b.available ? 'available' : `unavailable: ${b.reason}`];
  if (b.renderer !== undefined) parts.push(`renderer "${b.renderer}"${b.vendor ? `, vendor "${b.vendor}"` : ''}`);
  if (b.software !== undefined) parts.push(`software ${b.software}`);
  if (b.isDefault) parts.push('the default');
  if (b.passedOver !== undefined) parts.push(`passed over: ${b.passedOver}`);
  return parts.join('; ');
}

function adapterLine(a: Record<string, unknown> | undefined): string {
  if (a === undefined) return '';
  if (a.ok !== true) return String(a.reason);
  return `${JSON.stringify(a.info)}; maxBufferSize ${a.maxBufferSize}; maxStorageBufferBindingSize ${a.maxStorageBufferBindingSize}; shader-f16 ${a.shaderF16}`;
}

function markdown(): string {
  const r = report;
  const env = r.environment as Record<string, unknown>;
  const L: string[] = [];
  L.push(`# gyrograd device check${r.quick ? ' — QUICK smoke run (tiny sizes)' : ''}`, '');
  L.push(
    `- date ${r.date}; elapsed ${r.elapsedS === undefined ? '(running)' : `${r.elapsedS.toFixed(0)} s`}${r.finished ? '' : ' — **unfinished** (partial report)'}`,
  );
  if (Object.keys(r.pack).length > 0)
    L.push(
      `- pack: ${Object.entries(r.pack)
        .map(([k, v]) => `${k.slice(12).toLowerCase()}=${v}`)
        .join('; ')}`,
    );
  L.push(
    `- settings: runs ≤ ${r.settings.runs} after a warm-up call, per-item budget ${r.settings.budgetS} s, deadline ${r.settings.deadlineS} s${r.settings.dawnFlags.length > 0 ? `, Dawn flags ${JSON.stringify(r.settings.dawnFlags)}` : ''}${r.settings.deviceBudgetMiB === undefined ? '' : `, GL device memory budget ${r.settings.deviceBudgetMiB} MiB`}${r.settings.softwareChest ? ', --software-chest' : ''}`,
    '',
  );
  L.push('## Environment', '', '| | |', '|---|---|');
  const gl = env.gl as Record<string, unknown> | undefined;
  const wg = env.webgpu as Record<string, unknown> | undefined;
  const libs = env.gpu as Record<string, unknown> | undefined;
  const w = r.backends.webgpu;
  const rowsEnv: [string, unknown][] = [
    ['node', `${env.node} (${env.execPath})`],
    ['CPU', `${env.cpuModel} × ${env.cores} (availableParallelism ${env.parallelism})`],
    ['memory', `${env.memoryGiB} GiB`],
    ['OS', `${env.os}; glibc ${env.glibc ?? '?'}`],
    ['load average', env.loadavg],
    ['nvidia-smi -L', env.nvidiaSmiL],
    ['nvidia-smi query', env.nvidiaSmiQuery],
    ['X display', env.display],
    [
      'headless GL',
      gl?.ok
        ? `renderer "${gl.renderer}", vendor "${gl.vendor}", ${gl.version}; max texture ${gl.maxTextureSize}${gl.software ? ' — software renderer, no GPU' : ''}`
        : gl?.reason,
    ],
    ['WebGPU (Dawn)', wg === undefined ? '' : wg.installed === true ? String(wg.source) : wg.reason],
    ['WebGPU adapter (default, as gpu.js asks)', wg?.installed === true ? adapterLine(wg.adapter as Record<string, unknown>) : ''],
    ['WebGPU adapter (high-performance)', wg?.installed === true ? adapterLine(wg.highPerformanceAdapter as Record<string, unknown>) : ''],
    [`await setBackend('${WEBGPU}')`, !w.tried ? `not tried: ${w.reason}` : w.ok ? `ok (${ms(w.ms)} ms)` : `failed after ${ms(w.ms)} ms: ${w.reason}`],
    [
      'GPU libraries',
      libs === undefined
        ? ''
        : Object.entries(libs.libraries as Record<string, string>)
            .map(([k, v]) => `${k}: ${v}`)
            .join('; '),
    ],
    ['GPU device nodes', (libs?.deviceNodes as string[] | undefined)?.join(', ') || 'none'],
    ['ICD / vendor files', (libs?.icdFiles as string[] | undefined)?.join(', ') || 'none'],
    ['GYROGRAD_BACKEND', env.gyrogradBackend ?? 'unset'],
  ];
  if (Array.isArray(r.backends.info)) for (const b of r.backends.info) rowsEnv.push([`backendInfo: ${b.name}`, backendInfoLine(b)]);
  else rowsEnv.push(['backendInfo()', r.backends.info.error]);
  for (const [k, v] of rowsEnv) L.push(`| ${cell(k)} | ${cell(v)} |`);
  L.push('', '## Backends', '');
  L.push(`available: ${r.backends.available.join(', ')}; default: ${r.backends.default}; measured (in this order): ${r.backends.measured.join(', ')}`, '');
  L.push('| backend | available | kind | note |', '|---|---|---|---|');
  for (const n of r.backends.listed) {
    const un = r.backends.unavailable.find((u) => u.name === n);
    const nm = r.backends.notMeasured.find((u) => u.name === n);
    L.push(`| ${n} | ${un ? 'no' : 'yes'} | ${isCpuRoute(n) ? 'CPU route' : 'GPU candidate'} | ${cell(un?.reason ?? nm?.reason ?? softwareNote(n))} |`);
  }
  L.push('', '## float32 matmul n×n·n×n', '');
  L.push(
    '"read all": `await toArrayAsync(matmul(A, B))` (product, readback of n² values, and toArrayAsync\'s number[] conversion, whose host cost alone is the "number[] ms" column); "1-element read": `await toArrayAsync(slice(matmul(A, B), [0, 0], [1, 1]))` (the product, synchronised).',
    '',
  );
  L.push(
    '| backend | n | read all: ms (median) | GFLOP/s | 1-element read: ms (median) | GFLOP/s | runs | first call ms | number[] ms | sampled err / bound | note |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const m of r.matmul) {
    const runs = m.msAll === undefined ? '' : `${m.msAll.length} + ${m.syncMsAll?.length ?? 0}${m.reps !== undefined && m.reps > 1 ? ` (×${m.reps})` : ''}`;
    L.push(
      `| ${m.backend} | ${m.n} | ${ms(m.ms)} | ${m.gflops === undefined ? '' : fmt(m.gflops)} | ${ms(m.syncMs)} | ${m.syncGflops === undefined ? '' : fmt(m.syncGflops)} | ${runs} | ${ms(m.firstMs)} | ${ms(m.convertMs)} | ${m.errOverBound === undefined ? '' : m.errOverBound.toPrecision(2)} | ${cell(m.status === 'ok' ? softwareNote(m.backend) : `${m.status}: ${m.reason}`)} |`,
    );
  }
  const c = r.settings.chest;
  L.push(
    '',
    `## One CHEST step: B = ${c.B}, C = ${c.C}, K = ${c.K} (C·K = ${c.C * c.K} proxies per space), D = ${c.D} (both spaces), ${c.T} triplets, float32`,
    '',
  );
  L.push(
    '`valueAndGrad` of `chest({ centersPerClass: K })(inputs, labels, triplets)` w.r.t. the four inputs; "ms" reads the loss value only, "with grads" also reads the four gradients (all through `await toArrayAsync`; "number[] ms" is the host cost of converting the gradients).',
    '',
  );
  L.push(
    '| backend | ms / step (median) | runs | with grads ms | number[] ms | first step ms | loss | vs reference (loss / grads) | note |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|',
  );
  for (const s of r.chest) {
    const vs =
      s.referenceBackend === undefined
        ? s.status === 'ok'
          ? 'reference'
          : ''
        : `${s.referenceBackend}: ${s.lossRelDiff?.toExponential(1)} / ${s.gradRelL2?.toExponential(1)}`;
    L.push(
      `| ${s.backend} | ${ms(s.ms)} | ${s.msAll?.length ?? ''} | ${ms(s.msWithGrads)} | ${ms(s.gradConvertMs)} | ${ms(s.firstMs)} | ${s.loss === undefined ? '' : s.loss.toPrecision(7)} | ${vs} | ${cell(s.status === 'ok' ? softwareNote(s.backend) : `${s.status}: ${s.reason}`)} |`,
    );
  }
  L.push('', '### Transfers per CHEST step (`transferStats()` differences) and device memory', '');
  L.push(
    'The first step takes the inputs from the host; on a device backend they are then placed on the device (one reduction each, outside any scope), so the timed steps find them there, as a training loop finds its parameters.',
    '',
  );
  L.push(
    '| backend | first step | placing the inputs | per loss-read step | per step with gradients read | device memory after the steps |',
    '|---|---|---|---|---|---|',
  );
  for (const s of r.chest) {
    if (s.transfers === undefined && s.deviceMemory === undefined) continue;
    const t = s.transfers ?? {};
    const dm =
      s.deviceMemory === undefined
        ? ''
        : 'error' in s.deviceMemory
          ? `not read: ${s.deviceMemory.error}`
          : `peak ${bytes(s.deviceMemory.peakBytes)}, live ${s.deviceMemory.live} (${bytes(s.deviceMemory.liveBytes)}), spilled ${s.deviceMemory.spilled}, collected ${s.deviceMemory.collected}, fallbacks ${s.deviceMemory.fallbacks}, kernels ${s.deviceMemory.compiled}`;
    L.push(
      `| ${s.backend} | ${cell(transfer(t.firstStep))} | ${cell(transfer(t.placement))} | ${cell(transfer(t.lossStep, t.lossSteps))} | ${cell(transfer(t.gradStep, t.gradSteps))} | ${cell(dm)} |`,
    );
  }
  L.push('', '## Targets', '');
  for (const t of r.targets) L.push(`- ${t}`);
  L.push('', '## Checks', '');
  L.push(r.checks.failures === 0 ? '- all correctness checks passed' : `- **${r.checks.failures} correctness check(s) FAILED**`);
  for (const m of r.checks.messages) L.push(`  - ${cell(m)}`);
  L.push('');
  return L.join('\n');
}

function writeReport(): void {
  report.targets = targets();
  report.elapsedS = elapsed() / 1000;
  try {
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, `${STEM}.json`), JSON.stringify(report, null, 2));
    writeFileSync(path.join(OUT_DIR, `${STEM}.md`), markdown());
  } catch (e) {
    console.error(`could not write the report to ${OUT_DIR}: ${errText(e)}`);
  }
}

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  log(`gyrograd device check${QUICK ? ' (--quick)' : ''}; report → ${OUT_DIR}`);
  // X display first: the library probes each backend once and caches the outcome
  const display = await displayForHeadlessGl();
  const xvfb: XvfbHandle | undefined = display.started;
  // WebGPU next, also before any backend is probed: navigator.gpu and Dawn's globals
  const webgpu = await installDawn();
  log(`WebGPU: ${webgpu.installed === true ? `${webgpu.source}; adapter: ${adapterLine(webgpu.adapter as Record<string, unknown>)}` : webgpu.reason}`);
  const cpus = os.cpus();
  const smiL = run('nvidia-smi', ['-L']);
  const smiQ =
    smiL.out === undefined ? smiL : run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm', '--format=csv,noheader']);
  report.environment = {
    node: process.version,
    execPath: process.execPath,
    v8: process.versions.v8,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    parallelism: os.availableParallelism(),
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    glibc: glibc(),
    loadavg: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    nvidiaSmiL: smiL.out ?? smiL.error,
    nvidiaSmiQuery: smiQ.out ?? smiQ.error,
    display: display.note,
    gl: glInfo(),
    webgpu,
    gpu: gpuLibraries(),
    gyrogradBackend: process.env.GYROGRAD_BACKEND,
  };
  log(
    `environment: ${JSON.stringify({ cpu: report.environment.cpuModel, gl: (report.environment.gl as { renderer?: string; reason?: string }).renderer ?? (report.environment.gl as { reason?: string }).reason, nvidia: report.environment.nvidiaSmiL })}`,
  );

  const listed = listBackends();
  report.backends.listed = listed;
  report.backends.default = backend();
  // the asynchronous WebGPU probe, before the availability list (which then includes gpujs-webgpu when it runs)
  report.backends.webgpu = await probeWebGpuBackend();
  log(`await setBackend('${WEBGPU}'): ${report.backends.webgpu.ok ? `ok (${fmt(report.backends.webgpu.ms!)} ms)` : report.backends.webgpu.reason}`);
  const available = availableBackends();
  report.backends.available = available;
  report.backends.info = readBackendInfo();
  for (const n of listed) {
    if (available.includes(n)) continue;
    let reason: string | null;
    try {
      reason = backendUnavailableReason(n);
    } catch (e) {
      reason = errText(e);
    }
    reason ??= 'unavailable (no reason given)';
    if (n === WEBGPU) {
      const w = report.backends.webgpu;
      if (w.tried && !w.ok && w.reason !== undefined && !reason.includes(w.reason)) reason = `${w.reason} (${reason})`;
      if (webgpu.installed !== true) reason = `${reason}; Dawn: ${webgpu.reason}`;
    }
    report.backends.unavailable.push({ name: n, reason });
    log(`unavailable: ${n}: ${reason}`);
  }
  // wasm (the reference), GPU candidates on hardware (WebGPU first), GPU candidates on software renderers, other CPU routes
  const prio = (n: string): number => (n === 'wasm' ? 0 : isCpuRoute(n) ? 4 : softwareNote(n) !== '' ? 3 : n === WEBGPU ? 1 : 2);
  const measured = available.filter((n) => ONLY === undefined || ONLY.includes(n)).sort((a, b) => prio(a) - prio(b));
  for (const n of available) if (!measured.includes(n)) report.backends.notMeasured.push({ name: n, reason: 'not in --backends' });
  report.backends.measured = measured;
  log(`backends: available ${available.join(', ')}; measuring ${measured.join(', ')}`);
  writeReport();

  const data = makeChestData(1);
  for (const name of measured) {
    await matmulBackend(name);
    await chestBackend(name, data);
  }
  xvfb?.stop();
  report.finished = true;
  writeReport();
  console.log(markdown());
  console.error(`report: ${path.join(OUT_DIR, `${STEM}.md`)} and .json`);
  return report.checks.failures > 0 ? 1 : 0;
}

// No top-level await: the bundle of tools/device/pack.ts is an ES module, but keep the entry plain.
main().then(
  (code) => process.exit(code), // exit explicitly: Dawn, gl or worker threads may keep the loop alive
  (e: unknown) => {
    console.error(`device check failed: ${e instanceof Error ? e.stack : String(e)}`);
    report.checks.messages.push(`crashed: ${errText(e)}`);
    writeReport();
    process.exit(2);
  },
);
