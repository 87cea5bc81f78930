/**
 * One CHEST forward + backward step, gyrograd against the same formulas in
 * tfjs-core on the tfjs **wasm** backend (bench/chest-tfjs.ts) and, when a
 * Python with torch is found (Debian's python3-torch), in PyTorch on the CPU
 * (bench/peers/chest_torch.py, driven over a pipe, alternating with the other
 * sides in the same run; skipped with the reason printed otherwise).
 *
 * Sizes: B = 128, D_E = D_H = 128, C = 100 classes, K = 10 proxies per class
 * (1000 proxies per space), 1024 HypHC triplets, float32. One step is
 *  - ours: `valueAndGrad(inp => chest({ centersPerClass: K })(inp, labels, triplets))(inputs)`,
 *    reading the value and the four gradients (`toTypedArray`);
 *  - tfjs: `tf.valueAndGrads` of the same loss w.r.t. the four inputs, reading
 *    the value and the gradients (`dataSync`), every tensor disposed; both
 *    disposal styles are timed (explicit disposal, or one `tf.tidy` around the step).
 * Both sides get the same Float32Array inputs, Int32Array labels and JS triplets
 * (from `sampleTriplets`), and build their per-step constants from them.
 *
 * Before timing, the loss values must agree to 1e-3 relative (and each side
 * is compared with gyrograd in float64); gradient agreement is printed as a
 * relative L2 difference per input and must be below 1e-2. Exit status 1 if
 * any check fails.
 *
 *   npm run bench:chest              full run (a few minutes on 2 cores)
 *   npm run bench:chest -- --quick   smoke run (small sizes, 3 rounds; seconds)
 *   npm run bench:chest -- --profile ours only, a few steps (for node --cpu-prof)
 */
import os from 'node:os';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { cast, chest, chestTerms, tensor, toTypedArray, valueAndGrad, type ChestInputs, type Tensor } from '../lib/index.ts';
import {
  DEFAULTS,
  setMatmulStrategy,
  setupTfWasm,
  tfChestStep,
  tfChestTermValues,
  type MatmulStrategy,
  type TfChestConfig,
  type TfInputs,
} from './chest-tfjs.ts';
import { chestData, checks, fmt, median, type ChestData } from './util.ts';
import { startTorchPeer, type TorchPeer } from './peers/torch.ts';

const QUICK = process.argv.includes('--quick');
const PROFILE = process.argv.includes('--profile');

const SIZES = QUICK
  ? { B: 32, D: 32, C: 10, K: 4, T: 128, rounds: 3, warmup: 1, minSampleMs: 20 }
  : { B: 128, D: 128, C: 100, K: 10, T: 1024, rounds: 7, warmup: 2, minSampleMs: 300 };

const now = (): number => performance.now();

const { verify } = checks;

// ------------------------------------------------------------------ data

type Data = ChestData;

function makeData(seed: number): Data {
  return chestData(seed, SIZES);
}

// ------------------------------------------------------------------ the two sides

interface StepOut {
  value: number;
  grads: (Float32Array | Float64Array)[];
}

const KEYS = ['euclidean', 'hyperbolic', 'euclideanProxies', 'hyperbolicProxies'] as const;

function oursInputs(d: Data, dtype: 'float32' | 'float64' = 'float32'): ChestInputs {
  const { B, D, C, K } = SIZES;
  const mk = (a: Float32Array, n: number): Tensor => (dtype === 'float32' ? tensor(a, [n, D]) : cast(tensor(a, [n, D]), 'float64'));
  return { euclidean: mk(d.e, B), hyperbolic: mk(d.h, B), euclideanProxies: mk(d.pe, C * K), hyperbolicProxies: mk(d.ph, C * K) };
}

function makeOurs(d: Data): (inputs: ChestInputs) => StepOut {
  const loss = chest({ centersPerClass: SIZES.K });
  const vg = valueAndGrad((inp: ChestInputs) => loss(inp, d.labels, d.triplets));
  return (inputs) => {
    const [v, g] = vg(inputs);
    return { value: toTypedArray(v)[0], grads: KEYS.map((k) => toTypedArray(g[k])) };
  };
}

function cfg(): TfChestConfig {
  return {
    ...DEFAULTS,
    C: SIZES.C,
    K: SIZES.K,
    euclidean: { ...DEFAULTS.euclidean },
    hyperbolic: { ...DEFAULTS.hyperbolic },
    weights: { ...DEFAULTS.weights },
  };
}

function tfInputs(d: Data): TfInputs {
  const { B, D, C, K } = SIZES;
  return [tf.tensor2d(d.e, [B, D]), tf.tensor2d(d.h, [B, D]), tf.tensor2d(d.pe, [C * K, D]), tf.tensor2d(d.ph, [C * K, D])];
}

