/**
 * Device check: one script that says what a machine can do for gyrograd, for
 * every backend `availableBackends()` reports, and why each other backend is
 * unavailable. Written for a lent GPU machine (e.g. one NVIDIA H200, no
 * network), where it runs from the self-contained pack of `tools/device/`
 * (`bash tools/device/run.sh`); it runs the same from source here
 * (`npm run bench:device -- --quick`).
 *
 * It reports:
 *  - the environment: Node version, CPU model and cores, memory, OS and glibc,
 *    `nvidia-smi -L` (and a one-line GPU query) when the binary exists, the GPU
 *    libraries and device nodes present, the real GL renderer/vendor strings of
 *    headless GL (the native `gl` package: a `gl(1, 1)` context, read through
 *    the native `getParameter`, since the JS wrapper masks RENDERER as "ANGLE"
 *    and has no `WEBGL_debug_renderer_info`), and the WebGPU adapter that the
 *    `webgpu` package (Dawn) sees, if it loads;
 *  - float32 matmul n×n·n×n at n = 1024, 2048, 4096: the product plus a
 *    readback (`toTypedArray(matmul(A, B))`), median of a few runs after a
 *    warm-up call, GFLOP/s = 2n³/t; 64 sampled entries checked against a
 *    float64 dot product within γ_n·Σ|a_ik b_kj| (γ_n = n·u/(1 − n·u),
 *    u = 2⁻²⁴). A size whose estimated time (from the previous size, × 8)
 *    would blow the per-item budget (`--budget`, 60 s) is skipped, saying why;
 *  - one CHEST training step at B = 1024, C = 1000, K = 10 (C·K = 10,000
 *    proxies per space), D = 512 in both spaces, 1024 HypHC triplets:
 *    `valueAndGrad` of `chest({ centersPerClass: 10 })(inputs, labels, triplets)`
 *    w.r.t. the four inputs, reading the loss value (inputs and triplets made as
 *    in bench/chest-step.ts); also timed reading the four gradients too. The
 *    first step reads everything and is checked against the reference backend
 *    (wasm when available): loss within 1e-3 relative, gradients within 1e-2
 *    relative L2. `transferStats()` is recorded around the timed steps when the
 *    library exports it (feature-checked, so this compiles either way);
 *  - the targets: CHEST step wasm_ms / backend_ms ≥ 5× on a GPU backend, and
 *    matmul at n = 4096 > 1 TFLOP/s.
 *
 * Backends are run in the order wasm (the reference), GPU candidates, then
 * the other CPU routes, so that an overall deadline (`--deadline`, 400 s)
 * cuts the least useful items; the report is rewritten after every item, so a
 * run killed from outside still leaves its figures behind.
 *
 * Output: `device-check.json` and `device-check.md` (with `-quick` before the
 * extension for --quick) under `$OUT` if set, else `--out=DIR`, else
 * `bench/out/`; the markdown is printed too. Exit status 1 if a correctness
 * check failed.
 *
 * Flags: `--quick` (tiny sizes, seconds), `--backends=a,b` (only these),
 * `--budget=S` (per item, seconds), `--deadline=S` (whole run, seconds),
 * `--runs=N` (timed runs per item), `--out=DIR`, `--no-webgpu-probe`.
 *
 * When DISPLAY is unset, an Xvfb is started for headless GL if one is on
 * PATH (tools/xvfb.ts), before any backend is probed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as G from '../lib/index.ts';
import {
  availableBackends, backend, backendUnavailableReason, chest, listBackends, matmul, prngKey, sampleTriplets, tensor, toTypedArray,
  valueAndGrad, withBackend, type ChestInputs, type Tensor, type Triplet,
} from '../lib/index.ts';
import { displayForHeadlessGl, type XvfbHandle } from '../tools/xvfb.ts';
import { fmt, median, mulberry32, randomFloat32, referenceMatmulEntry, relL2 } from './util.ts';

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
const ONLY = flag('backends')?.split(',').map((s) => s.trim()).filter((s) => s !== '');

const CFG = QUICK
  ? { sizes: [64, 128], chest: { B: 32, C: 10, K: 4, D: 32, T: 128 }, runs: 3, minSampleMs: 20 }
  : { sizes: [1024, 2048, 4096], chest: { B: 1024, C: 1000, K: 10, D: 512, T: 1024 }, runs: 5, minSampleMs: 0 };
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
  /** median ms of one call (product + readback) */
  ms?: number;
  msAll?: number[];
  /** the first call (compilation, uploads) */
  firstMs?: number;
  gflops?: number;
  /** calls per timed sample (small sizes only) */
  reps?: number;
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
  loss?: number;
  /** vs the reference backend: |Δloss|/|loss| and the max relative L2 of the gradients */
  lossRelDiff?: number;
  gradRelL2?: number;
  referenceBackend?: string;
  /** `transferStats()` before and after the timed steps, when the library has it */
  transferStats?: { before: unknown; after: unknown; delta?: Record<string, number> };
}

