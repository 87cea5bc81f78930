/**
 * Gradient properties of every loss: reverse-mode `grad` agrees with central
 * finite differences (`checkGrad`, all inputs in float64) at random sizes,
 * labels, options and inputs.
 *
 * Tolerance: an entry passes when |analytic − numeric| ≤ 1e-6 + 1e-5·max(|analytic|, |numeric|)
 * (TOL below), with the step h = 1e-6·max(1, |x|). Central differences have
 * truncation error ≈ h²·|f'''|/6 and rounding error ≈ 2⁻⁵²·|f|/h ≈ 1e-9 for
 * |f| ≤ 50; the losses are smooth on the domains drawn here, whose values come
 * from seeded normal draws (generic points: no ties, no coincident points, no
 * feature norms at the clipping radius) and which keep away from the few kinks
 * the losses have (ReLU and max/min ties in tripletMargin, the clip radius,
 * coinciding centers in the center regularizer), by the margins in `fc.pre`.
 *
 * CHEST's HypHC term uses similarities that are stop-gradiented (chest-math.md
 * §4): with the default source ('euclideanProxies', and also
 * 'hyperbolicProxies') the similarity depends on an input, but no gradient
 * flows through it, so finite differences of `chest` itself see a path that
 * the analytic gradient deliberately ignores. Those sources are therefore
 * checked by freezing the similarity at the evaluation point: the analytic
 * gradient of the default loss must equal the analytic gradient of the loss
 * whose similarity is that frozen constant matrix (same computation, so equal
 * to 1e-12), and the latter must pass `checkGrad`. The 'labels' source is a
 * constant and is checked directly.
 */
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { ChestInputs, ChestOptions, Labels, Tensor, Tree, Triplet } from '../../lib/index.ts';

const TOL = { rtol: 1e-5, atol: 1e-6 };
const RUNS = Number(process.env.LOSS_RUNS ?? 12);

/** A seeded standard-normal float64 tensor times `scale`: generic values (no ties, no zero rows). */
function normal(seed: number, shape: number[], scale = 1): Tensor {
  return g.mul(g.randomNormal(g.prngKey(seed), shape, 'float64'), scale);
}

function expectGrad(f: (...xs: Tree[]) => Tensor, xs: Tree[], tol = TOL): void {
  const r = g.checkGrad(f, xs, tol);
  expect(r.ok, r.message).toBe(true);
}

function rowsOf(t: Tensor): number[][] {
  const v = g.toArray(t);
  const D = t.shape[1];
  return Array.from({ length: t.shape[0] }, (_, i) => v.slice(i * D, (i + 1) * D));
}

function cosine(a: number[], b: number[]): number {
  const dot = a.reduce((s, x, i) => s + x * b[i], 0);
  return dot / (Math.hypot(...a) * Math.hypot(...b));
}

/** The smallest 1 − cos between two centers of one class (the center regularizer's kink is at 0). */
function minWithinClassGap(w: Tensor, K: number): number {
  const r = rowsOf(w);
  let m = Infinity;
  for (let i = 0; i < r.length; i++)
    for (let j = i + 1; j < r.length; j++) if (Math.floor(i / K) === Math.floor(j / K)) m = Math.min(m, 1 - cosine(r[i], r[j]));
  return m;
}

const sizes = fc.record({
  B: fc.integer({ min: 1, max: 4 }),
  C: fc.integer({ min: 1, max: 3 }),
  K: fc.integer({ min: 1, max: 3 }),
  D: fc.integer({ min: 2, max: 3 }),
  seed: fc.nat({ max: 1_000_000 }),
});

const labelsArb = (B: number, C: number) => fc.array(fc.nat({ max: C - 1 }), { minLength: B, maxLength: B });

/** Sizes plus labels. */
const batch = sizes.chain((s) => fc.tuple(fc.constant(s), labelsArb(s.B, s.C)));

