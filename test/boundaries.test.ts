/**
 * Typed errors at the public boundary (issue 15, categories 3–7 and huge
 * shapes): labels that are not safe integers in range, empty batches, missing
 * or null options, arguments and options of the wrong kind, and shapes above
 * the per-tensor element limit. Each case throws the library's typed error
 * naming the public function, never a TypeError / RangeError or a silent NaN.
 */
import { describe, expect, test } from 'vitest';
import * as g from '../lib/index.ts';
import { ArgumentError, GradError, GyrogradError, ShapeError, ValueError, type Tensor } from '../lib/index.ts';
import { MAX_TENSOR_SIZE } from '../lib/tensor/shape.ts';

/** Runs `f` and returns the error it threw (failing when it returns). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** Expects `f` to throw an instance of `cls` whose message matches every pattern. */
function expectTyped(f: () => unknown, cls: new (...a: never[]) => Error, ...patterns: (string | RegExp)[]): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(cls);
  for (const p of patterns) expect(e.message).toMatch(p);
}

const key = g.prngKey(0);
const f32 = (shape: number[], seed = 1) => g.randomNormal(g.prngKey(seed), shape);
const emb = f32([4, 3], 1);
const prox = f32([6, 3], 2); // C = 3 classes, K = 2
const empty = g.zeros([0, 3]);
const chestInputs = (B: number) => ({
  euclidean: B ? f32([B, 3], 3) : g.zeros([0, 3]),
  hyperbolic: B ? f32([B, 3], 4) : g.zeros([0, 3]),
  euclideanProxies: f32([6, 3], 5),
  hyperbolicProxies: f32([6, 3], 6),
});

// ------------------------------------------------------------------ category 3

describe('labels must be safe integers in range (category 3)', () => {
  test('tripletMargin compares labels beyond int32 exactly (2³² and 2³³ are different classes)', () => {
    const loss = g.tripletMargin();
    const big = g.item(loss(emb, [2 ** 32, 2 ** 32, 2 ** 33, 2 ** 32]));
    const small = g.item(loss(emb, [0, 0, 1, 0]));
    expect(big).toBe(small);
    expect(big).toBeGreaterThan(0);
  });

  const bad: [string, unknown][] = [
    ['2⁵³', 2 ** 53],
    ['1.5', 1.5],
    ['NaN', NaN],
    ['-1', -1],
    ["'0'", '0'],
    ['a symbol', Symbol('y')],
    ['null', null],
  ];
  const losses: [string, (labels: unknown) => unknown][] = [
    ['tripletMargin', (y) => g.tripletMargin()(emb, [0, 1, 0, y] as number[])],
    ['crossEntropy', (y) => g.crossEntropy(f32([4, 3]), [0, 1, 2, y] as number[])],
    ['softTriple', (y) => g.softTriple({ centersPerClass: 2 })(f32([4, 6]), [0, 1, 2, y] as number[])],
    ['euclideanSoftTriple', (y) => g.euclideanSoftTriple({ centersPerClass: 2 })(emb, prox, [0, 1, 2, y] as number[])],
    ['hyperbolicSoftTriple', (y) => g.hyperbolicSoftTriple({ centersPerClass: 2 })(emb, prox, [0, 1, 2, y] as number[])],
    ['proxyAnchor', (y) => g.proxyAnchor()(emb, f32([3, 3]), [0, 1, 2, y] as number[])],
    ['normalizedSoftmax', (y) => g.normalizedSoftmax()(emb, f32([3, 3]), [0, 1, 2, y] as number[])],
    ['proxyNCA', (y) => g.proxyNCA()(emb, f32([3, 3]), [0, 1, 2, y] as number[])],
    ['chest', (y) => g.chest({ centersPerClass: 2 })(chestInputs(4), [0, 1, 2, y] as number[])],
    ['chestTerms', (y) => g.chestTerms({ centersPerClass: 2 })(chestInputs(4), [0, 1, 2, y] as number[])],
    ['recallAtK', (y) => g.recallAtK(emb, [0, 1, 0, y] as number[], [1])],
    ['retrievalMetrics', (y) => g.retrievalMetrics(emb, [0, 1, 0, y] as number[])],
    ['nmi', (y) => g.nmi(emb, [0, 1, 0, y] as number[], key)],
  ];
  const metrics = ['recallAtK', 'retrievalMetrics', 'nmi'];
  for (const [name, call] of losses) {
    test(`${name} rejects labels that are not safe integers in range with a ValueError naming it`, () => {
      // metrics take any int32 class ids (negative ones too), losses ids in [0, C)
      for (const [what, y] of [...bad, ['2³²', 2 ** 32] as [string, unknown]]) {
        if (what === '-1' && metrics.includes(name)) continue;
        if (what === '2³²' && name === 'tripletMargin') continue; // any safe integer is a class id there (compared exactly, above)
        expectTyped(() => call(y), ValueError, new RegExp(`^${name}: `), /label/);
      }
    });
  }
  test('class-count losses reject a label ≥ C, including 2³² (never wrapped to 0)', () => {
    expectTyped(() => g.crossEntropy(f32([2, 3]), [0, 2 ** 32]), ValueError, /crossEntropy: label 4294967296 at position 1/);
    expectTyped(() => g.softTriple({ centersPerClass: 2 })(f32([2, 6]), [2 ** 32, 0]), ValueError, /softTriple: label 4294967296/);
    expectTyped(() => g.oneHot([2 ** 32], 3), ValueError, /oneHot: label 4294967296/);
    expectTyped(() => g.take(f32([3, 2]), [2 ** 32]), ValueError, /take: index 4294967296/);
  });
  test('labels of the wrong kind are an ArgumentError naming the loss', () => {
    expectTyped(() => g.softTriple({ centersPerClass: 2 })(f32([2, 6]), null as never), ArgumentError, /^softTriple: labels must be/);
    expectTyped(() => g.tripletMargin()(emb, 'abcd' as never), ArgumentError, /^tripletMargin: labels must be/);
  });
});

