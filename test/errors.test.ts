/**
 * Error paths: every programmer mistake throws the library's typed error, and
 * the message names the public function that was called together with the
 * shapes / values involved.
 */
import { describe, expect, test } from 'vitest';
import { ELEMENTWISE_OPS } from '../lib/testing/ops.ts';
import {
  ArgumentError,
  AxisError,
  DTypeError,
  GradError,
  GyrogradError,
  ShapeError,
  Tensor,
  ValueError,
  add,
  arange,
  backend,
  broadcastTo,
  cast,
  clamp,
  concat,
  customGrad,
  dot,
  expandDims,
  eye,
  flatten,
  foldIn,
  full,
  gather,
  grad,
  hvp,
  item,
  linspace,
  listBackends,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  mean,
  min,
  mul,
  norm,
  normalize,
  oneHot,
  ones,
  onesLike,
  outer,
  permutation,
  permute,
  prngKey,
  randomInt,
  randomNormal,
  randomUniform,
  reshape,
  scalar,
  scatterAdd,
  setBackend,
  slice,
  softmax,
  split,
  square,
  squeeze,
  stack,
  sum,
  sumTo,
  take,
  tensor,
  toArray,
  toNested,
  toTypedArray,
  transpose,
  valueAndGrad,
  vjp,
  where,
  zeros,
  zerosLike,
  type PRNGKey,
  type Tree,
} from '../lib/index.ts';
import { pairwiseCosine, pairwiseSqEuclidean } from '../lib/index.ts';
import * as lib from '../lib/index.ts';

type ErrorClass = new (...args: never[]) => Error;

/** Runs `f`, expects it to throw an instance of `cls`, and checks the message. */
function expectThrows(f: () => unknown, cls: ErrorClass, ...patterns: (string | RegExp)[]): Error {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected the call to throw').toBeInstanceOf(cls);
  expect(caught).toBeInstanceOf(GyrogradError);
  const err = caught as Error;
  expect(err.name).toBe(cls.name);
  for (const p of patterns) {
    if (typeof p === 'string') expect(err.message).toContain(p);
    else expect(err.message).toMatch(p);
  }
  return err;
}

const m23 = tensor([
  [1, 2, 3],
  [4, 5, 6],
]);
const v4 = tensor([1, 2, 3, 4]);
const anyT = (x: unknown): Tensor => x as Tensor;

describe('error classes', () => {
  test('every typed error extends GyrogradError and Error and has its own name', () => {
    const classes = [ShapeError, AxisError, DTypeError, ValueError, ArgumentError, GradError];
    for (const C of classes) {
      const e = new C('msg');
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(GyrogradError);
      expect(e.name).toBe(C.name);
      expect(e.message).toBe('msg');
    }
    expect(new AxisError('x')).toBeInstanceOf(ShapeError);
    expect(new ValueError('x')).not.toBeInstanceOf(ShapeError);
  });
});

describe('broadcasting mismatches (ShapeError)', () => {
  // the binary rows of the one op table
  const binaries = Object.fromEntries(ELEMENTWISE_OPS.filter((o) => o.arity === 2).map((o) => [o.name, o.fn]));
  test.each(Object.entries(binaries))('%s', (name, op) => {
    expectThrows(() => op(m23, v4), ShapeError, new RegExp(`\\b${name}\\b`), '[2, 3]', '[4]');
  });

  test('rank differences are reported with both shapes', () => {
    expectThrows(() => add(tensor([[[1, 2]]]), tensor([[1, 2, 3]])), ShapeError, 'add', '[1, 1, 2]', '[1, 3]');
  });

  test('where: condition vs branches and branch vs branch', () => {
    expectThrows(() => where(tensor([1, 0, 1, 0]), m23, 0), ShapeError, 'where', '[4]', '[2, 3]');
    expectThrows(() => where(tensor([1, 0, 1]), m23, tensor([1, 2])), ShapeError, 'where', '[2]');
  });

  test('broadcastTo a shape the tensor cannot broadcast to', () => {
    expectThrows(() => broadcastTo(m23, [3, 3]), ShapeError, 'broadcastTo', '[2, 3]', '[3, 3]');
    expectThrows(() => broadcastTo(m23, [3]), ShapeError, 'broadcastTo', '[2, 3]', '[3]');
  });
});

