/**
 * Robustness of the losses: finite values and finite gradients (every entry,
 * every input) on the degenerate inputs training actually produces —
 * coinciding proxies, zero vectors, huge features that `toPoincare` sends to
 * the boundary of the ball, classes missing from the batch, single-class
 * batches, degenerate HypHC triplets, float32 — and clear typed errors (class
 * and a message naming the function) for programmer mistakes.
 */
import { describe, expect, test as vtest } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { ChestInputs, ChestOptions, DType, Labels, Tensor, Tree, Triplet } from '../../lib/index.ts';

const RUNS = Number(process.env.LOSS_RUNS ?? 10);

function normal(seed: number, shape: number[], dtype: DType = 'float64', scale = 1): Tensor {
  return g.mul(g.randomNormal(g.prngKey(seed), shape, dtype), scale);
}

/** Rows of `t` rescaled to Euclidean norm `n`. */
function withNorm(t: Tensor, n: number): Tensor {
  return g.mul(g.normalize(t), n);
}

/** Every row of `[R, D]` equal to one random row. */
function coinciding(seed: number, R: number, D: number, dtype: DType = 'float64'): Tensor {
  return g.broadcastTo(normal(seed, [1, D], dtype), [R, D]);
}

function allFinite(t: Tensor): boolean {
  return g.toArray(t).every(Number.isFinite);
}

/**
 * Value and gradient (w.r.t. every argument) of `f` at `args`: the value is a
 * finite scalar of the inputs' dtype and every gradient entry is finite.
 */
function expectFinite(f: (...xs: Tree[]) => Tensor, args: Tree[], dtype: DType = 'float64'): number {
  const [v, grads] = g.valueAndGrad(
    f,
    args.map((_, i) => i),
  )(...args) as [Tensor, Tree[]];
  expect(v.size).toBe(1);
  expect(v.dtype).toBe(dtype);
  expect(Number.isFinite(g.item(v)), `value ${g.item(v)}`).toBe(true);
  grads.forEach((gr, i) =>
    g.treeLeaves(gr).forEach((t, j) => expect(allFinite(t), `gradient of arg ${i} leaf ${j}: ${g.toArray(t).slice(0, 8).join(', ')}`).toBe(true)),
  );
  return g.item(v);
}

const dtypeArb = fc.constantFrom<DType>('float64', 'float32');

interface Sizes {
  B: number;
  C: number;
  K: number;
  D: number;
  seed: number;
  dtype: DType;
}
const sizes = fc.record({
  B: fc.integer({ min: 1, max: 5 }),
  C: fc.integer({ min: 1, max: 3 }),
  K: fc.integer({ min: 1, max: 3 }),
  D: fc.integer({ min: 1, max: 4 }),
  seed: fc.nat({ max: 1_000_000 }),
  dtype: dtypeArb,
});
const labelsArb = (B: number, C: number) => fc.array(fc.nat({ max: C - 1 }), { minLength: B, maxLength: B });
const batch = sizes.chain((s) => fc.tuple(fc.constant(s), labelsArb(s.B, s.C)));

