/**
 * 04 · CHEST on MNIST, end to end.
 *
 * The deep-metric-learning protocol in miniature: train on digits 0–4, then
 * retrieve among digits 5–9, which the model has never seen. A small MLP with
 * two heads on one feature — Euclidean (unit vectors, cosine) and hyperbolic
 * (points of the Poincaré ball, geodesic distance) — is trained with the
 * CHEST loss on class-balanced batches; both heads are then scored by
 * Recall@1 on the unseen digits. Run:
 *
 *   npx tsx examples/04-chest-on-mnist.ts [--quick]
 *
 * The full run takes about 12 s on 2 cores; --quick trains for a handful of steps only.
 */
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';

const quick = process.argv.includes('--quick');
const t0 = performance.now();
const secs = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

// ─── 1. Data and the split ───────────────────────────────────────────────────
// loadMnist is deterministic (images offset … offset + perClass − 1 of every digit), so a run is
// reproducible. dmlSplit puts the first half of the classes in training and the rest in test.
const perClass = quick ? 40 : 300;
const mnist = await g.loadMnist({ perClass });
const split = g.dmlSplit(mnist.labels);
const xTrain = g.take(mnist.x, split.train);
const yTrain = Int32Array.from(split.train, (i) => mnist.labels[i]); // digits 0–4 are already 0 … C−1
const xTest = g.take(mnist.x, split.test);
const yTest = Int32Array.from(split.test, (i) => mnist.labels[i]); //   digits 5–9: only compared with each other
const C = split.trainClasses.length;
console.log(
  `1. MNIST: ${yTrain.length} training images of digits [${split.trainClasses.join(', ')}], ` +
    `${yTest.length} test images of the unseen digits [${split.testClasses.join(', ')}]  (${secs()})`,
);

// ─── 2. The model: one parameter tree ────────────────────────────────────────
// A 784 → 256 → 64 MLP backbone, a Euclidean head (D_E = 32) and a hyperbolic head (D_H = 16),
// plus K = 4 proxies per class in each space. The hyperbolic proxies are tangent vectors at the
// origin (CHEST maps them into the ball), so an ordinary optimizer can update them.
const K = 4,
  DE = 32,
  DH = 16,
  c = 0.1;
const ball = g.poincareBall({ c });
const [kb, ke, kh, kpe, kph, kBatches, kTrip] = g.split(g.prngKey(0), 7);
type Params = {
  readonly net: { readonly backbone: g.MlpParams; readonly headE: g.LinearParams; readonly headH: g.LinearParams };
  readonly proxiesE: Tensor;
  readonly proxiesH: Tensor;
};
let params: Params = {
  net: {
    backbone: g.mlp.init(kb, [784, 256, 64], { init: 'orthogonal' }),
    headE: g.linear.init(ke, 64, DE, { init: 'orthogonal' }),
    headH: g.linear.init(kh, 64, DH, { init: 'orthogonal' }),
  },
  proxiesE: g.randomNormal(kpe, [C * K, DE]),
  proxiesH: g.mul(g.randomNormal(kph, [C * K, DH]), 0.1),
};
const heads = (net: Params['net'], x: Tensor): { e: Tensor; h: Tensor } => {
  const f = g.relu(g.mlp.apply(net.backbone, x));
  return { e: g.linear.apply(net.headE, f), h: g.linear.apply(net.headH, f) };
};

// ─── 3. Loss and optimizers ──────────────────────────────────────────────────
// chest(...) is a plain function (inputs, labels, triplets?) → scalar. HypHC's 256 proxy triplets are
// redrawn every step by passing foldIn(key, step). partition gives each top-level group of the tree
// its own optimizer: AdamW with cosine decay for the network, Adam at 10× the rate for the proxies.
const chestOptions = { centersPerClass: K, c, hyphc: { triplets: 256 } };
const loss = g.chest(chestOptions);
const terms = g.chestTerms(chestOptions);
const inputsOf = (p: Params, x: Tensor): g.ChestInputs => {
  const { e, h } = heads(p.net, x);
  return { euclidean: e, hyperbolic: h, euclideanProxies: p.proxiesE, hyperbolicProxies: p.proxiesH };
};
const steps = quick ? 5 : 200;
const lr = 1e-3;
const opt = g.partition({
  net: g.adamw({ lr: g.cosineDecay(lr, steps, 0.1), weightDecay: 1e-4 }),
  proxiesE: g.adam({ lr: 10 * lr }),
  proxiesH: g.adam({ lr: 10 * lr }),
});
let state = opt.init(params);
const untrained = params; // parameters are values: keep the initial ones for a baseline
const step = g.valueAndGrad((p: Params, x: Tensor, y: Int32Array, key: g.PRNGKey) => loss(inputsOf(p, x), y, key));