// ------------------------------------------------------------------ category 4

describe('an empty batch is a ShapeError naming the loss, never a silent NaN (category 4)', () => {
  const cases: [string, () => unknown][] = [
    ['euclideanSoftTriple', () => g.euclideanSoftTriple({ centersPerClass: 2 })(empty, prox, [])],
    ['hyperbolicSoftTriple', () => g.hyperbolicSoftTriple({ centersPerClass: 2 })(empty, prox, [])],
    ['softTriple', () => g.softTriple({ centersPerClass: 2 })(g.zeros([0, 6]), [])],
    ['proxyNCA', () => g.proxyNCA()(empty, f32([3, 3]), [])],
    ['normalizedSoftmax', () => g.normalizedSoftmax()(empty, f32([3, 3]), [])],
    ['crossEntropy', () => g.crossEntropy(g.zeros([0, 3]), [])],
    ['chest', () => g.chest({ centersPerClass: 2 })(chestInputs(0), [])],
    ['chestTerms', () => g.chestTerms({ centersPerClass: 2 })(chestInputs(0), [])],
    ['proxyAnchor', () => g.proxyAnchor()(empty, f32([3, 3]), [])],
    ['tripletMargin', () => g.tripletMargin()(empty, [])],
    ['hypContrastive', () => g.hypContrastive()(empty, empty)],
  ];
  for (const [name, call] of cases) {
    test(name, () => expectTyped(call, ShapeError, new RegExp(`^${name}: `), /empty/));
  }
  test('also under grad (the check runs before any op)', () => {
    const loss = g.euclideanSoftTriple({ centersPerClass: 2 });
    expectTyped(() => g.grad((x: Tensor) => loss(x, prox, []))(empty), ShapeError, /euclideanSoftTriple: .*empty/);
  });
});

// ------------------------------------------------------------------ category 5

