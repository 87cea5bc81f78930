/**
 * Immutability: tensors are frozen, readers hand out copies, constructors copy
 * their input, and no exported op or transformation changes any of its
 * inputs (checked with fast-check over random shapes, dtypes and values,
 * including NaN, ±Infinity and −0).
 */
import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import * as lib from '../lib/index.ts';
import * as autodiffGrad from '../lib/autodiff/grad.ts';
import { ELEMENTWISE_OPS } from '../lib/testing/ops.ts';
import * as autodiffCustom from '../lib/autodiff/custom.ts';
import * as opsBroadcast from '../lib/ops/broadcast.ts';
import * as fusedLogSumExp from '../lib/ops/fused/logSumExp.ts';
import * as fusedSoftmax from '../lib/ops/fused/softmax.ts';
import * as autodiffTree from '../lib/autodiff/tree.ts';
import * as opsCast from '../lib/ops/cast.ts';
import * as opsElementwise from '../lib/ops/elementwise.ts';
import * as opsIndexing from '../lib/ops/indexing.ts';
import * as opsLinalg from '../lib/ops/linalg.ts';
import * as opsNn from '../lib/ops/nn.ts';
import * as opsReduce from '../lib/ops/reduce.ts';
import * as opsShape from '../lib/ops/shape.ts';
import * as tensorCreate from '../lib/tensor/create.ts';
import * as tensorShape from '../lib/tensor/shape.ts';
import * as tensorTensor from '../lib/tensor/tensor.ts';
import * as testingCheckGrad from '../lib/testing/checkGrad.ts';
import {
  Tensor,
  add,
  exp,
  full,
  grad,
  mul,
  oneHot,
  prngKey,
  randomNormal,
  reshape,
  split,
  sum,
  tensor,
  toArray,
  toNested,
  toTypedArray,
  transpose,
  type DType,
  type Tree,
} from '../lib/index.ts';

// ------------------------------------------------------------ frozen tensors

