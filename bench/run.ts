/**
 * Benchmarks gyrograd against TensorFlow.js in one process, alternating the
 * sides round by round and reporting medians:
 *
 *  (a) float32 matmul of square n×n matrices (product, then read the whole
 *      result): ours on EVERY available backend that implements float32
 *      matmul (js, the gpu.js routes, any backend added later) against
 *      tfjs-core on its pure-JS `cpu` backend and on its `wasm` backend;
 *  (b) autodiff overhead: forward + backward of a chain of many small
 *      elementwise ops on shape [16], summed to a scalar (ours vs tfjs cpu);
 *  (c) Poincaré pairwise distances [1024 × 1000] in dimension 128, c = 1,
 *      forward + backward for a fixed random cotangent, w.r.t. both inputs
 *      (ours on every backend implementing matmul or the Poincaré kernels vs
 *      the same closed form written with tfjs primitives on tfjs-wasm).
 *
 * Every side is checked against the others and against a float64 reference
 * before anything is timed, so a wrong-but-fast kernel cannot win.
 *
 *   npm run bench              full run (a few minutes on 2 cores)
 *   npm run bench -- --quick   smoke run (small sizes, few rounds; seconds)
 *   options: --backends=js,gpujs-webasm  measure only these of our backends
 *            --sections=matmul,chain,poincare  run only these sections
 *
 * Exits with status 1 if a correctness check fails.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {
  add, cast, grad, matmul, mul, setBackend, sin, sum, tanh, tensor, toTypedArray, vjp, type Tensor,
} from '../lib/index.ts';
import { poincarePairwiseDist } from '../lib/ops/fused/poincarePairwiseDist.ts';
import { argList, oursBackends, prepareDisplay, route, stopDisplay } from './backends.ts';
import { pairwiseDist as tfPairwiseDist, setMatmulStrategy, type MatmulStrategy } from './chest-tfjs.ts';
import { alternate, timeReps, type Side, type Timed } from './timing.ts';
import { setupTfPeers, useTf, type TfBackend } from './tfjs-peers.ts';
import {
  ballPoints, buildChain, checkClose, checks, fmt, median, mulberry32, randomFloat32, referenceChainGrad, referenceMatmulEntry, relL2,
  type ChainSpec,
} from './util.ts';

const QUICK = process.argv.includes('--quick');
const SECTIONS = argList('sections') ?? ['matmul', 'chain', 'poincare'];

interface Config {
  sizes: number[];
  /** rounds per matmul size (fewer for the largest, whose slowest sides take seconds per call) */
  matmulRounds: (n: number) => number;
  /** minimum wall time of one timed sample; small products are repeated to reach it */
  minSampleMs: number;
  chainOps: number;
  chainRounds: number;
  poincare: { N: number; M: number; D: number; rounds: number };
}

const CONFIG: Config = QUICK
  ? {
    sizes: [33, 64], matmulRounds: () => 3, minSampleMs: 20, chainOps: 400, chainRounds: 3,
    poincare: { N: 64, M: 50, D: 16, rounds: 3 },
  }
  : {
    sizes: [256, 512, 1024], matmulRounds: (n) => (n >= 1024 ? 5 : 7), minSampleMs: 200, chainOps: 10_000, chainRounds: 9,
    poincare: { N: 1024, M: 1000, D: 128, rounds: 7 },
  };

const now = (): number => performance.now();

const { verify } = checks;

const U32 = 2 ** -24;
/** γ_K = K·u/(1 − K·u): the worst-case relative error bound of a float32 dot product of length K, in any order. */
const gamma = (K: number): number => (K * U32) / (1 - K * U32);
const e1 = (x: number): string => x.toExponential(1);

// ------------------------------------------------------------------ (a) matmul

interface MatmulSide extends Side {
  group: 'ours' | 'tfjs';
  /** our backend name or the tfjs backend */
  backend: string;
  out(): Float32Array | Float64Array;
  dispose(): void;
}

interface MatmulResult {
  n: number;
  sides: MatmulSide[];
  timed: Timed[];
}

function oursMatmulSide(name: string, A: Tensor, B: Tensor): MatmulSide {
  let out: Float32Array | Float64Array = new Float32Array(0);
  return {
    label: `ours ${name}`, group: 'ours', backend: name,
    activate: () => setBackend(name),
    run: () => {
      out = toTypedArray(matmul(A, B));
    },
    out: () => out,
    dispose: () => {},
  };
}