interface Report {
  tool: 'gyrograd device check';
  quick: boolean;
  date: string;
  argv: string[];
  pack: Record<string, string>;
  settings: { runs: number; budgetS: number; deadlineS: number; sizes: number[]; chest: typeof CFG.chest };
  environment: Record<string, unknown>;
  backends: { listed: string[]; available: string[]; default: string; measured: string[]; unavailable: { name: string; reason: string }[]; notMeasured: { name: string; reason: string }[] };
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
  pack: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DEVICE_PACK_')).map(([k, v]) => [k, v ?? ''])),
  settings: { runs: RUNS, budgetS: BUDGET_MS / 1000, deadlineS: DEADLINE_MS / 1000, sizes: CFG.sizes, chest: CFG.chest },
  environment: {},
  backends: { listed: [], available: [], default: '', measured: [], unavailable: [], notMeasured: [] },
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
  const want = ['libcuda.so.1', 'libnvidia-ml.so.1', 'libGL.so.1', 'libGLX.so.0', 'libGLX_nvidia.so.0', 'libGLX_mesa.so.0', 'libEGL.so.1', 'libEGL_nvidia.so.0',
    'libEGL_mesa.so.0', 'libvulkan.so.1', 'libX11.so.6', 'libstdc++.so.6'];
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
  const icd = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/share/glvnd/egl_vendor.d', '/etc/glvnd/egl_vendor.d']
    .flatMap((d) => list(d).map((f) => `${d}/${f}`));
  return {
    libraries: Object.fromEntries(want.map((w) => [w, found[w]?.join(', ') ?? 'absent'])),
    ...(note === undefined ? {} : { librariesNote: note }),
    deviceNodes: [...list('/dev').filter((f) => f.startsWith('nvidia')).map((f) => `/dev/${f}`), ...list('/dev/dri').map((f) => `/dev/dri/${f}`)],
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
    return { ok: false, reason: `gl(1, 1) returned null: no GL context (headless-gl 8 renders through ANGLE's GLX backend: it needs an X display with GLX; DISPLAY=${process.env.DISPLAY ?? 'unset'})` };
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
    const dbg = gl.getExtension('WEBGL_debug_renderer_info') as (Record<string, number> | null);
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

/** The WebGPU adapter Dawn (the `webgpu` package) finds, if that package loads here. */
async function webgpuInfo(): Promise<Record<string, unknown>> {
  if (argv.includes('--no-webgpu-probe')) return { ok: false, reason: 'not probed (--no-webgpu-probe)' };
  const spec = 'webgpu'; // a variable: neither tsc nor the bundler resolves it; it loads from node_modules next to this file
  let mod: { create(flags: string[]): { requestAdapter(o?: unknown): Promise<unknown> } };
  try {
    mod = (await import(spec)) as typeof mod;
  } catch (e) {
    return { ok: false, reason: `the 'webgpu' package (Dawn) does not load: ${errText(e)}` };
  }
  const timeout = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
    Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
  try {
    const gpu = mod.create([]);
    const adapter = await timeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), 20_000);
    if (adapter === 'timeout') return { ok: false, reason: 'requestAdapter did not answer within 20 s' };
    if (adapter === null || adapter === undefined) return { ok: false, reason: 'requestAdapter returned null (no Vulkan/GL adapter Dawn can use)' };
    const a = adapter as { info?: Record<string, unknown>; limits?: Record<string, unknown>; features?: Iterable<string> };
    const info: Record<string, unknown> = {};
    for (const k of ['vendor', 'architecture', 'device', 'description', 'backendType', 'adapterType']) if (a.info?.[k] !== undefined) info[k] = a.info[k];
    return {
      ok: true,
      info,
      maxBufferSize: a.limits?.maxBufferSize,
      maxStorageBufferBindingSize: a.limits?.maxStorageBufferBindingSize,
      shaderF16: a.features === undefined ? undefined : [...a.features].includes('shader-f16'),
    };
  } catch (e) {
    return { ok: false, reason: `WebGPU probe failed: ${errText(e)}` };
  }
}