// ─── 4. Training on class-balanced batches ───────────────────────────────────
// Each batch has all 5 training digits × 16 images (pytorch-metric-learning's MPerClassSampler).
const batches = g.classBalancedBatches(kBatches, yTrain, { classesPerBatch: C, samplesPerClass: 16, batches: steps });
const showTerms = (p: Params, label: string): void => {
  const idx = batches[0];
  const tm = terms(
    inputsOf(p, g.take(xTrain, idx)),
    Array.from(idx, (i) => yTrain[i]),
    g.foldIn(kTrip, 0),
  );
  console.log(
    `   ${label}: SoftTriple_E ${g.item(tm.euclidean).toFixed(3)}, SoftTriple_H ${g.item(tm.hyperbolic).toFixed(3)}, ` +
      `HypHC ${g.item(tm.hyphc).toFixed(3)}, total ${g.item(tm.total).toFixed(3)} (on the first batch)`,
  );
};
console.log(`\n2. training: ${steps} steps of ${C}×16 images, D_E = ${DE}, D_H = ${DH}, K = ${K}, c = ${c}`);
showTerms(params, 'before');
batches.forEach((idx, t) => {
  const xb = g.take(xTrain, idx);
  const yb = Int32Array.from(idx, (i) => yTrain[i]);
  const [l, grads] = step(params, xb, yb, g.foldIn(kTrip, t));
  [params, state] = opt.update(g.clipByGlobalNorm(grads, 10), state, params);
  if (t === 0 || (t + 1) % Math.ceil(steps / 6) === 0 || t === steps - 1) {
    console.log(`   step ${String(t + 1).padStart(3)}  loss ${g.item(l).toFixed(4)}  (${secs()})`);
  }
});
showTerms(params, 'after ');

// ─── 5. Retrieval on the unseen digits ───────────────────────────────────────
// Every test image is a query against all the others; Recall@1 is the fraction whose nearest
// neighbour shows the same digit. The Euclidean head is compared by cosine, the hyperbolic head by
// the geodesic distance of the ball (retrievalMetrics accepts any pairwise distance function).
console.log(`\n3. Recall@1 / MAP@R on the unseen digits [${split.testClasses.join(', ')}]`);
const report = (name: string, emb: Tensor, distance: g.Distance): void => {
  const m = g.retrievalMetrics(emb, yTest, { ks: [1], distance });
  console.log(`   ${name.padEnd(36)} R@1 ${(100 * m.recallAtK[0]).toFixed(1).padStart(5)}%   MAP@R ${(100 * m.mapAtR).toFixed(1).padStart(5)}%`);
};
const before = heads(untrained.net, xTest);
const { e, h } = heads(params.net, xTest);
report('raw pixels (784-d, cosine)', xTest, 'cosine');
report('untrained Euclidean head (32-d)', g.normalize(before.e), 'cosine');
report('untrained hyperbolic head (16-d)', ball.toPoincare(before.h), ball.pairwiseDist);
report('CHEST Euclidean head (32-d, cosine)', g.normalize(e), 'cosine');
report('CHEST hyperbolic head (16-d, ball)', ball.toPoincare(h), ball.pairwiseDist);
// What to look at: training lifts both heads above the same network untrained (the Euclidean head
// by a few points, the hyperbolic one by about ten). Raw 784-d pixels under cosine remain a strong
// baseline on MNIST, which heads of 32 and 16 dimensions trained on five digits do not beat here.
console.log(`   (done in ${secs()})`);
