/**
 * Gradient properties of every differentiable op: reverse-mode `grad` agrees
 * with central finite differences in float64, over random shapes (including
 * broadcasting and size-1 axes) and values, at first and second order.
 *
 * Tolerance: central differences with h = 1e-6·max(1, |x|) have truncation
 * error ≈ h²·|f'''|/6 (≤ 1e-11 on the domains below) and rounding error
 * ≈ 2⁻⁵²·|f|/h (≤ 1e-8 for |f| ≤ 50); `checkGrad` passes an entry when
 * |analytic − numeric| ≤ 1e-6 + 1e-5·max(|analytic|, |numeric|).
 * Domains keep away from kinks and poles (by ≥ 0.05), where finite
 * differences are not the derivative.
 */
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor, Tree } from '../lib/index.ts';
import { broadcastableShapesArb, distinctTensorArb, shapeArb, tensorArb, type ValueOptions } from '../lib/testing/index.ts';
import { ELEMENTWISE_OPS, ELEMENTWISE_OPS_EXCLUDED } from '../lib/testing/ops.ts';
import * as elementwise from '../lib/ops/elementwise.ts';
import { weights } from '../test/support/cotangent.ts';

const TOL = { rtol: 1e-5, atol: 1e-6 };
const RUNS = 25;

/** sum(op(...xs) · W): its gradient is the VJP of `op` with cotangent W. */
function scalarize(op: (...xs: Tensor[]) => Tensor): (...xs: Tree[]) => Tensor {
  return (...xs) => {
    const y = op(...(xs as Tensor[]));
    return g.sum(g.mul(y, weights(y.shape)));
  };
}

/** Checks first order, and second order through ⟨∇f, V⟩. */
function expectGradOk(op: (...xs: Tensor[]) => Tensor, xs: Tensor[], second = true): void {
  const f = scalarize(op);
  const r1 = g.checkGrad(f, xs, TOL);
  expect(r1.ok, r1.message).toBe(true);
  if (second) {
    // d/dx ⟨∇ₓf(x), V⟩ = H·V: checks that every VJP rule is itself differentiable and correct.
    const h = (...ys: Tree[]): Tensor => {
      const gs = g.grad(
        (...zs: Tensor[]) => f(...zs),
        xs.map((_, i) => i),
      )(...(ys as Tensor[])) as Tensor[];
      return gs.reduce((acc, gi) => g.add(acc, g.sum(g.mul(gi, weights(gi.shape)))), g.scalar(0, 'float64'));
    };
    const r2 = g.checkGrad(h, xs, TOL);
    expect(r2.ok, `second order: ${r2.message}`).toBe(true);
  }
}

const t1 = (o: ValueOptions = {}) => shapeArb({ maxRank: 3 }).chain((s) => tensorArb(s, o));

describe('unary ops: grad = central differences (1st and 2nd order)', () => {
  // the rows of the one op table (gyrograd/testing ELEMENTWISE_OPS), plus two ops with extra arguments
  const unary: [string, (x: Tensor) => Tensor, ValueOptions][] = [
    ...ELEMENTWISE_OPS.filter((o) => o.arity === 1 && o.smoothOn !== undefined).map((o): [string, (x: Tensor) => Tensor, ValueOptions] => [
      o.name,
      o.fn,
      o.smoothOn![0],
    ]),
    ['clamp(-0.5, 0.7)', (x) => g.clamp(x, -0.5, 0.7), { awayFrom: [-0.5, 0.7] }],
    ['sign (zero gradient)', (x) => g.mul(g.sign(x), x), { awayFrom: [0] }],
  ];
  for (const [name, op, dom] of unary) {
    test.prop([t1(dom)], { numRuns: RUNS })(name, (x) => expectGradOk(op, [x]));
  }
});