// ------------------------------------------------------------------ checks

/** ‖a − b‖ / ‖b‖ */
function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function l2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] ** 2;
  return Math.sqrt(s);
}

const relDiff = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
const e1 = (x: number): string => x.toExponential(1);

// ------------------------------------------------------------------ timing

/** CPU ms (user + system, all threads of this process) per step of the last {@link timeReps} call. */
let lastCpuMs = 0;

function timeReps(reps: number, body: () => void): number {
  const c0 = process.cpuUsage();
  const t0 = now();
  for (let r = 0; r < reps; r++) body();
  const c = process.cpuUsage(c0);
  lastCpuMs = (c.user + c.system) / 1000 / reps;
  return (now() - t0) / reps;
}

function repsFor(minMs: number, body: () => void): number {
  const t = timeReps(1, body);
  return Math.max(1, Math.ceil(minMs / Math.max(t, 1e-3)));
}

// ------------------------------------------------------------------ the PyTorch peer

/** Hands the peer the step's inputs (one raw file) and runs one step; returns its value and gradients. */
async function torchLoad(tp: TorchPeer, d: Data): Promise<StepOut> {
  const { B, D, C, K, T } = SIZES;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gyrograd-torch-'));
  const ints = Int32Array.from([...d.labels, ...d.triplets.flat()]);
  const parts = [d.e, d.h, d.pe, d.ph].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  writeFileSync(path.join(dir, 'in.bin'), Buffer.concat([...parts, Buffer.from(ints.buffer)]));
  await tp.request({ cmd: 'load', path: path.join(dir, 'in.bin'), B, D, C, K, T });
  await tp.request({ cmd: 'step', out: path.join(dir, 'out.bin') });
  const raw = readFileSync(path.join(dir, 'out.bin'));
  const f = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const sizes = [B * D, B * D, C * K * D, C * K * D];
  let o = 1;
  const grads = sizes.map((n) => f.slice(o, (o += n)));
  return { value: f[0], grads };
}

/** CPU ms per step (all threads) of the last {@link torchTime} call. */
let lastTorchCpuMs = 0;

/** Mean ms per step of `reps` steps, timed inside the peer. */
async function torchTime(tp: TorchPeer, reps: number): Promise<number> {
  const r = await tp.request({ cmd: 'time', reps });
  lastTorchCpuMs = Number(r.cpuMs);
  return Number(r.ms);
}

// ------------------------------------------------------------------ main

async function profileOurs(): Promise<void> {
  const d = makeData(1);
  const ours = makeOurs(d);
  const inputs = oursInputs(d);
  const n = QUICK ? 5 : Number(process.env.PROFILE_STEPS ?? 6);
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const c0 = process.cpuUsage();
    const r = ours(inputs);
    const c = process.cpuUsage(c0);
    console.log(`step ${i}: ${fmt(now() - t0)} ms, CPU ${fmt((c.user + c.system) / 1000)} ms (loss ${r.value})`);
  }
}