async function tfMatmulSide(name: TfBackend, aData: Float32Array, bData: Float32Array, n: number): Promise<MatmulSide> {
  await useTf(name); // the tensors live on this backend: nothing is transferred while timing
  const tA = tf.tensor2d(aData, [n, n], 'float32');
  const tB = tf.tensor2d(bData, [n, n], 'float32');
  let out: Float32Array = new Float32Array(0);
  return {
    label: `tfjs-${name}`, group: 'tfjs', backend: name,
    activate: () => useTf(name),
    run: () => {
      // no tf.tidy around the product; the result is read fully, then disposed
      const c = tf.matMul(tA, tB);
      out = c.dataSync() as Float32Array;
      c.dispose();
    },
    out: () => out,
    dispose: () => {
      tA.dispose();
      tB.dispose();
    },
  };
}

function checkMatmul(n: number, aData: Float32Array, bData: Float32Array, sides: MatmulSide[], seed: number): void {
  const rowNorm = new Float64Array(n), colNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) rowNorm[i] += aData[i * n + k] ** 2;
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) colNorm[j] += bData[k * n + j] ** 2;
  const ref = sides[0].out(); // ours on js: accumulates in float64, rounds once
  const g = gamma(n);
  for (const s of sides) {
    const out = s.out();
    verify(`matmul n=${n} ${s.label} output`, out instanceof Float32Array && out.length === n * n, `got ${out.constructor.name}[${out.length}]`);
    if (s !== sides[0]) {
      // |side − exact| ≤ γ_K Σ|ab| ≤ γ_K ‖a_i‖‖b_j‖ and |js − exact| ≤ u|exact| + tiny
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const d = Math.abs(out[i * n + j] - ref[i * n + j]) / Math.sqrt(rowNorm[i] * colNorm[j]);
          if (!(d <= worst)) worst = d;
        }
      }
      verify(`matmul n=${n} ${s.label} vs ours js`, worst <= g + 2 * U32, `max |Δ| / (‖a_i‖‖b_j‖) = ${e1(worst)} > γ_K + 2u = ${e1(g + 2 * U32)}`);
    }
    const srng = mulberry32(seed + 1);
    const tol = s === sides[0] ? 1e-6 : g;
    for (let t = 0; t < 64; t++) {
      const i = Math.floor(srng() * n), j = Math.floor(srng() * n);
      const [exact, absSum] = referenceMatmulEntry(aData, bData, n, n, i, j);
      const e = Math.abs(out[i * n + j] - exact);
      verify(`matmul n=${n} ${s.label} vs float64 at (${i},${j})`, e <= tol * absSum + 1e-30, `|err| ${e} > ${e1(tol)}·Σ|ab| (${absSum})`);
    }
  }
}

async function benchMatmul(n: number, ours: string[], seed: number): Promise<MatmulResult> {
  const rng = mulberry32(seed);
  const aData = randomFloat32(rng, n * n);
  const bData = randomFloat32(rng, n * n);
  const A = tensor(aData, [n, n]);
  const B = tensor(bData, [n, n]);
  const sides: MatmulSide[] = [
    ...ours.map((name) => oursMatmulSide(name, A, B)),
    await tfMatmulSide('cpu', aData, bData, n),
    await tfMatmulSide('wasm', aData, bData, n),
  ];
  // correctness (also the first warm-up call of every side)
  const tensorsBefore = tf.memory().numTensors;
  for (const s of sides) {
    await s.activate();
    s.run();
  }
  checkMatmul(n, aData, bData, sides, seed);
  const timed = await alternate(sides, { rounds: CONFIG.matmulRounds(n), minSampleMs: CONFIG.minSampleMs, warmup: n >= 1024 ? 1 : 3 });
  verify(`matmul n=${n}: tfjs leaks no tensors`, tf.memory().numTensors === tensorsBefore, `${tf.memory().numTensors - tensorsBefore} tensors left behind`);
  for (const s of sides) s.dispose();
  setBackend('js');
  return { n, sides, timed };
}

