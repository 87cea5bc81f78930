/**
 * 10 · Layers: `embedding`, `layerNorm`, `dropout`.
 *
 * A bag-of-tokens classifier on a synthetic task: each example is 6 token
 * ids from a vocabulary of 30, and its class says which of three "topic"
 * tokens (0, 1, 2) it holds most often. The model looks the tokens up in an
 * `embedding` table, averages them, normalises with `layerNorm`, applies
 * `dropout` (with an explicit key: same key, same mask) in training only, and
 * classifies with a `linear` layer. Run:
 *
 *   npx tsx examples/10-layers.ts
 */
import * as g from 'gyrograd';
import type { PRNGKey, Tensor } from 'gyrograd';

const V = 30; // vocabulary
const L = 6; // tokens per example
const C = 3; // classes
const D = 16; // embedding width

// ─── data: token ids and labels, a pure function of the key ──────────────────
function makeData(key: PRNGKey, n: number): { ids: Int32Array; labels: Int32Array } {
  const [kt, kc] = g.split(key, 2);
  const ids = g.randomInt(kt, n * L, 3, V); // filler tokens 3 … 29
  const topic = g.randomInt(kc, n, 0, C);
  // put the class's topic token in 3 of the 6 slots, one other topic token in 1 slot
  for (let i = 0; i < n; i++) {
    for (const s of [0, 2, 4]) ids[i * L + s] = topic[i];
    ids[i * L + 5] = (topic[i] + 1) % C;
  }
  return { ids, labels: topic };
}
const [kData, kTest, kInit, kHead, kDrop] = g.split(g.prngKey(10), 5);
const train = makeData(kData, 600);
const test = makeData(kTest, 300);

// ─── the model: parameters in one tree ───────────────────────────────────────
type Params = { emb: g.EmbeddingParams; norm: g.LayerNormParams; head: g.LinearParams };
const init: Params = {
  emb: g.embedding.init(kInit, V, D, { std: 0.5 }),
  norm: g.layerNorm.init(D),
  head: g.linear.init(kHead, D, C),
};

/** logits `[n, C]`; `dropKey` null = evaluation (dropout off). */
function logits(p: Params, ids: Int32Array, dropKey: PRNGKey | null): Tensor {
  const n = ids.length / L;
  const tokens = g.reshape(g.embedding.apply(p.emb, ids), [n, L, D]); // rows of the table
  const bag = g.layerNorm.apply(p.norm, g.mean(tokens, 1)); // [n, D], each row normalised
  const h = dropKey === null ? bag : g.dropout(dropKey, bag, 0.2);
  return g.linear.apply(p.head, h);
}
const loss = (p: Params, ids: Int32Array, labels: Int32Array, key: PRNGKey): Tensor =>
  g.neg(g.mean(g.sum(g.mul(g.logSoftmax(logits(p, ids, key), -1), g.oneHot(labels, C)), -1)));
const accuracy = (p: Params, d: { ids: Int32Array; labels: Int32Array }): number => {
  const z = g.toNested(logits(p, d.ids, null)) as number[][];
  return z.filter((row, i) => row.indexOf(Math.max(...row)) === d.labels[i]).length / z.length;
};

// ─── 1. dropout is a pure function of its key ─────────────────────────────────
const x = g.ones([2, 8]);
const a = g.toArray(g.dropout(g.prngKey(1), x, 0.5));
const b = g.toArray(g.dropout(g.prngKey(1), x, 0.5));
console.log(`dropout, same key twice: ${a.join(' ')} | equal: ${a.every((v, i) => v === b[i])}`);
console.log(`dropout, training = false returns its input: ${g.dropout(g.prngKey(1), x, 0.5, false) === x}`);

// ─── 2. layerNorm: each row has mean 0 and variance 1 before scale and bias ───
const y = g.layerNorm.apply(
  g.layerNorm.init(4),
  g.tensor([
    [1, 2, 3, 10],
    [5, 5, 6, 6],
  ]),
);
console.log(
  `layerNorm row means: ${g
    .toArray(g.mean(y, -1))
    .map((v) => (Math.abs(v) < 5e-7 ? 0 : v).toFixed(6))
    .join(', ')}`,
);

// ─── 3. train the classifier (Adam, a fresh dropout mask per step) ────────────
const opt = g.adam({ lr: 0.01 });
let params = init;
let state = opt.init(params);
const step = g.valueAndGrad(loss);
console.log(`test accuracy before training: ${(100 * accuracy(params, test)).toFixed(1)}%`);
const steps = process.argv.includes('--quick') ? 40 : 150;
for (let t = 0; t < steps; t++) {
  const [l, grads] = step(params, train.ids, train.labels, g.foldIn(kDrop, t));
  [params, state] = opt.update(grads, state, params);
  if (t % Math.max(1, Math.floor(steps / 5)) === 0 || t === steps - 1) console.log(`step ${String(t).padStart(3)}  loss ${g.item(l).toFixed(4)}`);
}
console.log(`test accuracy after training: ${(100 * accuracy(params, test)).toFixed(1)}%`);
console.log(
  `embedding rows of the three topic tokens moved by: ${[0, 1, 2].map((i) => g.item(g.norm(g.sub(g.take(params.emb.table, [i]), g.take(init.emb.table, [i])))).toFixed(3)).join(', ')}`,
);