describe('tensors are frozen', () => {
  const made: [string, () => Tensor][] = [
    [
      'tensor(nested)',
      () =>
        tensor([
          [1, 2],
          [3, 4],
        ]),
    ],
    ['tensor(Float64Array)', () => tensor(new Float64Array([1, 2, 3]))],
    ['full', () => full([2, 3], 1)],
    ['an op result', () => add(tensor([1, 2]), 1)],
    ['a reshape (shares storage)', () => reshape(tensor([1, 2, 3, 4]), [2, 2])],
    [
      'a transpose',
      () =>
        transpose(
          tensor([
            [1, 2],
            [3, 4],
          ]),
        ),
    ],
    ['a gradient', () => grad((x: Tensor) => sum(exp(x)))(tensor([1, 2]))],
    ['a random tensor', () => randomNormal(prngKey(0), [3])],
    ['oneHot', () => oneHot([0, 1], 2)],
  ];

  test.each(made)('%s: the tensor and its shape are frozen', (_name, make) => {
    const t = make();
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  test('assigning to shape, dtype, size or rank throws in strict mode and changes nothing', () => {
    'use strict';
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    const w = t as unknown as Record<string, unknown>;
    expect(() => {
      w.shape = [4];
    }).toThrow(TypeError);
    expect(() => {
      w.dtype = 'float64';
    }).toThrow(TypeError);
    expect(() => {
      w.size = 1;
    }).toThrow(TypeError);
    expect(() => {
      w.rank = 0;
    }).toThrow(TypeError);
    expect(() => {
      w.extra = 1;
    }).toThrow(TypeError);
    expect(() => {
      delete w.shape;
    }).toThrow(TypeError);
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype).toBe('float32');
    expect(t.size).toBe(4);
    expect(t.rank).toBe(2);
    expect('extra' in t).toBe(false);
  });

  test('mutating the shape array throws (push, index assignment, length, splice)', () => {
    const t = tensor([1, 2, 3]);
    const s = t.shape as number[];
    expect(() => s.push(1)).toThrow(TypeError);
    expect(() => {
      s[0] = 5;
    }).toThrow(TypeError);
    expect(() => {
      s.length = 0;
    }).toThrow(TypeError);
    expect(() => s.splice(0, 1)).toThrow(TypeError);
    expect(() => s.pop()).toThrow(TypeError);
    expect(t.shape).toEqual([3]);
    expect(toArray(t)).toEqual([1, 2, 3]);
  });

  test('tensors expose no enumerable storage', () => {
    const t = tensor([1, 2, 3]);
    const own = Object.keys(t).sort();
    expect(own).toEqual(['dtype', 'rank', 'shape', 'size']);
    for (const k of own) {
      const v = (t as unknown as Record<string, unknown>)[k];
      expect(ArrayBuffer.isView(v)).toBe(false);
    }
  });

  test('PRNG keys are frozen too', () => {
    const [k] = split(prngKey(1));
    expect(Object.isFrozen(k)).toBe(true);
    expect(Object.isFrozen(k.words)).toBe(true);
    expect(() => {
      (k.words as unknown as number[])[0] = 0;
    }).toThrow(TypeError);
  });
});

describe('readers return copies', () => {
  test('mutating the result of toArray does not change the tensor', () => {
    const t = tensor([1, 2, 3], undefined, 'float64');
    const a = toArray(t);
    a[0] = 100;
    a.push(4);
    expect(toArray(t)).toEqual([1, 2, 3]);
    expect(toArray(t)).not.toBe(toArray(t));
  });

  test('mutating the result of toTypedArray does not change the tensor', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const t = tensor([1, 2, 3], undefined, dtype);
      const a = toTypedArray(t);
      a[1] = -7;
      a.fill(9);
      expect(toArray(t)).toEqual([1, 2, 3]);
      // two calls give two distinct buffers
      expect(toTypedArray(t).buffer).not.toBe(toTypedArray(t).buffer);
    }
  });

  test('mutating the result of toNested does not change the tensor', () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    const n = toNested(t) as number[][];
    n[0][0] = 50;
    n[1] = [0];
    expect(toNested(t)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test('reshape shares storage safely: reading or mutating copies of either never affects the other', () => {
    const t = tensor([1, 2, 3, 4], undefined, 'float64');
    const r = reshape(t, [2, 2]);
    toTypedArray(r).fill(0);
    toTypedArray(t).fill(0);
    expect(toArray(t)).toEqual([1, 2, 3, 4]);
    expect(toArray(r)).toEqual([1, 2, 3, 4]);
  });
});

describe('constructors copy their input', () => {
  test('tensor(Float32Array): mutating the source afterwards does not change the tensor', () => {
    const src = new Float32Array([1, 2, 3, 4]);
    const t = tensor(src, [2, 2]);
    src[0] = 99;
    src.fill(-1);
    expect(toArray(t)).toEqual([1, 2, 3, 4]);
  });

  test('tensor(Float64Array) (same dtype, no conversion needed) still copies', () => {
    const src = new Float64Array([0.1, 0.2]);
    const t = tensor(src);
    src[1] = 5;
    expect(toArray(t)).toEqual([0.1, 0.2]);
  });

  test('a subarray view is copied with only its own elements', () => {
    const buf = new Float64Array([1, 2, 3, 4, 5]);
    const t = tensor(buf.subarray(1, 3));
    buf.fill(0);
    expect(toArray(t)).toEqual([2, 3]);
  });

  test('tensor(nested arrays): mutating the arrays afterwards does not change the tensor', () => {
    const src = [
      [1, 2],
      [3, 4],
    ];
    const t = tensor(src);
    src[0][0] = 10;
    src[1] = [7, 7];
    expect(toNested(t)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test('the input arrays are not modified by tensor()', () => {
    const src = new Float64Array([0.1, 1 / 3]);
    tensor(src, undefined, 'float32');
    expect(Array.from(src)).toEqual([0.1, 1 / 3]);
    const nested = [[0.1, 0.2]];
    tensor(nested);
    expect(nested).toEqual([[0.1, 0.2]]);
  });
});

// ------------------------------------------------------------ no op modifies its inputs

/** A deep, exact snapshot of an argument: tensors by shape/dtype/values, typed arrays and containers by content. */
function snap(v: unknown): unknown {
  if (v instanceof Tensor) {
    return { tensor: true, shape: [...v.shape], dtype: v.dtype, size: v.size, rank: v.rank, frozen: Object.isFrozen(v), values: toArray(v) };
  }
  if (ArrayBuffer.isView(v)) return { typed: v.constructor.name, values: Array.from(v as unknown as ArrayLike<number>) };
  if (Array.isArray(v)) return { array: v.map(snap) };
  if (typeof v === 'function') return { fn: v };
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) o[k] = snap((v as Record<string, unknown>)[k]);
    return { object: o };
  }
  return v;
}

interface Env {
  readonly dtype: DType;
  readonly other: DType;
  /** rank 1..3 */
  readonly x: Tensor;
  /** broadcast-compatible with x */
  readonly y: Tensor;
  /** same shape as x */
  readonly z: Tensor;
  readonly s: Tensor;
  readonly a: Tensor; // [M, K]
  readonly b: Tensor; // [K, N]
  readonly ba: Tensor; // [B, M, K]
  readonly bt: Tensor; // [N, K] (for transposeB)
  readonly v: Tensor; // [K]
  readonly mixed: Tensor; // shape of x, the other dtype
  readonly idx: number[]; // valid indices along axis 0 of x
  readonly idxTyped: Int32Array;
}

type Case = readonly [name: string, args: (e: Env) => unknown[], fn: (...args: never[]) => unknown];

const T = (vals: number[], shape: number[], dtype: DType): Tensor =>
  tensor(
    vals.slice(
      0,
      shape.reduce((p, d) => p * d, 1),
    ),
    shape,
    dtype,
  );

// the one op table (gyrograd/testing ELEMENTWISE_OPS)
const unaryNames = ELEMENTWISE_OPS.filter((o) => o.arity === 1).map((o) => o.name);
const binaryNames = ELEMENTWISE_OPS.filter((o) => o.arity === 2).map((o) => o.name);

const L = lib as unknown as Record<string, (...a: never[]) => unknown>;

const quad = (t: Tensor): Tensor => lib.sum(lib.mul(t, t));

const cases: Case[] = [
  ...unaryNames.map((n): Case => [n, (e) => [e.x], L[n]]),
  ...binaryNames.flatMap((n): Case[] => [
    [n, (e) => [e.x, e.y], L[n]],
    [n, (e) => [e.y, e.x], L[n]],
    [n, (e) => [e.x, e.mixed], L[n]],
    [n, (e) => [e.x, 0.5], L[n]],
    [n, (e) => [2, e.x], L[n]],
  ]),
  ['clamp', (e) => [e.x, -1, 1], lib.clamp],
  ['where', (e) => [e.z, e.x, e.y], lib.where],
  ['where', (e) => [e.y, e.mixed, 3], lib.where],
  ['sum', (e) => [e.x], lib.sum],
  ['sum', (e) => [e.x, [0], true], lib.sum],
  ['mean', (e) => [e.x, -1], lib.mean],
  ['max', (e) => [e.x, [0]], lib.max],
  ['min', (e) => [e.x, undefined, true], lib.min],
  ['logSumExp', (e) => [e.x, 0], lib.logSumExp],
  ['norm', (e) => [e.x, -1, true], lib.norm],
  ['broadcastTo', (e) => [e.y, [...e.x.shape]], (y: Tensor, shape: number[]) => lib.broadcastTo(y, lib.broadcastShape(y.shape, shape))],
  ['broadcastShape', (e) => [[...e.x.shape], [...e.y.shape]], lib.broadcastShape],
  ['sumTo', (e) => [e.x, [...e.x.shape].map(() => 1)], lib.sumTo],
  ['matmul', (e) => [e.a, e.b], lib.matmul],
  ['matmul', (e) => [e.ba, e.b, { transposeA: false }], lib.matmul],
  ['matmul', (e) => [e.a, e.bt, { transposeB: true }], lib.matmul],
  ['matmul', (e) => [e.v, e.b], lib.matmul],
  ['matmul', (e) => [e.a, e.v], lib.matmul],
  ['dot', (e) => [e.v, e.v], lib.dot],
  ['outer', (e) => [e.v, lib.flatten(e.x)], lib.outer],
  ['reshape', (e) => [e.x, [-1]], lib.reshape],
  ['flatten', (e) => [e.ba], lib.flatten],
  ['transpose', (e) => [e.x], lib.transpose],
  ['permute', (e) => [e.ba, [2, 0, 1]], lib.permute],
  ['expandDims', (e) => [e.x, 0], lib.expandDims],
  ['squeeze', (e) => [lib.expandDims(e.x, -1), -1], lib.squeeze],
  ['concat', (e) => [[e.x, e.z, e.mixed], 0], lib.concat],
  ['stack', (e) => [[e.x, e.z], -1], lib.stack],
  ['slice', (e) => [e.x, [0], [1]], lib.slice],
  ['take', (e) => [e.x, e.idx], lib.take],
  ['gather', (e) => [e.x, e.idxTyped, 0], lib.gather],
  ['scatterAdd', (e) => [e.x, e.idx, lib.take(e.z, e.idx)], lib.scatterAdd],
  ['scatterAdd', (e) => [e.x, e.idxTyped, lib.take(e.mixed, e.idx)], lib.scatterAdd],
  ['oneHot', (e) => [e.idx, e.x.shape[0]], lib.oneHot],
  ['oneHot', (e) => [e.idxTyped, e.x.shape[0] + 1, e.other], lib.oneHot],
  ['softmax', (e) => [e.x], lib.softmax],
  ['logSoftmax', (e) => [e.x, 0], lib.logSoftmax],
  ['normalize', (e) => [e.x], lib.normalize],
  ['cast', (e) => [e.x, e.other], lib.cast],
  ['cast', (e) => [e.x, e.dtype], lib.cast],
  ['toArray', (e) => [e.x], lib.toArray],
  ['toArrayAsync', (e) => [e.x], lib.toArrayAsync],
  ['toTypedArray', (e) => [e.x], lib.toTypedArray],
  ['toNested', (e) => [e.x], lib.toNested],
  ['item', (e) => [e.s], lib.item],
  ['zerosLike', (e) => [e.x], lib.zerosLike],
  ['onesLike', (e) => [e.x], lib.onesLike],
  ['isTensor', (e) => [e.x], lib.isTensor],
  ['tensor', (e) => [lib.toTypedArray(e.x), [...e.x.shape]], lib.tensor],
  ['stopGradient', (e) => [{ a: e.x, b: [e.y] }], lib.stopGradient],
  ['treeLeaves', (e) => [{ b: e.x, a: [e.y, e.z] }], lib.treeLeaves],
  ['treeMap', (e) => [(p: Tensor, q: Tensor) => lib.add(p, q), { a: e.x, b: [e.y] }, { a: e.z, b: [e.y] }], lib.treeMap],
  ['treeUnflatten', (e) => [{ a: e.x, b: [e.y] }, [e.z, e.s]], lib.treeUnflatten],
  ['sameStructure', (e) => [{ a: e.x }, { a: e.y }], lib.sameStructure],
  [
    'grad',
    (e) => [{ w: e.x, b: [e.y] }, e.z],
    (p: { w: Tensor; b: Tensor[] }, c: Tensor) =>
      lib.grad((q: { w: Tensor; b: Tensor[] }, cc: Tensor) => lib.sum(lib.mul(lib.add(lib.tanh(q.w), q.b[0]), cc)), [0, 1])(p, c),
  ],
  ['grad', (e) => [e.a, e.b], (a: Tensor, b: Tensor) => lib.grad((u: Tensor, w: Tensor) => quad(lib.matmul(u, w)), 1)(a, b)],
  [
    'grad',
    (e) => [e.x, e.idx],
    (x: Tensor, idx: number[]) => lib.grad((u: Tensor) => lib.add(quad(lib.take(u, idx)), lib.sum(lib.scatterAdd(u, idx, lib.take(u, idx)))))(x),
  ],
  ['grad', (e) => [e.x], (x: Tensor) => lib.grad((u: Tensor) => lib.sum(lib.grad((w: Tensor) => lib.sum(lib.logSoftmax(lib.mul(w, w))))(u)))(x)],
  [
    'valueAndGrad',
    (e) => [e.x, e.mixed],
    (x: Tensor, m: Tensor) => lib.valueAndGrad((u: Tensor, w: Tensor) => lib.sum(lib.normalize(lib.mul(u, w))), [0, 1])(x, m),
  ],
  [
    'vjp',
    (e) => [e.x, e.y, e.z],
    (x: Tensor, y: Tensor, ct: Tensor) => {
      const [out, back] = lib.vjp((u: Tensor, w: Tensor) => lib.mul(lib.sigmoid(u), w), x, y);
      const bshape = lib.broadcastShape(x.shape, y.shape);
      const cot = lib.broadcastTo(lib.reshape(lib.sum(ct), []), bshape);
      return [out, back(cot)];
    },
  ],
  ['hvp', (e) => [e.x, e.z], (x: Tensor, v: Tensor) => lib.hvp((u: Tensor) => lib.sum(lib.exp(lib.sin(u))), x, v)],
  [
    'customGrad',
    (e) => [e.x],
    (x: Tensor) => {
      const f = lib.customGrad(
        (u: Tensor) => lib.clamp(u, -1, 1),
        (g: Tensor, [u]: [Tensor]) => [lib.mul(g, lib.lessEqual(lib.abs(u), 1))],
      );
      return lib.grad((u: Tensor) => lib.sum(f(u)))(x);
    },
  ],
  ['checkGrad', (e) => [e.s], (s: Tensor) => lib.checkGrad((u: Tree) => lib.sum(lib.square(u as Tensor)), [s])],
];

/** Public exports of the core modules that take no tensors (constructors, error classes). */
const notOps = new Set(['Tensor', 'scalar', 'zeros', 'ones', 'full', 'arange', 'linspace', 'eye']);

test('the immutability property below covers every public function of the tensor, ops, autodiff and testing modules', () => {
  // Public = re-exported from lib/index.ts; geometry / optimizer / loss modules are outside this suite's scope.
  const core = [
    opsElementwise,
    opsBroadcast,
    opsReduce,
    fusedLogSumExp,
    fusedSoftmax,
    opsLinalg,
    opsShape,
    opsIndexing,
    opsNn,
    opsCast,
    autodiffGrad,
    autodiffCustom,
    autodiffTree,
    tensorCreate,
    tensorShape,
    tensorTensor,
    testingCheckGrad,
  ];
  const pub = lib as unknown as Record<string, unknown>;
  const exported = new Set<string>();
  for (const m of core) {
    for (const [k, v] of Object.entries(m)) if (typeof v === 'function' && pub[k] === v) exported.add(k);
  }
  expect(exported.size).toBeGreaterThan(80);
  const covered = new Set(cases.map((c) => c[0]));
  const missing = [...exported].filter((k) => !covered.has(k) && !notOps.has(k));
  expect(missing).toEqual([]);
});

const dims = fc.integer({ min: 1, max: 3 });
const value = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e300, -1e-300) },
);