/** Every loss of the library on (embeddings [B, D], K-center proxies [C·K, D], one-proxy-per-class proxies [C, D], labels). */
function allLosses(s: Sizes, x: Tensor, w: Tensor, p1: Tensor, y: Labels, options: { clipR?: number } = {}): void {
  const { K, dtype } = s;
  const ball = g.poincareBall({ c: 0.1 });
  const clipR = options.clipR ?? 2.3;
  const sim = g.cosineSimilarity(x, w);
  expectFinite((a) => g.softTriple({ centersPerClass: K })(a as Tensor, y), [sim], dtype);
  expectFinite((a) => g.centerRegularizer({ centersPerClass: K })(a as Tensor), [w], dtype);
  expectFinite((a, b) => g.euclideanSoftTriple({ centersPerClass: K })(a as Tensor, b as Tensor, y), [x, w], dtype);
  expectFinite((a, b) => g.hyperbolicSoftTriple({ centersPerClass: K, clipR })(a as Tensor, b as Tensor, y), [x, w], dtype);
  expectFinite((a, b) => g.proxyAnchor()(a as Tensor, b as Tensor, y), [x, p1], dtype);
  expectFinite((a, b) => g.normalizedSoftmax()(a as Tensor, b as Tensor, y), [x, p1], dtype);
  expectFinite((a, b) => g.proxyNCA()(a as Tensor, b as Tensor, y), [x, p1], dtype);
  expectFinite((a) => g.tripletMargin()(a as Tensor, y), [x], dtype);
  expectFinite((a) => g.tripletMargin({ distance: 'cosine' })(a as Tensor, y), [x], dtype);
  expectFinite((a, b) => g.hypContrastive()(ball.toPoincare(a as Tensor, clipR), ball.toPoincare(b as Tensor, clipR)), [x, x], dtype);
  expectFinite((a) => g.crossEntropy(g.mul(a as Tensor, 20), y), [g.cosineSimilarity(x, p1)], dtype);
  if (s.C * K >= 3) {
    const trip = g.sampleTriplets(g.prngKey(s.seed), s.C * K, 16);
    const S = g.div(g.add(g.cosineSimilarity(w, w), 1), 2);
    expectFinite((a) => g.hyphc()(ball, ball.toPoincare(a as Tensor, clipR), S, trip), [w], dtype);
  }
  const inp: ChestInputs = { euclidean: x, hyperbolic: x, euclideanProxies: w, hyperbolicProxies: w };
  const opts: ChestOptions = { centersPerClass: K, clipR, weights: s.C * K >= 3 ? {} : { hyphc: 0 } };
  for (const similarity of ['euclideanProxies', 'labels', 'hyperbolicProxies'] as const) {
    expectFinite((i) => g.chest({ ...opts, hyphc: { similarity } })(i as unknown as ChestInputs, y), [inp as unknown as Tree], dtype);
  }
}