describe('the op table', () => {
  test('lists every public elementwise op once (or says why not), with a domain per operand', () => {
    const pub = g as unknown as Record<string, unknown>;
    const exported = Object.entries(elementwise)
      .filter(([k, v]) => typeof v === 'function' && pub[k] === v)
      .map(([k]) => k);
    const listed = ELEMENTWISE_OPS.map((o) => o.name);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed, ...Object.keys(ELEMENTWISE_OPS_EXCLUDED)].sort()).toEqual(exported.sort());
    for (const o of ELEMENTWISE_OPS) {
      expect(pub[o.name], o.name).toBe(elementwise[o.name as keyof typeof elementwise]);
      if (o.smoothOn) expect(o.smoothOn.length, o.name).toBe(o.arity);
    }
  });
});

describe('binary ops with broadcasting: grad = central differences', () => {
  const pair = (oa: ValueOptions, ob: ValueOptions) =>
    broadcastableShapesArb(2).chain(({ shapes }) => fc.tuple(tensorArb(shapes[0], oa), tensorArb(shapes[1], ob)));
  const binary: [string, (a: Tensor, b: Tensor) => Tensor, ValueOptions, ValueOptions][] = ELEMENTWISE_OPS.filter(
    (o) => o.arity === 2 && o.smoothOn !== undefined,
  ).map((o) => [o.name, o.fn, o.smoothOn![0], o.smoothOn![1]]);
  for (const [name, op, oa, ob] of binary) {
    test.prop([pair(oa, ob)], { numRuns: RUNS })(name, ([a, b]) => expectGradOk(op, [a, b]));
  }
  test.prop([fc.tuple(tensorArb([3, 4]), tensorArb([3, 4]))], { numRuns: RUNS })('maximum / minimum with interleaved operands', ([a, b]) => {
    // keep |a − b| ≥ 0.1 elementwise: b' = a + (±(0.1 + |b|))
    const bb = g.add(a, g.mul(g.where(g.greater(b, 0), 1, -1), g.add(g.abs(b), 0.1)));
    expectGradOk(g.maximum, [a, bb]);
    expectGradOk(g.minimum, [a, bb]);
  });
  test.prop([broadcastableShapesArb(3).chain(({ shapes }) => fc.tuple(tensorArb(shapes[0]), tensorArb(shapes[1]), tensorArb(shapes[2])))], {
    numRuns: RUNS,
  })('where (gradients to both branches)', ([c, a, b]) => {
    const cond = g.greater(c, 0);
    expectGradOk((x, y) => g.where(cond, x, y), [a, b]);
  });
  test.prop([t1()], { numRuns: RUNS })('scalar operands take the tensor dtype', (x) => {
    expectGradOk((y) => g.add(g.mul(2.5, g.sub(y, 1)), g.div(y, 3)), [x]);
  });
});

describe('reductions: grad = central differences', () => {
  const axesArb = (s: number[]) =>
    fc.record({
      axes: fc.subarray(s.map((_, i) => i)).map((a) => (a.length ? a : undefined)),
      keepdims: fc.boolean(),
      neg: fc.boolean(),
    });
  const reductionCase = shapeArb({ minRank: 1, maxRank: 3 }).chain((s) => fc.tuple(fc.constant(s), axesArb(s)));
  const reductions: [string, (x: Tensor, a: number[] | undefined, k: boolean) => Tensor][] = [
    ['sum', g.sum],
    ['mean', g.mean],
    ['logSumExp', g.logSumExp],
    ['norm', g.norm],
  ];
  for (const [name, op] of reductions) {
    test.prop([reductionCase.chain(([s, a]) => fc.tuple(tensorArb(s, { awayFrom: [0] }), fc.constant(a)))], { numRuns: RUNS })(
      name,
      ([x, { axes, keepdims, neg }]) => {
        const ax = axes && neg ? axes.map((i) => i - x.rank) : axes;
        expectGradOk((y) => op(y, ax, keepdims), [x]);
      },
    );
  }
  for (const [name, op] of [
    ['max', g.max],
    ['min', g.min],
  ] as const) {
    test.prop([reductionCase.chain(([s, a]) => fc.tuple(distinctTensorArb(s), fc.constant(a)))], { numRuns: RUNS })(
      `${name} (distinct values)`,
      ([x, { axes, keepdims }]) => expectGradOk((y) => op(y, axes, keepdims), [x]),
    );
  }
  test.prop([broadcastableShapesArb(1).chain(({ out, shapes }) => fc.tuple(tensorArb(shapes[0]), fc.constant(out)))], { numRuns: RUNS })(
    'broadcastTo and sumTo',
    ([x, out]) => {
      expectGradOk((y) => g.broadcastTo(y, out), [x]);
      const big = g.broadcastTo(x, out);
      expectGradOk((y) => g.sumTo(y, x.shape), [big]);
    },
  );
});