function glibc(): string | undefined {
  const r = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return r?.header?.glibcVersionRuntime;
}

// ------------------------------------------------------------------ backends

/** CPU routes (by name); every other backend is a GPU candidate. */
const isCpuRoute = (n: string): boolean => n === 'js' || /cpu|wasm|webasm/.test(n);

function softwareNote(name: string): string {
  const gl = report.environment.gl as { ok?: boolean; software?: boolean; renderer?: string } | undefined;
  return /gl/.test(name) && gl?.ok === true && gl.software === true ? `software GL renderer (${gl.renderer}): no GPU` : '';
}

// ------------------------------------------------------------------ matmul

const U = 2 ** -24;
const gamma = (k: number): number => (k * U) / (1 - k * U);

function timeCall(body: () => void, reps: number): number {
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) body();
  return (performance.now() - t0) / reps;
}

/** Timed runs within the per-item budget: how many fit after `firstMs`, given `estMs` per call. */
function runsFor(estMs: number): number {
  return Math.max(1, Math.min(RUNS, Math.floor(BUDGET_MS / Math.max(estMs, 1e-3)) - 1));
}

function matmulBackend(name: string): void {
  let prevMs: number | undefined, prevN: number | undefined;
  let stop: string | undefined; // why the larger sizes are not run
  for (const n of CFG.sizes) {
    const row: MatmulRow = { backend: name, n, status: 'skipped' };
    report.matmul.push(row);
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
      withBackend(name, () => {
        const rng = mulberry32(1000 + n);
        const a = randomFloat32(rng, n * n), b = randomFloat32(rng, n * n);
        const A = tensor(a, [n, n]), B = tensor(b, [n, n]);
        const call = (): Float32Array | Float64Array => toTypedArray(matmul(A, B));
        // warm-up call: compilation, uploads; its result is checked
        const t0 = performance.now();
        const c = call();
        row.firstMs = performance.now() - t0;
        if (!(c instanceof Float32Array)) fail(`matmul ${name} n=${n}`, `result storage is ${c.constructor.name}, expected Float32Array`);
        const srng = mulberry32(7 + n);
        let worst = 0;
        for (let s = 0; s < 64; s++) {
          const i = Math.floor(srng() * n), j = Math.floor(srng() * n);
          const [exact, abs] = referenceMatmulEntry(a, b, n, n, i, j);
          const r = Math.abs(c[i * n + j] - exact) / Math.max(gamma(n) * abs, 1e-30);
          if (!(r <= worst)) worst = r; // NaN propagates
        }
        row.errOverBound = worst;
        if (!(worst <= 1)) fail(`matmul ${name} n=${n}`, `sampled entry off by ${worst.toPrecision(3)}× the γ_n·Σ|ab| bound`);
        if (row.firstMs > BUDGET_MS / 2) {
          row.reason = `the first call took ${fmt(row.firstMs / 1000)} s (> half the ${BUDGET_MS / 1000} s budget): not timed further`;
          return;
        }
        // timing
        const probe = timeCall(call, 1);
        const reps = CFG.minSampleMs > 0 ? Math.max(1, Math.ceil(CFG.minSampleMs / Math.max(probe, 1e-3))) : 1;
        const runs = runsFor(probe * reps);
        const ts: number[] = reps === 1 ? [probe] : [];
        while (ts.length < runs) ts.push(timeCall(call, reps));
        row.msAll = ts;
        row.reps = reps;
        row.ms = median(ts);
        row.gflops = (2 * n ** 3) / (row.ms * 1e6);
        row.status = 'ok';
      });
      if (row.status !== 'ok') {
        log(`matmul ${name} n=${n}: ${row.reason}`);
        stop = `a smaller size already took ${fmt(row.firstMs! / 1000)} s per call`;
        continue;
      }
      log(`matmul ${name} n=${n}: ${fmt(row.ms!)} ms (${fmt(row.gflops!)} GFLOP/s), first call ${fmt(row.firstMs!)} ms, err/bound ${row.errOverBound!.toPrecision(2)}`);
      prevMs = row.ms;
      prevN = n;
    } catch (e) {
      row.status = 'failed';
      row.reason = errText(e);
      fail(`matmul ${name} n=${n}`, `threw: ${row.reason}`);
      stop = `n = ${n} failed`;
    } finally {
      writeReport();
    }
  }
}