describe('finite values and gradients on degenerate inputs (float64 and float32)', () => {
  test.prop([batch], { numRuns: RUNS })('random inputs (baseline)', ([s, y]) => {
    allLosses(s, normal(s.seed, [s.B, s.D], s.dtype), normal(s.seed + 1, [s.C * s.K, s.D], s.dtype), normal(s.seed + 2, [s.C, s.D], s.dtype), y);
  });

  test.prop([batch], { numRuns: RUNS })('all proxies coincide (and so do the hyperbolic ones)', ([s, y]) => {
    allLosses(s, normal(s.seed, [s.B, s.D], s.dtype), coinciding(s.seed + 1, s.C * s.K, s.D, s.dtype), coinciding(s.seed + 2, s.C, s.D, s.dtype), y);
  });

  test.prop([batch], { numRuns: RUNS })('zero embeddings, zero proxies', ([s, y]) => {
    const z = (r: number) => g.zeros([r, s.D], s.dtype);
    allLosses(s, z(s.B), normal(s.seed + 1, [s.C * s.K, s.D], s.dtype), normal(s.seed + 2, [s.C, s.D], s.dtype), y);
    allLosses(s, normal(s.seed, [s.B, s.D], s.dtype), z(s.C * s.K), z(s.C), y);
    allLosses(s, z(s.B), z(s.C * s.K), z(s.C), y);
  });

  test.prop([batch], { numRuns: RUNS })('huge features and proxies (norm 1e6), unclipped: toPoincare puts them at the boundary', ([s, y]) => {
    const x = withNorm(normal(s.seed, [s.B, s.D], s.dtype), 1e6);
    const w = withNorm(normal(s.seed + 1, [s.C * s.K, s.D], s.dtype), 1e6);
    const ball = g.poincareBall({ c: 0.1 });
    // with a clip radius of 1e9 nothing is clipped and every row lands on the projection radius (1 − ε)/√c
    const eps = s.dtype === 'float64' ? 1e-5 : 1e-3;
    g.toArray(g.norm(ball.toPoincare(x, 1e9), -1)).forEach((n) => expect(n).toBeCloseTo((1 - eps) * ball.radius, s.dtype === 'float64' ? 9 : 4));
    allLosses(s, x, w, withNorm(normal(s.seed + 2, [s.C, s.D], s.dtype), 1e6), y, { clipR: 1e9 });
    allLosses(s, x, w, withNorm(normal(s.seed + 2, [s.C, s.D], s.dtype), 1e6), y); // default clipping
  });

  test.prop([sizes.filter((s) => s.C >= 2)], { numRuns: RUNS })('a class with no sample in the batch', (s) => {
    const y = Array.from({ length: s.B }, () => 0); // classes 1 … C−1 absent
    allLosses(s, normal(s.seed, [s.B, s.D], s.dtype), normal(s.seed + 1, [s.C * s.K, s.D], s.dtype), normal(s.seed + 2, [s.C, s.D], s.dtype), y);
    // ProxyAnchor's positive term only averages over proxies with a positive: the absent classes add nothing there
    const x = normal(s.seed, [s.B, s.D]);
    const p = normal(s.seed + 2, [s.C, s.D]);
    const base = g.item(g.proxyAnchor({ margin: 0 })(x, p, y));
    const moved = g.item(g.proxyAnchor({ margin: 0 })(x, g.concat([g.slice(p, [0, 0], [1, s.D]), g.mul(g.slice(p, [1, 0], [s.C - 1, s.D]), 3)], 0), y));
    expect(Math.abs(base - moved)).toBeLessThanOrEqual(1e-12 * Math.abs(base)); // cosine: rescaling absent proxies changes nothing
  });

  test.prop([sizes], { numRuns: RUNS })('the batch holds one class (tripletMargin has no valid anchor: exactly 0, zero gradient)', (s) => {
    const y = Array.from({ length: s.B }, () => s.C - 1);
    const x = normal(s.seed, [s.B, s.D], s.dtype);
    allLosses(s, x, normal(s.seed + 1, [s.C * s.K, s.D], s.dtype), normal(s.seed + 2, [s.C, s.D], s.dtype), y);
    const [v, gr] = g.valueAndGrad((a: Tensor) => g.tripletMargin()(a, y))(x);
    expect(Math.abs(g.item(v))).toBe(0);
    expect(g.toArray(gr).every((e) => e === 0)).toBe(true); // -0 === 0
  });

  const hyphcDegenerate = fc.record({
    P: fc.integer({ min: 3, max: 6 }),
    D: fc.integer({ min: 1, max: 3 }),
    seed: fc.nat({ max: 1_000_000 }),
    dtype: dtypeArb,
    c: fc.constantFrom(0.1, 1),
  });
  test.prop([hyphcDegenerate, fc.array(fc.tuple(fc.nat(5), fc.nat(5), fc.nat(5)), { minLength: 1, maxLength: 8 })], { numRuns: RUNS * 2 })(
    'HypHC with degenerate triplets: repeated indices, collinear / coinciding / zero points',
    ({ P, D, seed, dtype, c }, raw) => {
      const ball = g.poincareBall({ c });
      const trip = raw.map((t) => t.map((i) => i % P) as unknown as Triplet);
      const S = g.randomUniform(g.prngKey(seed + 9), [P, P], dtype);
      const dir = normal(seed, [1, D], dtype);
      const scales = g.tensor(
        Array.from({ length: P }, (_, i) => [0.5, -0.3, 1, 0, 2, 0.5][i]),
        [P, 1],
        dtype,
      );
      const pointSets: [string, Tensor][] = [
        ['random', ball.toPoincare(normal(seed + 1, [P, D], dtype))],
        ['collinear with the origin (one diameter, incl. the origin and a repeated point)', ball.toPoincare(g.mul(scales, dir))],
        ['coinciding', ball.toPoincare(coinciding(seed + 2, P, D, dtype))],
        ['all at the origin', g.zeros([P, D], dtype)],
        ['at the boundary', ball.toPoincare(withNorm(normal(seed + 3, [P, D], dtype), 1e6), 1e9)],
      ];
      for (const [name, pts] of pointSets) {
        for (const T of [0.05, 1]) {
          const v = expectFinite((p) => g.hyphc({ temperature: T })(ball, p as Tensor, S, trip), [pts], dtype);
          // each triplet's term is Σw − w·softmax ∈ [Σw − max w, Σw − min w]
          expect(v, name).toBeGreaterThanOrEqual(-1e-6);
        }
      }
    },
  );

  test.prop([batch.filter(([s]) => s.C * s.K >= 3)], { numRuns: RUNS })('CHEST with collinear hyperbolic proxies and repeated-index triplets', ([s, y]) => {
    const P = s.C * s.K;
    const dir = normal(s.seed, [1, s.D], s.dtype);
    const ph = g.mul(
      g.tensor(
        Array.from({ length: P }, (_, i) => (i % 3) - 1),
        [P, 1],
        s.dtype,
      ),
      dir,
    ); // −d, 0, d, −d, …
    const inp: ChestInputs = {
      euclidean: normal(s.seed + 1, [s.B, s.D], s.dtype),
      hyperbolic: normal(s.seed + 2, [s.B, s.D], s.dtype),
      euclideanProxies: normal(s.seed + 3, [P, s.D], s.dtype),
      hyperbolicProxies: ph,
    };
    const trip: Triplet[] = [
      [0, 0, 0],
      [0, 1, 1],
      [2, 1, 2],
      [0, 1, 2],
    ];
    expectFinite((i) => g.chest({ centersPerClass: s.K })(i as unknown as ChestInputs, y, trip), [inp as unknown as Tree], s.dtype);
  });
});