describe('linear algebra: grad = central differences', () => {
  const dims = fc.integer({ min: 1, max: 4 });
  test.prop([fc.tuple(dims, dims, dims, fc.boolean(), fc.boolean())], { numRuns: RUNS })('matmul 2-D with transposes', ([m, k, n, tA, tB]) => {
    const a = g.randomNormal(g.prngKey(m * 100 + k * 10 + n), tA ? [k, m] : [m, k], 'float64');
    const b = g.randomNormal(g.prngKey(n * 100 + k * 10 + m + 7), tB ? [n, k] : [k, n], 'float64');
    expectGradOk((x, y) => g.matmul(x, y, { transposeA: tA, transposeB: tB }), [a, b]);
  });
  test.prop([broadcastableShapesArb(2, { maxRank: 2, maxDim: 3 }), dims, dims, dims, fc.boolean(), fc.boolean()], { numRuns: RUNS })(
    'batched matmul with broadcast batch axes',
    ({ shapes }, m, k, n, tA, tB) => {
      const a = g.randomNormal(g.prngKey(1 + m), [...shapes[0], ...(tA ? [k, m] : [m, k])], 'float64');
      const b = g.randomNormal(g.prngKey(2 + n), [...shapes[1], ...(tB ? [n, k] : [k, n])], 'float64');
      expectGradOk((x, y) => g.matmul(x, y, { transposeA: tA, transposeB: tB }), [a, b]);
    },
  );
  test.prop([dims, dims], { numRuns: RUNS })('1-D operands, dot and outer', (k, n) => {
    const v = g.randomNormal(g.prngKey(k), [k], 'float64');
    const w = g.randomNormal(g.prngKey(k + 50), [k], 'float64');
    const m = g.randomNormal(g.prngKey(n), [k, n], 'float64');
    expectGradOk((p, q) => g.matmul(p, q), [v, m]);
    expectGradOk((x, y) => g.matmul(y, x), [v, g.transpose(m)]);
    expectGradOk((p, q) => g.matmul(p, q), [v, w]);
    expectGradOk(g.dot, [v, w]);
    expectGradOk(g.outer, [v, w]);
  });
});

describe('shape and indexing ops: grad = central differences', () => {
  const anyT = shapeArb({ minRank: 1, maxRank: 3 }).chain((s) => tensorArb(s));
  test.prop([anyT], { numRuns: RUNS })('reshape, flatten, expandDims, squeeze', (x) => {
    expectGradOk((y) => g.reshape(y, [-1]), [x]);
    expectGradOk((y) => g.flatten(y), [x]);
    expectGradOk((y) => g.expandDims(y, 0), [x]);
    expectGradOk((y) => g.squeeze(g.expandDims(y, -1)), [x]);
  });
  test.prop(
    [
      anyT.chain((x) =>
        fc.tuple(
          fc.constant(x),
          fc.shuffledSubarray(
            x.shape.map((_, i) => i),
            { minLength: x.rank, maxLength: x.rank },
          ),
        ),
      ),
    ],
    {
      numRuns: RUNS,
    },
  )('transpose / permute', ([x, perm]) => expectGradOk((y) => g.transpose(y, perm), [x]));
  test.prop(
    [
      anyT.chain((x) =>
        fc.tuple(
          fc.constant(x),
          fc.tuple(...x.shape.map((d) => fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b }))))),
        ),
      ),
    ],
    { numRuns: RUNS },
  )('slice', ([x, bs]) => {
    expectGradOk(
      (y) =>
        g.slice(
          y,
          bs.map((p) => p[0]),
          bs.map((p) => p[1]),
        ),
      [x],
    );
  });
  test.prop([shapeArb({ minRank: 1, maxRank: 3 }), fc.integer({ min: 1, max: 3 }), fc.nat()], { numRuns: RUNS })(
    'concat and stack',
    (shape, parts, axisSeed) => {
      const axis = axisSeed % shape.length;
      const xs = Array.from({ length: parts }, (_, i) => {
        const s = shape.slice();
        s[axis] = ((axisSeed + i) % 3) + 1;
        return g.randomNormal(g.prngKey(i + axisSeed), s, 'float64');
      });
      expectGradOk((...ys) => g.concat(ys, axis), xs);
      const same = xs.map((_, i) => g.randomNormal(g.prngKey(99 + i), shape, 'float64'));
      expectGradOk((...ys) => g.stack(ys, axis), same);
    },
  );
  test.prop(
    [
      anyT.chain((x) =>
        fc
          .tuple(fc.constant(x), fc.nat({ max: x.rank - 1 }))
          .chain(([y, ax]) => fc.tuple(fc.constant(y), fc.constant(ax), fc.array(fc.nat({ max: y.shape[ax] - 1 }), { minLength: 1, maxLength: 6 }))),
      ),
    ],
    { numRuns: RUNS },
  )('take and scatterAdd (repeated indices)', ([x, axis, idx]) => {
    expectGradOk((y) => g.take(y, idx, axis), [x]);
    const ushape = x.shape.slice();
    ushape[axis] = idx.length;
    const u = g.randomNormal(g.prngKey(idx.length), ushape, 'float64');
    expectGradOk((y, v) => g.scatterAdd(y, idx, v, axis), [x, u]);
  });
});

