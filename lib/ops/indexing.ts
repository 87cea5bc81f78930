/**
 * Indexing ops with integer indices given as `Int32Array` or number arrays
 * (never tensors, so they are never differentiated): `take`/`gather` along an
 * axis, its transpose `scatterAdd`, and `oneHot`.
 */
import { kernel } from '../../kernels/registry.ts';
import type { DType } from '../../kernels/types.ts';
import { bind, definePrimitive, type PrimitiveDef } from '../autodiff/primitive.ts';
import { withBatch } from './batching.ts';
import { ArgumentError, ShapeError, ValueError, fmtShape } from '../errors.ts';
import { checkDType } from '../tensor/create.ts';
import { checkSize, normalizeAxis, shapesEqual } from '../tensor/shape.ts';
import { alloc } from '../../kernels/types.ts';
import { dataRef, fromData, fromStorage, TensorData, type Tensor } from '../tensor/tensor.ts';
import { canBeRowSparse, rowSparse } from '../tensor/row-sparse.ts';
import { cast } from './cast.ts';
import { checkTensor } from './util.ts';

/** Integer indices: an `Int32Array` or an array of integers. */
export type Indices = Int32Array | readonly number[];

/** Validates indices into an axis of length `n`, returning them as an Int32Array. */
export function toIndices(fn: string, indices: Indices, n: number, what = 'index'): Int32Array {
  if (!(indices instanceof Int32Array) && !Array.isArray(indices)) {
    throw new ArgumentError(`${fn}: indices must be an Int32Array or an array of integers, got ${typeof indices}`);
  }
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new ValueError(`${fn}: ${what} ${v} at position ${i} is out of range; expected an integer in [0, ${n - 1}]`);
    }
    out[i] = v;
  }
  return out;
}

interface GatherAttrs {
  readonly indices: Int32Array;
  readonly axis: number;
}

const gatherP: PrimitiveDef<GatherAttrs> = definePrimitive<GatherAttrs>({
  name: 'gather',
  forward: ([x], { indices, axis }) => {
    const shape = x.shape.slice();
    shape[axis] = indices.length;
    return fromData(kernel('gather', x.dtype)(dataRef(x), x.shape, indices, axis, x.dtype), shape);
  },
  // along axis 0 the cotangent is row-sparse (rows g at indices, O(indices · row) instead of a dense
  // zeros-plus-scatter of x's size) unless an outer trace records this backward pass (g traced) or g
  // lives on a device: then the dense scatter, which is differentiable and runs on the device
  vjp: (g, [x], _o, { indices, axis }) => [axis === 0 && canBeRowSparse(g) ? rowSparse(x.shape, indices, g) : scatterAddImpl(zerosOf(x), indices, g, axis)],
  jvp: (_x, [t], _o, attrs) => t && bind(gatherP, [t], attrs),
  batch: ([x], _b, { indices, axis }) => bind(gatherP, [x], { indices, axis: axis + 1 }),
});

function zerosOf(x: Tensor): Tensor {
  return fromData(TensorData.filled(0, x.size, x.dtype), x.shape);
}

const scatterP: PrimitiveDef<GatherAttrs> = definePrimitive<GatherAttrs>({
  name: 'scatterAdd',
  forward: ([x, u], { indices, axis }) => fromData(kernel('scatterAdd', x.dtype)(dataRef(x), x.shape, indices, dataRef(u), axis, x.dtype), x.shape),
  vjp: (g, _xs, _o, { indices, axis }, needs) => [needs[0] ? g : undefined, needs[1] ? bind(gatherP, [g], { indices, axis }) : undefined],
  // linear in both inputs
  jvp: ([x, u], [tx, tu], _o, attrs) => (tx === undefined && tu === undefined ? undefined : bind(scatterP, [tx ?? zerosOf(x), tu ?? zerosOf(u)], attrs)),
  batch: ([x, u], [bx, bu], { indices, axis }, size) => bind(scatterP, [withBatch(x, bx, size), withBatch(u, bu, size)], { indices, axis: axis + 1 }),
});

function scatterAddImpl(x: Tensor, indices: Int32Array, updates: Tensor, axis: number): Tensor {
  return bind(scatterP, [x, updates], { indices, axis });
}

/** The slices of `x` at `indices` along `axis` (default 0), in that order (repeats allowed). */
export function take(x: Tensor, indices: Indices, axis = 0): Tensor {
  checkTensor('take', x);
  if (x.rank === 0) throw new ShapeError('take: cannot index a scalar (shape [])');
  const a = normalizeAxis('take', axis, x.rank, x.shape);
  const idx = toIndices('take', indices, x.shape[a]);
  return bind(gatherP, [x], { indices: idx, axis: a });
}

/** Alias of {@link take}. */
export const gather = take;

/**
 * `x` with `updates` added at `indices` along `axis` (repeated indices
 * accumulate). `updates` has the shape of `x` with that axis's length replaced
 * by the number of indices.
 */
export function scatterAdd(x: Tensor, indices: Indices, updates: Tensor, axis = 0): Tensor {
  checkTensor('scatterAdd', x, 'x');
  checkTensor('scatterAdd', updates, 'updates');
  if (x.rank === 0) throw new ShapeError('scatterAdd: cannot index a scalar (shape [])');
  const a = normalizeAxis('scatterAdd', axis, x.rank, x.shape);
  const idx = toIndices('scatterAdd', indices, x.shape[a]);
  const expected = x.shape.slice();
  expected[a] = idx.length;
  if (!shapesEqual(updates.shape, expected)) {
    throw new ShapeError(
      `scatterAdd: updates have shape ${fmtShape(updates.shape)}; expected ${fmtShape(expected)} (x ${fmtShape(x.shape)} with axis ${a} of length ${idx.length})`,
    );
  }
  const u = updates.dtype === x.dtype ? updates : cast(updates, x.dtype);
  return scatterAddImpl(x, idx, u, a);
}

/** `[n, depth]` rows with a 1 at each index (a constant tensor). */
export function oneHot(indices: Indices, depth: number, dtype: DType = 'float32'): Tensor {
  checkDType('oneHot', dtype);
  if (!Number.isInteger(depth) || depth < 1) throw new ValueError(`oneHot: depth must be a positive integer, got ${depth}`);
  const idx = toIndices('oneHot', indices, depth, 'label');
  checkSize('oneHot', idx.length * depth, [idx.length, depth]);
  const d = alloc(dtype, idx.length * depth);
  for (let i = 0; i < idx.length; i++) d[i * depth + idx[i]] = 1;
  return fromStorage(d, [idx.length, depth], dtype);
}