describe('float32 inputs give float32 results close to float64', () => {
  test.prop([batch], { numRuns: RUNS })('every loss: float32 value within 1e-3 (relative) of the float64 value', ([s, y]) => {
    const x = normal(s.seed, [s.B, s.D]);
    const w = normal(s.seed + 1, [s.C * s.K, s.D]);
    const p = normal(s.seed + 2, [s.C, s.D]);
    const f32 = (t: Tensor) => g.cast(t, 'float32');
    const cases: [string, (x: Tensor, w: Tensor, p: Tensor) => Tensor][] = [
      ['euclideanSoftTriple', (a, b) => g.euclideanSoftTriple({ centersPerClass: s.K })(a, b, y)],
      ['hyperbolicSoftTriple', (a, b) => g.hyperbolicSoftTriple({ centersPerClass: s.K })(a, b, y)],
      ['proxyAnchor', (a, _b, c) => g.proxyAnchor()(a, c, y)],
      ['normalizedSoftmax', (a, _b, c) => g.normalizedSoftmax()(a, c, y)],
      ['proxyNCA', (a, _b, c) => g.proxyNCA()(a, c, y)],
      [
        'chest',
        (a, b) =>
          g.chest({ centersPerClass: s.K, weights: s.C * s.K >= 3 ? {} : { hyphc: 0 } })(
            { euclidean: a, hyperbolic: a, euclideanProxies: b, hyperbolicProxies: b },
            y,
          ),
      ],
    ];
    for (const [name, f] of cases) {
      const v64 = f(x, w, p);
      const v32 = f(f32(x), f32(w), f32(p));
      expect(v32.dtype, name).toBe('float32');
      expect(Math.abs(g.item(v32) - g.item(v64)), name).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(g.item(v64))));
    }
  });
});

/** Asserts that `f` throws an instance of `cls` whose message contains every fragment. */
function expectThrows(f: () => unknown, cls: new (...a: never[]) => Error, ...fragments: (string | RegExp)[]): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a throw').toBeInstanceOf(cls);
  expect(err).toBeInstanceOf(g.GyrogradError);
  for (const m of fragments) expect((err as Error).message).toMatch(m);
}

