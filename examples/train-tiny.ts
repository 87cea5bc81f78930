/**
 * The current demo: fit a tiny two-layer network to a toy classification
 * problem (points inside vs. outside a circle) with nothing but `grad` and a
 * hand-written SGD step. The training issue replaces this with the CHEST demo.
 *
 * Run: npx tsx examples/train-tiny.ts [--steps 300] [--seed 0]
 */
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const steps = args.includes('--quick') ? 40 : opt('steps', 300);
const seed = opt('seed', 0);

// 1. Data: 256 points in [-1, 1]², label 1 inside the circle of radius 0.6.
const [kData, kW1, kW2] = g.split(g.prngKey(seed), 3);
const x = g.randomUniform(kData, [256, 2], 'float32', -1, 1);
const r = g.norm(x, -1);
const y = g.less(r, 0.6); // 0/1 targets, shape [256]

// 2. Parameters: a tree of tensors.
type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
let params: Params = {
  w1: g.mul(g.randomNormal(kW1, [2, 16]), 1.0),
  b1: g.zeros([16]),
  w2: g.mul(g.randomNormal(kW2, [16, 1]), 0.25),
  b2: g.zeros([1]),
};

// 3. Loss: mean binary cross-entropy of logits, written as softplus(z) − y·z.
const logits = (p: Params, xs: Tensor): Tensor => g.squeeze(g.add(g.matmul(g.tanh(g.add(g.matmul(xs, p.w1), p.b1)), p.w2), p.b2), -1);
const loss = (p: Params): Tensor => {
  const z = logits(p, x);
  return g.mean(g.sub(g.softplus(z), g.mul(y, z)));
};
const accuracy = (p: Params): number => {
  const pred = g.greater(logits(p, x), 0);
  return g.item(g.mean(g.equal(pred, y)));
};

// 4. Training: params ← params − lr · ∇loss, a pure update of the whole tree.
const lr = 0.5;
const step = g.valueAndGrad(loss);
console.log(`training a 2-16-1 tanh network on 256 points (seed ${seed}, ${steps} steps)`);
console.log(`step    0  loss ${g.item(loss(params)).toFixed(4)}  accuracy ${(100 * accuracy(params)).toFixed(1)}%`);
for (let t = 1; t <= steps; t++) {
  const [l, gr] = step(params);
  params = g.treeMap((p, dp) => g.sub(p, g.mul(dp, lr)), params, gr);
  if (t % Math.max(1, Math.floor(steps / 6)) === 0 || t === steps) {
    console.log(`step ${String(t).padStart(4)}  loss ${g.item(l).toFixed(4)}  accuracy ${(100 * accuracy(params)).toFixed(1)}%`);
  }
}