// ------------------------------------------------------------------ CHEST step

interface ChestData {
  e: Float32Array; h: Float32Array; pe: Float32Array; ph: Float32Array;
  labels: Int32Array; triplets: Triplet[];
}

/** Rows uniform in [−s_i, s_i)^D with a per-row scale s_i uniform in [lo, hi) (as bench/chest-step.ts). */
function rows(rng: () => number, n: number, d: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const s = lo + (hi - lo) * rng();
    for (let j = 0; j < d; j++) out[i * d + j] = s * (2 * rng() - 1);
  }
  return out;
}

/** The inputs of bench/chest-step.ts at this run's sizes (hyperbolic scales follow D, so the feature clip is active on some rows). */
function makeChestData(seed: number): ChestData {
  const { B, D, C, K, T } = CFG.chest;
  const rng = mulberry32(seed);
  const P = C * K;
  const hs = Math.sqrt(128 / D);
  return {
    e: rows(rng, B, D, 0.5, 1),
    h: rows(rng, B, D, 0.1 * hs, 0.6 * hs),
    pe: rows(rng, P, D, 0.5, 1),
    ph: rows(rng, P, D, 0.05 * hs, 0.4 * hs),
    labels: Int32Array.from({ length: B }, () => Math.floor(rng() * C)),
    triplets: sampleTriplets(prngKey(0), P, T),
  };
}

const KEYS = ['euclidean', 'hyperbolic', 'euclideanProxies', 'hyperbolicProxies'] as const;

/** Multiply-adds ×2 of the step's products: similarity forward + two backward products, per space. */
function chestFlops(): number {
  const { B, D, C, K } = CFG.chest;
  return 12 * B * D * C * K;
}

/** `transferStats` of the library, when it exports one (the device-resident rewrite adds it). */
function transferStatsFn(): (() => unknown) | undefined {
  const f = (G as unknown as Record<string, unknown>).transferStats;
  return typeof f === 'function' ? (f as () => unknown) : undefined;
}

function numericDelta(before: unknown, after: unknown): Record<string, number> | undefined {
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null) return undefined;
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const b = (before as Record<string, unknown>)[k];
    if (typeof v === 'number' && typeof b === 'number') d[k] = v - b;
  }
  return Object.keys(d).length > 0 ? d : undefined;
}

let chestRef: { backend: string; loss: number; grads: (Float32Array | Float64Array)[] } | undefined;