describe('typed errors naming the function', () => {
  const x = normal(1, [4, 3]);
  const w = normal(2, [6, 3]); // C = 3, K = 2
  const p = normal(3, [3, 3]);
  const y = [0, 1, 2, 0];
  const inp: ChestInputs = { euclidean: x, hyperbolic: normal(4, [4, 2]), euclideanProxies: w, hyperbolicProxies: normal(5, [6, 2]) };
  const K = 2;
  const losses: [string, (labels: Labels) => unknown][] = [
    ['softTriple', (l) => g.softTriple({ centersPerClass: K })(g.cosineSimilarity(x, w), l)],
    ['euclideanSoftTriple', (l) => g.euclideanSoftTriple({ centersPerClass: K })(x, w, l)],
    ['hyperbolicSoftTriple', (l) => g.hyperbolicSoftTriple({ centersPerClass: K })(x, w, l)],
    ['proxyAnchor', (l) => g.proxyAnchor()(x, p, l)],
    ['normalizedSoftmax', (l) => g.normalizedSoftmax()(x, p, l)],
    ['proxyNCA', (l) => g.proxyNCA()(x, p, l)],
    ['crossEntropy', (l) => g.crossEntropy(g.cosineSimilarity(x, p), l)],
    ['chest', (l) => g.chest({ centersPerClass: K })(inp, l)],
    ['chestTerms', (l) => g.chestTerms({ centersPerClass: K })(inp, l)],
  ];

  vtest.each(losses)('%s: labels out of range, non-integer, or of the wrong count', (name, f) => {
    expect(() => f(y)).not.toThrow();
    expectThrows(() => f([0, 1, 3, 0]), g.ValueError, `${name}:`, /label 3/, /out of range/, /\[0, 2\]/);
    expectThrows(() => f([0, -1, 2, 0]), g.ValueError, `${name}:`, /label -1/);
    expectThrows(() => f([0, 1.5, 2, 0]), g.ValueError, `${name}:`, /label 1\.5/, /integer/);
    expectThrows(() => f([0, NaN, 2, 0]), g.ValueError, `${name}:`, /NaN/);
    expectThrows(() => f([0, 1, 2]), g.ShapeError, `${name}:`, /3 labels for a batch of 4/);
    expectThrows(() => f([0, 1, 2, 0, 1]), g.ShapeError, `${name}:`, /5 labels/);
    expectThrows(() => f('0120' as unknown as Labels), g.ArgumentError, `${name}:`, /labels must be/);
  });

  vtest('tripletMargin: non-integer labels and wrong counts', () => {
    expectThrows(() => g.tripletMargin()(x, [0, 0.5, 1, 1]), g.ValueError, 'tripletMargin:', /label 0\.5/);
    expectThrows(() => g.tripletMargin()(x, [0, 1]), g.ShapeError, 'tripletMargin:', /2 labels for a batch of 4/);
    expectThrows(() => g.tripletMargin()(g.tensor([1, 2, 3]), [0, 1, 0]), g.ShapeError, 'tripletMargin:', /\[B, D\]/);
  });

  vtest('C·K not matching: sim width not a multiple of K, proxy rows mismatched', () => {
    expectThrows(() => g.softTriple({ centersPerClass: 4 })(g.cosineSimilarity(x, w), y), g.ShapeError, 'softTriple:', /K = 4/, /\[4, 6\]/);
    expectThrows(() => g.euclideanSoftTriple({ centersPerClass: 4 })(x, w, y), g.ShapeError, 'euclideanSoftTriple:', /K = 4/, /\[6, 3\]/);
    expectThrows(() => g.hyperbolicSoftTriple({ centersPerClass: 4 })(x, w, y), g.ShapeError, 'hyperbolicSoftTriple:', /K = 4/);
    expectThrows(() => g.centerRegularizer({ centersPerClass: 4 })(w), g.ShapeError, 'centerRegularizer:', /K = 4/, /\[6, 3\]/);
    expectThrows(() => g.chest({ centersPerClass: 4 })(inp, y), g.ShapeError, 'chest:', /6 proxies/, /centersPerClass = 4/);
    expectThrows(
      () => g.chest({ centersPerClass: K })({ ...inp, hyperbolicProxies: normal(6, [4, 2]) }, y),
      g.ShapeError,
      'chest:',
      /\[6, 3\]/,
      /\[4, 2\]/,
      /same C·K/,
    );
    expectThrows(() => g.chest({ centersPerClass: K })({ ...inp, hyperbolic: normal(6, [3, 2]) }, y), g.ShapeError, 'chest:', /same B/);
    expectThrows(() => g.softTriple({ centersPerClass: 1.5 }), g.ValueError, 'softTriple:', /centersPerClass/);
    expectThrows(() => g.chest({ centersPerClass: 0 }), g.ValueError, 'chest:', /centersPerClass/);
  });

  vtest('mismatched widths', () => {
    const x4 = normal(7, [4, 4]);
    expectThrows(() => g.euclideanSoftTriple({ centersPerClass: K })(x4, w, y), g.ShapeError, 'euclideanSoftTriple:', /\[4, 4\]/, /\[6, 3\]/);
    expectThrows(() => g.hyperbolicSoftTriple({ centersPerClass: K })(x4, w, y), g.ShapeError, 'hyperbolicSoftTriple:');
    expectThrows(() => g.proxyAnchor()(x4, p, y), g.ShapeError, 'proxyAnchor:');
    expectThrows(() => g.normalizedSoftmax()(x4, p, y), g.ShapeError, 'normalizedSoftmax:');
    expectThrows(() => g.proxyNCA()(x4, p, y), g.ShapeError, 'proxyNCA:');
    expectThrows(() => g.hypContrastive()(g.mul(x4, 0.1), g.mul(x, 0.1)), g.ShapeError, 'hypContrastive:');
    expectThrows(() => g.hypContrastive()(g.mul(x, 0.1), g.mul(normal(8, [3, 3]), 0.1)), g.ShapeError, 'hypContrastive:', /batch size/);
    expectThrows(() => g.chest({ centersPerClass: K })({ ...inp, euclidean: x4 }, y), g.ShapeError, 'chest:', /widths/);
    expectThrows(() => g.chest({ centersPerClass: K })({ ...inp, hyperbolicProxies: normal(9, [6, 3]) }, y), g.ShapeError, 'chest:', /widths/);
    const ball = g.poincareBall({ c: 1 });
    const pts = ball.toPoincare(normal(10, [4, 2]));
    expectThrows(() => g.hyphc()(ball, pts, g.ones([3, 3], 'float64'), [[0, 1, 2]]), g.ShapeError, 'hyphc:', /\[4, 4\]/);
    expectThrows(() => g.crossEntropy(g.tensor([1, 2, 3]), [0]), g.ShapeError, 'crossEntropy:');
  });

  vtest('HypHC: fewer than 3 proxies, bad triplets, points outside the ball', () => {
    const small: ChestInputs = { euclidean: x, hyperbolic: inp.hyperbolic, euclideanProxies: normal(11, [2, 3]), hyperbolicProxies: normal(12, [2, 2]) };
    const y2 = [0, 1, 0, 1];
    expectThrows(() => g.chest({ centersPerClass: 1 })(small, y2), g.ValueError, 'chest:', /at least 3 proxies/, /C·K = 2/, /weights\.hyphc = 0/);
    expectThrows(() => g.chestTerms({ centersPerClass: 1 })(small, y2), g.ValueError, /at least 3 proxies/);
    expect(Number.isFinite(g.item(g.chest({ centersPerClass: 1, weights: { hyphc: 0 } })(small, y2)))).toBe(true);
    expectThrows(() => g.sampleTriplets(g.prngKey(0), 2, 5), g.ValueError, 'sampleTriplets:', /at least 3/, /P = 2/);
    const ball = g.poincareBall({ c: 1 });
    const pts = ball.toPoincare(normal(10, [4, 2]));
    const S = g.ones([4, 4], 'float64');
    expectThrows(() => g.hyphc()(ball, pts, S, [[0, 1, 4]]), g.ValueError, 'hyphc:', /index 4/, /\[0, 3\]/);
    expectThrows(() => g.hyphc()(ball, pts, S, [[0, 1.5, 2]]), g.ValueError, 'hyphc:', /index 1\.5/);
    expectThrows(() => g.hyphc()(ball, pts, S, []), g.ArgumentError, 'hyphc:', /non-empty/);
    expectThrows(() => g.hyphc()(ball, pts, S, [[0, 1]] as unknown as Triplet[]), g.ArgumentError, 'hyphc:', /\[i, j, k\]/);
    expectThrows(() => g.hyphc()(ball, g.mul(pts, 10), S, [[0, 1, 2]]), g.DomainError, /outside the Poincaré ball/);
    expectThrows(() => g.chest({ centersPerClass: K })(inp, y, [[0, 1, 6]]), g.ValueError, /index 6/);
  });

  vtest('bad options: gamma ≤ 0, temperature ≤ 0, and other non-positive scales', () => {
    for (const gamma of [0, -0.1, NaN]) {
      expectThrows(() => g.softTriple({ centersPerClass: 2, gamma }), g.ValueError, 'softTriple:', /gamma/);
      expectThrows(() => g.euclideanSoftTriple({ centersPerClass: 2, gamma }), g.ValueError, /gamma/);
      expectThrows(() => g.hyperbolicSoftTriple({ centersPerClass: 2, gamma }), g.ValueError, /gamma/);
      expectThrows(() => g.chest({ centersPerClass: 2, euclidean: { gamma } }), g.ValueError, 'chest:', /euclidean\.gamma/);
      expectThrows(() => g.chest({ centersPerClass: 2, hyperbolic: { gamma } }), g.ValueError, 'chest:', /hyperbolic\.gamma/);
    }
    for (const temperature of [0, -1, NaN]) {
      expectThrows(() => g.hyphc({ temperature }), g.ValueError, 'hyphc:', /temperature/);
      expectThrows(() => g.normalizedSoftmax({ temperature }), g.ValueError, 'normalizedSoftmax:', /temperature/);
      expectThrows(() => g.hypContrastive({ temperature }), g.ValueError, 'hypContrastive:', /temperature/);
      expectThrows(() => g.chest({ centersPerClass: 2, hyphc: { temperature } }), g.ValueError, 'chest:', /hyphc\.temperature/);
    }
    expectThrows(() => g.softTriple({ centersPerClass: 2, la: 0 }), g.ValueError, 'softTriple:', /la/);
    expectThrows(() => g.euclideanSoftTriple({ centersPerClass: 2, tau: -1 }), g.ValueError, 'euclideanSoftTriple:', /tau/);
    expectThrows(() => g.centerRegularizer({ centersPerClass: 2, eps: -1 }), g.ValueError, 'centerRegularizer:', /eps/);
    expectThrows(() => g.proxyAnchor({ alpha: 0 }), g.ValueError, 'proxyAnchor:', /alpha/);
    expectThrows(() => g.proxyNCA({ scale: -2 }), g.ValueError, 'proxyNCA:', /scale/);
    expectThrows(() => g.tripletMargin({ margin: NaN }), g.ValueError, 'tripletMargin:', /margin/);
    expectThrows(() => g.hyperbolicSoftTriple({ centersPerClass: 2, clipR: 0 }), g.ValueError, 'hyperbolicSoftTriple:', /clipR/);
    expectThrows(() => g.chest({ centersPerClass: 2, clipR: -1 }), g.ValueError, 'chest:', /clipR/);
    expectThrows(() => g.chest({ centersPerClass: 2, c: 0 }), g.ValueError, 'chest:', /option c/);
    expectThrows(() => g.chest({ centersPerClass: 2, euclidean: { tau: -0.2 } }), g.ValueError, 'chest:', /euclidean\.tau/);
    expectThrows(() => g.chest({ centersPerClass: 2, hyphc: { triplets: 0 } }), g.ValueError, 'chest:', /hyphc\.triplets/);
    expectThrows(() => g.chest({ centersPerClass: 2, hyphc: { seed: -1 } }), g.ValueError, 'chest:', /hyphc\.seed/);
    expectThrows(() => g.chest({ centersPerClass: 2, weights: { hyphc: Infinity } }), g.ValueError, 'chest:', /weights\.hyphc/);
    expectThrows(() => g.chest({ centersPerClass: 2, hyphc: { similarity: 'cosine' as never } })(inp, y), g.ValueError, 'chest:', /hyphc\.similarity/);
    expectThrows(() => g.weighted(NaN, () => g.scalar(1)), g.ValueError, 'weighted:');
  });
});
