/**
 * Sorting and selection along an axis: `sort`, `argsort`, `topk`, `argmax`,
 * `argmin`.
 *
 * Index results are `Int32Array`s (the library's integer-index type, which
 * `take` accepts), row-major over the result shape given in each TSDoc; they
 * are not differentiable and need concrete values, so inside `vmap` they throw
 * a `GradError` (use `sort` or `topk(...).values`, which batch). Values are
 * differentiable: `sort` and `topk` gather `x` along the axis with the sorting
 * permutation (primitive `takeAlongAxis`, whose VJP scatters the cotangent
 * back with `scatterAddAlongAxis`), so the gradient of a sorted entry goes to
 * the entry it came from. The permutation itself (primitive `argsort`) is a
 * tensor of integer-valued float64s (exact at any length) with a zero
 * derivative, so the three primitives have JVP and batching rules and `sort`
 * composes with `jvp`, `vmap` and `grad` to any order. Host kernels:
 * kernels/js/sort.ts (on a device backend, a counted readback).
 */
import { kernel } from '../../kernels/registry.ts';
import { bind, definePrimitive, strip, type PrimitiveDef } from '../autodiff/primitive.ts';
import { GradError, ShapeError, ValueError, fmtShape } from '../errors.ts';
import { normalizeAxis } from '../tensor/shape.ts';
import { boxOf, dataOf, dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import { withBatch } from './batching.ts';
import { slice } from './shape.ts';
import { checkTensor } from './util.ts';

interface ArgsortAttrs {
  readonly axis: number;
  readonly descending: boolean;
}

interface AlongAttrs {
  readonly axis: number;
}

interface ScatterAlongAttrs {
  readonly axis: number;
  /** the shape of the result (x's shape) */
  readonly xShape: readonly number[];
}

const argsortP: PrimitiveDef<ArgsortAttrs> = definePrimitive<ArgsortAttrs>({
  name: 'argsort',
  // float64 indices whatever x's dtype: exact for any axis length (float32 would stop at 2²⁴)
  forward: ([x], { axis, descending }) => fromData(kernel('argsortAxis', 'float64')(dataRef(x), x.shape, axis, descending, 'float64'), x.shape),
  vjp: undefined,
  jvp: 'zero',
  batch: ([x], _b, { axis, descending }) => bind(argsortP, [x], { axis: axis + 1, descending }),
});

const takeAlongP: PrimitiveDef<AlongAttrs> = definePrimitive<AlongAttrs>({
  name: 'takeAlongAxis',
  forward: ([x, idx], { axis }) => fromData(kernel('takeAlongAxis', x.dtype)(dataRef(x), x.shape, dataRef(idx), idx.shape[axis], axis, x.dtype), idx.shape),
  vjp: (g, [x, idx], _o, { axis }, needs) => [needs[0] ? bind(scatterAlongP, [g, idx], { axis, xShape: x.shape }) : undefined, undefined],
  jvp: ([, idx], [tx], _o, attrs) => (tx === undefined ? undefined : bind(takeAlongP, [tx, idx], attrs)),
  batch: ([x, idx], [bx, bi], { axis }, size) => bind(takeAlongP, [withBatch(x, bx, size), withBatch(idx, bi, size)], { axis: axis + 1 }),
});

const scatterAlongP: PrimitiveDef<ScatterAlongAttrs> = definePrimitive<ScatterAlongAttrs>({
  name: 'scatterAddAlongAxis',
  forward: ([u, idx], { axis, xShape }) =>
    fromData(kernel('scatterAddAlongAxis', u.dtype)(dataRef(u), dataRef(idx), xShape, u.shape[axis], axis, u.dtype), xShape),
  vjp: (g, [, idx], _o, { axis }, needs) => [needs[0] ? bind(takeAlongP, [g, idx], { axis }) : undefined, undefined],
  jvp: ([, idx], [tu], _o, attrs) => (tu === undefined ? undefined : bind(scatterAlongP, [tu, idx], attrs)),
  batch: ([u, idx], [bu, bi], { axis, xShape }, size) =>
    bind(scatterAlongP, [withBatch(u, bu, size), withBatch(idx, bi, size)], { axis: axis + 1, xShape: [size, ...xShape] }),
});

/** The sorting permutation of `x` along `a` as a tensor of integer-valued floats (batchable, no derivative). */
function permutation(x: Tensor, a: number, descending: boolean): Tensor {
  return bind(argsortP, [x], { axis: a, descending });
}

/** Concrete integer indices from an index tensor; a typed error inside `vmap`. */
function concreteIndices(fn: string, idx: Tensor): Int32Array {
  const t = strip(idx);
  if (boxOf(t) !== undefined) {
    throw new GradError(
      `${fn}: returns integer indices (an Int32Array), which need concrete values and cannot be batched inside vmap; use sort or topk(...).values for differentiable, batchable values`,
    );
  }
  return Int32Array.from(dataOf(t));
}

function checkDescending(fn: string, descending: unknown): asserts descending is boolean {
  if (typeof descending !== 'boolean') throw new ValueError(`${fn}: descending must be a boolean, got ${String(descending)}`);
}

/**
 * `x` sorted along `axis` (default the last), ascending unless `descending`;
 * NaN sorts last. Differentiable: each output entry's gradient goes to the
 * input entry it came from (ties: the stable order). Works inside `vmap`,
 * `jvp` and `grad`.
 * @throws AxisError for an axis out of range (a scalar has none)
 */
export function sort(x: Tensor, axis = -1, descending = false): Tensor {
  checkTensor('sort', x);
  checkDescending('sort', descending);
  const a = normalizeAxis('sort', axis, x.rank, x.shape);
  return bind(takeAlongP, [x, permutation(x, a, descending)], { axis: a });
}

/**
 * The stable permutation that sorts `x` along `axis` (default the last):
 * an `Int32Array` of `x.size` indices into that axis, row-major in the shape
 * of `x` (so for a matrix and the last axis, row `i` is
 * `result.subarray(i·n, (i+1)·n)`). Not differentiable; NaN sorts last.
 * @throws AxisError for an axis out of range
 * @throws GradError inside `vmap` (integer indices cannot be batched)
 */
export function argsort(x: Tensor, axis = -1, descending = false): Int32Array {
  checkTensor('argsort', x);
  checkDescending('argsort', descending);
  const a = normalizeAxis('argsort', axis, x.rank, x.shape);
  return concreteIndices('argsort', permutation(x, a, descending));
}

/** The result of {@link topk}. */
export interface TopK {
  /** the `k` largest entries along the axis, largest first (differentiable) */
  readonly values: Tensor;
  /**
   * their positions along the axis: an `Int32Array` row-major in the shape of
   * `values`. Computed when first read; reading it inside `vmap` throws a `GradError`.
   */
  readonly indices: Int32Array;
}

/**
 * The `k` largest entries of `x` along `axis` (default the last), largest
 * first (ties: the lower index first), and their positions. NaN entries come
 * last (as in {@link sort}), so they are selected only when fewer than `k`
 * other entries exist — unlike {@link argmax}, where a NaN wins. `values` is
 * differentiable (the gradient goes to the selected entries) and batchable.
 * @throws ValueError unless k is an integer in [0, length of the axis]
 * @throws AxisError for an axis out of range
 */
export function topk(x: Tensor, k: number, axis = -1): TopK {
  checkTensor('topk', x);
  const a = normalizeAxis('topk', axis, x.rank, x.shape);
  const n = x.shape[a];
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ValueError(`topk: k must be an integer in [0, ${n}] (the length of axis ${a} of shape ${fmtShape(x.shape)}), got ${String(k)}`);
  }
  const size = x.shape.slice();
  size[a] = k;
  const idx = slice(permutation(x, a, true), new Array<number>(x.rank).fill(0), size);
  const values = bind(takeAlongP, [x, idx], { axis: a });
  let cached: Int32Array | undefined;
  return {
    values,
    get indices(): Int32Array {
      return (cached ??= concreteIndices('topk', idx));
    },
  };
}

