/**
 * Reference data-movement kernels: axis permutation, slicing and its
 * transpose (writing a slice into zeros), concatenation, gather and scatter-add.
 */
import { alloc, sizeOf, stridesOf, type DType, type Storage } from '../types.ts';

/** out = x permuted so that out axis i is x axis perm[i]. */
export function transpose(x: Storage, shape: readonly number[], perm: readonly number[], dtype: DType): Storage {
  const r = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const n = x.length;
  const out = alloc(dtype, n);
  if (r === 2 && perm[0] === 1) {
    const R = shape[0],
      C = shape[1];
    const TB = 32;
    for (let i0 = 0; i0 < R; i0 += TB) {
      for (let j0 = 0; j0 < C; j0 += TB) {
        const i1 = Math.min(R, i0 + TB),
          j1 = Math.min(C, j0 + TB);
        for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * R + i] = x[i * C + j];
      }
    }
    return out;
  }
  const xs = stridesOf(shape);
  const src = perm.map((p) => xs[p]); // input stride of each output axis
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let o = 0; o < n; o++) {
    out[o] = x[off];
    for (let ax = r - 1; ax >= 0; ax--) {
      idx[ax]++;
      off += src[ax];
      if (idx[ax] < outShape[ax]) break;
      off -= src[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

/**
 * Copies between a full array and a box inside it.
 * `toBox` true: read the box `[begin, begin+size)` of `full` into a dense array.
 * `toBox` false: write the dense `box` into zeros of `fullShape` at `begin`.
 */
function boxCopy(full: Storage, fullShape: readonly number[], box: Storage, begin: readonly number[], size: readonly number[], toBox: boolean): void {
  const r = fullShape.length;
  const n = sizeOf(size);
  if (n === 0) return;
  const fs = stridesOf(fullShape);
  let base = 0;
  for (let i = 0; i < r; i++) base += begin[i] * fs[i];
  if (r === 0) {
    if (toBox) box[0] = full[0];
    else full[0] = box[0];
    return;
  }
  const inner = size[r - 1];
  const rows = n / inner;
  const idx = new Array<number>(r).fill(0);
  let off = base;
  for (let row = 0, o = 0; row < rows; row++, o += inner) {
    if (toBox) for (let j = 0; j < inner; j++) box[o + j] = full[off + j];
    else for (let j = 0; j < inner; j++) full[off + j] = box[o + j];
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax]++;
      off += fs[ax];
      if (idx[ax] < size[ax]) break;
      off -= fs[ax] * size[ax];
      idx[ax] = 0;
    }
  }
}

/** Reads the box `[begin, begin + size)` of `x`. */
export function slice(x: Storage, shape: readonly number[], begin: readonly number[], size: readonly number[], dtype: DType): Storage {
  const out = alloc(dtype, sizeOf(size));
  boxCopy(x, shape, out, begin, size, true);
  return out;
}

/** The transpose of {@link slice}: zeros of `fullShape` with `g` written at `begin`. */
export function padSlice(g: Storage, size: readonly number[], fullShape: readonly number[], begin: readonly number[], dtype: DType): Storage {
  const out = alloc(dtype, sizeOf(fullShape));
  boxCopy(out, fullShape, g, begin, size, false);
  return out;
}

/** Concatenates along `axis`; all shapes agree off that axis. */
export function concat(xs: readonly Storage[], shapes: readonly (readonly number[])[], axis: number, dtype: DType): Storage {
  const shape0 = shapes[0];
  const outer = sizeOf(shape0.slice(0, axis));
  const chunks = shapes.map((s) => sizeOf(s.slice(axis)));
  const total = chunks.reduce((p, q) => p + q, 0);
  const out = alloc(dtype, outer * total);
  for (let o = 0; o < outer; o++) {
    let dst = o * total;
    for (let t = 0; t < xs.length; t++) {
      const c = chunks[t];
      out.set(xs[t].subarray(o * c, o * c + c), dst);
      dst += c;
    }
  }
  return out;
}

/** Rows shorter than this are copied by a loop: a subarray view per row costs more than the copy. */
const GATHER_VIEW_MIN = 64;

/** Selects `indices` along `axis` (indices already validated). */
export function gather(x: Storage, shape: readonly number[], indices: Int32Array, axis: number, dtype: DType): Storage {
  const outer = sizeOf(shape.slice(0, axis));
  const n = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const m = indices.length;
  const out = alloc(dtype, outer * m * inner);
  if (inner < GATHER_VIEW_MIN) {
    // short rows, down to single elements (conv2d's im2col over a flattened image): a plain loop, no views
    for (let o = 0, k = 0; o < outer; o++) {
      for (let t = 0; t < m; t++) {
        const src = (o * n + indices[t]) * inner;
        for (let j = 0; j < inner; j++) out[k++] = x[src + j];
      }
    }
  } else {
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < m; t++) {
        const src = (o * n + indices[t]) * inner;
        out.set(x.subarray(src, src + inner), (o * m + t) * inner);
      }
    }
  }
  return out;
}

/** out = x, then out[.., indices[t], ..] += updates[.., t, ..] along `axis`. */
export function scatterAdd(x: Storage, shape: readonly number[], indices: Int32Array, updates: Storage, axis: number, dtype: DType): Storage {
  const outer = sizeOf(shape.slice(0, axis));
  const n = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const m = indices.length;
  const out = alloc(dtype, x.length);
  out.set(x);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < m; t++) {
      const dst = (o * n + indices[t]) * inner;
      const src = (o * m + t) * inner;
      for (let j = 0; j < inner; j++) out[dst + j] += updates[src + j];
    }
  }
  return out;
}