describe('nn helpers: grad = central differences', () => {
  const rows = shapeArb({ minRank: 1, maxRank: 3 }).chain((s) => tensorArb(s, { min: -3, max: 3 }));
  test.prop([rows, fc.boolean()], { numRuns: RUNS })('softmax / logSoftmax', (x, first) => {
    const axis = first ? 0 : -1;
    expectGradOk((y) => g.softmax(y, axis), [x]);
    expectGradOk((y) => g.logSoftmax(y, axis), [x]);
  });
  test.prop([shapeArb({ minRank: 1, maxRank: 3 }).chain((s) => tensorArb(s, { min: 0.2, max: 2 }))], { numRuns: RUNS })(
    'normalize (rows away from zero)',
    (x) => expectGradOk((y) => g.normalize(y), [x]),
  );
});

describe('pairwise ops: grad = central differences', () => {
  const sizes = fc.record({ n: fc.integer({ min: 1, max: 4 }), m: fc.integer({ min: 1, max: 4 }), d: fc.integer({ min: 1, max: 4 }) });
  test.prop([sizes.chain(({ n, m, d }) => fc.tuple(tensorArb([n, d]), tensorArb([m, d])))], { numRuns: RUNS })('pairwiseSqEuclidean', ([x, y]) =>
    expectGradOk(g.pairwiseSqEuclidean, [x, y]),
  );
  test.prop([sizes.chain(({ n, m, d }) => fc.tuple(tensorArb([n, d], { awayFrom: [0] }), tensorArb([m, d], { awayFrom: [0] })))], { numRuns: RUNS })(
    'pairwiseCosine (entries away from zero, so norms ≥ 0.05)',
    ([x, y]) => expectGradOk((a, b) => g.pairwiseCosine(a, b), [x, y]),
  );
  test.prop([sizes.chain(({ n, d }) => tensorArb([n, d], { awayFrom: [0] }))], { numRuns: RUNS })(
    'pairwiseCosine and pairwiseSqEuclidean of a matrix with itself',
    (x) => {
      expectGradOk((a) => g.pairwiseCosine(a, a), [x]);
      expectGradOk((a) => g.pairwiseSqEuclidean(a, a), [x]);
    },
  );
});

describe('composite functions', () => {
  test.prop([tensorArb([3, 4]), tensorArb([4, 2]), tensorArb([2])], { numRuns: RUNS })('a small MLP loss', (x, w, b) => {
    const f = (xx: Tensor, ww: Tensor, bb: Tensor) => g.logSumExp(g.tanh(g.add(g.matmul(xx, ww), bb)), -1);
    expectGradOk(f, [x, w, b]);
  });
});