describe('matmul / dot / outer', () => {
  test('inner dimension mismatch names both shapes and the contracted lengths', () => {
    expectThrows(
      () =>
        matmul(
          m23,
          tensor([
            [1, 2],
            [3, 4],
          ]),
        ),
      ShapeError,
      'matmul',
      '[2, 3]',
      '[2, 2]',
      /3.*2/,
    );
  });

  test('inner dimension mismatch with transposes', () => {
    // aᵀ is [3, 2]: contracting 2 with b [3, 1]'s 3
    expectThrows(() => matmul(m23, tensor([[1], [2], [3]]), { transposeA: true }), ShapeError, 'matmul', '[2, 3]', '[3, 1]');
    // bᵀ of [2, 3] is [3, 2]: [2, 3] · [3, 2] is fine, but [2, 3] · ([3, 2])ᵀ = [2, 3] is not
    expect(() => matmul(m23, m23, { transposeB: true })).not.toThrow();
    expectThrows(
      () =>
        matmul(
          m23,
          tensor([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
          { transposeB: true },
        ),
      ShapeError,
      'matmul',
      '[3, 2]',
    );
  });

  test('1-D operands with mismatched lengths', () => {
    expectThrows(() => matmul(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, 'matmul', '[2]', '[3]');
    expectThrows(() => matmul(m23, tensor([1, 2])), ShapeError, 'matmul', '[2, 3]', '[2]');
  });

  test('scalar operands are rejected', () => {
    expectThrows(() => matmul(scalar(2), m23), ShapeError, 'matmul', '[]', '[2, 3]');
    expectThrows(() => matmul(m23, scalar(2)), ShapeError, 'matmul', '[]');
  });

  test('batch axes that do not broadcast', () => {
    expectThrows(() => matmul(zeros([2, 3, 4]), zeros([5, 4, 2])), ShapeError, 'matmul', /\b2\b.*\b5\b/);
  });

  test('dot and outer need 1-D operands', () => {
    expectThrows(() => dot(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, 'dot', '[2]', '[3]');
    expectThrows(() => dot(m23, m23), ShapeError, 'dot', '[2, 3]');
    expectThrows(() => outer(m23, tensor([1])), ShapeError, 'outer', '[2, 3]');
  });
});

describe('reshape', () => {
  test('size mismatch names both shapes and sizes', () => {
    expectThrows(() => reshape(m23, [4]), ShapeError, 'reshape', '[2, 3]', '[4]', '6');
    expectThrows(() => reshape(m23, [2, 2, 2]), ShapeError, 'reshape', '[2, 2, 2]', '8');
  });

  test('two -1 entries', () => {
    expectThrows(() => reshape(m23, [-1, -1]), ShapeError, 'reshape', '[-1, -1]');
  });

  test('a -1 that cannot be inferred', () => {
    expectThrows(() => reshape(m23, [-1, 4]), ShapeError, 'reshape', '[2, 3]', '[-1, 4]');
    expectThrows(() => reshape(m23, [-1, 0]), ShapeError, 'reshape');
  });

  test('negative or fractional lengths', () => {
    expectThrows(() => reshape(m23, [-2, -3]), ShapeError, 'reshape', '-2');
    expectThrows(() => reshape(m23, [1.5, 4]), ShapeError, 'reshape', '1.5');
  });
});

describe('bad axes (AxisError)', () => {
  const reductions = { sum, mean, max, min, norm, logSumExp };

  test.each(Object.entries(reductions))('%s: axis out of range names the axis and the shape', (name, f) => {
    expectThrows(() => f(m23, 2), AxisError, new RegExp(`\\b${name}\\b`), 'axis 2', '[2, 3]');
    expectThrows(() => f(m23, -3), AxisError, new RegExp(`\\b${name}\\b`), '-3', '[2, 3]');
    expectThrows(() => f(m23, [0, 5]), AxisError, new RegExp(`\\b${name}\\b`), '5');
  });

  test.each(Object.entries(reductions))('%s: repeated axes (also via negative aliases)', (name, f) => {
    expectThrows(() => f(m23, [0, 0]), AxisError, new RegExp(`\\b${name}\\b`), 'repeated');
    expectThrows(() => f(m23, [1, -1]), AxisError, new RegExp(`\\b${name}\\b`), 'repeated', '-1');
  });

  test.each(Object.entries(reductions))('%s: a fractional axis', (name, f) => {
    expectThrows(() => f(m23, 0.5), AxisError, new RegExp(`\\b${name}\\b`), '0.5');
  });

  test('AxisError is also a ShapeError', () => {
    expect(() => sum(m23, 7)).toThrow(ShapeError);
  });

  test('softmax / logSoftmax / normalize: the message names the function that was called', () => {
    expectThrows(() => softmax(m23, 2), AxisError, /\bsoftmax\b/, '2', '[2, 3]');
    expectThrows(() => logSoftmax(m23, -3), AxisError, /\blogSoftmax\b/, '-3', '[2, 3]');
    expectThrows(() => normalize(m23, 5), AxisError, /\bnormalize\b/, '5', '[2, 3]');
  });

  test('concat: axis out of range', () => {
    expectThrows(() => concat([m23, m23], 2), AxisError, 'concat', '2', '[2, 3]');
    expectThrows(() => concat([m23, m23], -3), AxisError, 'concat', '-3');
  });

  test('stack: axis out of range (valid range is [-rank-1, rank])', () => {
    expect(() => stack([m23, m23], 2)).not.toThrow();
    expect(() => stack([m23, m23], -3)).not.toThrow();
    expectThrows(() => stack([m23, m23], 3), AxisError, 'stack', '3');
    expectThrows(() => stack([m23, m23], -4), AxisError, 'stack', '-4');
  });

  test('expandDims: axis out of [-rank-1, rank]', () => {
    expect(() => expandDims(m23, 2)).not.toThrow();
    expect(() => expandDims(m23, -3)).not.toThrow();
    expectThrows(() => expandDims(m23, 3), AxisError, 'expandDims', 'axis 3');
    expectThrows(() => expandDims(m23, -4), AxisError, 'expandDims', '-4');
  });

  test('expandDims: the message names the shape of the tensor (not a wrong rank)', () => {
    const e = expectThrows(() => expandDims(m23, 5), AxisError, 'expandDims', '5', '[2, 3]');
    expect(e.message).not.toMatch(/rank-3/);
  });

  test('squeeze: out-of-range and repeated axes', () => {
    const x = zeros([1, 3, 1]);
    expectThrows(() => squeeze(x, 3), AxisError, 'squeeze', '3', '[1, 3, 1]');
    expectThrows(() => squeeze(x, [0, -3]), AxisError, 'squeeze', 'repeated');
  });

  test('squeeze: an axis whose length is not 1 (ShapeError)', () => {
    expectThrows(() => squeeze(zeros([1, 3, 1]), 1), ShapeError, 'squeeze', '[1, 3, 1]', 'length 3');
    expectThrows(() => squeeze(zeros([1, 3, 1]), [0, 1]), ShapeError, 'squeeze', 'axis 1');
  });

  test('take / scatterAdd: axis out of range', () => {
    expectThrows(() => take(m23, [0], 2), AxisError, 'take', '2', '[2, 3]');
    expectThrows(() => scatterAdd(m23, [0], zeros([2, 1]), -3), AxisError, 'scatterAdd', '-3');
  });
});

describe('transpose / permute: bad permutations', () => {
  const x = zeros([2, 3, 4]);
  test('repeated entries', () => {
    expectThrows(() => transpose(x, [0, 0, 1]), AxisError, 'transpose', '[0, 0, 1]', '[2, 3, 4]');
    expectThrows(() => transpose(x, [0, 1, -2]), AxisError, 'transpose', '[0, 1, -2]');
  });
  test('wrong length', () => {
    expectThrows(() => transpose(x, [1, 0]), AxisError, 'transpose', '[1, 0]', '[2, 3, 4]');
    expectThrows(() => permute(x, [0, 1, 2, 3]), AxisError, /transpose|permute/);
  });
  test('out-of-range entries', () => {
    expectThrows(() => transpose(x, [0, 1, 3]), AxisError, /transpose|permute/, '3', '[2, 3, 4]');
  });
});

describe('slice / concat / stack', () => {
  test('slice: begin + size beyond the axis', () => {
    expectThrows(() => slice(m23, [0, 2], [2, 2]), ShapeError, 'slice', '[2, 3]', 'axis 1');
    expectThrows(() => slice(m23, [3]), ShapeError, 'slice', '[2, 3]', 'axis 0');
  });
  test('slice: negative begin or size, fractional entries', () => {
    expectThrows(() => slice(m23, [-1, 0]), ShapeError, 'slice', '-1');
    expectThrows(() => slice(m23, [0, 0], [1, -2]), ShapeError, 'slice', '-2');
    expectThrows(() => slice(m23, [0.5]), ShapeError, 'slice', '0.5');
  });
  test('slice: more entries than axes', () => {
    expectThrows(() => slice(m23, [0, 0, 0]), ShapeError, 'slice', '[2, 3]');
    expectThrows(() => slice(m23, [0], [1, 1, 1]), ShapeError, 'slice', '[2, 3]');
  });

  test('concat: shapes that differ off the axis', () => {
    expectThrows(() => concat([m23, zeros([2, 2])], 0), ShapeError, 'concat', '[2, 3]', '[2, 2]');
    expectThrows(() => concat([m23, zeros([3])], 0), ShapeError, 'concat', '[2, 3]', '[3]');
  });
  test('concat: empty list and scalars', () => {
    expectThrows(() => concat([]), ArgumentError, 'concat');
    expectThrows(() => concat([scalar(1), scalar(2)]), ShapeError, 'concat', '[]');
  });

  test('stack: shape mismatch and empty list', () => {
    expectThrows(() => stack([m23, zeros([3, 2])]), ShapeError, 'stack', '[2, 3]', '[3, 2]');
    expectThrows(() => stack([]), ArgumentError, 'stack');
  });
});

describe('indices: take / gather / scatterAdd / oneHot', () => {
  test('take: out-of-range, negative and non-integer indices (ValueError)', () => {
    expectThrows(() => take(m23, [0, 2]), ValueError, 'take', 'index 2', /\[0, 1\]/);
    expectThrows(() => take(m23, [-1]), ValueError, 'take', '-1');
    expectThrows(() => take(m23, [0.5], 1), ValueError, 'take', '0.5');
    expectThrows(() => take(m23, Int32Array.from([3]), 1), ValueError, 'take', '3', /\[0, 2\]/);
    expectThrows(() => gather(m23, [NaN]), ValueError, 'NaN');
  });
  test('take: a scalar cannot be indexed, and indices must be an array', () => {
    expectThrows(() => take(scalar(1), [0]), ShapeError, 'take', '[]');
    expectThrows(() => take(m23, 'abc' as unknown as number[]), ArgumentError, 'take');
    expectThrows(() => take(m23, tensor([0]) as unknown as number[]), ArgumentError, 'take');
  });

  test('scatterAdd: out-of-range and non-integer indices', () => {
    expectThrows(() => scatterAdd(m23, [2], zeros([1, 3])), ValueError, 'scatterAdd', '2');
    expectThrows(() => scatterAdd(m23, [1.5], zeros([1, 3])), ValueError, 'scatterAdd', '1.5');
  });
  test('scatterAdd: updates of the wrong shape', () => {
    expectThrows(() => scatterAdd(m23, [0, 1], zeros([1, 3])), ShapeError, 'scatterAdd', '[1, 3]', '[2, 3]');
    expectThrows(() => scatterAdd(m23, [0], zeros([2, 1]), 0), ShapeError, 'scatterAdd', '[2, 1]', '[1, 3]');
    expectThrows(() => scatterAdd(scalar(1), [0], scalar(1)), ShapeError, 'scatterAdd', '[]');
  });

  test('oneHot: labels out of range or not integers, bad depth', () => {
    expectThrows(() => oneHot([0, 3], 3), ValueError, 'oneHot', '3', /\[0, 2\]/);
    expectThrows(() => oneHot([-1], 3), ValueError, 'oneHot', '-1');
    expectThrows(() => oneHot([1.5], 3), ValueError, 'oneHot', '1.5');
    expectThrows(() => oneHot([0], 0), ValueError, 'oneHot', 'depth', '0');
    expectThrows(() => oneHot([0], 2.5), ValueError, 'oneHot', '2.5');
  });
});

describe('tensor() and the constructors', () => {
  test('ragged nested arrays', () => {
    expectThrows(() => tensor([[1, 2], [3]]), ShapeError, 'tensor', 'ragged', '[2, 2]');
    expectThrows(() => tensor([[1, 2], 3] as unknown as number[][]), ShapeError, 'tensor', 'ragged');
    expectThrows(() => tensor([1, [2]] as unknown as number[]), ShapeError, 'tensor', 'ragged');
    expectThrows(
      () =>
        tensor([
          [[1], [2]],
          [[3], [4, 5]],
        ]),
      ShapeError,
      'tensor',
      'ragged',
    );
    expectThrows(() => tensor([[1], []]), ShapeError, 'tensor', 'ragged');
  });

  test('values that do not fit the given shape', () => {
    expectThrows(() => tensor([1, 2, 3], [2, 2]), ShapeError, 'tensor', '3', '[2, 2]', '4');
    expectThrows(() => tensor(new Float32Array(5), [2, 3]), ShapeError, 'tensor', '5', '[2, 3]');
    expectThrows(() => tensor(1, [2]), ShapeError, 'tensor', '[2]');
  });

  test('invalid shapes', () => {
    expectThrows(() => tensor([1, 2], [-2]), ShapeError, 'tensor', '[-2]');
    expectThrows(() => tensor([1, 2], [2.5]), ShapeError, 'tensor', '2.5');
    expectThrows(() => zeros([2, -1]), ShapeError, /zeros|full/, '[2, -1]');
    expectThrows(() => eye(1.5), ShapeError, 'eye', '1.5');
  });

  test('unsupported dtypes (DTypeError names the function and the dtype)', () => {
    const bad = 'int32' as 'float32';
    expectThrows(() => tensor([1], undefined, bad), DTypeError, 'tensor', 'int32');
    expectThrows(() => zeros([2], bad), DTypeError, /zeros|full/, 'int32');
    expectThrows(() => ones([2], bad), DTypeError, /ones|full/, 'int32');
    expectThrows(() => full([2], 1, bad), DTypeError, 'full', 'int32');
    expectThrows(() => arange(3, undefined, 1, bad), DTypeError, 'arange', 'int32');
    expectThrows(() => linspace(0, 1, 3, bad), DTypeError, 'linspace', 'int32');
    expectThrows(() => eye(2, 2, bad), DTypeError, 'eye', 'int32');
    expectThrows(() => cast(m23, 'float16' as 'float32'), DTypeError, 'cast', 'float16');
    expectThrows(() => oneHot([0], 2, bad), DTypeError, 'oneHot', 'int32');
    expectThrows(() => randomUniform(prngKey(0), [2], bad), DTypeError, 'randomUniform', 'int32');
    expectThrows(() => randomNormal(prngKey(0), [2], bad), DTypeError, 'randomNormal', 'int32');
  });

  test('scalar() rejects an unsupported dtype like every other constructor', () => {
    expectThrows(() => scalar(1, 'int32' as 'float32'), DTypeError, 'scalar', 'int32');
  });

  test('checkFinite rejects NaN and infinities with a ValueError naming the value and its position', () => {
    const opt = { checkFinite: true };
    expectThrows(() => tensor([1, NaN], undefined, undefined, opt), ValueError, 'tensor', 'NaN', 'index 1');
    expectThrows(
      () =>
        tensor(
          [
            [1, 2],
            [Infinity, 4],
          ],
          undefined,
          undefined,
          opt,
        ),
      ValueError,
      'tensor',
      'Infinity',
      'index 2',
      '[2, 2]',
    );
    expectThrows(() => tensor(new Float64Array([-Infinity]), undefined, undefined, opt), ValueError, 'tensor', '-Infinity');
    expectThrows(() => tensor(NaN, undefined, undefined, opt), ValueError, 'tensor', 'NaN');
    // float32 overflow happens when storing; the check is on the given values
    expect(() => tensor([3e38], undefined, undefined, opt)).not.toThrow();
  });

  test('values of the wrong kind', () => {
    expectThrows(() => tensor({} as unknown as number[]), ArgumentError, 'tensor');
    expectThrows(() => tensor('12' as unknown as number[]), ArgumentError, 'tensor');
    expectThrows(() => tensor(new Int32Array([1, 2]) as unknown as Float32Array), ArgumentError, 'tensor');
    expect(() => tensor(['a'] as unknown as number[])).toThrow(GyrogradError);
  });

  test('arange and linspace with bad arguments', () => {
    expectThrows(() => arange(0, 5, 0), ValueError, 'arange', 'step 0');
    expectThrows(() => arange(0, Infinity), ValueError, 'arange', 'Infinity');
    expectThrows(() => linspace(0, 1, -1), ValueError, 'linspace', '-1');
    expectThrows(() => linspace(0, 1, 2.5), ValueError, 'linspace', '2.5');
  });

  test('item on a tensor with more than one element (or none)', () => {
    expectThrows(() => item(m23), ShapeError, 'item', '[2, 3]', '6');
    expectThrows(() => item(zeros([0])), ShapeError, 'item', '[0]');
  });
});

describe('reductions of empty axes', () => {
  test('max / min of an empty axis (ShapeError)', () => {
    expectThrows(() => max(zeros([0])), ShapeError, 'max', '[0]');
    expectThrows(() => min(zeros([2, 0]), 1), ShapeError, 'min', '[2, 0]');
  });
});

describe('autodiff misuse', () => {
  test('grad of a non-scalar output (GradError names the shape)', () => {
    expectThrows(() => grad((x: Tensor) => mul(x, 2))(v4), GradError, 'grad', '[4]');
    expectThrows(() => valueAndGrad((x: Tensor) => mul(x, 2))(v4), GradError, 'valueAndGrad', '[4]');
    expectThrows(() => grad((x: Tensor) => sum(x, 0))(m23), GradError, 'grad', '[3]');
  });

  test('a one-element non-scalar output is accepted', () => {
    expect(toArray(grad((x: Tensor) => mul(x, 3))(tensor([[2]])))).toEqual([3]);
  });

  test('grad of a non-Tensor output (GradError)', () => {
    expectThrows(() => grad((() => 3) as unknown as (x: Tensor) => Tensor)(v4), GradError, 'grad', 'number');
    expectThrows(() => grad((() => null) as unknown as (x: Tensor) => Tensor)(v4), GradError, 'grad', 'null');
    expectThrows(() => grad(((x: Tensor) => [sum(x)]) as unknown as (x: Tensor) => Tensor)(v4), GradError, 'grad');
    expectThrows(() => valueAndGrad((() => undefined) as unknown as (x: Tensor) => Tensor)(v4), GradError, 'valueAndGrad', 'undefined');
  });

  test('argnums out of range', () => {
    const f = (a: Tensor, b: Tensor): Tensor => sum(mul(a, b));
    expectThrows(() => grad(f, 2)(v4, v4), GradError, 'grad', 'argnums', '2', '2 argument');
    expectThrows(() => grad(f, -1)(v4, v4), GradError, 'grad', '-1');
    expectThrows(() => grad(f, [0, 5])(v4, v4), GradError, 'grad', '5');
    expectThrows(() => grad(f, 0.5 as 0)(v4, v4), GradError, 'grad', '0.5');
    expectThrows(() => valueAndGrad(f, 3)(v4, v4), GradError, 'valueAndGrad', '3');
    // no arguments at all
    expectThrows(() => grad(() => scalar(1))(), GradError, 'grad', '0 argument');
  });

  test('a non-tensor leaf in a tree argument (ArgumentError naming the path)', () => {
    const f = (p: { a: Tensor; b: Tensor }): Tensor => sum(p.a);
    expectThrows(() => grad(f)({ a: v4, b: 3 as unknown as Tensor }), ArgumentError, '.b', 'number');
    expectThrows(() => grad(f)([v4, 'x'] as unknown as { a: Tensor; b: Tensor }), ArgumentError, '[1]', 'string');
    expectThrows(() => grad((x: Tensor) => sum(x))([1, 2] as unknown as Tensor), ArgumentError, '[0]', 'number');
    expectThrows(() => vjp((p: Tree) => sum((p as { a: Tensor }).a), { a: v4, b: null } as unknown as Tree), ArgumentError, '.b', 'null');
  });

  test('a non-tensor leaf: the message names the transformation that was called', () => {
    const f = (p: { a: Tensor; b: Tensor }): Tensor => sum(p.a);
    expectThrows(() => grad(f)({ a: v4, b: 3 as unknown as Tensor }), ArgumentError, /\bgrad\b/);
    expectThrows(() => valueAndGrad(f)({ a: v4, b: 3 as unknown as Tensor }), ArgumentError, /\bvalueAndGrad\b/);
    expectThrows(() => vjp((p: Tree) => sum((p as { a: Tensor }).a), { a: v4, b: 3 } as unknown as Tree), ArgumentError, /\bvjp\b/);
  });

  test('vjp: cotangent of the wrong shape or kind (ShapeError)', () => {
    const [, back] = vjp((x: Tensor) => mul(x, 2), m23);
    expectThrows(() => back(zeros([3, 2])), ShapeError, 'vjp', '[2, 3]', '[3, 2]');
    expectThrows(() => back(zeros([6])), ShapeError, 'vjp', '[6]');
    expectThrows(() => back(zeros([1, 2, 3])), ShapeError, 'vjp', '[1, 2, 3]');
    expectThrows(() => back(3 as unknown as Tensor), ShapeError, 'vjp', 'number');
    // the right shape still works afterwards
    expect(toArray(back(ones([2, 3]))[0])).toEqual([2, 2, 2, 2, 2, 2]);
  });

  test('vjp of a function that does not return a Tensor (GradError)', () => {
    expectThrows(() => vjp((() => 1) as unknown as (x: Tensor) => Tensor, v4), GradError, 'vjp', 'number');
  });

  test('hvp: v must have the shape of x', () => {
    const f = (x: Tensor): Tensor => sum(square(x));
    expectThrows(() => hvp(f, v4, tensor([1, 2])), ShapeError, 'hvp', '[4]', '[2]');
    // same size, different shape: must not silently broadcast
    expectThrows(() => hvp(f, zeros([2, 1]), zeros([1, 2])), ShapeError, 'hvp', '[2, 1]', '[1, 2]');
  });

  test('customGrad: backward returning the wrong number of cotangents (GradError)', () => {
    const f = customGrad(
      (a: Tensor, b: Tensor) => mul(a, b),
      (g: Tensor) => [g],
      'myMul',
    );
    expectThrows(() => grad((x: Tensor) => sum(f(x, x)))(v4), GradError, 'myMul', '2', '1');
    const g3 = customGrad(
      (a: Tensor) => mul(a, 2),
      (g: Tensor) => [g, g, g],
      'triple',
    );
    expectThrows(() => grad((x: Tensor) => sum(g3(x)))(v4), GradError, 'triple', '3');
    const notArray = customGrad((a: Tensor) => mul(a, 2), ((g: Tensor) => g) as unknown as (g: Tensor) => Tensor[], 'notArray');
    expectThrows(() => grad((x: Tensor) => sum(notArray(x)))(v4), GradError, 'notArray');
  });

  test('customGrad: backward returning a cotangent of the wrong shape (ShapeError)', () => {
    const f = customGrad(
      (a: Tensor) => mul(a, 2),
      (g: Tensor) => [sum(g)],
      'badShape',
    );
    expectThrows(() => grad((x: Tensor) => sum(f(x)))(m23), ShapeError, 'badShape', '[]', '[2, 3]');
    const h = customGrad(
      (a: Tensor) => mul(a, 2),
      (g: Tensor) => [reshape(g, [3, 2])],
      'transposedShape',
    );
    expectThrows(() => grad((x: Tensor) => sum(h(x)))(m23), ShapeError, 'transposedShape', '[3, 2]', '[2, 3]');
  });

  test('customGrad: non-tensor inputs and a forward that does not return a tensor (ArgumentError)', () => {
    const f = customGrad(
      (a: Tensor) => mul(a, 2),
      (g: Tensor) => [g],
      'twice',
    );
    expectThrows(() => f(anyT(3)), ArgumentError, 'twice', 'input 0');
    const bad = customGrad((() => 5) as unknown as (a: Tensor) => Tensor, (g: Tensor) => [g], 'badForward');
    expectThrows(() => bad(v4), ArgumentError, 'badForward', 'number');
  });
});

describe('randomness: bad keys and arguments', () => {
  test('prngKey with a negative, fractional, NaN or unsafe seed (ValueError)', () => {
    expectThrows(() => prngKey(-1), ValueError, 'prngKey', '-1');
    expectThrows(() => prngKey(1.5), ValueError, 'prngKey', '1.5');
    expectThrows(() => prngKey(NaN), ValueError, 'prngKey', 'NaN');
    expectThrows(() => prngKey(2 ** 53), ValueError, 'prngKey', String(2 ** 53));
  });

  test('randomUniform with minval >= maxval or infinite bounds (ValueError)', () => {
    const k = prngKey(0);
    expectThrows(() => randomUniform(k, [2], 'float32', 1, 0), ValueError, 'randomUniform', '1', '0');
    expectThrows(() => randomUniform(k, [2], 'float32', 2, 2), ValueError, 'randomUniform', '2');
    expectThrows(() => randomUniform(k, [2], 'float64', 0, Infinity), ValueError, 'randomUniform', 'Infinity');
    expectThrows(() => randomUniform(k, [2], 'float64', NaN, 1), ValueError, 'randomUniform', 'NaN');
  });

  test('samplers reject things that are not keys (ArgumentError)', () => {
    const notKey = { words: [1, 2] } as unknown as PRNGKey;
    expectThrows(() => randomUniform(notKey, [2]), ArgumentError, 'randomUniform');
    expectThrows(() => randomNormal(null as unknown as PRNGKey, [2]), ArgumentError, 'randomNormal', 'null');
    expectThrows(() => randomInt(notKey, 2, 0, 3), ArgumentError, 'randomInt');
    expectThrows(() => permutation(notKey, 3), ArgumentError, 'permutation');
    expectThrows(() => split(notKey), ArgumentError, 'split');
    expectThrows(() => foldIn(notKey, 1), ArgumentError, 'foldIn');
  });

  test('split / foldIn / randomInt / permutation argument checks (ValueError)', () => {
    const k = prngKey(0);
    expectThrows(() => split(k, 0), ValueError, 'split', '0');
    expectThrows(() => split(k, 1.5), ValueError, 'split', '1.5');
    expectThrows(() => foldIn(k, 0.5), ValueError, 'foldIn', '0.5');
    expectThrows(() => randomInt(k, 3, 4, 2), ValueError, 'randomInt', '4', '2');
    expectThrows(() => randomInt(k, 2.5, 0, 2), ValueError, 'randomInt', '2.5');
    expectThrows(() => permutation(k, -3), ValueError, 'permutation', '-3');
  });

  test('bad shapes for samplers (ShapeError)', () => {
    expectThrows(() => randomNormal(prngKey(0), [-1]), ShapeError, 'randomNormal', '[-1]');
    expectThrows(() => randomUniform(prngKey(0), [1.5]), ShapeError, 'randomUniform', '1.5');
  });
});

describe('clamp and backends', () => {
  test('clamp with min > max (ValueError names both bounds)', () => {
    expectThrows(() => clamp(v4, 2, 1), ValueError, 'clamp', '2', '1');
    expectThrows(() => clamp(v4, NaN, 1), ValueError, 'clamp', 'NaN');
    expect(() => clamp(v4, 1, 1)).not.toThrow();
  });

  test("setBackend('nope') throws a ValueError listing the backends and keeps the current one", () => {
    const before = backend();
    expectThrows(() => setBackend('nope'), ValueError, 'setBackend', 'nope', ...listBackends());
    expect(backend()).toBe(before);
  });
  test('device memory functions reject host backends, bad budgets and backends that do not run here', () => {
    expectThrows(() => lib.deviceMemoryStats('wasm'), ValueError, 'deviceMemoryStats', 'wasm', 'not a device backend');
    expectThrows(() => lib.setDeviceMemoryBudget(-1), ValueError, 'setDeviceMemoryBudget', '-1');
    expectThrows(() => lib.setDeviceMemoryBudget(Number.NaN), ValueError, 'setDeviceMemoryBudget', 'NaN');
    // Node has no browser WebGL
    expectThrows(() => lib.deviceMemoryStats('gpujs-webgl2'), lib.BackendUnavailableError, 'deviceMemoryStats', 'gpujs-webgl2');
  });

  test('gpujs-webgpu without navigator.gpu: setBackend rejects with a BackendUnavailableError; withBackend throws one', async () => {
    const before = backend();
    let caught: unknown;
    try {
      await lib.setBackend('gpujs-webgpu');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(lib.BackendUnavailableError);
    expect((caught as Error).message).toMatch(/gpujs-webgpu.*navigator\.gpu/);
    expectThrows(() => lib.withBackend('gpujs-webgpu', () => 1), lib.BackendUnavailableError, 'gpujs-webgpu');
    expect(backend()).toBe(before);
  });

  test('toArrayAsync of a non-Tensor rejects with an ArgumentError naming it', async () => {
    await expect(lib.toArrayAsync(anyT([1, 2]))).rejects.toThrow(ArgumentError);
    await expect(lib.toArrayAsync(anyT([1, 2]))).rejects.toThrow(/toArrayAsync/);
  });
});

describe('a non-Tensor passed where a Tensor is expected (ArgumentError naming the function)', () => {
  // the unary rows of the one op table (gyrograd/testing ELEMENTWISE_OPS)
  const unaries = Object.fromEntries(ELEMENTWISE_OPS.filter((o) => o.arity === 1).map((o) => [o.name, o.fn]));
  test.each(Object.entries(unaries))('%s', (name, f) => {
    expectThrows(() => f(anyT([1, 2])), ArgumentError, new RegExp(`\\b${name}\\b`), 'array');
    expectThrows(() => f(anyT(2)), ArgumentError, new RegExp(`\\b${name}\\b`), 'number');
    expectThrows(() => f(anyT(null)), ArgumentError, new RegExp(`\\b${name}\\b`), 'null');
  });

  // the binary rows of the one op table (their operands may also be numbers)
  const binaries = Object.fromEntries(
    ELEMENTWISE_OPS.filter((o) => o.arity === 2).map((o) => [o.name, o.fn as unknown as (a: unknown, b: unknown) => unknown]),
  );
  test.each(Object.entries(binaries))('%s (either operand; numbers are allowed)', (name, f) => {
    expectThrows(() => f(anyT([1]), v4), ArgumentError, new RegExp(`\\b${name}\\b`));
    expectThrows(() => f(v4, anyT('2')), ArgumentError, new RegExp(`\\b${name}\\b`), 'string');
    expect(() => f(v4, 2)).not.toThrow();
  });

  const others: [string, () => unknown][] = [
    ['where', () => where(anyT([1]), v4, v4)],
    ['where', () => where(v4, anyT({}), v4)],
    ['clamp', () => clamp(anyT([1]), 0, 1)],
    ['sum', () => sum(anyT([1, 2]))],
    ['mean', () => mean(anyT([1, 2]))],
    ['max', () => max(anyT([1, 2]))],
    ['min', () => min(anyT([1, 2]))],
    ['norm', () => norm(anyT([1, 2]))],
    ['logSumExp', () => logSumExp(anyT([1, 2]))],
    ['broadcastTo', () => broadcastTo(anyT([1, 2]), [2])],
    ['matmul', () => matmul(anyT([[1]]), m23)],
    ['matmul', () => matmul(m23, anyT([[1]]))],
    ['dot', () => dot(v4, anyT([1]))],
    ['outer', () => outer(anyT([1]), v4)],
    ['reshape', () => reshape(anyT([1, 2]), [2])],
    ['flatten', () => flatten(anyT([1, 2]))],
    ['transpose', () => transpose(anyT([[1]]))],
    ['expandDims', () => expandDims(anyT([1]), 0)],
    ['squeeze', () => squeeze(anyT([1]))],
    ['slice', () => slice(anyT([1, 2]), [0])],
    ['concat', () => concat([v4, anyT([1])])],
    ['stack', () => stack([anyT([1]), v4])],
    ['take', () => take(anyT([1, 2]), [0])],
    ['scatterAdd', () => scatterAdd(anyT([1, 2]), [0], tensor([1]))],
    ['scatterAdd', () => scatterAdd(v4, [0], anyT([1]))],
    ['softmax', () => softmax(anyT([1, 2]))],
    ['logSoftmax', () => logSoftmax(anyT([1, 2]))],
    ['normalize', () => normalize(anyT([1, 2]))],
  ];
  test.each(others)('%s', (name, f) => {
    expectThrows(f, ArgumentError, new RegExp(`\\b${name}\\b`));
  });

  // These currently fail with a TypeError from the engine (or a ShapeError from an
  // internal helper) instead of an ArgumentError naming the function.
  const readersAndHelpers: [string, () => unknown][] = [
    ['cast', () => cast(anyT([1, 2]), 'float64')],
    ['item', () => item(anyT(3))],
    ['toArray', () => toArray(anyT([1, 2]))],
    ['toNested', () => toNested(anyT([1, 2]))],
    ['toTypedArray', () => toTypedArray(anyT(new Float32Array(2)))],
    ['sumTo', () => sumTo(anyT([1, 2]), [1])],
    ['zerosLike', () => zerosLike(anyT([1, 2]))],
    ['onesLike', () => onesLike(anyT([1, 2]))],
    ['hvp', () => hvp((x) => sum(x), anyT([1, 2]), v4)],
  ];
  test.each(readersAndHelpers)('%s', (name, f) => {
    expectThrows(f, ArgumentError, new RegExp(`\\b${name}\\b`));
  });
});

describe('pairwise ops', () => {
  const x = zeros([2, 3], 'float64');
  test.each([
    ['pairwiseSqEuclidean', pairwiseSqEuclidean],
    ['pairwiseCosine', (a: Tensor, b: Tensor) => pairwiseCosine(a, b)],
  ] as const)('%s: mismatched D or ranks is a ShapeError naming the function and both shapes', (name, f) => {
    expectThrows(() => f(x, zeros([4, 5], 'float64')), ShapeError, name, '[2, 3]', '[4, 5]', /same D/);
    expectThrows(() => f(zeros([3], 'float64'), x), ShapeError, name, '[3]', '[2, 3]');
    expectThrows(() => f(x, zeros([1, 2, 3], 'float64')), ShapeError, name, '[1, 2, 3]');
    expectThrows(() => f(x, [[1, 2, 3]] as unknown as Tensor), ArgumentError, name);
  });
  test('pairwiseCosine: eps must be positive and finite', () => {
    for (const eps of [0, -1, NaN, Infinity]) expectThrows(() => pairwiseCosine(x, x, eps), ValueError, 'pairwiseCosine', 'eps');
  });
});
