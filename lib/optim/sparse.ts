/**
 * Sparse optimizer updates: when a gradient is row-sparse (the gradient of a
 * table read with `take`), an optimizer reads and writes only the touched
 * rows of the parameter and of its state, with the semantics of PyTorch's
 * `SparseAdam` and geoopt's `SparseRiemannianAdam` (the moments of untouched
 * rows stay as they are; they neither decay nor move the row). Duplicate rows
 * are summed first. The cost is O(rows touched · row length): the new table
 * shares its buffer with the old one (`TensorData.withRows`, Baker's
 * persistent arrays: the old tensor keeps its values, it holds the rows it
 * had and puts them back if it is read again), except for the first update
 * of a table, which copies it once.
 * @internal
 */
import { sub } from '../ops/elementwise.ts';
import { scatterAdd, take } from '../ops/indexing.ts';
import { cast } from '../ops/cast.ts';
import { coalesce, rowSparseOf, type RowSparse } from '../tensor/row-sparse.ts';
import { boxOf, dataRef, fromData, TensorData, type Tensor } from '../tensor/tensor.ts';

/** The coalesced slices (distinct ascending rows, duplicates summed) of a row-sparse gradient, else undefined. @internal */
export function sparseRows(g: Tensor): RowSparse | undefined {
  const s = rowSparseOf(g);
  return s === undefined ? undefined : coalesce(s);
}

/**
 * `x` with its rows at `indices` (distinct) replaced by `rows`: on the host a
 * new version of x's buffer (O(rows), see `TensorData.withRows`); for device data
 * `x + scatterAdd(rows − x[indices])`, which leaves the other rows exactly as
 * they were. @internal
 */
export function replaceRows(x: Tensor, indices: Int32Array, rows: Tensor): Tensor {
  const r = rows.dtype === x.dtype ? rows : cast(rows, x.dtype);
  const dx = dataRef(x),
    dr = dataRef(r);
  if (boxOf(x) === undefined && boxOf(r) === undefined && dx.onHost && dr.onHost) {
    const L = x.shape[0] === 0 ? 0 : x.size / x.shape[0];
    return fromData(TensorData.withRows(dx, indices, dr.host(), L), x.shape);
  }
  return scatterAdd(x, indices, sub(r, take(x, indices)));
}

/** The rows of `x` at `indices`. @internal */
export function rowsOf(x: Tensor, indices: Int32Array): Tensor {
  return take(x, indices);
}
