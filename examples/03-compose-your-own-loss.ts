/**
 * 03 · Compose your own loss.
 *
 * CHEST is a weighted sum of three terms — Euclidean SoftTriple, hyperbolic
 * SoftTriple, and HypHC on the hyperbolic proxies — and the library builds it
 * literally that way, with the loss monoid (`sumLosses`, `weighted`) and
 * `contramap` (read each term's arguments out of one shared input). Here we
 * build a variant the library does not ship: ProxyAnchor in place of the
 * Euclidean SoftTriple. We first rebuild the library's own `chest` from the
 * same pieces (same value), then check our variant's gradient with
 * `checkGrad`, then train a small two-head model with it. Run:
 *
 *   npx tsx examples/03-compose-your-own-loss.ts [--quick]
 */
import * as g from 'gyrograd';
import type { Labels, Loss, Tensor, Triplet } from 'gyrograd';
import { checkGrad } from 'gyrograd/testing';

const quick = process.argv.includes('--quick');

// ─── 1. The shared input ─────────────────────────────────────────────────────
// Every term reads what it needs from one record: both heads' raw outputs [B, D_E], [B, D_H],
// the Euclidean proxies, the hyperbolic proxies (tangent vectors at 0, [C·K, D_H]), the labels
// and HypHC's index triplets of proxies. A loss over this record is a Loss<Args>.
type Inputs = {
  readonly euclidean: Tensor;
  readonly hyperbolic: Tensor;
  readonly euclideanProxies: Tensor;
  readonly hyperbolicProxies: Tensor;
};
type Args = [inputs: Inputs, labels: Labels, triplets: readonly Triplet[]];

const c = 0.1; // curvature −c of the ball (CHEST's default)
const K = 2; //   hyperbolic proxies per class
const ball = g.poincareBall({ c });

// ─── 2. The terms, each an existing loss seen through contramap ───────────────
// contramap(loss, f) is the loss `(...args) => loss(...f(...args))`: it adapts a loss written for
// its own arguments to the shared record, without touching the loss itself.
const hyperbolicTerm: Loss<Args> = g.contramap(
  g.hyperbolicSoftTriple({ c, centersPerClass: K }), // λ_H = 5, γ_H = 0.1, δ_H = 0.01
  (inp: Inputs, y: Labels): [Tensor, Tensor, Labels] => [inp.hyperbolic, inp.hyperbolicProxies, y],
);

/** HypHC on the hyperbolic proxies, with pair similarities given by a function of the inputs. */
const hyphcTerm = (similarity: (inp: Inputs) => Tensor): Loss<Args> =>
  g.contramap(g.hyphc({ temperature: 0.05 }), (inp: Inputs, _y: Labels, triplets: readonly Triplet[]): [g.PoincareBall, Tensor, Tensor, readonly Triplet[]] => [
    ball,
    g.hyperbolicProxies(ball, inp.hyperbolicProxies), // project(expmap0(clip(v))), the proxies as points of the ball
    g.stopGradient(similarity(inp)), // HypHC's targets are constants
    triplets,
  ]);

/** The class of each of the P = C·K hyperbolic proxies (class-major). */
const proxyClass = (P: number): number[] => Array.from({ length: P }, (_, i) => Math.floor(i / K));
/** 1 for two proxies of the same class, else 0 (CHEST's `hyphc.similarity: 'labels'`). */
const sameClass = (inp: Inputs): Tensor => {
  const cls = proxyClass(inp.hyperbolicProxies.shape[0]);
  return g.tensor(
    cls.flatMap((a) => cls.map((b) => (a === b ? 1 : 0))),
    [cls.length, cls.length],
    inp.hyperbolicProxies.dtype,
  );
};

// ─── 3. Sanity check: the library's CHEST from the same pieces ────────────────
// With a Euclidean SoftTriple term (K proxies per class on that side too) and label similarities
// for HypHC, the fold of the three weighted terms is exactly `chest` with the same options.
const euclideanSoftTripleTerm: Loss<Args> = g.contramap(
  g.euclideanSoftTriple({ centersPerClass: K }), // λ = 20, γ = 0.1, δ = 0.01, τ = 0.2
  (inp: Inputs, y: Labels): [Tensor, Tensor, Labels] => [inp.euclidean, inp.euclideanProxies, y],
);
const chestAgain: Loss<Args> = g.sumLosses([g.weighted(1, euclideanSoftTripleTerm), g.weighted(1, hyperbolicTerm), g.weighted(0.1, hyphcTerm(sameClass))]);
const libraryChest = g.chest({ centersPerClass: K, c, hyphc: { similarity: 'labels' } });