const softTripleOpts = fc.record({
  la: fc.constantFrom(20, 5, 1),
  gamma: fc.double({ min: 0.05, max: 1, noNaN: true }),
  margin: fc.double({ min: 0, max: 0.2, noNaN: true }),
});

describe('SoftTriple family: grad = central differences', () => {
  test.prop([batch, softTripleOpts], { numRuns: RUNS })('softTriple on random sims [B, C·K]', ([{ B, C, K, seed }, y], o) => {
    const sim = g.tanh(normal(seed, [B, C * K]));
    expectGrad((s) => g.softTriple({ ...o, centersPerClass: K })(s as Tensor, y), [sim]);
  });

  test.prop([sizes, fc.integer({ min: 2, max: 3 }), fc.constantFrom(1e-5, 1e-2)], { numRuns: RUNS })(
    'centerRegularizer (K ≥ 2, centers not coinciding)',
    ({ C, D, seed }, K, eps) => {
      const w = normal(seed, [C * K, D]);
      fc.pre(minWithinClassGap(w, K) > 0.02);
      expectGrad((c) => g.centerRegularizer({ centersPerClass: K, eps })(c as Tensor), [w]);
    },
  );

  test.prop([batch, softTripleOpts, fc.constantFrom(0, 0.2, 1)], { numRuns: RUNS })(
    'euclideanSoftTriple (cosine similarity + τ·regularizer)',
    ([{ B, C, K, D, seed }, y], o, tau) => {
      const x = normal(seed, [B, D]);
      const w = normal(seed + 1, [C * K, D]);
      fc.pre(K === 1 || minWithinClassGap(w, K) > 0.02);
      const loss = g.euclideanSoftTriple({ ...o, tau, centersPerClass: K });
      expectGrad((a, b) => loss(a as Tensor, b as Tensor, y), [x, w]);
    },
  );

  test.prop([batch, softTripleOpts, fc.constantFrom(0.1, 1), fc.constantFrom(2.3, 1)], { numRuns: RUNS })(
    'hyperbolicSoftTriple (features and proxy tangent vectors, both sides of the clip radius)',
    ([{ B, C, K, D, seed }, y], o, c, clipR) => {
      const x = normal(seed, [B, D], 1.2);
      const v = normal(seed + 1, [C * K, D], 1.2);
      // clip_r has a kink at ‖x‖ = r: keep every row away from it
      fc.pre([...rowsOf(x), ...rowsOf(v)].every((r) => Math.abs(Math.hypot(...r) - clipR) > 0.05));
      const loss = g.hyperbolicSoftTriple({ ...o, c, clipR, centersPerClass: K });
      expectGrad((a, b) => loss(a as Tensor, b as Tensor, y), [x, v]);
    },
  );
});

describe('HypHC: grad = central differences', () => {
  const hyphcCase = fc
    .record({
      P: fc.integer({ min: 3, max: 6 }),
      D: fc.integer({ min: 2, max: 3 }),
      c: fc.constantFrom(0.1, 1),
      T: fc.constantFrom(0.05, 0.2, 1),
      seed: fc.nat({ max: 1_000_000 }),
    })
    .chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.array(
          fc.shuffledSubarray(
            Array.from({ length: s.P }, (_, i) => i),
            { minLength: 3, maxLength: 3 },
          ),
          { minLength: 1, maxLength: 6 },
        ),
      ),
    );
  test.prop([hyphcCase], { numRuns: RUNS })(
    'hyphc on points from ball.toPoincare, a random symmetric similarity and random triplets',
    ([{ P, D, c, T, seed }, trip]) => {
      const ball = g.poincareBall({ c });
      const pts = ball.toPoincare(normal(seed, [P, D], 0.8));
      const u = g.randomUniform(g.prngKey(seed + 1), [P, P], 'float64');
      const sim = g.div(g.add(u, g.transpose(u)), 2);
      const triplets = trip as unknown as Triplet[];
      const loss = g.hyphc({ temperature: T });
      expectGrad((p) => loss(ball, p as Tensor, sim, triplets), [pts]);
    },
  );
});

