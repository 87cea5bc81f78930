/**
 * The ops of issue 16: sort / argsort / topk / argmax / argmin, cumsum /
 * cumprod, variance / std and einsum — values against plain-JS references,
 * float64 gradients against central differences (fast-check, random shapes),
 * the edge cases (zeros in cumprod, zero variance, ties, NaN) and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { distinctTensorArb, shapeArb, tensorArb } from '../lib/testing/index.ts';
import { weights } from './support/cotangent.ts';

const TOL = { rtol: 1e-5, atol: 1e-6 };
const RUNS = 20;

/** grad of ⟨op(x), W⟩ against central differences. */
function expectGradOk(op: (x: Tensor) => Tensor, x: Tensor): void {
  const r = g.checkGrad(
    (y: Tensor) => {
      const o = op(y);
      return g.sum(g.mul(o, weights(o.shape)));
    },
    [x],
    TOL,
  );
  expect(r.ok, r.message).toBe(true);
}

/** A shape of rank ≥ 1 and a valid axis of it. */
const shapeAxisArb = shapeArb({ minRank: 1, maxRank: 3 }).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 })));

/** The lanes of a row-major array along `axis`: [outer][inner] → values along the axis. */
function lanes(v: number[], shape: readonly number[], axis: number): number[][] {
  const a = axis < 0 ? axis + shape.length : axis;
  const n = shape[a];
  const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
  const out: number[][] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out.push(Array.from({ length: n }, (_, j) => v[(o * n + j) * inner + i]));
  return out;
}

/** Second order: the gradient of ⟨∇⟨op(x), W⟩, V⟩ against central differences (each VJP is differentiable again). */
function expectSecondOrderOk(op: (x: Tensor) => Tensor, x: Tensor): void {
  const f = (y: Tensor): Tensor => {
    const o = op(y);
    return g.sum(g.mul(o, weights(o.shape)));
  };
  const h = (y: Tensor): Tensor => {
    const gy = g.grad(f)(y);
    return g.sum(g.mul(gy, g.add(weights(gy.shape), 0.25)));
  };
  const r = g.checkGrad(h, [x], TOL);
  expect(r.ok, `second order: ${r.message}`).toBe(true);
}

describe('second order (grad of grad) of the new ops', () => {
  test.prop([shapeAxisArb.chain(([s, a]) => fc.tuple(distinctTensorArb(s), fc.constant(a)))], { numRuns: 10 })('sort, cumprod, cumsum', ([x, axis]) => {
    expectSecondOrderOk((y) => g.mul(g.sort(y, axis), y), x);
    expectSecondOrderOk((y) => g.cumprod(y, axis), x);
    expectSecondOrderOk((y) => g.square(g.cumsum(y, axis)), x);
  });
  test.prop([shapeArb({ minRank: 1, maxRank: 3, minDim: 2 }).chain((s) => fc.tuple(distinctTensorArb(s), fc.integer({ min: 0, max: s.length - 1 })))], {
    numRuns: 10,
  })('variance, std, einsum', ([x, axis]) => {
    expectSecondOrderOk((y) => g.variance(y, axis), x);
    expectSecondOrderOk((y) => g.std(y, axis, true, 1), x);
    const n = x.shape[axis];
    expectSecondOrderOk(
      (y) => g.einsum('ij,kj->ik', g.reshape(y, [-1, n]), g.reshape(g.sin(y), [-1, n])),
      g.transpose(
        x,
        [...x.shape.keys()].map((i) => (i === axis ? x.rank - 1 : i === x.rank - 1 ? axis : i)),
      ),
    );
  });
});

