/**
 * Row-sparse tensors: the gradient of `take(table, indices)` with respect to
 * the table, stored as the touched rows and their indices (TensorFlow's
 * `IndexedSlices`, PyTorch's sparse embedding gradients) instead of a dense
 * `[N, …]` array that is zero but for a few rows. Such a tensor is an
 * ordinary `Tensor` to every op (its values are scattered into a dense array
 * the first time an op reads them); the backward pass adds two of them by
 * concatenating their slices, and the optimizers and clipping functions
 * update only the touched rows. All O(rows · row length), never O(N).
 * @internal
 */
import { TensorData, type RowSlices } from '../../kernels/data.ts';
import { alloc } from '../../kernels/types.ts';
import { boxOf, dataRef, fromData, fromStorage, type Tensor } from './tensor.ts';

/** The slices of a row-sparse tensor as tensors: `rows [k, ...shape.slice(1)]` added at `indices`. */
export interface RowSparse {
  /** the row of each slice (may repeat, unless coalesced) */
  readonly indices: Int32Array;
  /** the slices, `[indices.length, ...shape.slice(1)]` */
  readonly rows: Tensor;
}

/**
 * A tensor of `shape` that is zero except for `rows` added at `indices` along
 * axis 0 (repeats add up). `rows` must be untraced host data of shape
 * `[indices.length, ...shape.slice(1)]`. @internal
 */
export function rowSparse(shape: readonly number[], indices: Int32Array, rows: Tensor): Tensor {
  let len = 1;
  for (const d of shape) len *= d;
  const rowLength = shape[0] === 0 ? 0 : len / shape[0];
  return fromData(TensorData.rowSparse({ indices, rows: dataRef(rows), rowLength }, len), shape);
}

/** Whether `t` can be built as a row-sparse tensor from `rows` (untraced, on the host). @internal */
export function canBeRowSparse(rows: Tensor): boolean {
  return boxOf(rows) === undefined && dataRef(rows).onHost;
}

/** The slices of `t` when it is an untraced row-sparse tensor, else undefined. @internal */
export function rowSparseOf(t: Tensor): RowSparse | undefined {
  if (boxOf(t) !== undefined) return undefined;
  const s: RowSlices | undefined = dataRef(t).slices;
  if (s === undefined) return undefined;
  return { indices: s.indices, rows: fromData(s.rows, [s.indices.length, ...t.shape.slice(1)]) };
}

/**
 * `a + b` when both are untraced row-sparse tensors of one shape and dtype
 * (their slices concatenated: O(rows), never densified), else undefined. @internal
 */
export function addRowSparse(a: Tensor, b: Tensor): Tensor | undefined {
  if (a.dtype !== b.dtype || a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) return undefined;
  const sa = rowSparseOf(a),
    sb = rowSparseOf(b);
  if (sa === undefined || sb === undefined) return undefined;
  const ra = dataRef(sa.rows).host(),
    rb = dataRef(sb.rows).host();
  const rows = alloc(a.dtype, ra.length + rb.length);
  rows.set(ra);
  rows.set(rb, ra.length);
  const indices = new Int32Array(sa.indices.length + sb.indices.length);
  indices.set(sa.indices);
  indices.set(sb.indices, sa.indices.length);
  return rowSparse(a.shape, indices, fromStorage(rows, [indices.length, ...a.shape.slice(1)], a.dtype));
}

/**
 * The slices of a row-sparse tensor with repeated rows summed: `indices`
 * ascending and distinct, `rows` their sums (accumulated in float64, stored
 * in the tensor's dtype). O(k log k + k · row length) for k slices. @internal
 */
export function coalesce(s: RowSparse): RowSparse {
  const k = s.indices.length;
  const L = k === 0 ? 0 : s.rows.size / k;
  const order = Array.from({ length: k }, (_, i) => i).sort((i, j) => s.indices[i] - s.indices[j] || i - j);
  let m = 0;
  for (let t = 0; t < k; t++) if (t === 0 || s.indices[order[t]] !== s.indices[order[t - 1]]) m++;
  const indices = new Int32Array(m);
  const acc = new Float64Array(m * L);
  const src = dataRef(s.rows).host();
  let u = -1;
  for (let t = 0; t < k; t++) {
    const i = order[t];
    if (t === 0 || s.indices[i] !== s.indices[order[t - 1]]) indices[++u] = s.indices[i];
    const o = u * L,
      r = i * L;
    for (let j = 0; j < L; j++) acc[o + j] += src[r + j];
  }
  const rows = alloc(s.rows.dtype, m * L);
  rows.set(acc);
  return { indices, rows: fromStorage(rows, [m, ...s.rows.shape.slice(1)], s.rows.dtype) };
}
