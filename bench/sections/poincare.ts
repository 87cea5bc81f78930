/**
 * (c) Poincaré pairwise distances, forward + backward, ours on every backend with the kernels vs the same closed form on tfjs-wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cast, setBackend, tensor, toTypedArray, vjp, type Tensor } from '../../lib/index.ts';
import { poincarePairwiseDist } from '../../lib/ops/fused/poincarePairwiseDist.ts';
import { route } from '../backends.ts';
import { pairwiseDist as tfPairwiseDist, setMatmulStrategy, type MatmulStrategy } from '../chest-tfjs.ts';
import { alternate, type Side } from '../timing.ts';
import { useTf, type TfBackend } from '../tfjs-peers.ts';
import { ballPoints, checkClose, checks, fmt, mulberry32, randomFloat32, relL2 } from '../util.ts';
import { CONFIG, verify, e1 } from './config.ts';

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
    label: `ours ${name}`,
    group: 'ours',
    backend: name,
    activate: () => setBackend(name),
    run: () => {
      out = step();
    },
    out: () => out!,
  };
}

/** tfjs: the same closed form (bench/chest-tfjs.ts `pairwiseDist`, c = 1), `tf.valueAndGrads` for the cotangent G. */
async function tfPoincareSide(
  name: TfBackend,
  strategy: MatmulStrategy,
  x: Float32Array,
  y: Float32Array,
  g: Float32Array,
  N: number,
  M: number,
  D: number,
): Promise<PoincareSide & { dispose(): void }> {
  await useTf(name);
  const tx = tf.tensor2d(x, [N, D]),
    ty = tf.tensor2d(y, [M, D]),
    tg = tf.tensor2d(g, [N, M]);
  const vg = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tfPairwiseDist(a, b, { c: 1 }));
  let out: PoincareOut | undefined;
  return {
    label: `tfjs-${name}${strategy === 'stock' ? ', stock transposed matMul' : ''}`,
    group: 'tfjs',
    backend: name,
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

export async function benchPoincare(ours: string[]): Promise<void> {
  const { N, M, D, rounds } = CONFIG.poincare;
  const rng = mulberry32(4242);
  const x = ballPoints(rng, N, D),
    y = ballPoints(rng, M, D);
  const g = randomFloat32(rng, N * M); // the cotangent: uniform in [-1, 1)
  const X = tensor(x, [N, D]),
    Y = tensor(y, [M, D]),
    G = tensor(g, [N, M]);
  const c = tensor(new Float32Array([1]), []);
  const tensorsBefore = tf.memory().numTensors;
  const tfSides = [await tfPoincareSide('wasm', 'transposeFirst', x, y, g, N, M, D), await tfPoincareSide('wasm', 'stock', x, y, g, N, M, D)];
  const sides: PoincareSide[] = [...ours.map((n) => oursPoincareSide(n, X, Y, c, G)), ...tfSides];

  // float64 reference: ours on float64 inputs (the exact js path)
  const ref = oursPoincare(cast(X, 'float64'), cast(Y, 'float64'), cast(c, 'float64'), cast(G, 'float64'))();
  for (const s of sides) {
    await s.activate();
    s.run();
  }
  verify(
    'poincare: tfjs leaks no tensors',
    tf.memory().numTensors === tensorsBefore + 3 * tfSides.length,
    `${tf.memory().numTensors - tensorsBefore - 3 * tfSides.length} tensors left behind`,
  );
  let dMin = Infinity,
    dMax = 0;
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
    const rd = relL2(o.d, ref.d),
      rx = relL2(o.gx, ref.gx),
      ry = relL2(o.gy, ref.gy);
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
  verify(
    'poincare: tfjs leaks no tensors (timing)',
    tf.memory().numTensors === tensorsBefore + 3 * tfSides.length,
    `${tf.memory().numTensors - tensorsBefore - 3 * tfSides.length} tensors left behind`,
  );
  for (const s of tfSides) s.dispose();
  setBackend('js');
  setMatmulStrategy('stock');

  const iTf = sides.indexOf(tfSides[0]),
    iStock = sides.indexOf(tfSides[1]);
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
      ? [route(s.backend, 'matmul', N * M * D), route(s.backend, 'poincarePairwiseForward', N * M), route(s.backend, 'poincarePairwiseBackward', N * M)].join(
          ' / ',
        )
      : 'XNNPACK (wasm) + tfjs ops';
    console.log(`| ${s.label} | ${rt} | ${fmt(t.med)} | ${fmt(t.min)}–${fmt(t.max)} | ${isOurs ? `**${fmt(timed[iTfBest].med / t.med)}×**` : ''} |`);
  });
  console.log(
    `\nfastest of ours: **${sides[best].backend}**, ${fmt(timed[best].med)} ms; fastest tfjs-wasm variant (${tfSides[iTfBest === iTf ? 0 : 1].label}) ${fmt(timed[iTfBest].med)} ms: ` +
      `**tfjs-wasm ms / ours ms = ${fmt(timed[iTfBest].med / timed[best].med)}×** (> 1: ours faster)`,
  );
}
