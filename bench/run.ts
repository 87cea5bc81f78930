/**
 * Benchmarks gyrograd against TensorFlow.js (tfjs-core + the pure-JS `cpu`
 * backend) in one process, alternating the two sides round by round
 * (ours, tfjs, ours, tfjs, …) and reporting medians:
 *
 *  (a) float32 matmul of square n×n matrices: product, then read the result;
 *  (b) autodiff overhead: forward + backward of a chain of many small
 *      elementwise ops on shape [16], summed to a scalar.
 *
 * Both sides are checked against each other and against a float64 reference
 * before anything is timed, so a wrong-but-fast kernel cannot win.
 *
 *   npm run bench              full run (about a minute or two)
 *   npm run bench -- --quick   smoke run (small sizes, few rounds; seconds)
 *
 * Exits with status 1 if a correctness check fails.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { add, grad, matmul, mul, sin, sum, tanh, tensor, toTypedArray, vjp, type Tensor } from '../lib/index.ts';
import { registerBenchGradients } from './tfjs-gradients.ts';
import {
  buildChain, checkClose, fmt, median, mulberry32, randomFloat32, referenceChainGrad, referenceMatmulEntry,
  type ChainSpec,
} from './util.ts';

const QUICK = process.argv.includes('--quick');

interface Config {
  sizes: number[];
  matmulRounds: number;
  /** minimum wall time of one timed sample; small products are repeated to reach it */
  minSampleMs: number;
  chainOps: number;
  chainRounds: number;
}

const CONFIG: Config = QUICK
  ? { sizes: [33, 64], matmulRounds: 3, minSampleMs: 20, chainOps: 400, chainRounds: 3 }
  : { sizes: [256, 512, 1024], matmulRounds: 7, minSampleMs: 200, chainOps: 10_000, chainRounds: 9 };

const now = (): number => performance.now();
const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** Times `body` `reps` times in a row; returns ms per call. */
function timeReps(reps: number, body: () => void): number {
  gc?.();
  const t0 = now();
  for (let r = 0; r < reps; r++) body();
  return (now() - t0) / reps;
}

/** Warms `body` up (at least 3 calls and about `minMs`), then returns the repetitions one sample needs to last `minMs`. */
function calibrate(minMs: number, body: () => void): number {
  const t0 = now();
  for (let i = 0; i < 3 || now() - t0 < minMs; i++) body();
  const t = timeReps(1, body);
  return Math.max(1, Math.ceil(minMs / Math.max(t, 1e-3)));
}

// ------------------------------------------------------------------ setup

async function setupTf(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  registerBenchGradients();
  if (tf.getBackend() !== 'cpu') throw new Error(`tfjs backend is ${tf.getBackend()}, expected cpu`);
  // The cpu backend prints a one-time advert for tfjs-node on its first write; keep the report clean.
  const warn = console.warn;
  console.warn = () => {};
  try {
    tf.scalar(0).dispose();
  } finally {
    console.warn = warn;
  }
}

let failures = 0;
function verify(label: string, ok: boolean, detail: string): void {
  if (!ok) {
    failures++;
    console.error(`CHECK FAILED: ${label}: ${detail}`);
  }
}

// ------------------------------------------------------------------ (a) matmul

interface MatmulRow {
  n: number;
  oursMs: number;
  tfMs: number;
  maxRelDiff: number;
}