const C = 3,
  B = 6,
  DE = 5,
  DH = 3;
const [k1, k2, k3, k4, kt] = g.split(g.prngKey(3), 5);
const small = (key: g.PRNGKey, shape: number[], s = 0.5): Tensor => g.mul(g.randomNormal(key, shape, 'float64'), s);
const y6 = [0, 0, 1, 1, 2, 2];
const inSoftTriple: Inputs = {
  euclidean: small(k1, [B, DE]),
  hyperbolic: small(k2, [B, DH]),
  euclideanProxies: small(k3, [C * K, DE]),
  hyperbolicProxies: small(k4, [C * K, DH]),
};
const triplets6 = g.sampleTriplets(kt, C * K, 16); // all 20 triplets would do too; 16 random ones here
console.log('1. rebuilding chest from its terms');
const ours = g.item(chestAgain(inSoftTriple, y6, triplets6));
const theirs = g.item(libraryChest(inSoftTriple, y6, triplets6));
console.log(`   sumLosses([SoftTriple_E, SoftTriple_H, 0.1·HypHC]) = ${ours.toFixed(12)}`);
console.log(`   chest({ hyphc: { similarity: 'labels' } })         = ${theirs.toFixed(12)}   (difference ${Math.abs(ours - theirs).toExponential(1)})`);

// ─── 4. The variant: ProxyAnchor on the Euclidean side ────────────────────────
// ProxyAnchor (Kim et al., CVPR 2020) has one proxy per class, so euclideanProxies is [C, D_E]
// here. HypHC's similarities now come across from the Euclidean side, as in CHEST's default:
// w_ij = (1 + cos(p^E_class(i), p^E_class(j))) / 2 for the classes of hyperbolic proxies i and j.
const crossSpace = (inp: Inputs): Tensor => {
  const cls = proxyClass(inp.hyperbolicProxies.shape[0]);
  const cosC = g.cosineSimilarity(inp.euclideanProxies, inp.euclideanProxies); // [C, C]
  return g.div(g.add(g.take(g.take(cosC, cls, 0), cls, 1), 1), 2); //             [P, P]
};
const proxyAnchorTerm: Loss<Args> = g.contramap(g.proxyAnchor({ alpha: 32, margin: 0.1 }), (inp: Inputs, y: Labels): [Tensor, Tensor, Labels] => [
  inp.euclidean,
  inp.euclideanProxies,
  y,
]);
const weights = { proxyAnchor: 1, hyperbolic: 1, hyphc: 0.1 };
const termsWith = (similarity: (inp: Inputs) => Tensor): Record<keyof typeof weights, Loss<Args>> => ({
  proxyAnchor: proxyAnchorTerm,
  hyperbolic: hyperbolicTerm,
  hyphc: hyphcTerm(similarity),
});
const fold = (t: Record<keyof typeof weights, Loss<Args>>): Loss<Args> =>
  g.sumLosses([g.weighted(weights.proxyAnchor, t.proxyAnchor), g.weighted(weights.hyperbolic, t.hyperbolic), g.weighted(weights.hyphc, t.hyphc)]);
const terms = termsWith(crossSpace);
const myChest: Loss<Args> = fold(terms);