describe('a missing or null options object is a typed error (category 5)', () => {
  const required: [string, (o: unknown) => unknown][] = [
    ['softTriple', (o) => g.softTriple(o as never)],
    ['centerRegularizer', (o) => g.centerRegularizer(o as never)],
    ['euclideanSoftTriple', (o) => g.euclideanSoftTriple(o as never)],
    ['hyperbolicSoftTriple', (o) => g.hyperbolicSoftTriple(o as never)],
    ['chest', (o) => g.chest(o as never)],
    ['chestTerms', (o) => g.chestTerms(o as never)],
    ['sgd', (o) => g.sgd(o as never)],
    ['adam', (o) => g.adam(o as never)],
    ['adamw', (o) => g.adamw(o as never)],
    ['rsgd', (o) => g.rsgd(o as never)],
    ['radam', (o) => g.radam(o as never)],
    ['partition', (o) => g.partition(o as never)],
    ['hierarchicalDataset', (o) => g.hierarchicalDataset(key, o as never)],
    ['classBalancedBatches', (o) => g.classBalancedBatches(key, [0, 1, 0, 1], o as never)],
  ];
  for (const [name, make] of required) {
    test(`${name}(undefined | null | 3 | 'x' | []) → ArgumentError naming it`, () => {
      for (const o of [undefined, null, 3, 'x', []]) expectTyped(() => make(o), ArgumentError, new RegExp(`^${name}: expected an options object`));
    });
  }
  const optional: [string, (o: unknown) => unknown][] = [
    ['proxyAnchor', (o) => g.proxyAnchor(o as never)],
    ['hyphc', (o) => g.hyphc(o as never)],
    ['normalizedSoftmax', (o) => g.normalizedSoftmax(o as never)],
    ['proxyNCA', (o) => g.proxyNCA(o as never)],
    ['hypContrastive', (o) => g.hypContrastive(o as never)],
    ['tripletMargin', (o) => g.tripletMargin(o as never)],
    ['lorentz', (o) => g.lorentz(o as never)],
    ['checkGrad', (o) => g.checkGrad((x: Tensor) => g.sum(x), [g.ones([2], 'float64')], o as never)],
    ['retrievalMetrics', (o) => g.retrievalMetrics(emb, [0, 1, 0, 1], o as never)],
    ['kmeans', (o) => g.kmeans(emb, 2, key, o as never)],
    ['nmi', (o) => g.nmi(emb, [0, 1, 0, 1], key, o as never)],
    ['dmlSplit', (o) => g.dmlSplit([0, 1, 2, 3], o as never)],
    ['linear.init', (o) => g.linear.init(key, 2, 3, o as never)],
    ['mlp.init', (o) => g.mlp.init(key, [2, 3], o as never)],
    ['matmul', (o) => g.matmul(emb, g.transpose(emb), o as never)],
  ];
  for (const [name, make] of optional) {
    test(`${name}: options may be omitted; null, a number or an array → ArgumentError naming it`, () => {
      expect(() => make(undefined)).not.toThrow();
      for (const o of [null, 3, []]) expectTyped(() => make(o), ArgumentError, new RegExp(`^${name.replace('.', '\\.')}: expected an options object`));
    });
  }
  test('loadMnist(null) rejects with an ArgumentError before loading anything', async () => {
    await expect(g.loadMnist(null as never)).rejects.toBeInstanceOf(ArgumentError);
  });
});

// ------------------------------------------------------------------ category 6

