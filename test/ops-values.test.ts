/**
 * Forward values of every op, compared with independent naive computations
 * written in this file (explicit index loops over flat row-major arrays), or
 * with values derived by hand.
 */
import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  Tensor,
  withBackend,
  abs,
  acosh,
  add,
  asinh,
  atan,
  atan2,
  atanh,
  broadcastShape,
  broadcastTo,
  cast,
  clamp,
  concat,
  cos,
  cosh,
  div,
  dot,
  equal,
  exp,
  expandDims,
  expm1,
  flatten,
  gather,
  greater,
  greaterEqual,
  isFinite,
  item,
  less,
  lessEqual,
  log,
  log1p,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  norm,
  normalize,
  notEqual,
  oneHot,
  outer,
  permute,
  pow,
  reciprocal,
  relu,
  reshape,
  rsqrt,
  scatterAdd,
  sigmoid,
  sign,
  sin,
  sinh,
  slice,
  softmax,
  softplus,
  sqrt,
  square,
  squeeze,
  stack,
  sub,
  sum,
  sumTo,
  take,
  tanh,
  tensor,
  toArray,
  toNested,
  transpose,
  where,
  type DType,
  ShapeError,
} from '../lib/index.ts';

// ------------------------------------------------------------ naive reference helpers

interface Naive {
  readonly data: number[];
  readonly shape: number[];
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    idx[ax] = i % shape[ax];
    i = Math.floor(i / shape[ax]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let off = 0;
  for (let ax = 0; ax < shape.length; ax++) off = off * shape[ax] + idx[ax];
  return off;
}

/** Deterministic pseudo-random values (mulberry32), in [lo, hi). */
function rand(n: number, seed: number, lo = -2, hi = 2): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out.push(lo + (hi - lo) * u);
  }
  return out;
}

function naive(shape: number[], seed: number, lo?: number, hi?: number): Naive {
  return { data: rand(sizeOf(shape), seed, lo, hi), shape };
}

const T = (n: Naive, dtype: DType = 'float64'): Tensor => tensor(n.data, n.shape, dtype);

/** NumPy broadcast of two shapes, written independently of the library. */
function bshape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = i < r - a.length ? 1 : a[i - (r - a.length)];
    const db = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (da !== db && da !== 1 && db !== 1) throw new Error('not broadcastable');
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Reads `x` at an output multi-index under broadcasting. */
function readB(x: Naive, outIdx: readonly number[]): number {
  const off = outIdx.length - x.shape.length;
  const idx = x.shape.map((d, i) => (d === 1 ? 0 : outIdx[i + off]));
  return x.data[ravel(idx, x.shape)];
}

function naiveMap(xs: readonly Naive[], f: (...v: number[]) => number): Naive {
  const shape = xs.reduce<number[]>((s, x) => bshape(s, x.shape), []);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    data.push(f(...xs.map((x) => readB(x, idx))));
  }
  return { data, shape };
}

function naiveReduce(
  x: Naive,
  axes: readonly number[],
  keepdims: boolean,
  init: number,
  f: (acc: number, v: number) => number,
  fin: (acc: number, count: number) => number = (a) => a,
): Naive {
  const r = x.shape.length;
  const ax = axes.map((a) => (a < 0 ? a + r : a));
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const acc = new Array<number>(sizeOf(kept)).fill(init);
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, k) => (ax.includes(k) ? 0 : v));
    const o = ravel(idx, kept);
    acc[o] = f(acc[o], x.data[i]);
  }
  const count = ax.reduce((p, a) => p * x.shape[a], 1);
  const shape = keepdims ? kept : x.shape.filter((_, i) => !ax.includes(i));
  return { data: acc.map((a) => fin(a, count)), shape };
}

/** Batched matmul over >= 2-D operands with broadcast batch axes. */
function naiveMatmul(a: Naive, b: Naive, tA = false, tB = false): Naive {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  const aBatch: Naive = { data: [], shape: a.shape.slice(0, -2) };
  const bBatch: Naive = { data: [], shape: b.shape.slice(0, -2) };
  const batch = bshape(aBatch.shape, bBatch.shape);
  const outShape = [...batch, M, N];
  const data = new Array<number>(sizeOf(outShape)).fill(0);
  for (let t = 0; t < sizeOf(batch); t++) {
    const bi = unravel(t, batch);
    const ai = aBatch.shape.map((d, i) => (d === 1 ? 0 : bi[i + batch.length - aBatch.shape.length]));
    const bj = bBatch.shape.map((d, i) => (d === 1 ? 0 : bi[i + batch.length - bBatch.shape.length]));
    const aOff = ravel(ai, aBatch.shape) * M * K;
    const bOff = ravel(bj, bBatch.shape) * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = tA ? a.data[aOff + k * M + i] : a.data[aOff + i * K + k];
          const bv = tB ? b.data[bOff + j * K + k] : b.data[bOff + k * N + j];
          s += av * bv;
        }
        data[t * M * N + i * N + j] = s;
      }
    }
  }
  return { data, shape: outShape };
}

function naiveTranspose(x: Naive, perm: readonly number[]): Naive {
  const shape = perm.map((p) => x.shape[p]);
  const data: number[] = [];
  for (let o = 0; o < sizeOf(shape); o++) {
    const oi = unravel(o, shape);
    const xi = new Array<number>(perm.length);
    perm.forEach((p, i) => (xi[p] = oi[i]));
    data.push(x.data[ravel(xi, x.shape)]);
  }
  return { data, shape };
}

