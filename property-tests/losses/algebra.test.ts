/**
 * The algebra of losses (lib/losses/loss.ts) and the identities that tie the
 * losses together (chest-math.md §2–5), as properties on random inputs:
 * monoid laws, weighting, contramap, CHEST = its weighted terms, the
 * Euclidean SoftTriple decomposition, a user-built CHEST variant from the
 * public API, seeded triplet sampling, and small cases computed by hand.
 *
 * Tolerances: identities that run the same float64 operations in the same
 * order are compared exactly; where the order of additions differs
 * (associativity) the bound is 4·2⁻⁵²·Σ|terms| (the rounding of two
 * additions); closed forms evaluated in plain JS are compared to 1e-13
 * relative (a few dozen roundings of O(1) quantities).
 */
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { ChestInputs, ChestOptions, Labels, Loss, Tensor, Tree, Triplet } from '../../lib/index.ts';

const RUNS = Number(process.env.LOSS_RUNS ?? 15);
const U = 2 ** -52;

function normal(seed: number, shape: number[], scale = 1): Tensor {
  return g.mul(g.randomNormal(g.prngKey(seed), shape, 'float64'), scale);
}

function expectRel(a: number, b: number, rel: number, what = ''): void {
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE));
}

function expectTreesClose(a: Tree, b: Tree, rel: number): void {
  const la = g.treeLeaves(a),
    lb = g.treeLeaves(b);
  expect(la.length).toBe(lb.length);
  la.forEach((t, i) => {
    const x = g.toArray(t),
      y = g.toArray(lb[i]);
    x.forEach((v, j) => expect(Math.abs(v - y[j]), `leaf ${i} [${j}]: ${v} vs ${y[j]}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(v), Math.abs(y[j]))));
  });
}

const labelsArb = (B: number, C: number) => fc.array(fc.nat({ max: C - 1 }), { minLength: B, maxLength: B });

// ----------------------------------------------------------------- random losses over (x [B, D], w [C·K, D], labels)

type Args = [x: Tensor, w: Tensor, y: Labels];
const problemArb = fc
  .record({
    B: fc.integer({ min: 1, max: 5 }),
    C: fc.integer({ min: 1, max: 3 }),
    K: fc.integer({ min: 1, max: 3 }),
    D: fc.integer({ min: 2, max: 4 }),
    seed: fc.nat({ max: 1_000_000 }),
  })
  .chain((p) => fc.tuple(fc.constant(p), labelsArb(p.B, p.C)));

/** A pool of losses over Args (K known), some already weighted or composed. */
function pool(K: number): Loss<Args>[] {
  return [
    g.euclideanSoftTriple({ centersPerClass: K }),
    (x, w, y) => g.softTriple({ centersPerClass: K, la: 5, gamma: 0.3 })(g.dotSimilarity(x, w), y),
    g.hyperbolicSoftTriple({ centersPerClass: K, c: 0.5 }),
    (_x, w) => g.centerRegularizer({ centersPerClass: K })(w),
    (x) => g.sum(g.square(x)),
    (x, w) => g.neg(g.mean(g.cosineSimilarity(x, w))),
  ];
}
/** Weights in [−m, m] with no subnormals (whose products lose relative precision): 0 or |w| ≥ 1e-100. */
const weightArb = (m: number) => fc.double({ min: -m, max: m, noNaN: true }).filter((w) => w === 0 || Math.abs(w) >= 1e-100);
const lossArb = fc.record({ i: fc.nat({ max: 5 }), w: fc.oneof(fc.constant(1), fc.constant(0), weightArb(3)) });
const pick = (K: number, { i, w }: { i: number; w: number }): Loss<Args> => g.weighted(w, pool(K)[i]);

describe('the loss monoid (lossMonoid, weighted, sumLosses, contramap)', () => {
  test.prop([problemArb, lossArb], { numRuns: RUNS })(
    'left and right identity: concat(empty, f) = f = concat(f, empty), values and gradients',
    ([p, y], lf) => {
      const M = g.lossMonoid<Args>();
      const f = pick(p.K, lf);
      const x = normal(p.seed, [p.B, p.D]),
        w = normal(p.seed + 1, [p.C * p.K, p.D]);
      const v = g.item(f(x, w, y));
      expect(g.item(M.concat(M.empty, f)(x, w, y))).toBe(v + 0);
      expect(g.item(M.concat(f, M.empty)(x, w, y))).toBe(v + 0);
      expect(g.item(M.empty(x, w, y))).toBe(0);
      const gf = g.grad((a: Tensor, b: Tensor) => f(a, b, y), [0, 1])(x, w);
      expectTreesClose(g.grad((a: Tensor, b: Tensor) => M.concat(M.empty, f)(a, b, y), [0, 1])(x, w), gf, 0);
      expectTreesClose(g.grad((a: Tensor, b: Tensor) => M.concat(f, M.empty)(a, b, y), [0, 1])(x, w), gf, 0);
    },
  );

  test.prop([problemArb, lossArb, lossArb, lossArb], { numRuns: RUNS })('associativity of concat (to the rounding of two additions)', ([p, y], a, b, c) => {
    const M = g.lossMonoid<Args>();
    const [f, h, k] = [pick(p.K, a), pick(p.K, b), pick(p.K, c)];
    const x = normal(p.seed, [p.B, p.D]),
      w = normal(p.seed + 1, [p.C * p.K, p.D]);
    const left = g.item(M.concat(M.concat(f, h), k)(x, w, y));
    const right = g.item(M.concat(f, M.concat(h, k))(x, w, y));
    const scale = [f, h, k].reduce((s, l) => s + Math.abs(g.item(l(x, w, y))), 0);
    expect(Math.abs(left - right)).toBeLessThanOrEqual(4 * U * scale);
    // and both are the plain sum
    expect(Math.abs(left - (g.item(f(x, w, y)) + g.item(h(x, w, y)) + g.item(k(x, w, y))))).toBeLessThanOrEqual(4 * U * scale);
    // sumLosses is the fold: ((0 + f) + h) + k, exactly
    expect(g.item(g.sumLosses([f, h, k])(x, w, y))).toBe(left);
    expect(g.item(g.sumLosses<Args>([])(x, w, y))).toBe(0);
  });

  test.prop([problemArb, lossArb, weightArb(5)], { numRuns: RUNS })('weighted(w, f) = w·f (values exactly, gradients to 1e-10)', ([p, y], lf, wt) => {
    const f = pool(p.K)[lf.i];
    const x = normal(p.seed, [p.B, p.D]),
      w = normal(p.seed + 1, [p.C * p.K, p.D]);
    const v = g.item(f(x, w, y));
    expect(g.item(g.weighted(wt, f)(x, w, y))).toBe(wt === 0 ? 0 : wt * v);
    expect(g.item(g.weighted(1, f)(x, w, y))).toBe(v);
    const gf = g.grad((a: Tensor) => f(a, w, y))(x);
    const gw = g.grad((a: Tensor) => g.weighted(wt, f)(a, w, y))(x);
    // backprop with cotangent w rounds every intermediate differently from w·(backprop with 1), and the
    // hyperbolic losses' cancellations amplify that to ~1e-12 relative
    expectTreesClose(gw, g.mul(gf, wt), 1e-10);
    // weights compose multiplicatively, and distribute over concat
    const M = g.lossMonoid<Args>();
    const h = pool(p.K)[(lf.i + 1) % 6];
    expectRel(g.item(g.weighted(2, g.weighted(wt, f))(x, w, y)), 2 * wt * v, 1e-15, 'weighted ∘ weighted');
    const vh = g.item(h(x, w, y));
    const dist = Math.abs(g.item(g.weighted(wt, M.concat(f, h))(x, w, y)) - g.item(M.concat(g.weighted(wt, f), g.weighted(wt, h))(x, w, y)));
    expect(dist, 'distributes').toBeLessThanOrEqual(4 * U * Math.abs(wt) * (Math.abs(v) + Math.abs(vh))); // w(f + h) vs wf + wh: 3 roundings
  });

  test.prop([problemArb, lossArb, lossArb], { numRuns: RUNS })('contramap: identity, composition, and a monoid homomorphism', ([p, y], a, b) => {
    const f = pick(p.K, a),
      h = pick(p.K, b);
    const x = normal(p.seed, [p.B, p.D]),
      w = normal(p.seed + 1, [p.C * p.K, p.D]);
    const M = g.lossMonoid<Args>();
    const v = g.item(f(x, w, y));
    expect(g.item(g.contramap(f, (...a: Args) => a)(x, w, y))).toBe(v);
    // over a record { x, w, y } and back: contramap(contramap(f, q), r) = contramap(f, q ∘ r)
    type Rec = [{ x: Tensor; w: Tensor; y: Labels }];
    const q = (r: { x: Tensor; w: Tensor; y: Labels }): Args => [r.x, r.w, r.y];
    const rr = (s: number, x2: Tensor, w2: Tensor, y2: Labels): Rec => [{ x: g.mul(x2, s), w: w2, y: y2 }];
    const fq = g.contramap<Args, Rec>(f, q);
    const lhs = g.contramap<Rec, [number, Tensor, Tensor, Labels]>(fq, rr);
    const rhs = g.contramap<Args, [number, Tensor, Tensor, Labels]>(f, (...z) => q(...rr(...z)));
    expect(g.item(lhs(1.5, x, w, y))).toBe(g.item(rhs(1.5, x, w, y)));
    // contramap(concat(f, h), q) = concat(contramap(f, q), contramap(h, q))
    const N = g.lossMonoid<Rec>();
    const r0: Rec = [{ x, w, y }];
    expect(g.item(g.contramap<Args, Rec>(M.concat(f, h), q)(...r0))).toBe(g.item(N.concat(g.contramap<Args, Rec>(f, q), g.contramap<Args, Rec>(h, q))(...r0)));
  });
});

// ----------------------------------------------------------------- CHEST and its terms

interface ChestCase {
  B: number;
  C: number;
  K: number;
  DE: number;
  DH: number;
  seed: number;
}
const chestCaseArb = fc
  .record({
    B: fc.integer({ min: 1, max: 5 }),
    C: fc.integer({ min: 1, max: 4 }),
    K: fc.integer({ min: 1, max: 3 }),
    DE: fc.integer({ min: 2, max: 4 }),
    DH: fc.integer({ min: 2, max: 3 }),
    seed: fc.nat({ max: 1_000_000 }),
  })
  .filter(({ C, K }) => C * K >= 3)
  .chain((s) => fc.tuple(fc.constant(s), labelsArb(s.B, s.C)));

function chestInputs(s: ChestCase): ChestInputs {
  return {
    euclidean: normal(s.seed, [s.B, s.DE]),
    hyperbolic: normal(s.seed + 1, [s.B, s.DH], 1.5),
    euclideanProxies: normal(s.seed + 2, [s.C * s.K, s.DE]),
    hyperbolicProxies: normal(s.seed + 3, [s.C * s.K, s.DH], 1.5),
  };
}

const chestOptionsArb = (K: number): fc.Arbitrary<ChestOptions> =>
  fc
    .record(
      {
        c: fc.constantFrom(0.1, 1),
        clipR: fc.constantFrom(2.3, 1),
        euclidean: fc.record(
          { la: fc.constantFrom(20, 7), gamma: fc.constantFrom(0.1, 0.5), margin: fc.constantFrom(0.01, 0.1), tau: fc.constantFrom(0.2, 0, 1) },
          { requiredKeys: [] },
        ),
        hyperbolic: fc.record({ la: fc.constantFrom(5, 2), gamma: fc.constantFrom(0.1, 0.4), margin: fc.constantFrom(0.01, 0) }, { requiredKeys: [] }),
        hyphc: fc.record(
          {
            temperature: fc.constantFrom(0.05, 0.5),
            triplets: fc.constantFrom(1024, 5),
            seed: fc.nat({ max: 100 }),
            similarity: fc.constantFrom('euclideanProxies', 'labels', 'hyperbolicProxies') as fc.Arbitrary<'euclideanProxies' | 'labels' | 'hyperbolicProxies'>,
          },
          { requiredKeys: [] },
        ),
        weights: fc.record(
          { euclidean: fc.constantFrom(1, 0, 0.5), hyperbolic: fc.constantFrom(1, 0, 2), hyphc: fc.constantFrom(0.1, 0, 1) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    )
    .map((o) => ({ ...o, centersPerClass: K }));

describe('CHEST = the weighted sum of its terms', () => {
  test.prop([chestCaseArb.chain(([s, y]) => fc.tuple(fc.constant(s), fc.constant(y), chestOptionsArb(s.K)))], { numRuns: RUNS })(
    'chest(options) = total of chestTerms(options) = Σ w·term, values and gradients',
    ([s, y, options]) => {
      const inp = chestInputs(s);
      const t = g.chestTerms(options)(inp, y);
      const v = g.item(g.chest(options)(inp, y));
      const w = { euclidean: options.weights?.euclidean ?? 1, hyperbolic: options.weights?.hyperbolic ?? 1, hyphc: options.weights?.hyphc ?? 0.1 };
      const [e, h, hc] = [g.item(t.euclidean), g.item(t.hyperbolic), g.item(t.hyphc)];
      const scale = Math.abs(w.euclidean * e) + Math.abs(w.hyperbolic * h) + Math.abs(w.hyphc * hc);
      expect(Math.abs(v - g.item(t.total))).toBeLessThanOrEqual(4 * U * scale);
      expect(Math.abs(g.item(t.total) - (w.euclidean * e + w.hyperbolic * h + w.hyphc * hc))).toBeLessThanOrEqual(4 * U * scale);
      // each term is a loss on its own: non-negative, and the same with any other weights
      expect(e).toBeGreaterThanOrEqual(0);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(hc).toBeGreaterThanOrEqual(-1e-12);
      const other = g.chestTerms({ ...options, weights: { euclidean: 3, hyperbolic: 0.5, hyphc: 2 } })(inp, y);
      expect(g.item(other.euclidean)).toBe(e);
      expect(g.item(other.hyperbolic)).toBe(h);
      if (w.hyphc !== 0) expect(g.item(other.hyphc)).toBe(hc);
      const gc = g.grad((i: ChestInputs) => g.chest(options)(i, y))(inp);
      const gt = g.grad((i: ChestInputs) => g.chestTerms(options)(i, y).total)(inp);
      expectTreesClose(gc as unknown as Tree, gt as unknown as Tree, 1e-12);
    },
  );

  test.prop([chestCaseArb, fc.constantFrom(20, 7), fc.constantFrom(0.1, 0.5), fc.constantFrom(0.2, 0)], { numRuns: RUNS })(
    'chest with weights { hyperbolic: 0, hyphc: 0 } = euclideanSoftTriple (exactly)',
    ([s, y], la, gamma, tau) => {
      const inp = chestInputs(s);
      const euclidean = { la, gamma, tau };
      const c = g.item(g.chest({ centersPerClass: s.K, euclidean, weights: { hyperbolic: 0, hyphc: 0 } })(inp, y));
      expect(c).toBe(g.item(g.euclideanSoftTriple({ centersPerClass: s.K, ...euclidean })(inp.euclidean, inp.euclideanProxies, y)));
    },
  );

  test.prop([chestCaseArb, fc.constantFrom(0.1, 1), fc.constantFrom(2.3, 1)], { numRuns: RUNS })(
    'the single-term CHESTs are hyperbolicSoftTriple and HypHC on the mapped proxies with (1 + cos)/2 similarities',
    ([s, y], c, clipR) => {
      const inp = chestInputs(s);
      const K = s.K;
      const h = g.item(g.chest({ centersPerClass: K, c, clipR, weights: { euclidean: 0, hyphc: 0 } })(inp, y));
      expect(h).toBe(g.item(g.hyperbolicSoftTriple({ centersPerClass: K, c, clipR })(inp.hyperbolic, inp.hyperbolicProxies, y)));
      const hcChest = g.item(
        g.chest({ centersPerClass: K, c, clipR, hyphc: { seed: 3, triplets: 7 }, weights: { euclidean: 0, hyperbolic: 0, hyphc: 1 } })(inp, y),
      );
      const ball = g.poincareBall({ c });
      const pe = inp.euclideanProxies;
      const sim = g.div(g.add(g.cosineSimilarity(pe, pe), 1), 2);
      const trip = g.sampleTriplets(g.prngKey(3), s.C * K, 7);
      const byHand = g.item(g.hyphc()(ball, g.hyperbolicProxies(ball, inp.hyperbolicProxies, clipR), sim, trip));
      expectRel(hcChest, byHand, 1e-15, 'HypHC term');
    },
  );
});

describe('a CHEST variant built from the public API: ProxyAnchor instead of SoftTriple', () => {
  /** (1 + cos)/2 of Euclidean proxies, as chest-math.md §4. */
  const proxySim = (pe: Tensor): Tensor => g.div(g.add(g.cosineSimilarity(pe, pe), 1), 2);

  test.prop([chestCaseArb.filter(([s]) => s.K === 1 && s.C >= 3)], { numRuns: 5 })('differentiable (checkGrad) and different from chest', ([s, y]) => {
    const inp = chestInputs({ ...s, B: Math.min(s.B, 4) });
    const yy = y.slice(0, inp.euclidean.shape[0]);
    const ball = g.poincareBall({ c: 0.1 });
    const triplets = g.sampleTriplets(g.prngKey(0), s.C, 64);
    const sim = g.stopGradient(proxySim(inp.euclideanProxies)); // a constant, as in chest's default
    // ---- the variant, in a few lines:
    type A = [ChestInputs, Labels];
    const anchorChest = g.sumLosses<A>([
      g.contramap(g.proxyAnchor(), (i: ChestInputs, l: Labels): [Tensor, Tensor, Labels] => [i.euclidean, i.euclideanProxies, l]),
      g.contramap(g.proxyAnchor({ similarity: g.negPoincareDistance(ball), alpha: 5 }), (i: ChestInputs, l: Labels): [Tensor, Tensor, Labels] => [
        ball.toPoincare(i.hyperbolic),
        g.hyperbolicProxies(ball, i.hyperbolicProxies),
        l,
      ]),
      g.weighted(
        0.1,
        g.contramap(g.hyphc(), (i: ChestInputs): Parameters<ReturnType<typeof g.hyphc>> => [
          ball,
          g.hyperbolicProxies(ball, i.hyperbolicProxies),
          sim,
          triplets,
        ]),
      ),
    ]);
    // ----
    const r = g.checkGrad((i) => anchorChest(i as unknown as ChestInputs, yy), [inp as unknown as Tree], { rtol: 1e-5, atol: 1e-6 });
    expect(r.ok, r.message).toBe(true);
    const vAnchor = g.item(anchorChest(inp, yy));
    const vChest = g.item(g.chest({ centersPerClass: 1, hyphc: { similarity: () => sim } })(inp, yy));
    expect(Number.isFinite(vAnchor)).toBe(true);
    expect(Math.abs(vAnchor - vChest)).toBeGreaterThan(1e-6);
    // the shared HypHC term is the same in both
    const onlyHc = g.item(g.chestTerms({ centersPerClass: 1, hyphc: { similarity: () => sim, triplets: 64 } })(inp, yy).hyphc);
    expectRel(
      g.item(
        g.contramap(g.hyphc(), (i: ChestInputs): Parameters<ReturnType<typeof g.hyphc>> => [
          ball,
          g.hyperbolicProxies(ball, i.hyperbolicProxies),
          sim,
          triplets,
        ])(inp),
      ),
      onlyHc,
      1e-15,
      'HypHC term',
    );
  });
});

describe('SoftTriple identities', () => {
  test.prop([problemArb, fc.constantFrom(20, 3), fc.constantFrom(0.1, 0.7), fc.constantFrom(0.01, 0.2)], { numRuns: RUNS })(
    'euclideanSoftTriple = softTriple(cosineSimilarity(x, w)) + 0.2·centerRegularizer(w)',
    ([p, y], la, gamma, margin) => {
      const x = normal(p.seed, [p.B, p.D]),
        w = normal(p.seed + 1, [p.C * p.K, p.D]);
      const o = { la, gamma, margin, centersPerClass: p.K };
      const lhs = g.item(g.euclideanSoftTriple(o)(x, w, y));
      const st = g.item(g.softTriple(o)(g.cosineSimilarity(x, w), y));
      const reg = g.item(g.centerRegularizer({ centersPerClass: p.K })(w));
      expectRel(lhs, st + 0.2 * reg, 2 * U, 'decomposition');
      if (p.K === 1) expect(Math.abs(reg)).toBe(0);
    },
  );

  test.prop(
    [
      problemArb.filter(([p]) => p.C >= 2),
      fc.double({ min: 0.01, max: 10, noNaN: true }),
      fc.double({ min: 0.01, max: 10, noNaN: true }),
      fc.constantFrom(20, 4),
      fc.constantFrom(0.01, 0.3),
    ],
    { numRuns: RUNS },
  )('K = 1 by hand: γ is irrelevant and softTriple = CE of λ(cos − δ·onehot)', ([p, y], gamma1, gamma2, la, margin) => {
    const x = normal(p.seed, [p.B, p.D]),
      w = normal(p.seed + 1, [p.C, p.D]);
    const sim = g.cosineSimilarity(x, w);
    const v1 = g.item(g.softTriple({ centersPerClass: 1, la, gamma: gamma1, margin })(sim, y));
    const v2 = g.item(g.softTriple({ centersPerClass: 1, la, gamma: gamma2, margin })(sim, y));
    expect(v1).toBe(v2);
    const s = g.toArray(sim);
    let total = 0;
    for (let i = 0; i < p.B; i++) {
      const logits = Array.from({ length: p.C }, (_, c) => la * (s[i * p.C + c] - (c === y[i] ? margin : 0)));
      const m = Math.max(...logits);
      total += m + Math.log(logits.reduce((a, l) => a + Math.exp(l - m), 0)) - logits[y[i]];
    }
    expectRel(v1, total / p.B, 1e-13, 'by hand');
    const hot = g.oneHot(y, p.C, 'float64');
    expectRel(v1, g.item(g.crossEntropy(g.mul(g.sub(sim, g.mul(hot, margin)), la), y)), 1e-14, 'crossEntropy');
  });

  test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 4 }), fc.nat({ max: 1_000_000 }), fc.boolean()], { numRuns: RUNS })(
    'centerRegularizer by hand: K = 2 orthogonal centers give sqrt(2 + 1e-5)/(C·2·1)·C, any scale',
    (C, D, seed, general) => {
      // class c: two orthogonal vectors (Gram–Schmidt on random draws), scaled by random positive factors
      const rows: number[][] = [];
      const coss: number[] = [];
      for (let c = 0; c < C; c++) {
        const [a, b0] = g.toArray(normal(seed + c, [2, D])).reduce<number[][]>((acc, v, i) => (acc[Math.floor(i / D)].push(v), acc), [[], []]);
        const na = Math.hypot(...a);
        const dot = a.reduce((s, v, i) => s + v * b0[i], 0);
        const b = general ? b0 : b0.map((v, i) => v - (dot / (na * na)) * a[i]);
        rows.push(
          a.map((v) => v * (1 + c)),
          b.map((v) => v * 0.5),
        );
        coss.push(general ? dot / (na * Math.hypot(...b0)) : 0);
      }
      const w = g.tensor(rows.flat(), [2 * C, D], 'float64');
      const v = g.item(g.centerRegularizer({ centersPerClass: 2 })(w));
      const expected = general ? coss.reduce((s, q) => s + Math.sqrt(2 + 1e-5 - 2 * q), 0) / (C * 2 * 1) : (Math.sqrt(2 + 1e-5) / (C * 2 * 1)) * C;
      expectRel(v, expected, 1e-13, 'regularizer');
      if (!general) expectRel(v, Math.sqrt(2 + 1e-5) / 2, 1e-13, 'orthogonal');
    },
  );
});

describe('baselines by hand (plain JS on the cosine / distance matrices)', () => {
  const lse = (v: number[]) => {
    const m = Math.max(...v);
    return m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0));
  };
  const caseArb = fc
    .record({ B: fc.integer({ min: 1, max: 6 }), C: fc.integer({ min: 1, max: 4 }), D: fc.integer({ min: 2, max: 4 }), seed: fc.nat({ max: 1_000_000 }) })
    .chain((s) => fc.tuple(fc.constant(s), labelsArb(s.B, s.C)));

  test.prop([caseArb, fc.constantFrom(32, 4), fc.constantFrom(0.1, 0)], { numRuns: RUNS })(
    'proxyAnchor: positive term averaged over proxies with a positive in the batch, negative term over all C',
    ([{ B, C, D, seed }, y], alpha, delta) => {
      const x = normal(seed, [B, D]),
        p = normal(seed + 1, [C, D]);
      const s = g.toArray(g.cosineSimilarity(x, p));
      let pos = 0,
        neg = 0;
      const withPos = new Set(y);
      for (let c = 0; c < C; c++) {
        let sp = 0,
          sn = 0;
        for (let i = 0; i < B; i++) {
          if (y[i] === c) sp += Math.exp(-alpha * (s[i * C + c] - delta));
          else sn += Math.exp(alpha * (s[i * C + c] + delta));
        }
        if (withPos.has(c)) pos += Math.log1p(sp);
        neg += Math.log1p(sn);
      }
      const expected = pos / withPos.size + neg / C;
      expectRel(g.item(g.proxyAnchor({ alpha, margin: delta })(x, p, y)), expected, 1e-13, 'proxyAnchor');
    },
  );

  test.prop([caseArb, fc.constantFrom(0.05, 1), fc.constantFrom(1, 3)], { numRuns: RUNS })(
    'normalizedSoftmax = CE(cos/T); proxyNCA = CE(−scale·‖x̂ − p̂‖²)',
    ([{ B, C, D, seed }, y], T, scale) => {
      const x = normal(seed, [B, D]),
        p = normal(seed + 1, [C, D]);
      const xr = g.toArray(g.normalize(x)),
        pr = g.toArray(g.normalize(p));
      let ns = 0,
        nca = 0;
      for (let i = 0; i < B; i++) {
        const cos = Array.from({ length: C }, (_, c) => xr.slice(i * D, (i + 1) * D).reduce((a, v, k) => a + v * pr[c * D + k], 0));
        const d2 = Array.from({ length: C }, (_, c) => xr.slice(i * D, (i + 1) * D).reduce((a, v, k) => a + (v - pr[c * D + k]) ** 2, 0));
        const l1 = cos.map((v) => v / T);
        const l2 = d2.map((v) => -scale * v);
        ns += lse(l1) - l1[y[i]];
        nca += lse(l2) - l2[y[i]];
      }
      expectRel(g.item(g.normalizedSoftmax({ temperature: T })(x, p, y)), ns / B, 1e-12, 'normalizedSoftmax');
      expectRel(g.item(g.proxyNCA({ scale })(x, p, y)), nca / B, 1e-12, 'proxyNCA');
    },
  );

  test.prop([caseArb, fc.constantFrom(0.2, 1)], { numRuns: RUNS })(
    'tripletMargin: batch-hard mean over anchors with a positive and a negative',
    ([{ B, D, seed }, y], margin) => {
      const x = normal(seed, [B, D]);
      const r = g.toArray(x);
      const d = (i: number, j: number) =>
        Math.sqrt(
          Math.max(
            Array.from({ length: D }, (_, k) => (r[i * D + k] - r[j * D + k]) ** 2).reduce((a, b) => a + b, 0),
            1e-12,
          ),
        );
      let total = 0,
        n = 0;
      for (let i = 0; i < B; i++) {
        const pos = y.map((_, j) => j).filter((j) => j !== i && y[j] === y[i]);
        const neg = y.map((_, j) => j).filter((j) => y[j] !== y[i]);
        if (!pos.length || !neg.length) continue;
        total += Math.max(0, Math.max(...pos.map((j) => d(i, j))) - Math.min(...neg.map((j) => d(i, j))) + margin);
        n++;
      }
      const v = g.item(g.tripletMargin({ margin })(x, y));
      if (n === 0) expect(Math.abs(v)).toBe(0);
      else expect(Math.abs(v - total / n)).toBeLessThanOrEqual(1e-12 * Math.max(1, total / n));
    },
  );
});

describe('HypHC by hand', () => {
  const caseArb = fc.record({
    P: fc.integer({ min: 3, max: 6 }),
    D: fc.integer({ min: 2, max: 3 }),
    c: fc.constantFrom(0.1, 1),
    T: fc.constantFrom(0.05, 1),
    seed: fc.nat({ max: 1_000_000 }),
  });
  const tripsArb = (P: number) =>
    fc.array(
      fc.shuffledSubarray(
        Array.from({ length: P }, (_, i) => i),
        { minLength: 3, maxLength: 3 },
      ),
      { minLength: 1, maxLength: 6 },
    ) as unknown as fc.Arbitrary<Triplet[]>;

  test.prop([caseArb.chain((s) => fc.tuple(fc.constant(s), tripsArb(s.P))), weightArb(2)], { numRuns: RUNS })(
    'equal similarities a: every triplet gives 3a − a·Σsoftmax = 2a, and the gradient vanishes',
    ([{ P, D, c, T, seed }, trip], a) => {
      const ball = g.poincareBall({ c });
      const pts = ball.toPoincare(normal(seed, [P, D]));
      const S = g.full([P, P], a, 'float64');
      const [v, gr] = g.valueAndGrad((p: Tensor) => g.hyphc({ temperature: T })(ball, p, S, trip))(pts);
      expect(Math.abs(g.item(v) - 2 * a)).toBeLessThanOrEqual(8 * U * Math.abs(a));
      g.toArray(gr).forEach((e) => expect(Math.abs(e)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a))));
    },
  );

  test.prop([caseArb.chain((s) => fc.tuple(fc.constant(s), tripsArb(s.P)))], { numRuns: RUNS })(
    'general similarities: mean over triplets of Σw − w·softmax(d_o(LCA)/T), LCA depths from ball.lcaDepth',
    ([{ P, D, c, T, seed }, trip]) => {
      const ball = g.poincareBall({ c });
      const pts = ball.toPoincare(normal(seed, [P, D]));
      const u = g.toArray(g.randomUniform(g.prngKey(seed + 1), [P, P], 'float64'));
      const sim = Array.from({ length: P * P }, (_, k) => (u[k] + u[(k % P) * P + Math.floor(k / P)]) / 2);
      const rows = g.toArray(pts);
      const row = (i: number) => g.tensor(rows.slice(i * D, (i + 1) * D), [1, D], 'float64');
      const depth = (i: number, j: number) => g.item(ball.lcaDepth(row(i), row(j)));
      let total = 0;
      for (const [i, j, k] of trip) {
        const w = [sim[i * P + j], sim[i * P + k], sim[j * P + k]];
        const d = [depth(i, j), depth(i, k), depth(j, k)].map((x) => x / T);
        const m = Math.max(...d);
        const e = d.map((x) => Math.exp(x - m));
        const z = e[0] + e[1] + e[2];
        total += w[0] + w[1] + w[2] - (w[0] * e[0] + w[1] * e[1] + w[2] * e[2]) / z;
        // the pair with the deepest LCA weighs most: the term lies between Σw − max w and Σw − min w
      }
      const v = g.item(g.hyphc({ temperature: T })(ball, pts, g.tensor(sim, [P, P], 'float64'), trip));
      expectRel(v, total / trip.length, 1e-13, 'hyphc');
    },
  );

  test.prop([fc.constantFrom(0.1, 1)], { numRuns: 2 })('a triplet where one pair is far deeper: the loss is ≈ Σw − w_deep', (c) => {
    // i, j close together near the boundary (deep LCA), k on the opposite side (LCAs with k near the origin)
    const ball = g.poincareBall({ c });
    const r = 0.9 * ball.radius;
    const pts = g.tensor(
      [
        [r, 0.05 * r],
        [r, -0.05 * r],
        [-r, 0],
      ],
      [3, 2],
      'float64',
    );
    const S = g.tensor(
      [
        [1, 0.9, 0.2],
        [0.9, 1, 0.3],
        [0.2, 0.3, 1],
      ],
      [3, 3],
      'float64',
    );
    expectRel(g.item(g.hyphc({ temperature: 0.05 })(ball, pts, S, [[0, 1, 2]])), 0.2 + 0.3, 1e-6, 'deep pair');
    // relabelled: the same triplet in another order gives the same value
    expectRel(g.item(g.hyphc({ temperature: 0.05 })(ball, pts, S, [[2, 0, 1]])), 0.5, 1e-6, 'order');
  });
});

describe('sampleTriplets', () => {
  test.prop([fc.nat({ max: 100000 }), fc.integer({ min: 3, max: 40 }), fc.integer({ min: 1, max: 300 })], { numRuns: RUNS * 2 })(
    'deterministic in the key; distinct in-range indices; all triplets (i < j < k) when P is small',
    (seed, P, n) => {
      const a = g.sampleTriplets(g.prngKey(seed), P, n);
      const b = g.sampleTriplets(g.prngKey(seed), P, n);
      expect(a).toEqual(b);
      for (const [i, j, k] of a) {
        for (const v of [i, j, k]) {
          expect(Number.isInteger(v)).toBe(true);
          expect(v >= 0 && v < P).toBe(true);
        }
        expect(i !== j && i !== k && j !== k).toBe(true);
      }
      const total = (P * (P - 1) * (P - 2)) / 6;
      if (total <= n) {
        expect(a.length).toBe(total);
        expect(new Set(a.map((t) => t.join(','))).size).toBe(total);
        a.forEach(([i, j, k]) => expect(i < j && j < k).toBe(true));
      } else {
        expect(a.length).toBe(n);
        if (n >= 20) {
          // a different key gives different triplets (probability of a collision < 1e-20 here)
          expect(g.sampleTriplets(g.prngKey(seed + 1), P, n)).not.toEqual(a);
          expect(g.sampleTriplets(g.foldIn(g.prngKey(seed), 1), P, n)).not.toEqual(a);
        }
      }
    },
  );

  test.prop([fc.nat({ max: 1000 })], { numRuns: 5 })('sampled indices are uniform at every position (P = 30, 3000 draws)', (seed) => {
    const P = 30;
    const a = g.sampleTriplets(g.prngKey(seed), P, 3000); // fewer than the 4060 triplets: sampled
    expect(a.length).toBe(3000);
    for (let pos = 0; pos < 3; pos++) {
      const counts = new Array<number>(P).fill(0);
      a.forEach((t) => counts[t[pos]]++);
      // expected 100 per index, sd ≈ 9.8: a 6-sd band
      counts.forEach((n) => expect(Math.abs(n - 100)).toBeLessThan(60));
    }
  });

  test.prop([fc.integer({ min: -3, max: 2 }), fc.nat({ max: 100 })], { numRuns: 6 })('P < 3 or a bad n: ValueError naming sampleTriplets', (P, seed) => {
    expect(() => g.sampleTriplets(g.prngKey(seed), P, 10)).toThrow(g.ValueError);
    expect(() => g.sampleTriplets(g.prngKey(seed), P, 10)).toThrow(/sampleTriplets: need at least 3/);
    expect(() => g.sampleTriplets(g.prngKey(seed), 5, 0)).toThrow(/sampleTriplets: n must be a positive integer/);
    expect(() => g.sampleTriplets(g.prngKey(seed), 5.5, 3)).toThrow(g.ValueError);
  });
});