function printMatmul(r: MatmulResult): void {
  const { n, sides, timed } = r;
  const flop = 2 * n ** 3;
  const gf = (ms: number): number => flop / (ms * 1e6);
  const iCpu = sides.findIndex((s) => s.label === 'tfjs-cpu');
  const iWasm = sides.findIndex((s) => s.label === 'tfjs-wasm');
  console.log(`\n### n = ${n} (${CONFIG.matmulRounds(n)} rounds)\n`);
  console.log('| side | route | ms (median) | min–max | GFLOP/s | ours/tfjs-wasm (speed) | ours/tfjs-cpu (speed) |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  let best = -1;
  sides.forEach((s, i) => {
    const t = timed[i];
    const isOurs = s.group === 'ours';
    if (isOurs && (best < 0 || t.med < timed[best].med)) best = i;
    const ratios = isOurs
      ? `**${fmt(timed[iWasm].med / t.med)}×** | ${fmt(timed[iCpu].med / t.med)}×`
      : ' | ';
    const rt = isOurs ? route(s.backend, 'matmul', n ** 3) : s.backend === 'wasm' ? 'XNNPACK (wasm)' : 'js';
    console.log(`| ${s.label} | ${rt} | ${fmt(t.med)} | ${fmt(t.min)}–${fmt(t.max)} | ${fmt(gf(t.med))} | ${ratios} |`);
  });
  const b = sides[best];
  console.log(
    `\nfastest of ours at n = ${n}: **${b.backend}** (${route(b.backend, 'matmul', n ** 3)}), ${fmt(gf(timed[best].med))} GFLOP/s: ` +
    `${fmt(timed[iWasm].med / timed[best].med)}× tfjs-wasm (${fmt(gf(timed[iWasm].med))} GFLOP/s), ` +
    `${fmt(timed[iCpu].med / timed[best].med)}× tfjs-cpu (${fmt(gf(timed[iCpu].med))} GFLOP/s)`,
  );
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

// ------------------------------------------------------------------ (c) Poincaré pairwise distance

interface PoincareOut {
  d: Float32Array | Float64Array;
  gx: Float32Array | Float64Array;
  gy: Float32Array | Float64Array;
}

interface PoincareSide extends Side {
  group: 'ours' | 'tfjs';
  backend: string;
  out(): PoincareOut;
}

/** Ours: the fused `poincarePairwiseDist` and its VJP for the cotangent G, w.r.t. x and y; everything read back. */
function oursPoincare(X: Tensor, Y: Tensor, c: Tensor, G: Tensor): () => PoincareOut {
  const f = (x: Tensor, y: Tensor): Tensor => poincarePairwiseDist(x, y, c);
  return () => {
    const [d, back] = vjp(f, X, Y);
    const [gx, gy] = back(G);
    return { d: toTypedArray(d), gx: toTypedArray(gx), gy: toTypedArray(gy) };
  };
}

function oursPoincareSide(name: string, X: Tensor, Y: Tensor, c: Tensor, G: Tensor): PoincareSide {
  const step = oursPoincare(X, Y, c, G);
  let out: PoincareOut | undefined;
  return {
    label: `ours ${name}`, group: 'ours', backend: name,
    activate: () => setBackend(name),
    run: () => {
      out = step();
    },
    out: () => out!,
  };
}

/** tfjs: the same closed form (bench/chest-tfjs.ts `pairwiseDist`, c = 1), `tf.valueAndGrads` for the cotangent G. */
async function tfPoincareSide(
  name: TfBackend, strategy: MatmulStrategy, x: Float32Array, y: Float32Array, g: Float32Array, N: number, M: number, D: number,
): Promise<PoincareSide & { dispose(): void }> {
  await useTf(name);
  const tx = tf.tensor2d(x, [N, D]), ty = tf.tensor2d(y, [M, D]), tg = tf.tensor2d(g, [N, M]);
  const vg = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tfPairwiseDist(a, b, { c: 1 }));
  let out: PoincareOut | undefined;
  return {
    label: `tfjs-${name}${strategy === 'stock' ? ', stock transposed matMul' : ''}`, group: 'tfjs', backend: name,
    activate: async () => {
      await useTf(name);
      setMatmulStrategy(strategy);
    },
    run: () => {
      const { value, grads } = vg([tx, ty], tg);
      out = { d: value.dataSync() as Float32Array, gx: grads[0].dataSync() as Float32Array, gy: grads[1].dataSync() as Float32Array };
      value.dispose();
      grads[0].dispose();
      grads[1].dispose();
    },
    out: () => out!,
    dispose: () => {
      tx.dispose();
      ty.dispose();
      tg.dispose();
    },
  };
}

async function benchPoincare(ours: string[]): Promise<void> {
  const { N, M, D, rounds } = CONFIG.poincare;
  const rng = mulberry32(4242);
  const x = ballPoints(rng, N, D), y = ballPoints(rng, M, D);
  const g = randomFloat32(rng, N * M); // the cotangent: uniform in [-1, 1)
  const X = tensor(x, [N, D]), Y = tensor(y, [M, D]), G = tensor(g, [N, M]);
  const c = tensor(new Float32Array([1]), []);
  const tensorsBefore = tf.memory().numTensors;
  const tfSides = [
    await tfPoincareSide('wasm', 'transposeFirst', x, y, g, N, M, D),
    await tfPoincareSide('wasm', 'stock', x, y, g, N, M, D),
  ];
  const sides: PoincareSide[] = [...ours.map((n) => oursPoincareSide(n, X, Y, c, G)), ...tfSides];

  // float64 reference: ours on float64 inputs (the exact js path)
  const ref = oursPoincare(cast(X, 'float64'), cast(Y, 'float64'), cast(c, 'float64'), cast(G, 'float64'))();
  for (const s of sides) {
    await s.activate();
    s.run();
  }
  verify('poincare: tfjs leaks no tensors', tf.memory().numTensors === tensorsBefore + 3 * tfSides.length, `${tf.memory().numTensors - tensorsBefore - 3 * tfSides.length} tensors left behind`);
  let dMin = Infinity, dMax = 0;
  for (const v of ref.d) {
    dMin = Math.min(dMin, v);
    dMax = Math.max(dMax, v);
  }
  console.log(`\n${N} × ${M} points in dimension ${D} (norms in [0.1, 0.9]), c = 1; distances in [${fmt(dMin)}, ${fmt(dMax)}]; cotangent uniform in [-1, 1)\n`);
  console.log('| side | ‖d − d₆₄‖/‖d₆₄‖ | max rel err of d | ‖∂x − ∂x₆₄‖/‖∂x₆₄‖ | ‖∂y − ∂y₆₄‖/‖∂y₆₄‖ | vs ours js: d / ∂x / ∂y |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const o0 = sides[0].out();
  for (const s of sides) {
    const o = s.out();
    const rd = relL2(o.d, ref.d), rx = relL2(o.gx, ref.gx), ry = relL2(o.gy, ref.gy);
    const md = checkClose(o.d, ref.d);
    const vs = s === sides[0] ? '' : `${e1(relL2(o.d, o0.d))} / ${e1(relL2(o.gx, o0.gx))} / ${e1(relL2(o.gy, o0.gy))}`;
    console.log(`| ${s.label} | ${e1(rd)} | ${e1(md)} | ${e1(rx)} | ${e1(ry)} | ${vs} |`);
    verify(`poincare ${s.label}: distances vs float64`, md <= 1e-4, `max rel err ${e1(md)} > 1e-4`);
    verify(`poincare ${s.label}: ∂x vs float64`, rx <= 1e-4, `rel L2 ${e1(rx)} > 1e-4`);
    verify(`poincare ${s.label}: ∂y vs float64`, ry <= 1e-4, `rel L2 ${e1(ry)} > 1e-4`);
    verify(`poincare ${s.label}: output dtype`, o.d instanceof Float32Array && o.gx instanceof Float32Array && o.gy instanceof Float32Array, 'not float32');
  }
  if (checks.failures > 0) return;

  const timed = await alternate(sides, { rounds, minSampleMs: CONFIG.minSampleMs, warmup: 2 });
  verify('poincare: tfjs leaks no tensors (timing)', tf.memory().numTensors === tensorsBefore + 3 * tfSides.length, `${tf.memory().numTensors - tensorsBefore - 3 * tfSides.length} tensors left behind`);
  for (const s of tfSides) s.dispose();
  setBackend('js');
  setMatmulStrategy('stock');

  const iTf = sides.indexOf(tfSides[0]), iStock = sides.indexOf(tfSides[1]);
  const iTfBest = timed[iTf].med <= timed[iStock].med ? iTf : iStock;
  const mmFlop = 3 * 2 * N * M * D; // x·yᵀ forward, D·y and Dᵀ·x backward
  console.log(`\nforward + backward, median of ${rounds} alternating rounds (matmul work: ${fmt(mmFlop / 1e6)} MFLOP per step)\n`);
  console.log('| side | route (matmul / Poincaré fwd / bwd) | ms (median) | min–max | tfjs-wasm ms / ours ms |');
  console.log('|---|---|---:|---:|---:|');
  let best = -1;
  sides.forEach((s, i) => {
    const t = timed[i];
    const isOurs = s.group === 'ours';
    if (isOurs && (best < 0 || t.med < timed[best].med)) best = i;
    const rt = isOurs
      ? [route(s.backend, 'matmul', N * M * D), route(s.backend, 'poincarePairwiseForward', N * M), route(s.backend, 'poincarePairwiseBackward', N * M)].join(' / ')
      : 'XNNPACK (wasm) + tfjs ops';
    console.log(`| ${s.label} | ${rt} | ${fmt(t.med)} | ${fmt(t.min)}–${fmt(t.max)} | ${isOurs ? `**${fmt(timed[iTfBest].med / t.med)}×**` : ''} |`);
  });
  console.log(
    `\nfastest of ours: **${sides[best].backend}**, ${fmt(timed[best].med)} ms; fastest tfjs-wasm variant (${tfSides[iTfBest === iTf ? 0 : 1].label}) ${fmt(timed[iTfBest].med)} ms: ` +
    `**tfjs-wasm ms / ours ms = ${fmt(timed[iTfBest].med / timed[best].med)}×** (> 1: ours faster)`,
  );
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const t0 = now();
  const displayNote = await prepareDisplay(); // before any backend is probed
  const peers = await setupTfPeers();
  const cpus = os.cpus();
  console.log(`# gyrograd vs tfjs-core ${tf.version_core} (cpu and wasm backends)${QUICK ? ' — QUICK smoke run' : ''}\n`);
  console.log(`- machine: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores, ${os.platform()} ${os.arch()}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`- node ${process.version}; date ${new Date().toISOString()}`);
  console.log(`- tfjs-wasm: ${peers.wasm}; ${displayNote}`);
  console.log('- sides alternate round by round; medians reported; every side is checked before timing');

  try {
    if (SECTIONS.includes('matmul')) {
      const { names, skipped } = oursBackends(['matmul']);
      console.log(`\n## (a) float32 matmul, n×n · n×n (product + read the whole result)\n`);
      console.log(`ours measured on: ${names.join(', ')}${skipped.length > 0 ? `; not measured: ${skipped.join('; ')}` : ''}`);
      console.log('GFLOP/s = 2n³ / time; ratios are speed ratios (tfjs ms / ours ms; > 1: ours faster)');
      for (const [idx, n] of CONFIG.sizes.entries()) printMatmul(await benchMatmul(n, names, 1000 + idx));
    }

    if (SECTIONS.includes('chain')) {
      await useTf('cpu');
      setBackend('js');
      console.log(`\n## (b) autodiff: forward + backward of a ${CONFIG.chainOps}-op elementwise chain on shape [16] (ours js vs tfjs-cpu)\n`);
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
    }

    if (SECTIONS.includes('poincare')) {
      const { names, skipped } = oursBackends(['matmul', 'poincarePairwiseForward', 'poincarePairwiseBackward']);
      const { N, M, D } = CONFIG.poincare;
      console.log(`\n## (c) Poincaré pairwise distance [${N} × ${M}], D = ${D}, forward + backward (ours vs tfjs-wasm)\n`);
      console.log(`ours measured on: ${names.join(', ')}${skipped.length > 0 ? `; not measured: ${skipped.join('; ')}` : ''}`);
      await benchPoincare(names);
    }
  } finally {
    stopDisplay();
  }

  console.log(`\nload average after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; total ${fmt((now() - t0) / 1000)} s`);
  console.log(checks.failures === 0 ? 'all correctness checks passed' : `${checks.failures} correctness check(s) FAILED`);
  if (checks.failures > 0) process.exitCode = 1;
}

await main();
