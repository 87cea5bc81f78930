/**
 * Tensor constructors and readers, default dtypes, float32 rounding, dtype
 * promotion and toString.
 */
import { describe, expect, test } from 'vitest';
import {
  Tensor,
  add,
  arange,
  cast,
  concat,
  div,
  eye,
  full,
  grad,
  isTensor,
  item,
  linspace,
  matmul,
  mul,
  ones,
  onesLike,
  scalar,
  sub,
  sum,
  tensor,
  toArray,
  toNested,
  toTypedArray,
  where,
  zeros,
  zerosLike,
} from '../lib/index.ts';

describe('tensor(): from numbers, nested arrays and typed arrays', () => {
  test('a number gives a float32 scalar', () => {
    const t = tensor(3);
    expect(t.shape).toEqual([]);
    expect(t.rank).toBe(0);
    expect(t.size).toBe(1);
    expect(t.dtype).toBe('float32');
    expect(item(t)).toBe(3);
    expect(toNested(t)).toBe(3);
    expect(isTensor(t)).toBe(true);
    expect(t).toBeInstanceOf(Tensor);
  });

  test('a flat array gives a float32 vector', () => {
    const t = tensor([1, 2, 3]);
    expect(t.shape).toEqual([3]);
    expect(t.rank).toBe(1);
    expect(t.size).toBe(3);
    expect(t.dtype).toBe('float32');
    expect(toArray(t)).toEqual([1, 2, 3]);
  });

  test('nested arrays give their nesting as the shape and are stored row-major', () => {
    const t = tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [7, 8, 9],
        [10, 11, 12],
      ],
    ]);
    expect(t.shape).toEqual([2, 2, 3]);
    expect(t.size).toBe(12);
    expect(toArray(t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  test('an explicit shape reshapes flat or nested data of the same size', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], [2, 3]).shape).toEqual([2, 3]);
    expect(toNested(tensor([1, 2, 3, 4, 5, 6], [3, 2]))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        [4],
      ).shape,
    ).toEqual([4]);
    expect(tensor(5, [1, 1]).shape).toEqual([1, 1]);
    expect(tensor([7], []).shape).toEqual([]);
  });

  test('Float32Array gives float32, Float64Array gives float64 (default dtype follows the typed array)', () => {
    const a = tensor(new Float32Array([1.5, 2.5]));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2]);
    expect(toArray(a)).toEqual([1.5, 2.5]);
    const b = tensor(new Float64Array([0.1, 0.2, 0.3]));
    expect(b.dtype).toBe('float64');
    expect(toArray(b)).toEqual([0.1, 0.2, 0.3]);
    const c = tensor(new Float64Array([1, 2, 3, 4]), [2, 2]);
    expect(c.shape).toEqual([2, 2]);
    expect(c.dtype).toBe('float64');
  });

  test('an explicit dtype overrides the default', () => {
    expect(tensor([0.1], undefined, 'float64').dtype).toBe('float64');
    expect(toArray(tensor([0.1], undefined, 'float64'))).toEqual([0.1]);
    const down = tensor(new Float64Array([0.1]), undefined, 'float32');
    expect(down.dtype).toBe('float32');
    expect(toArray(down)).toEqual([Math.fround(0.1)]);
    expect(tensor(new Float32Array([0.5]), undefined, 'float64').dtype).toBe('float64');
  });

  test('empty inputs: [] and empty typed arrays have shape [0]', () => {
    for (const t of [tensor([]), tensor(new Float32Array(0)), tensor(new Float64Array(0))]) {
      expect(t.shape).toEqual([0]);
      expect(t.size).toBe(0);
      expect(t.rank).toBe(1);
      expect(toArray(t)).toEqual([]);
      expect(toNested(t)).toEqual([]);
    }
    expect(tensor([]).dtype).toBe('float32');
    expect(tensor(new Float64Array(0)).dtype).toBe('float64');
  });

  test('empty inner axes: [[], []] has shape [2, 0]; explicit zero-size shapes', () => {
    const t = tensor([[], []]);
    expect(t.shape).toEqual([2, 0]);
    expect(t.size).toBe(0);
    expect(toNested(t)).toEqual([[], []]);
    expect(tensor([], [0, 3]).shape).toEqual([0, 3]);
    expect(tensor([], [3, 0, 2]).size).toBe(0);
  });

  test('float32 storage rounds every value to the nearest float32 (Math.fround)', () => {
    const vals = [0.1, 1 / 3, Math.PI, 1e-8, 123456789, -2.718281828459045];
    const t = tensor(vals);
    expect(toArray(t)).toEqual(vals.map(Math.fround));
    expect(item(tensor(0.1))).toBe(Math.fround(0.1));
    expect(item(tensor(0.1))).not.toBe(0.1);
    // float64 keeps them exactly
    expect(toArray(tensor(vals, undefined, 'float64'))).toEqual(vals);
  });

  test('float32 overflow and underflow follow IEEE rounding', () => {
    expect(toArray(tensor([1e39, -1e39, 1e-46]))).toEqual([Infinity, -Infinity, 0]);
  });

  test('NaN and infinities are stored as is when checkFinite is not requested', () => {
    const v = toArray(tensor([NaN, Infinity, -Infinity]));
    expect(Number.isNaN(v[0])).toBe(true);
    expect(v.slice(1)).toEqual([Infinity, -Infinity]);
    expect(toArray(tensor([1, 2], undefined, undefined, { checkFinite: true }))).toEqual([1, 2]);
  });

  test('the shape argument is copied (mutating it later does not change the tensor)', () => {
    const shape = [2, 2];
    const t = tensor([1, 2, 3, 4], shape);
    shape[0] = 4;
    shape.push(9);
    expect(t.shape).toEqual([2, 2]);
  });
});