async function main(): Promise<void> {
  if (PROFILE) return profileOurs();
  const flavour = await setupTfWasm();
  const { B, D, C, K, T } = SIZES;
  const cpus = os.cpus();
  console.log(`# CHEST step: gyrograd vs tfjs-core ${tf.version_core} (wasm backend, ${flavour})${QUICK ? ' — QUICK smoke run' : ''}\n`);
  console.log(
    `- machine: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores, ${os.platform()} ${os.arch()}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(`- node ${process.version}; date ${new Date().toISOString()}`);
  console.log(`- B = ${B}, D_E = D_H = ${D}, C = ${C}, K = ${K} (${C * K} proxies per space), ${T} triplets, float32`);

  const d = makeData(1);
  const ours = makeOurs(d);
  const inputs = oursInputs(d);
  const tin = tfInputs(d);
  const c = cfg();
  const peer = (mode: 'explicit' | 'tidy', strategy: MatmulStrategy = 'transposeFirst'): StepOut => {
    setMatmulStrategy(strategy);
    return tfChestStep(tin, d.labels, d.triplets, c, mode);
  };

  // ---------------- the PyTorch peer (optional)
  const torchPeer = await startTorchPeer(path.join(import.meta.dirname, 'peers', 'chest_torch.py'), cpus.length);
  let torchOut: StepOut | undefined;
  if ('reason' in torchPeer) console.log(`- PyTorch peer skipped: ${torchPeer.reason}`);
  else {
    console.log(`- PyTorch ${torchPeer.info.torch} (${torchPeer.info.python}), ${torchPeer.info.threads} intra-op threads, CPU, float32, autograd`);
    torchOut = await torchLoad(torchPeer, d);
  }

  // ---------------- correctness (also the first warm-up)
  const t0 = tf.memory().numTensors;
  const o = ours(inputs);
  const p = peer('explicit');
  verify('tfjs leaks no tensors (explicit)', tf.memory().numTensors === t0, `${tf.memory().numTensors - t0} tensors left behind`);
  const pt = peer('tidy');
  verify('tfjs leaks no tensors (tidy)', tf.memory().numTensors === t0, `${tf.memory().numTensors - t0} tensors left behind`);
  const ps = peer('explicit', 'stock');
  verify('tfjs leaks no tensors (stock matmul)', tf.memory().numTensors === t0, `${tf.memory().numTensors - t0} tensors left behind`);
  const ref = makeOurs(d)(oursInputs(d, 'float64')); // gyrograd in float64: the reference for both
  const termsOurs = chestTerms({ centersPerClass: K })(inputs, d.labels, d.triplets);
  const termsTf = tfChestTermValues(tin, d.labels, d.triplets, c);
  verify('tfjs leaks no tensors (terms)', tf.memory().numTensors === t0, `${tf.memory().numTensors - t0} tensors left behind`);

  const vRel = relDiff(p.value, o.value);
  console.log(`\n## Agreement (checked before timing)\n`);
  console.log(`| | total | SoftTriple_E | SoftTriple_H | HypHC |`);
  console.log(`|---|---:|---:|---:|---:|`);
  const tv = (t: Tensor): number => toTypedArray(t)[0];
  console.log(
    `| ours (float32) | ${o.value.toPrecision(7)} | ${tv(termsOurs.euclidean).toPrecision(7)} | ${tv(termsOurs.hyperbolic).toPrecision(7)} | ${tv(termsOurs.hyphc).toPrecision(7)} |`,
  );
  console.log(
    `| tfjs wasm | ${p.value.toPrecision(7)} | ${termsTf.euclidean.toPrecision(7)} | ${termsTf.hyperbolic.toPrecision(7)} | ${termsTf.hyphc.toPrecision(7)} |`,
  );
  console.log(`| ours (float64) | ${ref.value.toPrecision(7)} | | | |`);
  console.log(
    `\nloss: |tfjs − ours| / |ours| = ${e1(vRel)}; ours vs float64 ${e1(relDiff(o.value, ref.value))}; tfjs vs float64 ${e1(relDiff(p.value, ref.value))}\n`,
  );
  verify('loss value ours vs tfjs', vRel <= 1e-3, `relative difference ${e1(vRel)} > 1e-3`);
  verify('loss value tfjs explicit vs tidy', p.value === pt.value, `${p.value} vs ${pt.value}`);
  const sRel = relDiff(ps.value, o.value);
  verify('loss value ours vs tfjs (stock matmul)', sRel <= 1e-3, `relative difference ${e1(sRel)} > 1e-3`);
  console.log('| gradient w.r.t. | ‖g‖ (ours) | ‖tfjs − ours‖/‖ours‖ | ‖ours − f64‖/‖f64‖ | ‖tfjs − f64‖/‖f64‖ |');
  console.log('|---|---:|---:|---:|---:|');
  KEYS.forEach((k, i) => {
    const r = relL2(p.grads[i], o.grads[i]);
    console.log(`| ${k} | ${e1(l2(o.grads[i]))} | ${e1(r)} | ${e1(relL2(o.grads[i], ref.grads[i]))} | ${e1(relL2(p.grads[i], ref.grads[i]))} |`);
    verify(`gradient ${k} ours vs tfjs`, r <= 1e-2, `relative L2 difference ${e1(r)} > 1e-2`);
    const rs = relL2(ps.grads[i], o.grads[i]);
    verify(`gradient ${k} ours vs tfjs (stock matmul)`, rs <= 1e-2, `relative L2 difference ${e1(rs)} > 1e-2`);
  });
  if (torchOut !== undefined) {
    const r = relDiff(torchOut.value, o.value);
    console.log(
      `\nPyTorch: loss ${torchOut.value.toPrecision(7)} (vs ours ${e1(r)}, vs float64 ${e1(relDiff(torchOut.value, ref.value))}); gradients vs ours ${KEYS.map((k, i) => `${k} ${e1(relL2(torchOut!.grads[i], o.grads[i]))}`).join(', ')}`,
    );
    verify('loss value ours vs PyTorch', r <= 1e-3, `relative difference ${e1(r)} > 1e-3`);
    KEYS.forEach((k, i) => {
      const rg = relL2(torchOut!.grads[i], o.grads[i]);
      verify(`gradient ${k} ours vs PyTorch`, rg <= 1e-2, `relative L2 difference ${e1(rg)} > 1e-2`);
    });
  }
  console.log(
    `\n(tfjs with stock transposed matmuls: loss vs ours ${e1(sRel)}, gradients vs ours ≤ ${e1(Math.max(...KEYS.map((_, i) => relL2(ps.grads[i], o.grads[i]))))})`,
  );
  if (checks.failures > 0) {
    console.error(`${checks.failures} correctness check(s) FAILED; not timing`);
    process.exitCode = 1;
    return;
  }

  // ---------------- timing: ours, tfjs (explicit), tfjs (tidy), … alternating
  const sides: [string, () => void][] = [
    ['ours (gyrograd)', () => void ours(inputs)],
    ['tfjs wasm, stock matMul(a, b, tA, tB), explicit dispose', () => void peer('explicit', 'stock')],
    ['tfjs wasm, transpose first, explicit dispose', () => void peer('explicit')],
    ['tfjs wasm, transpose first, one tf.tidy per step', () => void peer('tidy')],
  ];
  const tp = 'reason' in torchPeer ? undefined : torchPeer;
  for (let w = 0; w < SIZES.warmup; w++) {
    for (const [, f] of sides) f();
    if (tp) await torchTime(tp, 1);
  }
  const reps = sides.map(([, f]) => repsFor(SIZES.minSampleMs, f));
  const torchReps = tp ? Math.max(1, Math.ceil(SIZES.minSampleMs / (await torchTime(tp, 1)))) : 0;
  const times: number[][] = sides.map(() => []);
  const cpu: number[][] = sides.map(() => []);
  const torchTimes: number[] = [];
  const torch1Times: number[] = [];
  const torchCpu: number[] = [];
  const torch1Cpu: number[] = [];
  for (let r = 0; r < SIZES.rounds; r++) {
    sides.forEach(([, f], i) => {
      times[i].push(timeReps(reps[i], f));
      cpu[i].push(lastCpuMs);
    });
    if (tp) {
      // PyTorch with as many intra-op threads as cores, then with one (ours runs its elementwise work on one thread)
      await tp.request({ cmd: 'threads', n: tp.info.threads });
      torchTimes.push(await torchTime(tp, torchReps));
      torchCpu.push(lastTorchCpuMs);
      await tp.request({ cmd: 'threads', n: 1 });
      torch1Times.push(await torchTime(tp, torchReps));
      torch1Cpu.push(lastTorchCpuMs);
    }
  }
  tp?.close();
  verify('tfjs leaks no tensors (whole benchmark)', tf.memory().numTensors === t0, `${tf.memory().numTensors - t0} tensors left behind`);
  const med = times.map(median);
  const best = Math.min(...med.slice(1));

  console.log(`\n## One forward + backward step (median of ${SIZES.rounds} alternating rounds after ${SIZES.warmup + 1} warm-up steps)\n`);
  console.log('| side | ms / step (median) | min–max | CPU ms / step (median, all threads) | steps per sample |');
  console.log('|---|---:|---:|---:|---:|');
  sides.forEach(([name], i) => {
    console.log(`| ${name} | ${fmt(med[i])} | ${fmt(Math.min(...times[i]))}–${fmt(Math.max(...times[i]))} | ${fmt(median(cpu[i]))} | ${reps[i]} |`);
  });
  if (tp) {
    const tm = median(torchTimes);
    const tm1 = median(torch1Times);
    console.log(
      `| PyTorch ${tp.info.torch} CPU (${tp.info.threads} threads; timed inside the peer) | ${fmt(tm)} | ${fmt(Math.min(...torchTimes))}–${fmt(Math.max(...torchTimes))} | ${fmt(median(torchCpu))} | ${torchReps} |`,
    );
    console.log(
      `| PyTorch ${tp.info.torch} CPU (1 thread) | ${fmt(tm1)} | ${fmt(Math.min(...torch1Times))}–${fmt(Math.max(...torch1Times))} | ${fmt(median(torch1Cpu))} | ${torchReps} |`,
    );
    console.log(
      `\n**ours_ms / PyTorch_ms = ${fmt(med[0] / tm)}×** against PyTorch on ${tp.info.threads} threads, ${fmt(med[0] / tm1)}× against PyTorch on 1 thread (target ≤ 1.5×)`,
    );
    console.log(
      `CPU time per step (robust to other load on the machine): ours ${fmt(median(cpu[0]))} ms, PyTorch 1 thread ${fmt(median(torch1Cpu))} ms: **${fmt(median(cpu[0]) / median(torch1Cpu))}×**`,
    );
  }
  console.log(
    `\n**tfjs_ms / ours_ms = ${fmt(best / med[0])}×** against the fastest tfjs variant (${fmt(med[1] / med[0])}× against stock matMul); > 1 means ours is faster`,
  );
  console.log(
    `load average after: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(checks.failures === 0 ? 'all correctness checks passed' : `${checks.failures} correctness check(s) FAILED`);
  if (checks.failures > 0) process.exitCode = 1;
  for (const t of tin) t.dispose();
}

await main();