describe('arguments of the wrong kind are typed errors naming the function (category 6)', () => {
  const x = g.scalar(0.5);
  const cases: [string, () => unknown, new (...a: never[]) => Error][] = [
    ['grad', () => g.grad(null as never), ArgumentError],
    ['grad', () => g.grad(g.sin, 'a' as never), GradError],
    ['valueAndGrad', () => g.valueAndGrad(3 as never), ArgumentError],
    ['vjp', () => g.vjp('f' as never, x), ArgumentError],
    ['hvp', () => g.hvp(null as never, x, x), ArgumentError],
    ['customGrad', () => g.customGrad(null as never, () => []), ArgumentError],
    ['customGrad', () => g.customGrad(g.sin, 'b' as never), ArgumentError],
    ['hyphc', () => g.hyphc()(null as never, f32([3, 2]), g.ones([3, 3]), [[0, 1, 2]]), ArgumentError],
    ['hyphc', () => g.hyphc()({} as never, f32([3, 2]), g.ones([3, 3]), [[0, 1, 2]]), ArgumentError],
    ['treeMap', () => g.treeMap(null as never, x), ArgumentError],
    ['treeUnflatten', () => g.treeUnflatten([x], null as never), ArgumentError],
    ['weighted', () => g.weighted(1, null as never), ArgumentError],
    ['sumLosses', () => g.sumLosses(null as never), ArgumentError],
    ['contramap', () => g.contramap(g.sum as never, 3 as never), ArgumentError],
    ['negPoincareDistance', () => g.negPoincareDistance(null as never), ArgumentError],
    ['hyperbolicProxies', () => g.hyperbolicProxies(null as never, prox), ArgumentError],
    ['withClipping', () => g.withClipping(1, null as never), ArgumentError],
    ['sum', () => g.sum(emb, 'x' as never), ShapeError],
    ['reshape', () => g.reshape(emb, null as never), ShapeError],
    ['transpose', () => g.transpose(emb, 'ab' as never), ShapeError],
    ['slice', () => g.slice(emb, null as never), ShapeError],
    ['broadcastTo', () => g.broadcastTo(emb, undefined as never), ShapeError],
    ['sumTo', () => g.sumTo(emb, null as never), ShapeError],
    ['threefry2x32', () => g.threefry2x32(null as never, [0, 0]), ArgumentError],
    ['piecewiseConstant', () => g.piecewiseConstant(0.1, null as never, 0.5), ArgumentError],
    ['linear.apply', () => g.linear.apply(null as never, emb), ArgumentError],
    ['mlp.apply', () => g.mlp.apply({} as never, emb), ArgumentError],
    ['lorentz.minkowski', () => g.lorentz().minkowski(null as never, emb), ArgumentError],
    ['lorentz.toBall', () => g.lorentz().toBall(null as never), ArgumentError],
    ['lorentz.fromBall', () => g.lorentz().fromBall(null as never), ArgumentError],
    ['lorentz.toPoincare', () => g.lorentz().toPoincare(null as never), ArgumentError],
    ['lorentz.fromPoincare', () => g.lorentz().fromPoincare(null as never), ArgumentError],
  ];
  for (const [name, call, cls] of cases) {
    test(`${name} → ${cls.name}`, () => expectTyped(call, cls, new RegExp(`^${name.replace('.', '\\.')}: `)));
  }
  test('grad of a function that returns a non-Tensor names what it got', () => {
    expectTyped(() => g.grad(((_: Tensor) => 3) as never)(x as never), GradError, /grad: .*number 3/);
  });
  test('an optimizer state of the wrong kind is an ArgumentError naming the optimizer', () => {
    const p = { w: g.ones([2]) };
    for (const [name, opt] of [
      ['sgd', g.sgd({ lr: 0.1 })],
      ['adam', g.adam({ lr: 0.1 })],
      ['rsgd', g.rsgd({ lr: 0.1 })],
      ['radam', g.radam({ lr: 0.1 })],
    ] as const) {
      expectTyped(() => (opt.update as (...a: unknown[]) => unknown)(p, null, p), ArgumentError, new RegExp(`^${name}: state`));
      expectTyped(() => (opt.update as (...a: unknown[]) => unknown)(p, { step: 0 }, p), ArgumentError, new RegExp(`^${name}: state\\.`));
    }
  });
});

// ------------------------------------------------------------------ category 7

