/**
 * Values of the fused pairwise ops (`pairwiseSqEuclidean`, `pairwiseCosine`)
 * and of the row-kernel paths of `softmax`, `logSoftmax` and `logSumExp`
 * against naive loops written independently of the library, in float64
 * (tolerance 1e-12: a few ulps of sums of ≤ 20 terms of size ≤ 10) and in
 * float32 (inputs rounded first; the kernels accumulate in float64 and round
 * once, so |err| ≤ 2⁻²⁴·|value| + the float32 rounding of the inputs' own
 * contributions, bounded here by 2⁻²¹ relative + 1e-6 absolute); plus the edge
 * cases: identical rows, zero rows, −∞ masks and NaN.
 */
import { describe, expect, test } from 'vitest';
import * as g from '../lib/index.ts';
import type { DType, Tensor } from '../lib/index.ts';

function rand(n: number, seed: number, lo = -2, hi = 2): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}

function expectClose(t: Tensor, want: number[], rtol: number, atol: number): void {
  const got = g.toArray(t);
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => {
    if (Number.isNaN(want[i])) expect(v, `index ${i}`).toBeNaN();
    else if (!Number.isFinite(want[i])) expect(v, `index ${i}`).toBe(want[i]);
    else expect(Math.abs(v - want[i]), `index ${i}: got ${v}, expected ${want[i]}`).toBeLessThanOrEqual(atol + rtol * Math.abs(want[i]));
  });
}

const TOL: Record<DType, [number, number]> = { float64: [1e-12, 1e-12], float32: [2 ** -21, 1e-6] };

describe('pairwiseSqEuclidean and pairwiseCosine match naive loops', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 2],
    [4, 1, 17],
    [2, 3, 20],
  ];
  for (const dtype of ['float64', 'float32'] as const) {
    test.each(shapes)(`N=%i, M=%i, D=%i (${dtype})`, (N, M, D) => {
      const xs = rand(N * D, N * 31 + D),
        ys = rand(M * D, M * 17 + D + 1);
      const r = (v: number) => (dtype === 'float32' ? Math.fround(v) : v);
      const x = xs.map(r),
        y = ys.map(r);
      const sq: number[] = [],
        cos: number[] = [];
      for (let i = 0; i < N; i++)
        for (let j = 0; j < M; j++) {
          let s = 0,
            d = 0,
            a = 0,
            b = 0;
          for (let k = 0; k < D; k++) {
            s += (x[i * D + k] - y[j * D + k]) ** 2;
            d += x[i * D + k] * y[j * D + k];
            a += x[i * D + k] ** 2;
            b += y[j * D + k] ** 2;
          }
          sq.push(s);
          cos.push(d / Math.max(Math.sqrt(a), 1e-12) / Math.max(Math.sqrt(b), 1e-12));
        }
      const X = g.tensor(x, [N, D], dtype),
        Y = g.tensor(y, [M, D], dtype);
      const [rt, at] = TOL[dtype];
      const d1 = g.pairwiseSqEuclidean(X, Y),
        c1 = g.pairwiseCosine(X, Y);
      expect(d1.shape).toEqual([N, M]);
      expect(d1.dtype).toBe(dtype);
      expectClose(d1, sq, rt, at);
      expectClose(c1, cos, rt, at);
      // the cosine equals the composite it replaces in cosineSimilarity
      expectClose(c1, g.toArray(g.matmul(g.normalize(X), g.normalize(Y), { transposeB: true })), rt, at);
    });
  }

  test('mixed dtypes promote to float64', () => {
    const x = g.tensor([[1, 2]], undefined, 'float32'),
      y = g.tensor([[3, 4]], undefined, 'float64');
    expect(g.pairwiseSqEuclidean(x, y).dtype).toBe('float64');
    expect(g.toArray(g.pairwiseSqEuclidean(x, y))).toEqual([8]);
  });

  test('identical rows: distance exactly 0, finite (zero) gradient; zero rows: cosine 0 with finite gradients', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = g.tensor(
        [
          [0.3, -1.7, 2.5],
          [0, 0, 0],
        ],
        undefined,
        dtype,
      );
      const y = g.tensor(
        [
          [0.3, -1.7, 2.5],
          [1, 2, 3],
          [0, 0, 0],
        ],
        undefined,
        dtype,
      );
      const d = g.toArray(g.pairwiseSqEuclidean(x, y));
      expect(d[0]).toBe(0);
      expect(d[5]).toBe(0);
      const [gx, gy] = g.grad((a: Tensor, b: Tensor) => g.sum(g.sqrt(g.add(g.pairwiseSqEuclidean(a, b), 1))), [0, 1])(x, y) as Tensor[];
      for (const v of [...g.toArray(gx), ...g.toArray(gy)]) expect(Number.isFinite(v)).toBe(true);
      const c = g.toArray(g.pairwiseCosine(x, y));
      expect(c[3]).toBe(0); // zero row of x against y_0
      expect(c[2]).toBe(0); // x_0 against the zero row of y
      expect(Math.abs(c[0] - 1)).toBeLessThan(dtype === 'float32' ? 1e-6 : 1e-15);
      const [cx, cy] = g.grad((a: Tensor, b: Tensor) => g.sum(g.pairwiseCosine(a, b)), [0, 1])(x, y) as Tensor[];
      for (const v of [...g.toArray(cx), ...g.toArray(cy)]) expect(Number.isFinite(v)).toBe(true);
      // second order stays finite too (composite path) in float64; in float32 the composite
      // normalize(x)·normalize(y)ᵀ itself overflows there (its terms reach 1/ε² = 1e24, squared)
      if (dtype === 'float64') {
        const h = g.grad((a: Tensor) => g.sum(g.square(g.grad((b: Tensor) => g.sum(g.pairwiseCosine(b, y)))(a))))(x);
        for (const v of g.toArray(h)) expect(Number.isFinite(v)).toBe(true);
      }
    }
  });

  test('a custom eps floors the norms', () => {
    const x = g.tensor([[0.1, 0]], undefined, 'float64'),
      y = g.tensor([[1, 0]], undefined, 'float64');
    expect(g.toArray(g.pairwiseCosine(x, y, 0.5))[0]).toBeCloseTo(0.2, 15);
  });
});