// ─── 5. Its gradient, checked against finite differences ──────────────────────
// checkGrad differentiates with respect to the whole input tree (all four tensors) and compares
// every entry with central differences in float64. One subtlety: HypHC's similarities are read
// through stopGradient, so the gradient deliberately ignores how they move with the Euclidean
// proxies, while finite differences see it. Checked as is, exactly those entries disagree; with
// the similarities frozen at their current value (the function the gradient is actually of),
// every entry agrees.
console.log('\n2. checkGrad of the ProxyAnchor variant (all four input tensors)');
const inPA: Inputs = { ...inSoftTriple, euclideanProxies: small(k3, [C, DE]) };
// (checkGrad's function takes generic trees, so we say which tree it gets)
const check = (loss: Loss<Args>) => checkGrad((inp) => loss(inp as Inputs, y6, triplets6), [inPA], { rtol: 1e-5, atol: 1e-8 });
const leafNames = Object.keys(inPA).sort(); // treeLeaves order: sorted keys
const naive = check(myChest);
const where = [...new Set(naive.mismatches.map((m) => leafNames[m.leaf]))].join(', ') || 'nowhere';
console.log(`   as is:                 ${naive.mismatches.length} entries disagree, in: ${where}   (the stopGradient at work)`);
const frozenSimilarity = crossSpace(inPA);
const report = check(fold(termsWith(() => frozenSimilarity)));
console.log(`   similarities frozen:   ${report.ok ? '✓' : '✗'} ${report.message}`);
if (!report.ok) process.exit(1);

// ─── 6. A few optimisation steps ─────────────────────────────────────────────
// A small two-head model on a synthetic hierarchy (9 classes = the leaves of a 3-ary tree of depth
// 2): a shared MLP feature, a Euclidean head (D_E = 8) and a hyperbolic head (D_H = 4), trained
// with Adam on every parameter. Each term is itself a loss, so we can print them separately.
console.log('\n3. training a two-head model with the ProxyAnchor variant');
const data = g.hierarchicalDataset(g.prngKey(11), { depth: 2, branching: 3, dim: 16, perLeaf: 12, noise: 0.6, dtype: 'float64' });
const nC = data.tree.numClasses;
const [kb, ke, kh, kpe, kph, kTrip] = g.split(g.prngKey(5), 6);
type Params = {
  readonly backbone: g.MlpParams;
  readonly headE: g.LinearParams;
  readonly headH: g.LinearParams;
  readonly proxiesE: Tensor;
  readonly proxiesH: Tensor;
};
let params: Params = {
  backbone: g.mlp.init(kb, [16, 32, 16], { dtype: 'float64' }),
  headE: g.linear.init(ke, 16, 8, { dtype: 'float64' }),
  headH: g.linear.init(kh, 16, 4, { dtype: 'float64' }),
  proxiesE: g.randomNormal(kpe, [nC, 8], 'float64'),
  proxiesH: g.mul(g.randomNormal(kph, [nC * K, 4], 'float64'), 0.1),
};
const inputsOf = (p: Params): Inputs => {
  const f = g.relu(g.mlp.apply(p.backbone, data.x));
  return {
    euclidean: g.linear.apply(p.headE, f),
    hyperbolic: g.linear.apply(p.headH, f),
    euclideanProxies: p.proxiesE,
    hyperbolicProxies: p.proxiesH,
  };
};
const labels = data.labels;
const step = g.valueAndGrad((p: Params, trip: readonly Triplet[]) => myChest(inputsOf(p), labels, trip));
const opt = g.adam({ lr: 0.01 });
let state = opt.init(params);
const steps = quick ? 8 : 60;
const termValues = (p: Params, trip: readonly Triplet[]): string =>
  (Object.keys(terms) as (keyof typeof terms)[]).map((k) => `${k} ${g.item(terms[k](inputsOf(p), labels, trip)).toFixed(3)}`).join('  ');
console.log(`   ${data.x.shape[0]} points, ${nC} classes, ${steps} full-batch Adam steps (fresh HypHC triplets each step)`);
for (let t = 0; t <= steps; t++) {
  const trip = g.sampleTriplets(g.foldIn(kTrip, t), nC * K, 256);
  const [loss, grads] = step(params, trip);
  if (t % Math.max(1, Math.floor(steps / 6)) === 0 || t === steps) {
    console.log(`   step ${String(t).padStart(3)}  loss ${g.item(loss).toFixed(4)}   (${termValues(params, trip)})`);
  }
  if (t < steps) [params, state] = opt.update(grads, state, params);
}
const emb = g.normalize(inputsOf(params).euclidean);
const hyp = ball.toPoincare(inputsOf(params).hyperbolic);
console.log(
  `   training-set Recall@1: Euclidean head ${(100 * g.recallAtK(emb, labels, [1])[0]).toFixed(1)}%, ` +
    `hyperbolic head ${(100 * g.recallAtK(hyp, labels, [1], ball.pairwiseDist)[0]).toFixed(1)}%`,
);