describe('options of the wrong kind are typed errors saying what is expected (category 7)', () => {
  test("proxyAnchor({ similarity: 'cos' })", () => {
    expectTyped(() => g.proxyAnchor({ similarity: 'cos' as never }), ArgumentError, /^proxyAnchor: option similarity must be a function/);
  });
  test("euclideanSoftTriple({ similarity: 'cos' })", () => {
    expectTyped(
      () => g.euclideanSoftTriple({ centersPerClass: 2, similarity: 'cos' as never }),
      ArgumentError,
      /^euclideanSoftTriple: option similarity must be a function/,
    );
  });
  test('a similarity returning the wrong thing is named', () => {
    expectTyped(
      () => g.proxyAnchor({ similarity: () => 3 as never })(emb, f32([3, 3]), [0, 1, 2, 0]),
      ShapeError,
      /^proxyAnchor: similarity\(x, w\) must return a \[4, 3\] Tensor/,
    );
  });
  for (const name of ['rsgd', 'radam'] as const) {
    test(`${name}({ manifold: 'ball' }) and a chooser returning a non-manifold`, () => {
      expectTyped(() => g[name]({ lr: 0.1, manifold: 'ball' as never }), ArgumentError, new RegExp(`^${name}: option manifold must be a Manifold`));
      const opt = g[name]({ lr: 0.1, manifold: () => 'ball' as never });
      const p = [g.ones([1, 2])];
      expectTyped(() => opt.update(p, opt.init(p) as never, p), ArgumentError, new RegExp(`^${name}: option manifold\\(0, leaf\\) must return a Manifold`));
      expectTyped(() => g[name]({ lr: 0.1, stepWith: 'walk' as never }), ValueError, new RegExp(`^${name}: option stepWith`));
    });
  }
  test('betas that are not a pair, an lr that is not a number', () => {
    expectTyped(() => g.adam({ lr: 0.1, betas: 5 as never }), ArgumentError, /^adam: betas must be a pair/);
    expectTyped(() => g.radam({ lr: 0.1, betas: [0.9] as never }), ArgumentError, /^radam: betas must be a pair/);
    expectTyped(() => g.sgd({ lr: 'x' as never }), ValueError, /^sgd: lr must be/);
  });
  test('chest: option groups and the HypHC similarity source are checked up front', () => {
    expectTyped(() => g.chest({ centersPerClass: 2, euclidean: 'x' as never }), ArgumentError, /^chest: option euclidean must be an object/);
    expectTyped(() => g.chestTerms({ centersPerClass: 2, hyphc: { similarity: 'cos' as never } }), ValueError, /^chestTerms: option hyphc\.similarity/);
    expectTyped(() => g.chest({ centersPerClass: 2, c: 'x' as never }), ValueError, /^chest: option c/);
    expectTyped(() => g.chest({ centersPerClass: 2, euclidean: { la: 'x' as never } }), ValueError, /^chest: option euclidean\.la/);
  });
  test('layer and loss options of the wrong kind', () => {
    expectTyped(() => g.linear.init(key, 2, 3, { init: 'xavier' as never }), ValueError, /^linear\.init: option init/);
    expectTyped(() => g.softTriple({ centersPerClass: 2, la: '20' as never }), ValueError, /^softTriple: la/);
    expectTyped(() => g.hyperbolicSoftTriple({ centersPerClass: 'x' as never }), ValueError, /^hyperbolicSoftTriple: centersPerClass/);
  });
});

// ------------------------------------------------------------------ huge shapes

describe('shapes above the element limit are a ShapeError naming the function, the shape and the limit', () => {
  const huge = [1e6, 1e6];
  const limit = String(MAX_TENSOR_SIZE);
  const cases: [string, () => unknown][] = [
    ['zeros', () => g.zeros(huge)],
    ['ones', () => g.ones(huge)],
    ['full', () => g.full(huge, 2)],
    ['tensor', () => g.tensor(new Float32Array(4), huge)],
    ['randomNormal', () => g.randomNormal(key, huge)],
    ['randomUniform', () => g.randomUniform(key, huge)],
    ['eye', () => g.eye(1e6)],
    ['arange', () => g.arange(0, 1e10)],
    ['linspace', () => g.linspace(0, 1, 1e10)],
    ['randomInt', () => g.randomInt(key, 2 ** 32, 0, 2)],
    ['permutation', () => g.permutation(key, 2 ** 32)],
    ['split', () => g.split(key, 2 ** 32)],
    ['oneHot', () => g.oneHot([0, 1], 2 ** 31)],
    ['broadcastTo', () => g.broadcastTo(g.ones([1, 1]), huge)],
    ['add', () => g.add(g.zeros([1e5, 1]), g.zeros([1, 1e5]))],
    ['matmul', () => g.matmul(g.zeros([1e5, 1]), g.zeros([1, 1e5]))],
    ['pairwiseSqEuclidean', () => g.pairwiseSqEuclidean(g.zeros([1e5, 1]), g.zeros([1e5, 1]))],
    ['reshape', () => g.reshape(g.zeros([0]), [0, 1e300])],
  ];
  for (const [name, call] of cases) {
    test(name, () => {
      if (name === 'reshape') {
        // a zero-size shape holds no elements: allowed whatever its other axes
        expect((call() as Tensor).shape).toEqual([0, 1e300]);
        return;
      }
      const e = thrown(call);
      expect(e).toBeInstanceOf(ShapeError);
      expect(e.message).toMatch(new RegExp(`^${name}: `));
      expect(e.message).toContain(limit);
      expect(e.message).toMatch(/elements/);
    });
  }
  test('the message shows the shape', () => {
    expect(thrown(() => g.zeros(huge)).message).toContain('[1000000, 1000000]');
  });
  test('every thrown error is a GyrogradError (no RangeError)', () => {
    for (const [, call] of cases.filter(([n]) => n !== 'reshape')) expect(thrown(call)).toBeInstanceOf(GyrogradError);
  });
});