function chestBackend(name: string, data: ChestData): void {
  const row: ChestRow = { backend: name, status: 'skipped' };
  report.chest.push(row);
  // estimate from this backend's largest matmul (×1.5 for the elementwise work)
  const mm = report.matmul.filter((r) => r.backend === name && r.status === 'ok').sort((a, b) => b.n - a.n)[0];
  const est = mm?.gflops === undefined ? undefined : (1.5 * chestFlops()) / (mm.gflops * 1e6);
  if (est !== undefined && est > BUDGET_MS) {
    row.reason = `estimated ${fmt(est / 1000)} s per step (${fmt(chestFlops() / 1e9)} GFLOP of products at this backend's ${fmt(mm!.gflops!)} GFLOP/s matmul, n = ${mm!.n}) > the ${BUDGET_MS / 1000} s budget`;
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
  const { B, D, C, K } = CFG.chest;
  try {
    withBackend(name, () => {
      const inputs: ChestInputs = {
        euclidean: tensor(data.e, [B, D]), hyperbolic: tensor(data.h, [B, D]),
        euclideanProxies: tensor(data.pe, [C * K, D]), hyperbolicProxies: tensor(data.ph, [C * K, D]),
      };
      const loss = chest({ centersPerClass: K });
      const vg = valueAndGrad((inp: ChestInputs) => loss(inp, data.labels, data.triplets));
      const lossOnly = (): number => toTypedArray(vg(inputs)[0])[0];
      const withGrads = (): { value: number; grads: (Float32Array | Float64Array)[] } => {
        const [v, g] = vg(inputs);
        return { value: toTypedArray(v)[0], grads: KEYS.map((k) => toTypedArray((g as Record<string, Tensor>)[k])) };
      };
      // first step: everything read and checked
      const t0 = performance.now();
      const first = withGrads();
      row.firstMs = performance.now() - t0;
      row.loss = first.value;
      if (!Number.isFinite(first.value)) fail(`CHEST ${name}`, `loss is ${first.value}`);
      if (chestRef === undefined) chestRef = { backend: name, loss: first.value, grads: first.grads };
      else {
        row.referenceBackend = chestRef.backend;
        row.lossRelDiff = Math.abs(first.value - chestRef.loss) / Math.abs(chestRef.loss);
        row.gradRelL2 = Math.max(...first.grads.map((g, i) => relL2(g, chestRef!.grads[i])));
        if (!(row.lossRelDiff <= 1e-3)) fail(`CHEST ${name} loss vs ${chestRef.backend}`, `relative difference ${row.lossRelDiff.toExponential(2)} > 1e-3`);
        if (!(row.gradRelL2 <= 1e-2)) fail(`CHEST ${name} gradients vs ${chestRef.backend}`, `relative L2 difference ${row.gradRelL2.toExponential(2)} > 1e-2`);
      }
      if (row.firstMs > BUDGET_MS / 2) {
        row.reason = `the first step took ${fmt(row.firstMs / 1000)} s (> half the ${BUDGET_MS / 1000} s budget): not timed further`;
        return;
      }
      const ts = transferStatsFn();
      const before = ts?.();
      const probe = timeCall(lossOnly, 1);
      const runs = runsFor(probe);
      const times = [probe];
      for (let r = 1; r < runs; r++) times.push(timeCall(lossOnly, 1));
      row.msAll = times;
      row.ms = median(times);
      if (ts !== undefined) {
        const after = ts();
        const delta = numericDelta(before, after);
        row.transferStats = { before, after, ...(delta === undefined ? {} : { delta }) };
      }
      // with the gradients read too, as far as the budget allows
      const spent = times.reduce((s, x) => s + x, 0);
      if (spent + 2 * row.ms <= BUDGET_MS && elapsed() + 2 * row.ms <= DEADLINE_MS) {
        const g = [timeCall(() => void withGrads(), 1)];
        const more = Math.min(RUNS - 1, Math.floor((BUDGET_MS - spent - g[0]) / Math.max(g[0], 1e-3)));
        for (let r = 0; r < more; r++) g.push(timeCall(() => void withGrads(), 1));
        row.msWithGradsAll = g;
        row.msWithGrads = median(g);
      }
      row.status = 'ok';
    });
    if (row.status !== 'ok') log(`CHEST ${name}: ${row.reason}`);
    else log(`CHEST ${name}: ${fmt(row.ms!)} ms/step (loss read), ${row.msWithGrads === undefined ? '—' : fmt(row.msWithGrads)} ms with gradients read, first step ${fmt(row.firstMs!)} ms, loss ${row.loss}`);
  } catch (e) {
    row.status = 'failed';
    row.reason = errText(e);
    fail(`CHEST ${name}`, `threw: ${row.reason}`);
  } finally {
    writeReport();
  }
}

// ------------------------------------------------------------------ targets and markdown

function targets(): string[] {
  const out: string[] = QUICK ? ['--quick: tiny sizes; these ratios only show that the pipeline works, they say nothing about the targets.'] : [];
  const wasm = report.chest.find((r) => r.backend === 'wasm' && r.status === 'ok');
  const gpus = report.backends.measured.filter((n) => !isCpuRoute(n));
  const hw = gpus.filter((n) => softwareNote(n) === '');
  out.push(hw.length > 0
    ? `GPU candidates measured: ${hw.join(', ')}${gpus.length > hw.length ? ` (and on software GL: ${gpus.filter((n) => !hw.includes(n)).join(', ')})` : ''}.`
    : `**No GPU backend on real GPU hardware was measured** (${gpus.length === 0 ? 'no GPU candidate is available' : `only software GL: ${gpus.join(', ')}`}); the GPU targets below are not measured on a GPU.`);
  if (gpus.length === 0) out.push(`CHEST step ≥ ${TARGET_CHEST_SPEEDUP}× faster than wasm on a GPU backend: **not measured** — no GPU backend is available here (only CPU routes: ${report.backends.measured.join(', ') || 'none'}).`);
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
    const verdict = gpu ? (ratio >= TARGET_CHEST_SPEEDUP ? 'target met' : 'target NOT met') : 'CPU route, for reference';
    out.push(`CHEST wasm_ms / ${r.backend}_ms = ${fmt(wasm.ms)} / ${fmt(r.ms)} = **${fmt(ratio)}×** (target ≥ ${TARGET_CHEST_SPEEDUP}× on a GPU backend: ${verdict})${sw ? `; ${sw}` : ''}.`);
  }
  const big = report.matmul.filter((r) => r.n === TARGET_N);
  if (big.length === 0) out.push(`matmul n = ${TARGET_N}: not part of this run${QUICK ? ' (--quick)' : ''}; target > ${TARGET_MATMUL_TFLOPS} TFLOP/s.`);
  for (const r of big) {
    const sw = softwareNote(r.backend);
    if (r.status !== 'ok' || r.gflops === undefined) {
      out.push(`matmul n = ${TARGET_N} on ${r.backend}: not measured (${r.reason ?? r.status})${sw ? `; ${sw}` : ''}.`);
      continue;
    }
    const tf = r.gflops / 1000;
    out.push(`matmul n = ${TARGET_N} on ${r.backend}: **${tf.toPrecision(3)} TFLOP/s** (target > ${TARGET_MATMUL_TFLOPS}: ${tf > TARGET_MATMUL_TFLOPS ? 'met' : 'NOT met'})${isCpuRoute(r.backend) ? ' [CPU route]' : ''}${sw ? `; ${sw}` : ''}.`);
  }
  return out;
}