const envArb = fc
  .record({
    dtype: fc.constantFrom<DType>('float32', 'float64'),
    xShape: fc.array(dims, { minLength: 1, maxLength: 3 }),
    yOnes: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    yDrop: fc.nat({ max: 3 }),
    mk: fc.tuple(dims, dims, dims, dims),
    vals: fc.array(value, { minLength: 27, maxLength: 27 }),
    vals2: fc.array(value, { minLength: 27, maxLength: 27 }),
    idx: fc.array(fc.nat({ max: 100 }), { minLength: 0, maxLength: 4 }),
  })
  .map((r): Env => {
    const { dtype, xShape, vals, vals2 } = r;
    const other: DType = dtype === 'float32' ? 'float64' : 'float32';
    const yShape = xShape.slice(Math.min(r.yDrop, xShape.length - 1)).map((d, i) => (r.yOnes[i] ? 1 : d));
    const [B, M, K, N] = r.mk;
    const idx = r.idx.map((i) => i % xShape[0]);
    return {
      dtype,
      other,
      x: T(vals, xShape, dtype),
      y: T(vals2, yShape, dtype),
      z: T(vals2, xShape, dtype),
      s: T(vals, [], dtype),
      a: T(vals, [M, K], dtype),
      b: T(vals2, [K, N], dtype),
      ba: T(vals2, [B, M, K], dtype),
      bt: T(vals, [N, K], dtype),
      v: T(vals2, [K], dtype),
      mixed: T(vals2, xShape, other),
      idx,
      idxTyped: Int32Array.from(idx),
    };
  });