describe('fully masked rows (all −∞): softmax 0, logSoftmax and logSumExp −∞, gradients 0 — never NaN', () => {
  const NI = -Infinity;
  for (const dtype of ['float32', 'float64'] as const) {
    for (const axis of [-1, 0]) {
      // axis −1 runs the fused row kernels, axis 0 the composite definitions
      const x =
        axis === -1
          ? g.tensor(
              [
                [NI, NI, NI],
                [0.5, NI, 1],
              ],
              undefined,
              dtype,
            )
          : g.tensor(
              [
                [NI, 0.5],
                [NI, NI],
                [NI, 1],
              ],
              undefined,
              dtype,
            );
      const masked = (v: number[]): number[] => (axis === -1 ? v.slice(0, 3) : [v[0], v[2], v[4]]);
      test(`${dtype}, axis ${axis}: values`, () => {
        expect(masked(g.toArray(g.softmax(x, axis)))).toEqual([0, 0, 0]);
        expect(masked(g.toArray(g.logSoftmax(x, axis)))).toEqual([NI, NI, NI]);
        expect(g.toArray(g.logSumExp(x, axis))[0]).toBe(NI);
        // the unmasked row/column is unchanged: softmax sums to 1 and has a 0 where masked
        const sm = g.toArray(g.softmax(x, axis));
        const other = axis === -1 ? sm.slice(3) : [sm[1], sm[3], sm[5]];
        expect(other[1]).toBe(0);
        expect(other[0] + other[2]).toBeCloseTo(1, 6);
      });
      test(`${dtype}, axis ${axis}: first and second derivatives are finite`, () => {
        const w = g.tensor(
          [
            [0.3, -1.2, 0.7],
            [0.9, 0.2, -0.4],
          ],
          undefined,
          dtype,
        );
        const ws = axis === -1 ? w : g.transpose(w);
        for (const [name, f] of [
          ['softmax', (t: Tensor) => g.sum(g.mul(g.softmax(t, axis), ws))],
          ['logSumExp', (t: Tensor) => g.sum(g.mul(g.logSumExp(t, axis), g.tensor([0.5, -0.25, 2].slice(0, t.shape[axis === -1 ? 0 : 1]), undefined, dtype)))],
          // the unmasked entries' log-probabilities (masked ones are −∞ by design)
          ['logSoftmax', (t: Tensor) => g.sum(g.mul(g.where(g.isFinite(g.logSoftmax(t, axis)), g.logSoftmax(t, axis), 0), ws))],
        ] as const) {
          const d1 = g.toArray(g.grad(f)(x));
          expect(d1.every(Number.isFinite), `${name}: ${d1}`).toBe(true);
          const d2 = g.toArray(g.grad((t: Tensor) => g.sum(g.mul(g.grad(f)(t), ws)))(x));
          expect(d2.every(Number.isFinite), `${name} second order: ${d2}`).toBe(true);
          expect(
            masked(d1).map((v) => v + 0),
            name,
          ).toEqual([0, 0, 0]); // (−0 is a zero too)
        }
      });
    }
  }
});