describe('baselines: grad = central differences', () => {
  test.prop([batch, fc.constantFrom(32, 4), fc.constantFrom(0.1, 0), fc.boolean()], { numRuns: RUNS })(
    'proxyAnchor (cosine and dot similarity)',
    ([{ B, C, D, seed }, y], alpha, margin, dot) => {
      const x = normal(seed, [B, D]);
      const p = normal(seed + 1, [C, D], dot ? 0.3 : 1);
      const loss = g.proxyAnchor({ alpha, margin, similarity: dot ? g.dotSimilarity : g.cosineSimilarity });
      expectGrad((a, b) => loss(a as Tensor, b as Tensor, y), [x, p]);
    },
  );

  test.prop([batch, fc.constantFrom(0.05, 0.5)], { numRuns: RUNS })('normalizedSoftmax', ([{ B, C, D, seed }, y], temperature) => {
    const loss = g.normalizedSoftmax({ temperature });
    expectGrad((a, b) => loss(a as Tensor, b as Tensor, y), [normal(seed, [B, D]), normal(seed + 1, [C, D])]);
  });

  test.prop([batch, fc.constantFrom(1, 3)], { numRuns: RUNS })('proxyNCA', ([{ B, C, D, seed }, y], scale) => {
    const loss = g.proxyNCA({ scale });
    expectGrad((a, b) => loss(a as Tensor, b as Tensor, y), [normal(seed, [B, D]), normal(seed + 1, [C, D])]);
  });

  test.prop([sizes, fc.constantFrom(0.1, 1), fc.constantFrom(0.2, 1)], { numRuns: RUNS })(
    'hypContrastive on two views in the ball',
    ({ B, D, seed }, c, temperature) => {
      const ball = g.poincareBall({ c });
      const n = Math.max(2, B);
      const x0 = ball.toPoincare(normal(seed, [n, D], 0.7));
      const x1 = ball.toPoincare(normal(seed + 1, [n, D], 0.7));
      const loss = g.hypContrastive({ c, temperature });
      expectGrad((a, b) => loss(a as Tensor, b as Tensor), [x0, x1]);
    },
  );

  test.prop(
    [
      fc
        .record({ B: fc.integer({ min: 3, max: 6 }), D: fc.integer({ min: 2, max: 3 }), seed: fc.nat({ max: 1_000_000 }) })
        .chain((s) => fc.tuple(fc.constant(s), labelsArb(s.B, 2))),
      fc.constantFrom(0.2, 1, 2),
      fc.constantFrom('euclidean', 'cosine') as fc.Arbitrary<'euclidean' | 'cosine'>,
    ],
    { numRuns: RUNS },
  )('tripletMargin (distinct distances, away from the ReLU kink)', ([{ B, D, seed }, y], margin, distance) => {
    const x = normal(seed, [B, D]);
    const r = rowsOf(x);
    const d = (i: number, j: number) => (distance === 'cosine' ? 1 - cosine(r[i], r[j]) : Math.hypot(...r[i].map((v, k) => v - r[j][k])));
    // distinct distances (so the batch-hard max / min have unique arg-extrema) ...
    const ds: number[] = [];
    for (let i = 0; i < B; i++) for (let j = i + 1; j < B; j++) ds.push(d(i, j));
    ds.sort((a, b) => a - b);
    fc.pre(ds.every((v, i) => i === 0 || v - ds[i - 1] > 1e-3));
    // ... and every valid anchor's hinge argument away from 0
    for (let i = 0; i < B; i++) {
      const pos = r.map((_, j) => j).filter((j) => j !== i && y[j] === y[i]);
      const neg = r.map((_, j) => j).filter((j) => y[j] !== y[i]);
      if (pos.length && neg.length) fc.pre(Math.abs(Math.max(...pos.map((j) => d(i, j))) - Math.min(...neg.map((j) => d(i, j))) + margin) > 1e-3);
    }
    const loss = g.tripletMargin({ margin, distance });
    expectGrad((a) => loss(a as Tensor, y), [x]);
  });

  test.prop([batch], { numRuns: RUNS })('crossEntropy', ([{ B, C, seed }, y]) => {
    expectGrad((l) => g.crossEntropy(l as Tensor, y), [normal(seed, [B, C + 1], 2)]);
  });
});