function benchMatmul(n: number, rounds: number, minSampleMs: number, seed: number): MatmulRow {
  const rng = mulberry32(seed);
  const aData = randomFloat32(rng, n * n);
  const bData = randomFloat32(rng, n * n);
  const A = tensor(aData, [n, n]);
  const B = tensor(bData, [n, n]);
  const tA = tf.tensor2d(aData, [n, n], 'float32');
  const tB = tf.tensor2d(bData, [n, n], 'float32');

  let oursOut: Float32Array | Float64Array = new Float32Array(0);
  let tfOut: Float32Array = new Float32Array(0);
  const ours = (): void => {
    oursOut = toTypedArray(matmul(A, B));
  };
  const peer = (): void => {
    const c = tf.matMul(tA, tB);
    tfOut = c.dataSync() as Float32Array;
    c.dispose();
  };

  // correctness (also the warm-up): ours vs tfjs everywhere, and both vs exact float64 at sampled entries
  ours();
  peer();
  verify(`matmul n=${n} ours dtype`, oursOut instanceof Float32Array && oursOut.length === n * n, `got ${oursOut.constructor.name}[${oursOut.length}]`);
  const rowNorm = new Float64Array(n), colNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) rowNorm[i] += aData[i * n + k] ** 2;
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) colNorm[j] += bData[k * n + j] ** 2;
  let maxRelDiff = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // |Σ a_ik b_kj| ≤ ‖a_i‖‖b_j‖: differences are measured against that scale
      const scale = Math.sqrt(rowNorm[i] * colNorm[j]);
      const d = Math.abs(oursOut[i * n + j] - tfOut[i * n + j]) / scale;
      if (!(d <= maxRelDiff)) maxRelDiff = d;
    }
  }
  verify(`matmul n=${n} ours vs tfjs`, maxRelDiff <= 1e-5, `max |ours − tfjs| / (‖a_i‖‖b_j‖) = ${maxRelDiff.toExponential(2)} > 1e-5`);
  const srng = mulberry32(seed + 1);
  for (let s = 0; s < 64; s++) {
    const i = Math.floor(srng() * n), j = Math.floor(srng() * n);
    const [exact, absSum] = referenceMatmulEntry(aData, bData, n, n, i, j);
    const eo = Math.abs(oursOut[i * n + j] - exact), et = Math.abs(tfOut[i * n + j] - exact);
    // ours accumulates in float64 and rounds once; tfjs rounds into float32 after each k-block
    verify(`matmul n=${n} ours vs float64 at (${i},${j})`, eo <= 1e-6 * absSum + 1e-30, `|err| ${eo} vs Σ|ab| ${absSum}`);
    verify(`matmul n=${n} tfjs vs float64 at (${i},${j})`, et <= 1e-5 * absSum + 1e-30, `|err| ${et} vs Σ|ab| ${absSum}`);
  }

  const repsOurs = calibrate(minSampleMs, ours);
  const repsTf = calibrate(minSampleMs, peer);
  const oursT: number[] = [], tfT: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursT.push(timeReps(repsOurs, ours));
    tfT.push(timeReps(repsTf, peer));
  }
  tA.dispose();
  tB.dispose();
  return { n, oursMs: median(oursT), tfMs: median(tfT), maxRelDiff };
}

// ------------------------------------------------------------------ (b) autodiff chain

interface ChainRow {
  ops: number;
  oursMs: number;
  tfMs: number;
  maxRelDiffTf: number;
  maxRelDiffRef: number;
  gradRange: [number, number];
  /** breakdown (informational): forward without autodiff, both sides; ours' traced forward without the backward pass */
  oursFwdMs: number;
  tfFwdMs: number;
  oursTracedFwdMs: number;
}

function oursChainFn(spec: ChainSpec, c: Tensor, d: Tensor): (x: Tensor) => Tensor {
  return (x: Tensor): Tensor => {
    let y = x;
    for (const op of spec.ops) {
      if (op === 'mul') y = mul(y, c);
      else if (op === 'add') y = add(y, d);
      else if (op === 'tanh') y = tanh(y);
      else y = sin(y);
    }
    return sum(y);
  };
}

function tfChainFn(spec: ChainSpec, c: tf.Tensor, d: tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return (x: tf.Tensor): tf.Tensor => {
    let y = x;
    for (const op of spec.ops) {
      if (op === 'mul') y = tf.mul(y, c);
      else if (op === 'add') y = tf.add(y, d);
      else if (op === 'tanh') y = tf.tanh(y);
      else y = tf.sin(y);
    }
    return tf.sum(y);
  };
}