const cell = (x: unknown): string => String(x ?? '').replace(/\|/g, '\\|').replace(/\n/g, '<br>');
const ms = (x: number | undefined): string => (x === undefined ? '' : fmt(x));

function markdown(): string {
  const r = report;
  const env = r.environment as Record<string, unknown>;
  const L: string[] = [];
  L.push(`# gyrograd device check${r.quick ? ' — QUICK smoke run (tiny sizes)' : ''}`, '');
  L.push(`- date ${r.date}; elapsed ${r.elapsedS === undefined ? '(running)' : `${r.elapsedS.toFixed(0)} s`}${r.finished ? '' : ' — **unfinished** (partial report)'}`);
  if (Object.keys(r.pack).length > 0) L.push(`- pack: ${Object.entries(r.pack).map(([k, v]) => `${k.slice(12).toLowerCase()}=${v}`).join('; ')}`);
  L.push(`- settings: runs ≤ ${r.settings.runs} after a warm-up call, per-item budget ${r.settings.budgetS} s, deadline ${r.settings.deadlineS} s`, '');
  L.push('## Environment', '', '| | |', '|---|---|');
  const gl = env.gl as Record<string, unknown> | undefined;
  const wg = env.webgpu as Record<string, unknown> | undefined;
  const libs = env.gpu as Record<string, unknown> | undefined;
  const rowsEnv: [string, unknown][] = [
    ['node', `${env.node} (${env.execPath})`],
    ['CPU', `${env.cpuModel} × ${env.cores} (availableParallelism ${env.parallelism})`],
    ['memory', `${env.memoryGiB} GiB`],
    ['OS', `${env.os}; glibc ${env.glibc ?? '?'}`],
    ['load average', env.loadavg],
    ['nvidia-smi -L', env.nvidiaSmiL],
    ['nvidia-smi query', env.nvidiaSmiQuery],
    ['X display', env.display],
    ['headless GL', gl?.ok ? `renderer "${gl.renderer}", vendor "${gl.vendor}", ${gl.version}; max texture ${gl.maxTextureSize}${gl.software ? ' — software renderer, no GPU' : ''}` : gl?.reason],
    ['WebGPU (Dawn)', wg?.ok ? `${JSON.stringify(wg.info)}; maxBufferSize ${wg.maxBufferSize}; shader-f16 ${wg.shaderF16}` : wg?.reason],
    ['GPU libraries', libs === undefined ? '' : Object.entries(libs.libraries as Record<string, string>).map(([k, v]) => `${k}: ${v}`).join('; ')],
    ['GPU device nodes', (libs?.deviceNodes as string[] | undefined)?.join(', ') || 'none'],
    ['ICD / vendor files', (libs?.icdFiles as string[] | undefined)?.join(', ') || 'none'],
    ['GYROGRAD_BACKEND', env.gyrogradBackend ?? 'unset'],
  ];
  for (const [k, v] of rowsEnv) L.push(`| ${k} | ${cell(v)} |`);
  L.push('', '## Backends', '');
  L.push(`available: ${r.backends.available.join(', ')}; default: ${r.backends.default}; measured (in this order): ${r.backends.measured.join(', ')}`, '');
  L.push('| backend | available | kind | note |', '|---|---|---|---|');
  for (const n of r.backends.listed) {
    const un = r.backends.unavailable.find((u) => u.name === n);
    const nm = r.backends.notMeasured.find((u) => u.name === n);
    L.push(`| ${n} | ${un ? 'no' : 'yes'} | ${isCpuRoute(n) ? 'CPU route' : 'GPU candidate'} | ${cell(un?.reason ?? nm?.reason ?? softwareNote(n))} |`);
  }
  L.push('', `## float32 matmul n×n·n×n, product + readback (\`toTypedArray(matmul(A, B))\`)`, '');
  L.push('| backend | n | ms (median) | runs | first call ms | GFLOP/s | sampled err / bound | note |', '|---|---:|---:|---:|---:|---:|---:|---|');
  for (const m of r.matmul) {
    L.push(`| ${m.backend} | ${m.n} | ${ms(m.ms)} | ${m.msAll?.length ?? ''}${m.reps !== undefined && m.reps > 1 ? ` (×${m.reps})` : ''} | ${ms(m.firstMs)} | ${m.gflops === undefined ? '' : fmt(m.gflops)} | ${m.errOverBound === undefined ? '' : m.errOverBound.toPrecision(2)} | ${cell(m.status === 'ok' ? softwareNote(m.backend) : `${m.status}: ${m.reason}`)} |`);
  }
  const c = r.settings.chest;
  L.push('', `## One CHEST step: B = ${c.B}, C = ${c.C}, K = ${c.K} (C·K = ${c.C * c.K} proxies per space), D = ${c.D} (both spaces), ${c.T} triplets, float32`, '');
  L.push('`valueAndGrad` of `chest({ centersPerClass: K })(inputs, labels, triplets)` w.r.t. the four inputs; "ms" reads the loss value only, "with grads" also reads the four gradients.', '');
  L.push('| backend | ms / step (median) | runs | with grads ms | first step ms | loss | vs reference (loss / grads) | transferStats Δ | note |', '|---|---:|---:|---:|---:|---:|---|---|---|');
  for (const s of r.chest) {
    const vs = s.referenceBackend === undefined ? (s.status === 'ok' ? 'reference' : '') : `${s.referenceBackend}: ${s.lossRelDiff?.toExponential(1)} / ${s.gradRelL2?.toExponential(1)}`;
    const tsd = s.transferStats === undefined ? '' : JSON.stringify(s.transferStats.delta ?? s.transferStats.after);
    L.push(`| ${s.backend} | ${ms(s.ms)} | ${s.msAll?.length ?? ''} | ${ms(s.msWithGrads)} | ${ms(s.firstMs)} | ${s.loss === undefined ? '' : s.loss.toPrecision(7)} | ${vs} | ${cell(tsd)} | ${cell(s.status === 'ok' ? softwareNote(s.backend) : `${s.status}: ${s.reason}`)} |`);
  }
  if (transferStatsFn() === undefined) L.push('', '`transferStats()` is not exported by this build of the library: not recorded.');
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
  const cpus = os.cpus();
  const smiL = run('nvidia-smi', ['-L']);
  const smiQ = smiL.out === undefined ? smiL : run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm', '--format=csv,noheader']);
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
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    nvidiaSmiL: smiL.out ?? smiL.error,
    nvidiaSmiQuery: smiQ.out ?? smiQ.error,
    display: display.note,
    gl: glInfo(),
    webgpu: await webgpuInfo(),
    gpu: gpuLibraries(),
    gyrogradBackend: process.env.GYROGRAD_BACKEND,
  };
  log(`environment: ${JSON.stringify({ cpu: report.environment.cpuModel, gl: (report.environment.gl as { renderer?: string; reason?: string }).renderer ?? (report.environment.gl as { reason?: string }).reason, nvidia: report.environment.nvidiaSmiL })}`);

  const listed = listBackends();
  const available = availableBackends();
  report.backends.listed = listed;
  report.backends.available = available;
  report.backends.default = backend();
  for (const n of listed) {
    if (available.includes(n)) continue;
    let reason: string | null;
    try {
      reason = backendUnavailableReason(n);
    } catch (e) {
      reason = errText(e);
    }
    report.backends.unavailable.push({ name: n, reason: reason ?? 'unavailable (no reason given)' });
  }
  const prio = (n: string): number => (n === 'wasm' ? 0 : !isCpuRoute(n) ? 1 : 2);
  const measured = available.filter((n) => ONLY === undefined || ONLY.includes(n)).sort((a, b) => prio(a) - prio(b));
  for (const n of available) if (!measured.includes(n)) report.backends.notMeasured.push({ name: n, reason: 'not in --backends' });
  report.backends.measured = measured;
  log(`backends: available ${available.join(', ')}; measuring ${measured.join(', ')}`);
  writeReport();

  const data = makeChestData(1);
  for (const name of measured) {
    matmulBackend(name);
    chestBackend(name, data);
  }
  xvfb?.stop();
  report.finished = true;
  writeReport();
  console.log(markdown());
  console.error(`report: ${path.join(OUT_DIR, `${STEM}.md`)} and .json`);
  return report.checks.failures > 0 ? 1 : 0;
}

// No top-level await: the bundle of tools/device/pack.sh is an ES module, but keep the entry plain.
main().then(
  (code) => process.exit(code), // exit explicitly: Dawn, gl or worker threads may keep the loop alive
  (e: unknown) => {
    console.error(`device check failed: ${e instanceof Error ? e.stack : String(e)}`);
    report.checks.messages.push(`crashed: ${errText(e)}`);
    writeReport();
    process.exit(2);
  },
);
