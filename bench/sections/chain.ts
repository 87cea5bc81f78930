/**
 * (b) autodiff overhead: forward + backward of a long chain of small elementwise ops (ours js vs tfjs cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import { add, grad, mul, sin, sum, tanh, tensor, toTypedArray, vjp, type Tensor } from '../../lib/index.ts';
import { timeReps } from '../timing.ts';
import { buildChain, checkClose, median, referenceChainGrad, type ChainSpec } from '../util.ts';
import { verify } from './config.ts';

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

export function benchChain(nOps: number, rounds: number, seed: number): ChainRow {
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
  let lo = Infinity,
    hi = 0;
  for (const v of ref) {
    lo = Math.min(lo, Math.abs(v));
    hi = Math.max(hi, Math.abs(v));
  }
  verify('chain grad is non-degenerate', lo > 1e-6 && hi < 1e6, `|grad| in [${lo}, ${hi}]`);

  for (let w = 0; w < 3; w++) {
    ours();
    peer();
  }
  const oursT: number[] = [],
    tfT: number[] = [];
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
  const oursF: number[] = [],
    tfF: number[] = [],
    oursTr: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursF.push(timeReps(1, oursFwd));
    tfF.push(timeReps(1, peerFwd));
    oursTr.push(timeReps(1, oursTraced));
  }
  verify(
    'chain: tfjs leaks no tensors (whole benchmark)',
    tf.memory().numTensors === tensorsBefore,
    `${tf.memory().numTensors - tensorsBefore} tensors left behind`,
  );
  tx.dispose();
  tc.dispose();
  td.dispose();
  return {
    ops: nOps,
    oursMs: median(oursT),
    tfMs: median(tfT),
    maxRelDiffTf: relTf,
    maxRelDiffRef: relRef,
    gradRange: [lo, hi],
    oursFwdMs: median(oursF),
    tfFwdMs: median(tfF),
    oursTracedFwdMs: median(oursTr),
  };
}