/** Index of the extremum of each lane along `a` (first occurrence; NaN wins, as in NumPy). */
function argExtremum(fn: string, x: Tensor, axis: number | undefined, larger: boolean): Int32Array {
  checkTensor(fn, x);
  const t = strip(x);
  if (boxOf(t) !== undefined) {
    throw new GradError(
      `${fn}: returns integer indices (an Int32Array), which need concrete values and cannot be batched inside vmap; use max/min or topk(...).values for batchable values`,
    );
  }
  const flat = axis === undefined;
  const shape = flat ? [x.size] : x.shape;
  const a = flat ? 0 : normalizeAxis(fn, axis, x.rank, x.shape);
  const n = shape[a];
  if (n === 0)
    throw new ShapeError(`${fn}: cannot take the ${larger ? 'argmax' : 'argmin'} over an empty axis of shape ${fmtShape(x.shape)}; expected length ≥ 1`);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < a; i++) outer *= shape[i];
  for (let i = a + 1; i < shape.length; i++) inner *= shape[i];
  const v = dataOf(t);
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0;
      let bv = v[base];
      for (let j = 1; j < n && !Number.isNaN(bv); j++) {
        const c = v[base + j * inner];
        if (Number.isNaN(c) || (larger ? c > bv : c < bv)) {
          best = j;
          bv = c;
        }
      }
      out[o * inner + i] = best;
    }
  }
  return out;
}

/**
 * Positions of the largest entries along `axis`: an `Int32Array`, row-major
 * in the shape of `x` without that axis (one entry, a flat index, when `axis`
 * is omitted). Ties give the first position; a NaN counts as the largest (as
 * in NumPy). Not differentiable.
 * @throws ShapeError for an empty axis; AxisError for an axis out of range
 * @throws GradError inside `vmap` (integer indices cannot be batched)
 */
export function argmax(x: Tensor, axis?: number): Int32Array {
  return argExtremum('argmax', x, axis, true);
}

/**
 * Positions of the smallest entries along `axis`, as {@link argmax} (a NaN
 * counts as the smallest).
 * @throws ShapeError for an empty axis; AxisError for an axis out of range
 * @throws GradError inside `vmap` (integer indices cannot be batched)
 */
export function argmin(x: Tensor, axis?: number): Int32Array {
  return argExtremum('argmin', x, axis, false);
}
