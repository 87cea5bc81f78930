/**
 * Storage types shared by every kernel backend.
 *
 * Kernels see only flat typed arrays and shapes; they know nothing about
 * tensors, dtypes promotion, broadcasting rules' error messages or gradients.
 * The op layer (`lib/ops`) validates arguments before it calls a kernel, so a
 * kernel may assume its inputs are well formed.
 */

/** Element type of a tensor. float64 is the exact reference path. */
export type DType = 'float32' | 'float64';

/** Contiguous row-major storage of a tensor. */
export type Storage = Float32Array | Float64Array;

/** Allocates zero-filled storage of `dtype` with `n` elements. */
export function alloc(dtype: DType, n: number): Storage {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** Copies `src` into new storage of `dtype` (rounding to float32 if asked). */
export function castStorage(src: ArrayLike<number>, dtype: DType): Storage {
  return dtype === 'float64' ? Float64Array.from(src) : Float32Array.from(src);
}

/** Number of elements of a shape (1 for a scalar shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * The per-row quantities of a SoftTriple forward pass (p [B·C·K], S [B·C],
 * and the softmax of z over classes [B·C]) that its backward needs: a
 * forward asked to save returns them, a backward given them skips its own
 * forward pass.
 */
export interface SoftTripleResiduals {
  readonly p?: Float64Array;
  readonly S?: Float64Array;
  readonly q?: Float64Array;
}

/**
 * What an LCA-depth forward pass keeps for its backward (the per-row norms
 * and the unit vectors; opaque outside kernels/js/ball/lcaDepth.ts): a
 * forward asked to save returns it, a backward given it skips recomputing.
 */
export interface LcaResiduals {
  readonly rows: object;
  readonly scratch: object;
}