describe('sort, argsort, topk', () => {
  test.prop([shapeAxisArb.chain(([s, a]) => fc.tuple(distinctTensorArb(s), fc.constant(a), fc.boolean()))], { numRuns: RUNS })(
    'sort sorts every lane, argsort is its permutation, topk its head',
    ([x, axis, desc]) => {
      const s = g.sort(x, axis, desc);
      const xs = lanes(g.toArray(x), x.shape, axis);
      const ss = lanes(g.toArray(s), x.shape, axis);
      const perm = lanes(Array.from(g.argsort(x, axis, desc)), x.shape, axis);
      xs.forEach((lane, i) => {
        const want = lane.slice().sort((p, q) => (desc ? q - p : p - q));
        expect(ss[i]).toEqual(want);
        expect(perm[i].map((j) => lane[j])).toEqual(want);
      });
      const n = x.shape[axis < 0 ? axis + x.rank : axis];
      const k = Math.min(2, n);
      const top = g.topk(x, k, axis);
      const tv = lanes(g.toArray(top.values), top.values.shape, axis);
      const ti = lanes(Array.from(top.indices), top.values.shape, axis);
      xs.forEach((lane, i) => {
        const want = lane
          .slice()
          .sort((p, q) => q - p)
          .slice(0, k);
        expect(tv[i]).toEqual(want);
        expect(ti[i].map((j) => lane[j])).toEqual(want);
      });
    },
  );

  test.prop([shapeAxisArb.chain(([s, a]) => fc.tuple(distinctTensorArb(s), fc.constant(a), fc.boolean()))], { numRuns: RUNS })(
    'grad of sort and topk values = central differences',
    ([x, axis, desc]) => {
      expectGradOk((y) => g.sort(y, axis, desc), x);
      const n = x.shape[axis < 0 ? axis + x.rank : axis];
      expectGradOk((y) => g.topk(y, Math.min(2, n), axis).values, x);
    },
  );

  it('is stable with ties, puts NaN last, and keeps the dtype', () => {
    const x = g.tensor([2, 1, 2, NaN, 1], undefined, 'float64');
    expect(Array.from(g.argsort(x))).toEqual([1, 4, 0, 2, 3]);
    expect(Array.from(g.argsort(x, -1, true))).toEqual([0, 2, 1, 4, 3]);
    expect(g.sort(x).dtype).toBe('float64');
    expect(Array.from(g.topk(g.tensor([1, 3, 3, 0]), 2).indices)).toEqual([1, 2]);
    // topk: NaN comes last (as in sort), so it is picked only when fewer than k other entries exist
    const y = g.tensor([1, NaN, 3], undefined, 'float64');
    expect(g.toArray(g.topk(y, 2).values)).toEqual([3, 1]);
    expect(Array.from(g.topk(y, 2).indices)).toEqual([2, 0]);
    expect(Array.from(g.topk(y, 3).indices)).toEqual([2, 0, 1]);
    expect(Array.from(g.argmax(y))).toEqual([1]);
  });

  it('argmax / argmin: first occurrence, NaN wins, flat without an axis', () => {
    const x = g.tensor([
      [1, 5, 5],
      [7, -2, 0],
    ]);
    expect(Array.from(g.argmax(x, 1))).toEqual([1, 0]);
    expect(Array.from(g.argmin(x, 0))).toEqual([0, 1, 1]);
    expect(Array.from(g.argmax(x))).toEqual([3]);
    expect(Array.from(g.argmin(g.tensor([3, NaN, -1])))).toEqual([1]);
  });

  it('rejects bad arguments with typed errors naming the function', () => {
    expect(() => g.sort(g.scalar(1))).toThrow(g.AxisError);
    expect(() => g.topk(g.tensor([1, 2]), 3)).toThrow(/topk: k must be an integer in \[0, 2\]/);
    expect(() => g.topk(g.tensor([1, 2]), 1.5)).toThrow(g.ValueError);
    expect(() => g.argmax(g.zeros([2, 0]), 1)).toThrow(g.ShapeError);
    expect(() => g.argsort(g.tensor([1]), 2)).toThrow(/argsort/);
    expect(() => g.sort([1, 2] as unknown as Tensor)).toThrow(g.ArgumentError);
  });
});