describe('softmax, logSoftmax and logSumExp over the last axis (row kernels) match naive loops', () => {
  const rowsOf = (x: number[], n: number) => Array.from({ length: x.length / n }, (_, i) => x.slice(i * n, (i + 1) * n));
  const naiveLse = (r: number[]) => {
    const m = Math.max(...r);
    const mm = Number.isFinite(m) ? m : 0;
    return Math.log(r.reduce((s, v) => s + Math.exp(v - mm), 0)) + mm;
  };
  for (const dtype of ['float64', 'float32'] as const) {
    test.each([[[1, 1]], [[3, 4]], [[2, 3, 5]], [[7]]] as const)(`shape %j (${dtype})`, (shape) => {
      const n = shape[shape.length - 1];
      const size = shape.reduce((p: number, q: number) => p * q, 1);
      const raw = rand(size, size * 13 + n, -10, 10).map((v) => (dtype === 'float32' ? Math.fround(v) : v));
      const x = g.tensor(raw, [...shape], dtype);
      const lse = rowsOf(raw, n).map(naiveLse);
      const sm = rowsOf(raw, n).flatMap((r, i) => r.map((v) => Math.exp(v - lse[i])));
      const [rt, at] = TOL[dtype];
      expectClose(g.logSumExp(x, -1), lse, rt, at);
      expectClose(g.logSumExp(x, -1, true), lse, rt, at);
      expect(g.logSumExp(x, -1, true).shape).toEqual([...shape.slice(0, -1), 1]);
      expectClose(g.softmax(x), sm, rt, at);
      expectClose(
        g.logSoftmax(x),
        raw.map((v, i) => v - lse[Math.floor(i / n)]),
        rt,
        1e-5,
      );
      // the row kernel agrees with the composite path (softmax over the same axis, taken as a non-last axis)
      const xt = g.expandDims(x, -1);
      expectClose(g.squeeze(g.softmax(xt, -2), -1), g.toArray(g.softmax(x)), rt, at);
    });
  }

  test('−∞ masks, rows of −∞ and NaN follow the composite conventions', () => {
    const x = g.tensor(
      [
        [0, -Infinity, 1],
        [-Infinity, -Infinity, -Infinity],
        [1, NaN, 2],
      ],
      undefined,
      'float64',
    );
    const l = g.toArray(g.logSumExp(x, -1));
    expect(l[0]).toBeCloseTo(Math.log(1 + Math.E), 14);
    expect(l[1]).toBe(-Infinity);
    expect(l[2]).toBeNaN();
    const s = g.toArray(g.softmax(x));
    expect(s[1]).toBe(0);
    expect(s[0] + s[2]).toBeCloseTo(1, 15);
    expect(s.slice(6).every(Number.isNaN)).toBe(true);
    // a −∞ entry gets zero gradient
    const gr = g.toArray(g.grad((a: Tensor) => g.sum(g.mul(g.logSumExp(g.slice(a, [0, 0], [1, 3]), -1), 1)))(x));
    expect(gr[1]).toBe(0);
  });
});
