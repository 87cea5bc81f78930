/**
 * Sorting kernels along one axis: `argsortAxis` (a stable sort's permutation,
 * as values of the tensor's dtype), `takeAlongAxis` (per-position indices, as
 * NumPy's `take_along_axis`) and its transpose `scatterAddAlongAxis`.
 *
 * A tensor of shape `[outer, n, inner]` (the axis in the middle) is processed
 * one lane `(o, i)` at a time. Indices are carried as floating-point values
 * (the op layer asks for float64: exact at any length), so the index tensors
 * of the op layer are ordinary tensors that the batching and differentiation
 * rules pass along.
 */
import { alloc, type DType, type Storage } from '../types.ts';

function lanes(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

/**
 * The permutation that sorts each lane along `axis` (stable; ascending, or
 * descending when `descending`); NaN sorts last in both orders (as NumPy's
 * ascending order puts it). Result: the indices, shape of `x`, dtype `dtype`.
 */
export function argsortAxis(x: Storage, shape: readonly number[], axis: number, descending: boolean, dtype: DType): Storage {
  const [outer, n, inner] = lanes(shape, axis);
  const out = alloc(dtype, x.length);
  const idx = new Array<number>(n);
  const vals = new Float64Array(n);
  const cmp = (a: number, b: number): number => {
    const va = vals[a],
      vb = vals[b];
    const na = Number.isNaN(va),
      nb = Number.isNaN(vb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    if (va === vb) return a - b;
    return (descending ? va < vb : va > vb) ? 1 : -1;
  };
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) {
        idx[j] = j;
        vals[j] = x[base + j * inner];
      }
      idx.sort(cmp);
      for (let j = 0; j < n; j++) out[base + j * inner] = idx[j];
    }
  }
  return out;
}

/**
 * `out[o, j, i] = x[o, idx[o, j, i], i]`: `x` has shape `xShape`, `idx` the
 * shape of `x` with the axis of length `k`; the result has the shape of `idx`.
 */
export function takeAlongAxis(x: Storage, xShape: readonly number[], idx: Storage, k: number, axis: number, dtype: DType): Storage {
  const [outer, n, inner] = lanes(xShape, axis);
  const out = alloc(dtype, outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[row + i] = x[(o * n + idx[row + i]) * inner + i];
    }
  }
  return out;
}

/**
 * The transpose of {@link takeAlongAxis}: zeros of shape `xShape` with
 * `out[o, idx[o, j, i], i] += u[o, j, i]` (`u` and `idx` of one shape).
 */
export function scatterAddAlongAxis(u: Storage, idx: Storage, xShape: readonly number[], k: number, axis: number, dtype: DType): Storage {
  const [outer, n, inner] = lanes(xShape, axis);
  const out = alloc(dtype, outer * n * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const row = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * n + idx[row + i]) * inner + i] += u[row + i];
    }
  }
  return out;
}