describe('cumsum, cumprod', () => {
  test.prop([shapeAxisArb.chain(([s, a]) => fc.tuple(tensorArb(s), fc.constant(a)))], { numRuns: RUNS })(
    'values are the running sums / products of every lane',
    ([x, axis]) => {
      const xs = lanes(g.toArray(x), x.shape, axis);
      const cs = lanes(g.toArray(g.cumsum(x, axis)), x.shape, axis);
      const cp = lanes(g.toArray(g.cumprod(x, axis)), x.shape, axis);
      xs.forEach((lane, i) => {
        let s = 0,
          p = 1;
        lane.forEach((v, j) => {
          s += v;
          p *= v;
          expect(cs[i][j]).toBeCloseTo(s, 12);
          expect(cp[i][j]).toBeCloseTo(p, 12);
        });
      });
    },
  );

  test.prop([shapeAxisArb.chain(([s, a]) => fc.tuple(tensorArb(s), fc.constant(a)))], { numRuns: RUNS })('grad = central differences', ([x, axis]) => {
    expectGradOk((y) => g.cumsum(y, axis), x);
    expectGradOk((y) => g.cumprod(y, axis), x);
  });

  it('cumprod has the exact gradient where the input has zeros (no division)', () => {
    const x = g.tensor([2, 0, 3, 0, 5], undefined, 'float64');
    // d/dx_k Σ_i Π_{j≤i} x_j = Σ_{i≥k} Π_{j≤i, j≠k} x_j
    const v = g.toArray(x);
    const want = v.map((_, k) => {
      let tot = 0;
      for (let i = k; i < v.length; i++) {
        let p = 1;
        for (let j = 0; j <= i; j++) if (j !== k) p *= v[j];
        tot += p;
      }
      return tot;
    });
    expect(g.toArray(g.grad((y: Tensor) => g.sum(g.cumprod(y)))(x))).toEqual(want);
    expect(want).toEqual([1, 8, 0, 0, 0]);
    expectGradOk((y) => g.cumprod(y), x);
  });

  it('empty and length-1 axes, errors', () => {
    expect(g.cumsum(g.zeros([2, 0])).shape).toEqual([2, 0]);
    expect(g.toArray(g.cumprod(g.tensor([[4]])))).toEqual([4]);
    expect(() => g.cumsum(g.scalar(1))).toThrow(g.AxisError);
  });
});

describe('variance, std', () => {
  test.prop(
    [
      shapeArb({ minRank: 1, maxRank: 3, minDim: 2 }).chain((s) =>
        fc.tuple(tensorArb(s), fc.integer({ min: 0, max: s.length - 1 }), fc.boolean(), fc.integer({ min: 0, max: 1 })),
      ),
    ],
    { numRuns: RUNS },
  )('values match the two-pass formula; grad = central differences', ([x, axis, keepdims, ddof]) => {
    const xs = lanes(g.toArray(x), x.shape, axis);
    const v = g.variance(x, axis, keepdims, ddof);
    const sd = g.std(x, axis, keepdims, ddof);
    const want = xs.map((lane) => {
      const m = lane.reduce((p, q) => p + q, 0) / lane.length;
      return lane.reduce((p, q) => p + (q - m) ** 2, 0) / (lane.length - ddof);
    });
    g.toArray(v).forEach((vi, i) => expect(vi).toBeCloseTo(want[i], 12));
    g.toArray(sd).forEach((si, i) => expect(si).toBeCloseTo(Math.sqrt(want[i]), 12));
    const ks = x.shape.slice();
    ks[axis] = 1;
    expect(v.shape).toEqual(keepdims ? ks : x.shape.filter((_, i) => i !== axis));
    expectGradOk((y) => g.variance(y, axis, keepdims, ddof), x);
    expectGradOk((y) => g.std(y, axis, keepdims, ddof), g.add(x, g.mul(weights(x.shape), 0.3)));
  });

  it('std at zero variance: value 0, gradient 0 (finite), at first and second order', () => {
    const x = g.full([2, 3], 1.5, 'float64');
    expect(g.toArray(g.std(x, 1))).toEqual([0, 0]);
    expect(g.toArray(g.grad((y: Tensor) => g.sum(g.std(y, 1)))(x))).toEqual([0, 0, 0, 0, 0, 0]);
    const hv = g.hvp((y: Tensor) => g.sum(g.std(y)), g.reshape(x, [6]), g.ones([6], 'float64'));
    expect(g.toArray(hv).every(Number.isFinite)).toBe(true);
  });

  it('typed errors: empty reductions, ddof', () => {
    expect(() => g.variance(g.zeros([0]))).toThrow(g.ShapeError);
    expect(() => g.std(g.tensor([1, 2]), 0, false, 2)).toThrow(/std: ddof must be an integer in \[0, 1\]/);
    expect(() => g.variance(g.tensor([1, 2]), 0, false, -1)).toThrow(g.ValueError);
  });
});