function expectValues(actual: Tensor, expected: Naive | number[], rtol = 1e-12, atol = 1e-12): void {
  const exp = Array.isArray(expected) ? expected : expected.data;
  if (!Array.isArray(expected)) expect(actual.shape).toEqual(expected.shape);
  const got = toArray(actual);
  expect(got).toHaveLength(exp.length);
  for (let i = 0; i < exp.length; i++) {
    const e = exp[i];
    const g = got[i];
    if (Number.isNaN(e)) {
      expect(g, `index ${i}`).toBeNaN();
    } else if (!Number.isFinite(e)) {
      expect(g, `index ${i}`).toBe(e);
    } else {
      expect(Math.abs(g - e), `index ${i}: got ${g}, expected ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
    }
  }
}

// ------------------------------------------------------------ elementwise

describe('unary ops', () => {
  const xs = [-3.5, -1.25, -0.5, -1e-9, 0, 1e-9, 0.3, 0.999, 2, 7.25];
  const pos = [1e-9, 0.01, 0.5, 1, 2.5, 100];
  const unit = [-0.99, -0.5, 0, 0.25, 0.75, 0.999];
  const geOne = [1, 1.0001, 2, 10, 1e5];
  const cases: [string, (x: Tensor) => Tensor, (v: number) => number, number[]][] = [
    ['neg', neg, (v) => -v, xs],
    ['abs', abs, (v) => (v < 0 ? -v : v), xs],
    ['exp', exp, Math.exp, xs],
    ['log', log, Math.log, pos],
    ['log1p', log1p, Math.log1p, [...unit, 1e-12, 5]],
    ['expm1', expm1, Math.expm1, xs],
    ['sqrt', sqrt, Math.sqrt, [0, ...pos]],
    ['rsqrt', rsqrt, (v) => 1 / Math.sqrt(v), pos],
    ['square', square, (v) => v * v, xs],
    ['reciprocal', reciprocal, (v) => 1 / v, [-4, -0.5, 0.25, 3, 1e-6]],
    ['tanh', tanh, Math.tanh, xs],
    ['atanh', atanh, Math.atanh, unit],
    ['atan', atan, Math.atan, xs],
    ['cos', cos, Math.cos, xs],
    ['sin', sin, Math.sin, xs],
    ['sinh', sinh, Math.sinh, xs],
    ['cosh', cosh, Math.cosh, xs],
    ['asinh', asinh, Math.asinh, xs],
    ['acosh', acosh, Math.acosh, geOne],
    ['sigmoid', sigmoid, (v) => 1 / (1 + Math.exp(-v)), xs],
    ['relu', relu, (v) => (v > 0 ? v : 0), xs],
    ['softplus', softplus, (v) => Math.log(1 + Math.exp(v)), xs],
    ['sign', sign, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), xs],
  ];

  test.each(cases)('%s (float64) matches the naive formula', (_name, op, f, vals) => {
    const t = tensor(vals, [1, vals.length], 'float64');
    const out = op(t);
    expect(out.dtype).toBe('float64');
    expect(out.shape).toEqual([1, vals.length]);
    expectValues(out, vals.map(f), 1e-13, 1e-300);
  });

  test.each(cases)('%s (float32) is the float32 rounding of the formula on the float32 input', (_name, op, f, vals) => {
    const out = op(tensor(vals));
    expect(out.dtype).toBe('float32');
    // one float32 rounding of an (up to 1-ulp double) result: relative error <= 2^-24 (+ tiny slack)
    expectValues(
      out,
      vals.map((v) => Math.fround(f(Math.fround(v)))),
      2 ** -23,
      1e-45,
    );
  });

  test('special values: ±0, ±Infinity, NaN and domain edges', () => {
    const v = tensor([0, -0, Infinity, -Infinity, NaN], undefined, 'float64');
    expect(toArray(isFinite(v))).toEqual([1, 1, 0, 0, 0]);
    expect(toArray(exp(v)).slice(0, 4)).toEqual([1, 1, Infinity, 0]);
    expect(toArray(relu(v)).slice(0, 4)).toEqual([0, 0, Infinity, 0]);
    expect(toArray(sigmoid(v)).slice(0, 4)).toEqual([0.5, 0.5, 1, 0]);
    expect(toArray(sign(v)).slice(0, 4)).toEqual([0, 0, 1, -1]);
    expect(toArray(abs(tensor([-0], undefined, 'float64')))).toEqual([0]);
    expect(toArray(atanh(tensor([1, -1], undefined, 'float64')))).toEqual([Infinity, -Infinity]);
    expect(toArray(log(tensor([0], undefined, 'float64')))).toEqual([-Infinity]);
    expect(toArray(sqrt(tensor([-1], undefined, 'float64')))[0]).toBeNaN();
    expect(toArray(exp(v))[4]).toBeNaN();
  });

  test('sigmoid and softplus are stable for large |x|', () => {
    const x = tensor([-1000, -50, 50, 1000], undefined, 'float64');
    // sigmoid(-50) = e^-50 / (1 + e^-50) ≈ e^-50 ; softplus(-50) = log(1 + e^-50) ≈ e^-50 ; softplus(1000) = 1000
    expectValues(sigmoid(x), [0, Math.exp(-50), 1, 1], 1e-14, 0);
    expectValues(softplus(x), [0, Math.exp(-50), 50, 1000], 1e-14, 1e-320);
    expect(toArray(sigmoid(x)).every(Number.isFinite)).toBe(true);
    expect(toArray(softplus(x)).every(Number.isFinite)).toBe(true);
  });

  test('expm1 and log1p are accurate for tiny arguments', () => {
    const tiny = tensor([1e-15, -1e-15], undefined, 'float64');
    // expm1(x) = x + x²/2 + … ; log1p(x) = x − x²/2 + …
    expectValues(expm1(tiny), [1e-15 + 5e-31, -1e-15 + 5e-31], 1e-15, 0);
    expectValues(log1p(tiny), [1e-15 - 5e-31, -1e-15 - 5e-31], 1e-15, 0);
  });

  test('clamp keeps values inside [min, max] (bounds inclusive)', () => {
    const x = tensor([-3, -1, -0.5, 0, 0.5, 1, 3], undefined, 'float64');
    expect(toArray(clamp(x, -1, 1))).toEqual([-1, -1, -0.5, 0, 0.5, 1, 1]);
    expect(toArray(clamp(x, 0.5, 0.5))).toEqual(new Array(7).fill(0.5));
    expect(toArray(clamp(tensor([0.1, 5]), 0, 0.2))).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });

  test('unary ops keep the shape of scalars and empty tensors', () => {
    expect(exp(tensor(0)).shape).toEqual([]);
    expect(item(exp(tensor(0)))).toBe(1);
    expect(exp(tensor([], [2, 0])).shape).toEqual([2, 0]);
  });
});

describe('binary ops with broadcasting', () => {
  const ops: [string, (a: Tensor | number, b: Tensor | number) => Tensor, (a: number, b: number) => number][] = [
    ['add', add, (a, b) => a + b],
    ['sub', sub, (a, b) => a - b],
    ['mul', mul, (a, b) => a * b],
    ['div', div, (a, b) => a / b],
    ['maximum', maximum, (a, b) => (a > b ? a : b)],
    ['minimum', minimum, (a, b) => (a < b ? a : b)],
    ['atan2', atan2, Math.atan2],
    ['equal', equal, (a, b) => (a === b ? 1 : 0)],
    ['notEqual', notEqual, (a, b) => (a !== b ? 1 : 0)],
    ['less', less, (a, b) => (a < b ? 1 : 0)],
    ['lessEqual', lessEqual, (a, b) => (a <= b ? 1 : 0)],
    ['greater', greater, (a, b) => (a > b ? 1 : 0)],
    ['greaterEqual', greaterEqual, (a, b) => (a >= b ? 1 : 0)],
  ];

  // shape pairs: equal shapes, size-1 axes on either side, rank differences, scalars
  const shapePairs: [number[], number[]][] = [
    [
      [2, 3],
      [2, 3],
    ],
    [
      [2, 3],
      [1, 3],
    ],
    [
      [2, 1],
      [1, 3],
    ],
    [
      [4, 1, 3],
      [2, 1],
    ],
    [[3], [2, 4, 3]],
    [
      [2, 3, 1, 2],
      [3, 4, 1],
    ],
    [[], [2, 2]],
    [[2, 2], []],
    [[1], [3]],
    [
      [0, 3],
      [1, 3],
    ],
  ];

  for (const [name, op, f] of ops) {
    test(`${name}: all broadcasting patterns match the naive map`, () => {
      shapePairs.forEach(([sa, sb], k) => {
        // small integers so that the comparisons see ties
        const a = naive(sa, 10 + k, -3, 3);
        const b = naive(sb, 20 + k, -3, 3);
        const ai = { data: a.data.map(Math.round), shape: sa };
        const bi = { data: b.data.map(Math.round), shape: sb };
        const expected = naiveMap([ai, bi], f);
        expectValues(op(T(ai), T(bi)), expected, 1e-15, 0);
      });
    });
  }

  test('pow with positive bases, integer exponents of negative bases and broadcasting', () => {
    const a = { data: [0.5, 1, 2, 3.5, 4, 9], shape: [2, 3] };
    const b = { data: [0.5, -1, 3], shape: [3] };
    expectValues(pow(T(a), T(b)), naiveMap([a, b], Math.pow), 1e-15, 0);
    expect(toArray(pow(tensor([-2, -3], undefined, 'float64'), 3))).toEqual([-8, -27]);
    expect(toArray(pow(tensor([-8], undefined, 'float64'), 1 / 3))[0]).toBeNaN();
    expect(toArray(pow(2, tensor([0, 1, 10], undefined, 'float64')))).toEqual([1, 2, 1024]);
  });

  test('numbers on either side', () => {
    expect(toArray(sub(10, tensor([1, 2], undefined, 'float64')))).toEqual([9, 8]);
    expect(toArray(div(tensor([1, 2], undefined, 'float64'), 4))).toEqual([0.25, 0.5]);
    expect(toArray(maximum(tensor([-1, 3], undefined, 'float64'), 0))).toEqual([0, 3]);
  });

  test('maximum / minimum propagate NaN', () => {
    const a = tensor([NaN, 1], undefined, 'float64');
    const b = tensor([0, NaN], undefined, 'float64');
    for (const r of [maximum(a, b), minimum(a, b), maximum(b, a), minimum(b, a)]) {
      expect(toArray(r).every(Number.isNaN)).toBe(true);
    }
  });

  test('where selects elementwise with broadcasting over all three arguments', () => {
    const c = { data: [1, 0], shape: [2, 1] };
    const a = { data: [10, 20, 30], shape: [3] };
    const b = { data: [-1], shape: [] as number[] };
    expectValues(
      where(T(c), T(a), T(b)),
      naiveMap([c, a, b], (ci, ai, bi) => (ci !== 0 ? ai : bi)),
      0,
      0,
    );
    const c3 = { data: [0, 2, -1, 0, 0, 0.5], shape: [3, 1, 2] };
    const a3 = naive([4, 1], 5);
    const b3 = naive([1, 4, 2], 6);
    expectValues(
      where(T(c3), T(a3), T(b3)),
      naiveMap([c3, a3, b3], (ci, ai, bi) => (ci !== 0 ? ai : bi)),
      0,
      0,
    );
    // numbers as branches
    expect(toArray(where(tensor([1, 0, 1]), 5, -5))).toEqual([5, -5, 5]);
  });

  propTest.prop([
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 4 }),
    fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    fc.nat({ max: 4 }),
    fc.nat({ max: 4 }),
    fc.integer(),
  ])('random broadcastable shapes: add / mul / sub agree with the naive map', (out, onesA, onesB, dropA, dropB, seed) => {
    // operand shapes: a suffix of `out` with some axes set to 1
    const sa = out.slice(Math.min(dropA, out.length)).map((d, i) => (onesA[i] ? 1 : d));
    const sb = out.slice(Math.min(dropB, out.length)).map((d, i) => (onesB[i] ? 1 : d));
    const a = naive(sa, seed);
    const b = naive(sb, seed + 1);
    expect(broadcastShape(sa, sb)).toEqual(bshape(sa, sb));
    expectValues(
      add(T(a), T(b)),
      naiveMap([a, b], (x, y) => x + y),
      0,
      0,
    );
    expectValues(
      mul(T(a), T(b)),
      naiveMap([a, b], (x, y) => x * y),
      0,
      0,
    );
    expectValues(
      sub(T(b), T(a)),
      naiveMap([b, a], (x, y) => x - y),
      0,
      0,
    );
  });
});

// ------------------------------------------------------------ reductions

describe('reductions', () => {
  const x = naive([2, 3, 4], 42);
  const axisChoices: (number[] | undefined)[] = [undefined, [], [0], [1], [2], [-1], [0, 1], [0, 2], [1, 2], [0, -1], [0, 1, 2]];

  const resolve = (axes: number[] | undefined): number[] => axes ?? [0, 1, 2];

  for (const keepdims of [false, true]) {
    for (const axes of axisChoices) {
      const label = `axes ${axes === undefined ? 'all (undefined)' : `[${axes.join(', ')}]`}, keepdims ${keepdims}`;
      test(`sum / mean / max / min / norm / logSumExp over ${label}`, () => {
        const ax = resolve(axes);
        const t = T(x);
        expectValues(
          sum(t, axes, keepdims),
          naiveReduce(x, ax, keepdims, 0, (a, v) => a + v),
        );
        expectValues(
          mean(t, axes, keepdims),
          naiveReduce(
            x,
            ax,
            keepdims,
            0,
            (a, v) => a + v,
            (a, c) => a / c,
          ),
        );
        expectValues(
          max(t, axes, keepdims),
          naiveReduce(x, ax, keepdims, -Infinity, (a, v) => (v > a ? v : a)),
        );
        expectValues(
          min(t, axes, keepdims),
          naiveReduce(x, ax, keepdims, Infinity, (a, v) => (v < a ? v : a)),
        );
        expectValues(
          norm(t, axes, keepdims),
          naiveReduce(
            x,
            ax,
            keepdims,
            0,
            (a, v) => a + v * v,
            (a) => Math.sqrt(a),
          ),
        );
        expectValues(
          logSumExp(t, axes, keepdims),
          naiveReduce(
            x,
            ax,
            keepdims,
            0,
            (a, v) => a + Math.exp(v),
            (a) => Math.log(a),
          ),
        );
      });
    }
  }

  test('a single number axis is the same as a one-element list', () => {
    const t = T(x);
    expect(toArray(sum(t, 1))).toEqual(toArray(sum(t, [1])));
    expect(sum(t, 1).shape).toEqual([2, 4]);
  });

  test('hand-computed values on a small matrix', () => {
    const m = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      undefined,
      'float64',
    );
    expect(toArray(sum(m))).toEqual([21]);
    expect(sum(m).shape).toEqual([]);
    expect(toNested(sum(m, 0))).toEqual([5, 7, 9]);
    expect(toNested(sum(m, 1, true))).toEqual([[6], [15]]);
    expect(toNested(mean(m, 0))).toEqual([2.5, 3.5, 4.5]);
    expect(toNested(max(m, 1))).toEqual([3, 6]);
    expect(toNested(min(m, 0, true))).toEqual([[1, 2, 3]]);
    expect(
      toNested(
        norm(
          tensor(
            [
              [3, 4],
              [5, 12],
            ],
            undefined,
            'float64',
          ),
          1,
        ),
      ),
    ).toEqual([5, 13]);
  });

  test('float32 reductions accumulate in float64 and round once', () => {
    // 1 + 1e-8 * 1000 in float32 steps would stay at 1; accumulated in float64 it is 1.00001
    const vals = [1, ...new Array(1000).fill(1e-8)];
    const s = item(sum(tensor(vals)));
    const exact = vals.map(Math.fround).reduce((p, v) => p + v, 0);
    expect(s).toBe(Math.fround(exact));
    expect(s).toBeGreaterThan(1);
  });

  test('sum over an empty axis is 0; mean over one is a ShapeError, not a silent NaN', () => {
    expect(toArray(sum(tensor([], [2, 0]), 1))).toEqual([0, 0]);
    expect(toArray(sum(tensor([], [0, 3]), 0))).toEqual([0, 0, 0]);
    expect(() => mean(tensor([], [0]))).toThrow(ShapeError);
    expect(() => mean(tensor([], [2, 0]), 1)).toThrow(/mean: cannot average over an empty axis of a tensor with shape \[2, 0\]/);
    // an empty batch averaged over a non-empty axis is fine: nothing is divided by 0
    expect(mean(tensor([], [0, 3]), 1).shape).toEqual([0]);
  });

  test('norm of an empty vector is 0 (sqrt of an empty sum)', () => {
    expect(toArray(norm(tensor([], [0], 'float64')))).toEqual([0]);
    expect(toArray(norm(tensor([], [2, 0], 'float64'), 1))).toEqual([0, 0]);
  });

  test('max / min propagate NaN', () => {
    const t = tensor(
      [
        [1, NaN, 3],
        [4, 5, 6],
      ],
      undefined,
      'float64',
    );
    const mx = toArray(max(t, 1));
    expect(mx[0]).toBeNaN();
    expect(mx[1]).toBe(6);
    const mn = toArray(min(t, 1));
    expect(mn[0]).toBeNaN();
    expect(mn[1]).toBe(4);
  });

  test('logSumExp of huge values stays finite; rows of -Infinity give -Infinity', () => {
    const big = tensor(
      [
        [1000, 1000],
        [1000, -Infinity],
        [-Infinity, -Infinity],
        [0, Math.log(3)],
      ],
      undefined,
      'float64',
    );
    // log(2 e^1000) = 1000 + log 2 ; log(e^1000 + 0) = 1000 ; log(0) = -Inf ; log(1 + 3) = log 4
    expectValues(logSumExp(big, 1), [1000 + Math.LN2, 1000, -Infinity, Math.log(4)], 1e-15, 0);
    const big32 = logSumExp(tensor([1000, 1000, 1000]));
    expect(big32.dtype).toBe('float32');
    expect(item(big32)).toBe(Math.fround(1000 + Math.log(3)));
    // huge negative values do not underflow to -Infinity
    expectValues(logSumExp(tensor([-1000, -1000], undefined, 'float64')), [-1000 + Math.LN2], 1e-15, 0);
    // keepdims
    expect(logSumExp(big, 1, true).shape).toEqual([4, 1]);
    expect(logSumExp(big, 0).shape).toEqual([2]);
  });

  test('logSumExp with +Infinity gives +Infinity, with NaN gives NaN', () => {
    const r = toArray(
      logSumExp(
        tensor(
          [
            [1, Infinity],
            [1, NaN],
          ],
          undefined,
          'float64',
        ),
        1,
      ),
    );
    expect(r[0]).toBe(Infinity);
    expect(r[1]).toBeNaN();
  });

  test('norm of huge and tiny vectors neither overflows nor underflows', () => {
    const huge = tensor([3e200, -4e200], undefined, 'float64');
    const tiny = tensor([3e-200, 4e-200], undefined, 'float64');
    expectValues(norm(huge), [5e200], 1e-15, 0);
    expectValues(norm(tiny), [5e-200], 1e-15, 0);
    expectValues(
      norm(
        tensor(
          [
            [1e200, 1e200],
            [1e-200, 1e-200],
          ],
          undefined,
          'float64',
        ),
        1,
      ),
      [Math.SQRT2 * 1e200, Math.SQRT2 * 1e-200],
      1e-15,
      0,
    );
    // subnormal entries
    expectValues(norm(tensor([3e-320, 4e-320], undefined, 'float64')), [5e-320], 1e-3, 0);
    expect(toArray(norm(tensor([0, 0], undefined, 'float64')))).toEqual([0]);
    expect(toArray(norm(tensor([1, Infinity], undefined, 'float64')))).toEqual([Infinity]);
  });

  test('broadcastTo and sumTo against naive loops', () => {
    const a = naive([3, 1], 7);
    const b = broadcastTo(T(a), [2, 3, 4]);
    expectValues(
      b,
      naiveMap([a, { data: new Array(24).fill(0), shape: [2, 3, 4] }], (u) => u),
      0,
      0,
    );
    expect(broadcastTo(T(a), [3, 1]).shape).toEqual([3, 1]);
    const g = naive([2, 3, 4], 8);
    // sumTo [3, 1]: sum over axis 0 (leading) and axis 2 (size 1 in the target)
    const expected = naiveReduce(g, [0, 2], true, 0, (p, v) => p + v);
    expectValues(sumTo(T(g), [3, 1]), { data: expected.data, shape: [3, 1] });
    expectValues(sumTo(T(g), []), [g.data.reduce((p, v) => p + v, 0)]);
    expectValues(
      sumTo(T(g), [4]),
      naiveReduce(g, [0, 1], false, 0, (p, v) => p + v),
    );
  });
});

// ------------------------------------------------------------ linear algebra

describe('matmul', () => {
  test('2-D by hand', () => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'float64',
    );
    const b = tensor(
      [
        [5, 6],
        [7, 8],
      ],
      undefined,
      'float64',
    );
    expect(toNested(matmul(a, b))).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(toNested(matmul(a, b, { transposeA: true }))).toEqual([
      [26, 30],
      [38, 44],
    ]);
    expect(toNested(matmul(a, b, { transposeB: true }))).toEqual([
      [17, 23],
      [39, 53],
    ]);
    expect(toNested(matmul(a, b, { transposeA: true, transposeB: true }))).toEqual([
      [23, 31],
      [34, 46],
    ]);
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ['[3,4]·[4,2]', [3, 4], [4, 2], false, false],
    ['[4,3]ᵀ·[4,2]', [4, 3], [4, 2], true, false],
    ['[3,4]·[2,4]ᵀ', [3, 4], [2, 4], false, true],
    ['[4,3]ᵀ·[2,4]ᵀ', [4, 3], [2, 4], true, true],
    ['batched [2,3,4]·[2,4,5]', [2, 3, 4], [2, 4, 5], false, false],
    ['broadcast batch [2,1,3,4]·[5,4,2]', [2, 1, 3, 4], [5, 4, 2], false, false],
    ['broadcast batch [3,4]·[2,4,5]', [3, 4], [2, 4, 5], false, false],
    ['broadcast batch [2,1,4,3]ᵀ·[1,3,2,4]ᵀ', [2, 1, 4, 3], [1, 3, 2, 4], true, true],
    ['broadcast batch [1,3,4]·[4,1,5,4]ᵀ', [1, 3, 4], [4, 1, 5, 4], false, true],
    ['blocked kernel sizes [9,130]·[130,7]', [9, 130], [130, 7], false, false],
    ['blocked kernel sizes, transposed [130,9]ᵀ·[7,130]ᵀ', [130, 9], [7, 130], true, true],
    ['empty inner dimension [2,0]·[0,3]', [2, 0], [0, 3], false, false],
  ];

  for (const dtype of ['float64', 'float32'] as const) {
    test.each(cases)(`%s (${dtype}, js kernel) matches the naive triple loop`, (_label, sa, sb, tA, tB) => {
      const a = naive(sa, sa.length * 31 + sb[0]);
      const b = naive(sb, sb.length * 17 + sa[0]);
      // in float32 the inputs are rounded first; the js kernel accumulates in float64 then rounds once
      const a2 = dtype === 'float32' ? { data: a.data.map(Math.fround), shape: sa } : a;
      const b2 = dtype === 'float32' ? { data: b.data.map(Math.fround), shape: sb } : b;
      const out = withBackend('js', () => matmul(T(a, dtype), T(b, dtype), { transposeA: tA, transposeB: tB }));
      expect(out.dtype).toBe(dtype);
      const expected = naiveMatmul(a2, b2, tA, tB);
      const tol = dtype === 'float64' ? 1e-12 : 2 ** -22;
      expectValues(out, dtype === 'float32' ? { data: expected.data.map(Math.fround), shape: expected.shape } : expected, tol, 1e-10);
    });
  }

  test.each(cases)('%s (float32, default backend) is within the float32 accumulation bound', (_label, sa, sb, tA, tB) => {
    const a = naive(sa, sa.length * 31 + sb[0]);
    const b = naive(sb, sb.length * 17 + sa[0]);
    const a2 = { data: a.data.map(Math.fround), shape: sa };
    const b2 = { data: b.data.map(Math.fround), shape: sb };
    const out = matmul(T(a, 'float32'), T(b, 'float32'), { transposeA: tA, transposeB: tB });
    expect(out.dtype).toBe('float32');
    const exact = naiveMatmul(a2, b2, tA, tB);
    // a length-K dot product summed in float32 (any order) and stored: |err| ≤ (K+1)·u/(1−(K+1)·u)·Σ|a||b|
    // (Higham, Thm 3.5), u = 2⁻²⁴; the bound below is (K+2)·u·Σ|a||b|
    const absA = { data: a2.data.map(Math.abs), shape: sa },
      absB = { data: b2.data.map(Math.abs), shape: sb };
    const scale = naiveMatmul(absA, absB, tA, tB).data;
    const K = tA ? sa[0] : sa[1];
    const got = toArray(out);
    expect(got).toHaveLength(exact.data.length);
    for (let i = 0; i < got.length; i++) {
      expect(Math.abs(got[i] - exact.data[i]), `index ${i}`).toBeLessThanOrEqual((K + 2) * 2 ** -24 * scale[i] + 1e-38);
    }
  });

  test('1-D operands: vector·matrix, matrix·vector, vector·vector, and with batched matrices', () => {
    const v = naive([4], 1);
    const m = naive([4, 3], 2);
    const mt = naive([3, 4], 3);
    const batch = naive([2, 4, 3], 4);
    const batchL = naive([2, 3, 4], 5);
    const asRow: Naive = { data: v.data, shape: [1, 4] };
    const asCol: Naive = { data: v.data, shape: [4, 1] };

    const vm = matmul(T(v), T(m));
    expectValues(vm, { data: naiveMatmul(asRow, m).data, shape: [3] });

    const mv = matmul(T(mt), T(v));
    expectValues(mv, { data: naiveMatmul(mt, asCol).data, shape: [3] });

    const vv = matmul(T(v), T(v));
    expect(vv.shape).toEqual([]);
    expectValues(vv, [v.data.reduce((s, x) => s + x * x, 0)]);

    const vb = matmul(T(v), T(batch));
    expectValues(vb, { data: naiveMatmul(asRow, batch).data, shape: [2, 3] });

    const bv = matmul(T(batchL), T(v));
    expectValues(bv, { data: naiveMatmul(batchL, asCol).data, shape: [2, 3] });

    // a 1-D operand with a transposed matrix
    expectValues(matmul(T(v), T(mt), { transposeB: true }), { data: naiveMatmul(asRow, mt, false, true).data, shape: [3] });
  });

  test('dot and outer', () => {
    const a = tensor([1, 2, 3], undefined, 'float64');
    const b = tensor([4, -5, 6], undefined, 'float64');
    expect(item(dot(a, b))).toBe(4 - 10 + 18);
    expect(dot(a, b).shape).toEqual([]);
    expect(toNested(outer(a, tensor([1, 10], undefined, 'float64')))).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
  });
});

// ------------------------------------------------------------ shape ops

describe('shape ops', () => {
  const x = naive([2, 3, 4], 99);

  test('reshape keeps row-major order and infers -1', () => {
    const t = T(x);
    const r = reshape(t, [4, -1]);
    expect(r.shape).toEqual([4, 6]);
    expect(toArray(r)).toEqual(x.data);
    expect(reshape(t, [-1]).shape).toEqual([24]);
    expect(reshape(t, [2, 3, 4])).toBe(t);
    expect(toNested(reshape(tensor([1, 2, 3, 4, 5, 6], undefined, 'float64'), [3, 2]))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(reshape(tensor([5]), []).shape).toEqual([]);
    expect(reshape(tensor([], [0, 2]), [-1, 4]).shape).toEqual([0, 4]);
  });

  test('flatten', () => {
    const f = flatten(T(x));
    expect(f.shape).toEqual([24]);
    expect(toArray(f)).toEqual(x.data);
    expect(flatten(tensor(3)).shape).toEqual([1]);
  });

  test('transpose without perm reverses the axes; with perm it permutes them', () => {
    expect(
      toNested(
        transpose(
          tensor(
            [
              [1, 2, 3],
              [4, 5, 6],
            ],
            undefined,
            'float64',
          ),
        ),
      ),
    ).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expectValues(transpose(T(x)), naiveTranspose(x, [2, 1, 0]), 0, 0);
    for (const perm of [
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [0, 1, 2],
    ]) {
      expectValues(transpose(T(x), perm), naiveTranspose(x, perm), 0, 0);
      expectValues(permute(T(x), perm), naiveTranspose(x, perm), 0, 0);
    }
    // negative entries
    expectValues(transpose(T(x), [-1, 0, 1]), naiveTranspose(x, [2, 0, 1]), 0, 0);
    const big = naive([37, 45], 3);
    expectValues(transpose(T(big)), naiveTranspose(big, [1, 0]), 0, 0);
  });

  test('expandDims and squeeze', () => {
    const t = T(x);
    expect(expandDims(t, 0).shape).toEqual([1, 2, 3, 4]);
    expect(expandDims(t, 1).shape).toEqual([2, 1, 3, 4]);
    expect(expandDims(t, 3).shape).toEqual([2, 3, 4, 1]);
    expect(expandDims(t, -1).shape).toEqual([2, 3, 4, 1]);
    expect(expandDims(t, -4).shape).toEqual([1, 2, 3, 4]);
    expect(toArray(expandDims(t, 2))).toEqual(x.data);
    const s = tensor([1, 2, 3], [1, 3, 1], 'float64');
    expect(squeeze(s).shape).toEqual([3]);
    expect(squeeze(s, 0).shape).toEqual([3, 1]);
    expect(squeeze(s, -1).shape).toEqual([1, 3]);
    expect(squeeze(s, [0, 2]).shape).toEqual([3]);
    expect(toArray(squeeze(s))).toEqual([1, 2, 3]);
    expect(squeeze(tensor([[7]])).shape).toEqual([]);
  });

  test('slice with begin/size, missing entries and -1 sizes', () => {
    const t = T(x);
    const naiveSlice = (begin: number[], size: number[]): Naive => {
      const data: number[] = [];
      for (let o = 0; o < sizeOf(size); o++) {
        const oi = unravel(o, size);
        data.push(
          x.data[
            ravel(
              oi.map((v, i) => v + begin[i]),
              x.shape,
            )
          ],
        );
      }
      return { data, shape: size };
    };
    expectValues(slice(t, [1, 0, 1], [1, 2, 3]), naiveSlice([1, 0, 1], [1, 2, 3]), 0, 0);
    expectValues(slice(t, [0, 1]), naiveSlice([0, 1, 0], [2, 2, 4]), 0, 0);
    expectValues(slice(t, [0, 1, 2], [-1, 1, -1]), naiveSlice([0, 1, 2], [2, 1, 2]), 0, 0);
    expectValues(slice(t, [1], [1]), naiveSlice([1, 0, 0], [1, 3, 4]), 0, 0);
    expect(slice(t, [0, 3], [2, 0]).shape).toEqual([2, 0, 4]);
    expect(slice(t, [])).toBe(t);
  });

  test('concat along each axis with three inputs of different lengths', () => {
    const parts = [naive([2, 1, 4], 1), naive([2, 3, 4], 2), naive([2, 2, 4], 3)];
    const out = concat(
      parts.map((p) => T(p)),
      1,
    );
    expect(out.shape).toEqual([2, 6, 4]);
    // naive: for each output position find which part it comes from
    const data: number[] = [];
    for (let o = 0; o < 2 * 6 * 4; o++) {
      const [i, j, k] = unravel(o, [2, 6, 4]);
      let jj = j;
      let p = 0;
      while (jj >= parts[p].shape[1]) jj -= parts[p++].shape[1];
      data.push(parts[p].data[ravel([i, jj, k], parts[p].shape)]);
    }
    expectValues(out, data, 0, 0);

    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'float64',
    );
    const b = tensor([[5, 6]], undefined, 'float64');
    expect(toNested(concat([a, b]))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(toNested(concat([a, tensor([[7], [8]], undefined, 'float64')], -1))).toEqual([
      [1, 2, 7],
      [3, 4, 8],
    ]);
    expect(toNested(concat([tensor([1], undefined, 'float64'), tensor([], [0], 'float64'), tensor([2, 3], undefined, 'float64')]))).toEqual([1, 2, 3]);
    const single = concat([a]);
    expect(toNested(single)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test('stack along a new axis at each position', () => {
    const a = tensor([1, 2, 3], undefined, 'float64');
    const b = tensor([4, 5, 6], undefined, 'float64');
    expect(toNested(stack([a, b]))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(toNested(stack([a, b], 1))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(toNested(stack([a, b], -1))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(toNested(stack([tensor(1), tensor(2), tensor(3)]))).toEqual([1, 2, 3]);
    const m = [naive([2, 2], 1), naive([2, 2], 2), naive([2, 2], 3)];
    const s = stack(
      m.map((p) => T(p)),
      1,
    );
    expect(s.shape).toEqual([2, 3, 2]);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let k = 0; k < 3; k++) for (let j = 0; j < 2; j++) expected.push(m[k].data[i * 2 + j]);
    expectValues(s, expected, 0, 0);
    expect(stack([a]).shape).toEqual([1, 3]);
  });

  test('take / gather along axes 0, 1 and -1, with repeated indices', () => {
    const t = T(x);
    const naiveTake = (idx: number[], axis: number): Naive => {
      const shape = x.shape.slice();
      shape[axis] = idx.length;
      const data: number[] = [];
      for (let o = 0; o < sizeOf(shape); o++) {
        const oi = unravel(o, shape);
        oi[axis] = idx[oi[axis]];
        data.push(x.data[ravel(oi, x.shape)]);
      }
      return { data, shape };
    };
    expectValues(take(t, [1, 0, 1]), naiveTake([1, 0, 1], 0), 0, 0);
    expectValues(take(t, [2, 2, 0, 1], 1), naiveTake([2, 2, 0, 1], 1), 0, 0);
    expectValues(take(t, Int32Array.from([3, 0]), -1), naiveTake([3, 0], 2), 0, 0);
    expectValues(gather(t, [0], 2), naiveTake([0], 2), 0, 0);
    expect(take(t, [], 1).shape).toEqual([2, 0, 4]);
    expect(toNested(take(tensor([10, 20, 30], undefined, 'float64'), [2, 0, 2]))).toEqual([30, 10, 30]);
  });

  propTest.prop([
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 6 }),
    // rows of one element (im2col), short rows (loop copy) and rows past the 64-element view threshold
    fc.constantFrom(1, 2, 5, 63, 64, 70),
    fc.array(fc.nat(), { maxLength: 12 }),
    fc.constantFrom<DType>('float32', 'float64'),
    fc.integer(),
  ])('take along the middle axis agrees with the naive selection for every row length', (outer, n, inner, raw, dtype, seed) => {
    const x = naive([outer, n, inner], seed);
    const idx = raw.map((r) => r % n);
    const data: number[] = [];
    for (let o = 0; o < outer; o++) for (const t of idx) for (let j = 0; j < inner; j++) data.push(x.data[(o * n + t) * inner + j]);
    const expected = { data: dtype === 'float32' ? Array.from(Float32Array.from(data)) : data, shape: [outer, idx.length, inner] };
    expectValues(take(T(x, dtype), idx, 1), expected, 0, 0);
  });

  test('scatterAdd: repeated indices accumulate, along axis 0 and 1', () => {
    const base = tensor(
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      undefined,
      'float64',
    );
    const upd = tensor(
      [
        [1, 2],
        [10, 20],
        [100, 200],
        [1000, 2000],
      ],
      undefined,
      'float64',
    );
    // rows 2, 0, 2, 2 receive the update rows in turn
    expect(toNested(scatterAdd(base, [2, 0, 2, 2], upd))).toEqual([
      [1 + 10, 1 + 20],
      [1, 1],
      [1 + 1 + 100 + 1000, 1 + 2 + 200 + 2000],
    ]);
    // along axis 1: columns of x get the update columns
    const x2 = naive([2, 3, 2], 5);
    const idx = [1, 1, 0, 2];
    const u2 = naive([2, 4, 2], 6);
    const expected = x2.data.slice();
    for (let i = 0; i < 2; i++) {
      for (let t = 0; t < idx.length; t++) {
        for (let k = 0; k < 2; k++) expected[ravel([i, idx[t], k], x2.shape)] += u2.data[ravel([i, t, k], u2.shape)];
      }
    }
    expectValues(scatterAdd(T(x2), idx, T(u2), 1), { data: expected, shape: [2, 3, 2] }, 1e-15, 0);
    // no indices: unchanged
    expect(toNested(scatterAdd(base, [], tensor([], [0, 2], 'float64')))).toEqual(toNested(base));
  });

  test('scatterAdd is the transpose of take: <take(x, i), u> = <x, scatterAdd(0, i, u)>', () => {
    const xv = naive([4, 3], 11);
    const u = naive([5, 3], 12);
    const idx = [3, 0, 3, 1, 3];
    const lhs = item(sum(mul(take(T(xv), idx), T(u))));
    const rhs = item(sum(mul(T(xv), scatterAdd(tensor(new Float64Array(12), [4, 3]), idx, T(u)))));
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12);
  });

  test('oneHot', () => {
    expect(toNested(oneHot([2, 0, 1, 2], 3))).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(oneHot([0], 4).dtype).toBe('float32');
    expect(oneHot([0], 4, 'float64').dtype).toBe('float64');
    expect(oneHot([], 3).shape).toEqual([0, 3]);
    expect(toNested(oneHot(Int32Array.from([1]), 2))).toEqual([[0, 1]]);
  });
});

// ------------------------------------------------------------ nn helpers and cast

describe('softmax / logSoftmax / normalize', () => {
  const naiveSoftmaxRows = (rows: number[][]): number[][] =>
    rows.map((r) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((p, v) => p + v, 0);
      return e.map((v) => v / s);
    });

  test('softmax rows sum to 1 and match the naive formula (last axis)', () => {
    const x = naive([4, 5], 3, -5, 5);
    const rows = [0, 1, 2, 3].map((i) => x.data.slice(i * 5, i * 5 + 5));
    const s = softmax(T(x));
    expect(s.shape).toEqual([4, 5]);
    expectValues(s, naiveSoftmaxRows(rows).flat(), 1e-14, 1e-16);
    const sums = toArray(sum(s, 1));
    for (const v of sums) expect(Math.abs(v - 1)).toBeLessThan(1e-14);
  });

  test('softmax along axis 0 normalises columns', () => {
    const x = naive([3, 2], 8);
    const s = toNested(softmax(T(x), 0)) as number[][];
    const cols = [0, 1].map((j) => [0, 1, 2].map((i) => x.data[i * 2 + j]));
    const expected = naiveSoftmaxRows(cols);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(Math.abs(s[i][j] - expected[j][i])).toBeLessThan(1e-14);
  });

  test('softmax of huge values (1000) is finite and correct; float32 rows sum to 1', () => {
    const s = softmax(
      tensor(
        [
          [1000, 1000, 1000, 1000],
          [1000, 0, -1000, 999],
        ],
        undefined,
        'float64',
      ),
    );
    const e1 = 1 / (1 + Math.exp(-1001) + Math.exp(-2000) + Math.exp(-1));
    // (exp of x − logSumExp(x) loses a few ulps of 1000 in the subtraction: allow 1e-12 relative)
    expectValues(s, [0.25, 0.25, 0.25, 0.25, e1, Math.exp(-1000) * e1, 0, Math.exp(-1) * e1], 1e-12, 1e-300);
    const s32 = softmax(tensor([[1000, 999, -1000]]));
    expect(s32.dtype).toBe('float32');
    expect(toArray(s32).every(Number.isFinite)).toBe(true);
  });

  test('float32 softmax rows sum to 1 within 1e-6 (about 17 float32 ulps), also for logits near 1000', () => {
    // exp(x − max) / Σ exp(x − max) is accurate to a few ulps whatever the size of x
    // (x − max is exact in float32 for nearby values); rows must sum to 1 accordingly.
    for (const row of [
      [1, 2, 3, 4],
      [10, 9, -10, 0],
      [1000, 999, -1000],
      [-1000, -1001, -999.5],
    ]) {
      const v = toArray(softmax(tensor([row])));
      const sumV = v.reduce((p, q) => p + q, 0);
      expect(Math.abs(sumV - 1), `row [${row.join(', ')}] sums to ${sumV}`).toBeLessThan(1e-6);
      // and each value is close to the float64 naive value
      const ref = naiveSoftmaxRows([row.map(Math.fround)])[0];
      v.forEach((p, i) => expect(Math.abs(p - ref[i]), `row [${row.join(', ')}] entry ${i}`).toBeLessThan(1e-6 * Math.max(ref[i], 1e-30) + 1e-12));
    }
  });

  test('logSoftmax = x − logSumExp(x) and is finite where softmax underflows', () => {
    const x = tensor(
      [
        [1000, 0],
        [1, 2],
      ],
      undefined,
      'float64',
    );
    // row 0: [0 − log(1 + e^-1000), −1000 − log(1 + e^-1000)] = [0, −1000]
    // row 1: [1 − (2 + log(1 + e^-1)), 2 − (2 + log(1 + e^-1))]
    const l = Math.log1p(Math.exp(-1));
    expectValues(logSoftmax(x), [0, -1000, 1 - 2 - l, -l], 1e-15, 1e-15);
    expectValues(logSoftmax(x, 0), [0, -2 - Math.log1p(Math.exp(-2)), -999, -Math.log1p(Math.exp(-2))], 1e-15, 1e-15);
  });

  test('normalize divides by the L2 norm along the axis; a zero vector gives zeros', () => {
    const x = tensor(
      [
        [3, 4],
        [0, 0],
        [-5, 12],
      ],
      undefined,
      'float64',
    );
    expectValues(normalize(x), [0.6, 0.8, 0, 0, -5 / 13, 12 / 13], 1e-15, 0);
    expect(toArray(normalize(tensor([0, 0, 0]))).every((v) => v === 0)).toBe(true);
    // along axis 0: columns [3, 0, -5] and [4, 0, 12]
    const c0 = Math.hypot(3, 0, -5);
    const c1 = Math.hypot(4, 0, 12);
    expectValues(normalize(x, 0), [3 / c0, 4 / c1, 0, 0, -5 / c0, 12 / c1], 1e-15, 0);
    // tiny vectors below eps are divided by eps, not blown up
    expectValues(normalize(tensor([1e-14, 0], undefined, 'float64')), [1e-14 / 1e-12, 0], 1e-12, 0);
    // huge vectors do not overflow
    expectValues(normalize(tensor([3e200, 4e200], undefined, 'float64')), [0.6, 0.8], 1e-15, 0);
  });
});

describe('cast', () => {
  test('float64 → float32 rounds each value; float32 → float64 is exact', () => {
    const vals = [0.1, 1e-50, 1e50, -1 / 3, 16777217];
    const d = tensor(vals, undefined, 'float64');
    const f = cast(d, 'float32');
    expect(f.dtype).toBe('float32');
    expect(f.shape).toEqual([5]);
    expect(toArray(f)).toEqual(vals.map(Math.fround));
    expect(toArray(cast(f, 'float64'))).toEqual(vals.map(Math.fround));
  });
});