describe('no exported op or transformation modifies its inputs', () => {
  propTest.prop([envArb], { numRuns: 60 })('inputs have the same shape, dtype and values after every call', (env) => {
    for (const [name, makeArgs, fn] of cases) {
      const args = makeArgs(env);
      const before = snap(args);
      let out: unknown;
      try {
        out = (fn as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        throw new Error(`${name} threw on valid arguments: ${(err as Error).message}`);
      }
      expect(snap(args), `${name} modified its inputs`).toEqual(before);
      // whatever the op returned: any tensor in it is frozen too
      const outs: unknown[] = [out];
      while (outs.length) {
        const o = outs.pop();
        if (o instanceof Tensor) {
          expect(Object.isFrozen(o), `${name} returned an unfrozen tensor`).toBe(true);
          expect(Object.isFrozen(o.shape), `${name} returned a tensor with an unfrozen shape`).toBe(true);
        } else if (Array.isArray(o)) outs.push(...o);
        else if (o !== null && typeof o === 'object' && !ArrayBuffer.isView(o)) outs.push(...Object.values(o));
      }
    }
  });

  test('the snapshot used above detects changes to tensors, typed arrays and nested containers', () => {
    const idx = Int32Array.from([1, 2]);
    const args = [{ a: [tensor([1, 2])] }, idx, [3, 4]];
    const before = snap(args);
    expect(snap(args)).toEqual(before);
    idx[0] = 0;
    expect(snap(args)).not.toEqual(before);
    idx[0] = 1;
    (args[2] as number[])[1] = 5;
    expect(snap(args)).not.toEqual(before);
    (args[2] as number[])[1] = 4;
    (args[0] as { a: Tensor[] }).a[0] = tensor([1, 3]);
    expect(snap(args)).not.toEqual(before);
    (args[0] as { a: Tensor[] }).a[0] = tensor([1, 2], undefined, 'float64');
    expect(snap(args)).not.toEqual(before);
    // −0 and +0 are told apart, NaN equals NaN
    expect(snap(tensor([-0]))).not.toEqual(snap(tensor([0])));
    expect(snap(tensor([NaN]))).toEqual(snap(tensor([NaN])));
  });

  test('the result of an op does not alias a user-visible input array', () => {
    // shapes and index arrays passed in are copied, so mutating them later changes nothing
    const shape = [2, 2];
    const r = reshape(tensor([1, 2, 3, 4]), shape);
    shape[0] = 4;
    expect(r.shape).toEqual([2, 2]);
    const idx = [1, 0];
    const t = lib.take(tensor([10, 20]), idx);
    idx[0] = 0;
    expect(toArray(t)).toEqual([20, 10]);
    const typed = Int32Array.from([1]);
    const o = oneHot(typed, 2);
    typed[0] = 0;
    expect(toArray(o)).toEqual([0, 1]);
    const perm = [1, 0];
    const tr = transpose(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      perm,
    );
    perm.reverse();
    expect(toArray(tr)).toEqual([1, 3, 2, 4]);
  });

  test('a traced tensor seen outside grad still has its original values', () => {
    let leaked: Tensor | undefined;
    const x = tensor([1, 2], undefined, 'float64');
    grad((u: Tensor) => {
      leaked = mul(u, 3);
      return sum(leaked);
    })(x);
    expect(toArray(leaked!)).toEqual([3, 6]);
    expect(toArray(x)).toEqual([1, 2]);
    expect(toArray(add(leaked!, 1))).toEqual([4, 7]);
  });
});