function benchChain(nOps: number, rounds: number, seed: number): ChainRow {
  const spec = buildChain(nOps, 16, seed);
  const x = tensor(spec.x, [16]);
  const c = tensor(spec.c, [16]);
  const d = tensor(spec.d, [16]);
  const fOurs = oursChainFn(spec, c, d);
  const gOurs = grad(fOurs);
  const tx = tf.tensor1d(spec.x, 'float32');
  const tc = tf.tensor1d(spec.c, 'float32');
  const td = tf.tensor1d(spec.d, 'float32');
  const fTf = tfChainFn(spec, tc, td);
  const gTf = tf.grad(fTf);

  let oursOut: Float32Array | Float64Array = new Float32Array(0);
  let tfOut: Float32Array = new Float32Array(0);
  const ours = (): void => {
    oursOut = toTypedArray(gOurs(x));
  };
  const peer = (): void => {
    const g = gTf(tx);
    tfOut = g.dataSync() as Float32Array;
    g.dispose();
  };

  // correctness + warm-up
  const tensorsBefore = tf.memory().numTensors;
  ours();
  peer();
  verify('chain: tfjs leaks no tensors', tf.memory().numTensors === tensorsBefore, `${tf.memory().numTensors - tensorsBefore} tensors left behind`);
  const ref = referenceChainGrad(spec);
  const relTf = checkClose(oursOut, tfOut);
  const relRef = checkClose(oursOut, ref);
  const relRefTf = checkClose(tfOut, ref);
  verify('chain grad: ours vs tfjs', relTf <= 1e-3, `max rel diff ${relTf.toExponential(2)}`);
  verify('chain grad: ours vs float64 reference', relRef <= 1e-3, `max rel diff ${relRef.toExponential(2)}`);
  verify('chain grad: tfjs vs float64 reference', relRefTf <= 1e-3, `max rel diff ${relRefTf.toExponential(2)}`);
  let lo = Infinity, hi = 0;
  for (const v of ref) {
    lo = Math.min(lo, Math.abs(v));
    hi = Math.max(hi, Math.abs(v));
  }
  verify('chain grad is non-degenerate', lo > 1e-6 && hi < 1e6, `|grad| in [${lo}, ${hi}]`);

  for (let w = 0; w < 3; w++) {
    ours();
    peer();
  }
  const oursT: number[] = [], tfT: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursT.push(timeReps(1, ours));
    tfT.push(timeReps(1, peer));
  }

  // breakdown: the same chain without autodiff (tfjs: inside tidy, which frees the intermediates),
  // and ours traced (vjp records the graph) but without running the backward pass
  const oursFwd = (): void => {
    toTypedArray(fOurs(x));
  };
  const peerFwd = (): void => {
    const y = tf.tidy(() => fTf(tx));
    y.dataSync();
    y.dispose();
  };
  const oursTraced = (): void => {
    toTypedArray(vjp(fOurs, x)[0]);
  };
  for (let w = 0; w < 3; w++) {
    oursFwd();
    peerFwd();
    oursTraced();
  }
  const oursF: number[] = [], tfF: number[] = [], oursTr: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursF.push(timeReps(1, oursFwd));
    tfF.push(timeReps(1, peerFwd));
    oursTr.push(timeReps(1, oursTraced));
  }
  verify('chain: tfjs leaks no tensors (whole benchmark)', tf.memory().numTensors === tensorsBefore, `${tf.memory().numTensors - tensorsBefore} tensors left behind`);
  tx.dispose();
  tc.dispose();
  td.dispose();
  return {
    ops: nOps, oursMs: median(oursT), tfMs: median(tfT), maxRelDiffTf: relTf, maxRelDiffRef: relRef, gradRange: [lo, hi],
    oursFwdMs: median(oursF), tfFwdMs: median(tfF), oursTracedFwdMs: median(oursTr),
  };
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  await setupTf();
  const cpus = os.cpus();
  console.log(`# gyrograd vs tfjs-core ${tf.version_core} (cpu backend)${QUICK ? ' — QUICK smoke run' : ''}\n`);
  console.log(`- machine: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores, ${os.platform()} ${os.arch()}`);
  console.log(`- node ${process.version}; date ${new Date().toISOString()}`);
  console.log(`- rounds alternate ours/tfjs; medians of ${CONFIG.matmulRounds} (matmul) and ${CONFIG.chainRounds} (autodiff) rounds\n`);

  console.log('## (a) float32 matmul, n×n · n×n (product + read result)\n');
  console.log('| n | ours ms | tfjs ms | ours GFLOP/s | tfjs GFLOP/s | ours/tfjs (speed) |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  CONFIG.sizes.forEach((n, idx) => {
    const r = benchMatmul(n, CONFIG.matmulRounds, CONFIG.minSampleMs, 1000 + idx);
    const flop = 2 * n ** 3;
    const go = flop / (r.oursMs * 1e6), gt = flop / (r.tfMs * 1e6);
    console.log(`| ${n} | ${fmt(r.oursMs)} | ${fmt(r.tfMs)} | ${fmt(go)} | ${fmt(gt)} | **${fmt(r.tfMs / r.oursMs)}×** |`);
  });

  console.log(`\n## (b) autodiff: forward + backward of a ${CONFIG.chainOps}-op elementwise chain on shape [16]\n`);
  const r = benchChain(CONFIG.chainOps, CONFIG.chainRounds, 7);
  console.log('| ops | ours ms | tfjs ms | ours µs/op | tfjs µs/op | tfjs/ours (speed) |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  console.log(
    `| ${r.ops} | ${fmt(r.oursMs)} | ${fmt(r.tfMs)} | ${fmt((r.oursMs * 1000) / r.ops)} | ${fmt((r.tfMs * 1000) / r.ops)} | **${fmt(r.tfMs / r.oursMs)}×** |`,
  );
  const us = (ms: number): string => fmt((ms * 1000) / r.ops);
  console.log(`\nbreakdown (µs per op, medians): forward only, no autodiff — ours ${us(r.oursFwdMs)}, tfjs ${us(r.tfFwdMs)}; ours traced forward without backward ${us(r.oursTracedFwdMs)}, so ours' backward ≈ ${us(r.oursMs - r.oursTracedFwdMs)}`);
  console.log(
    `\nchecks: gradients agree (max rel diff ours↔tfjs ${r.maxRelDiffTf.toExponential(1)}, ours↔float64 ${r.maxRelDiffRef.toExponential(1)}; |grad| ∈ [${r.gradRange[0].toExponential(1)}, ${r.gradRange[1].toExponential(1)}])`,
  );
  console.log(failures === 0 ? 'all correctness checks passed' : `${failures} correctness check(s) FAILED`);
  if (failures > 0) process.exitCode = 1;
}

await main();