describe('CHEST end to end: grad = central differences in all four inputs', () => {
  const chestCase = fc
    .record({
      B: fc.integer({ min: 1, max: 4 }),
      C: fc.integer({ min: 1, max: 3 }),
      K: fc.integer({ min: 1, max: 3 }),
      DE: fc.integer({ min: 2, max: 3 }),
      DH: fc.integer({ min: 2, max: 3 }),
      seed: fc.nat({ max: 1_000_000 }),
    })
    .filter(({ C, K }) => C * K >= 3) // HypHC needs three proxies
    .chain((s) => fc.tuple(fc.constant(s), labelsArb(s.B, s.C)));

  function inputs(s: { B: number; C: number; K: number; DE: number; DH: number; seed: number }): ChestInputs {
    return {
      euclidean: normal(s.seed, [s.B, s.DE]),
      hyperbolic: normal(s.seed + 1, [s.B, s.DH], 0.8),
      euclideanProxies: normal(s.seed + 2, [s.C * s.K, s.DE]),
      hyperbolicProxies: normal(s.seed + 3, [s.C * s.K, s.DH], 0.8),
    };
  }
  const clipOk = (inp: ChestInputs, r: number) =>
    [...rowsOf(inp.hyperbolic), ...rowsOf(inp.hyperbolicProxies)].every((row) => Math.abs(Math.hypot(...row) - r) > 0.05);
  const regOk = (inp: ChestInputs, K: number) => K === 1 || minWithinClassGap(inp.euclideanProxies, K) > 0.02;

  /** chest with `options`, but with the HypHC similarity replaced by the constant `sim`. */
  const frozen = (options: ChestOptions, sim: Tensor): ChestOptions => ({ ...options, hyphc: { ...options.hyphc, similarity: () => sim } });

  /** grad(default) = grad(frozen similarity) at the point, and the frozen loss passes checkGrad. */
  function expectStopGradientConsistent(options: ChestOptions, inp: ChestInputs, y: Labels, sim: Tensor): void {
    const L = g.chest(options);
    const Lf = g.chest(frozen(options, sim));
    expect(g.item(L(inp, y))).toBe(g.item(Lf(inp, y)));
    const ga = g.treeLeaves(g.grad((i: ChestInputs) => L(i, y))(inp) as unknown as Tree);
    const gf = g.treeLeaves(g.grad((i: ChestInputs) => Lf(i, y))(inp) as unknown as Tree);
    ga.forEach((t, k) => {
      const a = g.toArray(t),
        b = g.toArray(gf[k]);
      a.forEach((v, j) => expect(Math.abs(v - b[j])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
    });
    expectGrad((i) => Lf(i as unknown as ChestInputs, y), [inp as unknown as Tree]);
  }

  test.prop([chestCase], { numRuns: 6 })("default options (similarity 'euclideanProxies', frozen for the check)", ([s, y]) => {
    const inp = inputs(s);
    fc.pre(clipOk(inp, 2.3) && regOk(inp, s.K));
    const pe = inp.euclideanProxies;
    const sim = g.div(g.add(g.cosineSimilarity(pe, pe), 1), 2); // chest-math.md §4, at the evaluation point
    expectStopGradientConsistent({ centersPerClass: s.K }, inp, y, sim);
  });

  const nonDefault = (K: number): ChestOptions => ({
    c: 0.5,
    clipR: 1.5,
    centersPerClass: K,
    euclidean: { la: 10, gamma: 0.2, margin: 0.05, tau: 0.5 },
    hyperbolic: { la: 3, gamma: 0.3, margin: 0.1 },
    hyphc: { temperature: 0.2, triplets: 5, seed: 7, similarity: 'labels' },
    weights: { euclidean: 0.5, hyperbolic: 2, hyphc: 0.3 },
  });

  test.prop([chestCase], { numRuns: 6 })("non-default options, similarity 'labels' (a constant: checked directly)", ([s, y]) => {
    const inp = inputs(s);
    fc.pre(clipOk(inp, 1.5) && regOk(inp, s.K));
    const L = g.chest(nonDefault(s.K));
    expectGrad((i) => L(i as unknown as ChestInputs, y), [inp as unknown as Tree]);
  });

  test.prop([chestCase, fc.nat({ max: 1000 })], { numRuns: 4 })(
    "similarity 'hyperbolicProxies' with explicit triplets and with a PRNG key (frozen for the check)",
    ([s, y], k) => {
      const inp = inputs(s);
      fc.pre(clipOk(inp, 1.5) && regOk(inp, s.K));
      const options: ChestOptions = { ...nonDefault(s.K), hyphc: { temperature: 0.1, triplets: 4, similarity: 'hyperbolicProxies' } };
      const ball = g.poincareBall({ c: 0.5 });
      const p = g.hyperbolicProxies(ball, inp.hyperbolicProxies, 1.5);
      const sim = g.exp(g.neg(ball.pairwiseDist(p, p)));
      const P = s.C * s.K;
      for (const trip of [g.sampleTriplets(g.prngKey(k), P, 3), g.prngKey(k)]) {
        const L = g.chest(options);
        const Lf = g.chest(frozen(options, sim));
        // chest computes exp(−d) per pair with ball.dist, the frozen matrix with ball.pairwiseDist:
        // equal up to the last bits of the two distance formulas
        const lv = g.item(L(inp, y, trip)),
          lf = g.item(Lf(inp, y, trip));
        expect(Math.abs(lv - lf)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lf)));
        const ga = g.toArray(g.grad((i: ChestInputs) => L(i, y, trip))(inp).hyperbolicProxies);
        const gf = g.toArray(g.grad((i: ChestInputs) => Lf(i, y, trip))(inp).hyperbolicProxies);
        ga.forEach((v, j) => expect(Math.abs(v - gf[j])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
        expectGrad((ph) => Lf({ ...inp, hyperbolicProxies: ph as Tensor }, y, trip), [inp.hyperbolicProxies]);
      }
    },
  );

  test.prop([chestCase], { numRuns: 4 })('the stop-gradient is real: finite differences of the default loss see the similarity path', ([s, y]) => {
    // With the similarity stop-gradiented, grad_pe chest = grad_pe (E-term + frozen HypHC term);
    // the total derivative adds w_HC·∂HypHC/∂sim·∂sim/∂pe, which is what a straight-through
    // correction `h − stopGradient(h)` restores. checkGrad of that corrected loss must pass.
    const inp = inputs(s);
    fc.pre(clipOk(inp, 2.3) && regOk(inp, s.K));
    const L = g.chest({ centersPerClass: s.K });
    const ball = g.poincareBall({ c: 0.1 });
    const P = s.C * s.K;
    const trip = g.sampleTriplets(g.prngKey(0), P, 1024);
    const hc = g.hyphc();
    const simPath = (pe: Tensor, ph: Tensor): Tensor => {
      const h = hc(ball, g.stopGradient(g.hyperbolicProxies(ball, ph)), g.div(g.add(g.cosineSimilarity(pe, pe), 1), 2), trip);
      return g.mul(g.sub(h, g.stopGradient(h)), 0.1); // value 0, gradient = w_HC · the similarity path
    };
    expectGrad((pe) => g.add(L({ ...inp, euclideanProxies: pe as Tensor }, y), simPath(pe as Tensor, inp.hyperbolicProxies)), [inp.euclideanProxies]);
  });
});