describe('einsum', () => {
  const mat = (r: number, c: number) => tensorArb([r, c]);
  const dims = fc.integer({ min: 1, max: 4 });

  test.prop([fc.tuple(dims, dims, dims).chain(([m, k, n]) => fc.tuple(mat(m, k), mat(k, n)))], { numRuns: RUNS })(
    'matmul, transpose and sum patterns equal the routed ops; grads = central differences',
    ([a, b]) => {
      const close = (x: Tensor, y: Tensor) => {
        expect(x.shape).toEqual(y.shape);
        g.toArray(x).forEach((v, i) => expect(v).toBeCloseTo(g.toArray(y)[i], 12));
      };
      close(g.einsum('ij,jk->ik', a, b), g.matmul(a, b));
      close(g.einsum('ij,jk', a, b), g.matmul(a, b));
      close(g.einsum('ik,kj->ji', a, b), g.transpose(g.matmul(a, b)));
      close(g.einsum('ij->ji', a), g.transpose(a));
      close(g.einsum('ij->', a), g.sum(a));
      close(g.einsum('ij->j', a), g.sum(a, 0));
      close(g.einsum('ij,ij->i', a, a), g.sum(g.mul(a, a), 1));
      expectGradOk((x) => g.einsum('ij,jk->ik', x, b), a);
      expectGradOk((y) => g.einsum('ij,jk->ki', a, y), b);
    },
  );

  test.prop(
    [
      fc
        .tuple(dims, dims, dims, dims)
        .chain(([bt, m, k, n]) => fc.tuple(tensorArb([bt, m, k]), tensorArb([bt, k, n]), tensorArb([m]), tensorArb([n]), tensorArb([k, k]))),
    ],
    { numRuns: RUNS },
  )('batched matmul, outer, trace, diagonal; grads = central differences', ([a, b, u, v, sq]) => {
    const close = (x: Tensor, y: Tensor) => {
      expect(x.shape).toEqual(y.shape);
      g.toArray(x).forEach((val, i) => expect(val).toBeCloseTo(g.toArray(y)[i], 12));
    };
    close(g.einsum('bij,bjk->bik', a, b), g.matmul(a, b));
    close(g.einsum('i,j->ij', u, v), g.outer(u, v));
    const sv = g.toArray(sq),
      k = sq.shape[0];
    const diag = Array.from({ length: k }, (_, i) => sv[i * k + i]);
    close(g.einsum('ii->i', sq), g.tensor(diag, [k], 'float64'));
    close(
      g.einsum('ii', sq),
      g.tensor(
        diag.reduce((p, q) => p + q, 0),
        [],
        'float64',
      ),
    );
    expectGradOk((x) => g.einsum('bij,bjk->bik', x, b), a);
    expectGradOk((x) => g.einsum('ii->', x), sq);
    expectGradOk((x) => g.einsum('i,j->ij', x, v), u);
  });

  it('rejects malformed or unsupported specs with typed errors', () => {
    const a = g.ones([2, 3]);
    expect(() => g.einsum('ij,jk->ik', a)).toThrow(/names 2 operand\(s\) but 1/);
    expect(() => g.einsum('ij->ik', a)).toThrow(/output letter 'k'/);
    expect(() => g.einsum('...ij->ij', a)).toThrow(/ellipsis/);
    expect(() => g.einsum('i1->i', a)).toThrow(g.ValueError);
    expect(() => g.einsum('ijk->i', a)).toThrow(g.ShapeError);
    expect(() => g.einsum('ij,ij->i', a, g.ones([3, 2]))).toThrow(/letter 'i' labels axes of lengths 2 and 3/);
    expect(() => g.einsum('ij->jj', a)).toThrow(/repeats/);
    expect(() => g.einsum('ij->->', a)).toThrow(g.ValueError);
  });
});

describe('sort of float32 tensors', () => {
  it('keeps the dtype of the values (the permutation is float64 inside, exact at any length)', () => {
    const x = g.tensor([3, 1, 2]);
    const s = g.sort(x);
    expect(s.dtype).toBe('float32');
    expect(g.toArray(s)).toEqual([1, 2, 3]);
    expect(g.toArray(g.grad((y: Tensor) => g.sum(g.mul(g.sort(y), g.tensor([1, 10, 100]))))(x))).toEqual([100, 1, 10]);
  });
});