describe('other constructors', () => {
  test('scalar', () => {
    expect(scalar(2.5).shape).toEqual([]);
    expect(scalar(2.5).dtype).toBe('float32');
    expect(item(scalar(0.1))).toBe(Math.fround(0.1));
    expect(item(scalar(0.1, 'float64'))).toBe(0.1);
  });

  test('zeros / ones / full', () => {
    const z = zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(toArray(z)).toEqual(new Array(6).fill(0));
    expect(toArray(ones([4], 'float64'))).toEqual([1, 1, 1, 1]);
    expect(ones([4], 'float64').dtype).toBe('float64');
    expect(toArray(full([2, 2], 0.1))).toEqual(new Array(4).fill(Math.fround(0.1)));
    expect(toArray(full([3], -7, 'float64'))).toEqual([-7, -7, -7]);
    expect(toArray(zeros([]))).toEqual([0]);
    expect(zeros([]).shape).toEqual([]);
    expect(zeros([0, 5]).size).toBe(0);
  });

  test('zerosLike / onesLike copy shape and dtype', () => {
    const x = tensor([[1, 2, 3]], undefined, 'float64');
    const z = zerosLike(x);
    const o = onesLike(x);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('float64');
    expect(toArray(z)).toEqual([0, 0, 0]);
    expect(o.shape).toEqual([1, 3]);
    expect(o.dtype).toBe('float64');
    expect(toArray(o)).toEqual([1, 1, 1]);
  });

  test('arange(n), arange(start, stop), arange with a step (including negative and fractional)', () => {
    expect(toArray(arange(5))).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe('float32');
    expect(toArray(arange(2, 6))).toEqual([2, 3, 4, 5]);
    expect(toArray(arange(0, 10, 3))).toEqual([0, 3, 6, 9]);
    expect(toArray(arange(5, 0, -2))).toEqual([5, 3, 1]);
    expect(toArray(arange(0, 1, 0.25, 'float64'))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(0).shape).toEqual([0]);
    expect(toArray(arange(3, 1))).toEqual([]);
  });

  test('linspace includes both ends', () => {
    expect(toArray(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(toArray(linspace(-1, 1, 3, 'float64'))).toEqual([-1, 0, 1]);
    expect(linspace(-1, 1, 3, 'float64').dtype).toBe('float64');
    expect(toArray(linspace(2, 3, 1))).toEqual([2]);
    expect(toArray(linspace(2, 3, 0))).toEqual([]);
    // the last value is exactly stop even when the step is not representable
    const l = toArray(linspace(0, 0.3, 4, 'float64'));
    expect(l[3]).toBe(0.3);
    expect(l[1]).toBeCloseTo(0.1, 15);
  });

  test('eye: square and rectangular identity matrices', () => {
    expect(toNested(eye(3))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(toNested(eye(2, 3))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(toNested(eye(3, 2))).toEqual([
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(eye(2, 2, 'float64').dtype).toBe('float64');
    expect(eye(0).shape).toEqual([0, 0]);
  });
});

describe('readers', () => {
  test('toNested round-trips through tensor for several ranks', () => {
    const cases = [
      7,
      [1, 2, 3],
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [[1], [2]],
        [[3], [4]],
      ],
      [],
      [[], [], []],
    ];
    for (const c of cases) {
      expect(toNested(tensor(c, undefined, 'float64'))).toEqual(c);
    }
  });

  test('toArray is row-major and toTypedArray keeps the storage type', () => {
    const t = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'float64',
    );
    expect(toArray(t)).toEqual([1, 2, 3, 4]);
    const ta = toTypedArray(t);
    expect(ta).toBeInstanceOf(Float64Array);
    expect(Array.from(ta)).toEqual([1, 2, 3, 4]);
    expect(toTypedArray(tensor([1]))).toBeInstanceOf(Float32Array);
  });

  test('item returns the single value of any one-element tensor', () => {
    expect(item(tensor(4))).toBe(4);
    expect(item(tensor([[9]]))).toBe(9);
    expect(item(tensor([2.5], [1, 1, 1], 'float64'))).toBe(2.5);
  });
});

describe('dtype promotion', () => {
  const a32 = tensor([0.1, 0.2]);
  const b64 = tensor([1, 2], undefined, 'float64');

  test('float32 op float64 gives float64, computed from the exact float32 values', () => {
    for (const op of [add, sub, mul, div]) {
      expect(op(a32, b64).dtype).toBe('float64');
      expect(op(b64, a32).dtype).toBe('float64');
    }
    const s = toArray(add(a32, b64));
    expect(s).toEqual([Math.fround(0.1) + 1, Math.fround(0.2) + 2]);
  });

  test('float32 op float32 stays float32 and rounds the result', () => {
    const r = add(tensor([0.1]), tensor([0.2]));
    expect(r.dtype).toBe('float32');
    expect(toArray(r)).toEqual([Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  });

  test('a JS number takes the tensor dtype', () => {
    const r32 = add(tensor([1]), 0.1);
    expect(r32.dtype).toBe('float32');
    expect(toArray(r32)).toEqual([Math.fround(1 + Math.fround(0.1))]);
    const l32 = mul(0.1, tensor([3]));
    expect(l32.dtype).toBe('float32');
    expect(toArray(l32)).toEqual([Math.fround(Math.fround(0.1) * 3)]);
    const r64 = add(tensor([1], undefined, 'float64'), 0.1);
    expect(r64.dtype).toBe('float64');
    expect(toArray(r64)).toEqual([1 + 0.1]);
    const l64 = sub(0.3, tensor([0.1], undefined, 'float64'));
    expect(toArray(l64)).toEqual([0.3 - 0.1]);
  });

  test('two JS numbers give a float32 scalar', () => {
    const r = add(1, 2);
    expect(r.dtype).toBe('float32');
    expect(r.shape).toEqual([]);
    expect(item(r)).toBe(3);
  });

  test('matmul, where and concat promote mixed dtypes to float64', () => {
    const m32 = tensor([[1, 2]]);
    const m64 = tensor([[3], [4]], undefined, 'float64');
    expect(matmul(m32, m64).dtype).toBe('float64');
    expect(toArray(matmul(m32, m64))).toEqual([11]);
    const c = tensor([1, 0]);
    expect(where(c, a32, b64).dtype).toBe('float64');
    expect(toArray(where(c, a32, b64))).toEqual([Math.fround(0.1), 2]);
    const cat = concat([a32, b64]);
    expect(cat.dtype).toBe('float64');
    expect(toArray(cat)).toEqual([Math.fround(0.1), Math.fround(0.2), 1, 2]);
  });

  test('cast converts and rounds; casting to the same dtype returns the tensor itself', () => {
    const x = tensor([0.1, 1 / 3], undefined, 'float64');
    const y = cast(x, 'float32');
    expect(y.dtype).toBe('float32');
    expect(toArray(y)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    expect(cast(x, 'float64')).toBe(x);
    const back = cast(y, 'float64');
    expect(back.dtype).toBe('float64');
    expect(toArray(back)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });

  test('gradients have the dtype of their input', () => {
    const g64 = grad((x: Tensor) => sum(mul(x, a32)))(tensor([1, 1], undefined, 'float64'));
    expect(g64.dtype).toBe('float64');
    expect(toArray(g64)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    const g32 = grad((x: Tensor) => sum(mul(x, b64)))(tensor([1, 1]));
    expect(g32.dtype).toBe('float32');
    expect(toArray(g32)).toEqual([1, 2]);
  });
});

describe('toString', () => {
  test('shows dtype, shape and values', () => {
    expect(tensor([1, 2, 3]).toString()).toBe('Tensor(float32, [3], [1, 2, 3])');
    expect(
      tensor(
        [
          [1.5, 2],
          [3, 4],
        ],
        undefined,
        'float64',
      ).toString(),
    ).toBe('Tensor(float64, [2, 2], [1.5, 2, 3, 4])');
    expect(scalar(7).toString()).toBe('Tensor(float32, [], [7])');
    expect(tensor([]).toString()).toBe('Tensor(float32, [0], [])');
    expect(String(tensor([0.5]))).toBe('Tensor(float32, [1], [0.5])');
  });

  test('float32 values print as their stored (rounded) value', () => {
    expect(tensor([0.1]).toString()).toBe(`Tensor(float32, [1], [${Math.fround(0.1)}])`);
  });

  test('long tensors are truncated to 64 values with a count of the rest', () => {
    const s = arange(100).toString();
    const expected = Array.from({ length: 64 }, (_, i) => i).join(', ');
    expect(s).toBe(`Tensor(float32, [100], [${expected}, … (36 more)])`);
    // exactly 64 values: nothing left out
    expect(arange(64).toString()).not.toContain('more');
  });
});
