/**
 * Reference matrix multiplication: batched, with broadcast batch axes and
 * either operand transposed. The inner kernel is a register-blocked i-k-j loop
 * over float64 accumulators (4 rows of A share each streamed row of B).
 */
import { alloc, sizeOf, stridesOf, type DType, type Storage } from '../types.ts';
import { broadcastStrides } from './elementwise.ts';

/** Arguments of {@link matmul}; shapes have at least two axes. */
export interface MatmulArgs {
  a: Storage;
  aShape: readonly number[];
  b: Storage;
  bShape: readonly number[];
  transposeA: boolean;
  transposeB: boolean;
  /** broadcast batch shape (the leading axes of the output) */
  batchShape: readonly number[];
  dtype: DType;
}

/** Copies a (rows × cols) row-major block, transposed, into `dst`. */
function transposeInto(src: Storage, off: number, rows: number, cols: number, dst: Float64Array): void {
  const TB = 32;
  for (let i0 = 0; i0 < rows; i0 += TB) {
    const i1 = Math.min(rows, i0 + TB);
    for (let j0 = 0; j0 < cols; j0 += TB) {
      const j1 = Math.min(cols, j0 + TB);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) dst[j * rows + i] = src[off + i * cols + j];
      }
    }
  }
}

/**
 * C[M×N] = A[M×K] · B[K×N], all row-major; A read from `a` at `aOff`, B from
 * `b` at `bOff`; C accumulated into `c` (which must be zero).
 */
export function gemm(
  a: ArrayLike<number>, aOff: number,
  b: ArrayLike<number>, bOff: number,
  c: Float64Array,
  M: number, K: number, N: number,
): void {
  const KB = 128; // k-block: keeps the streamed rows of B in cache
  for (let k0 = 0; k0 < K; k0 += KB) {
    const k1 = Math.min(K, k0 + KB);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const c0 = i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
      const a0 = aOff + i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
      for (let k = k0; k < k1; k++) {
        const x0 = a[a0 + k], x1 = a[a1 + k], x2 = a[a2 + k], x3 = a[a3 + k];
        const bRow = bOff + k * N;
        for (let j = 0; j < N; j++) {
          const bv = b[bRow + j];
          c[c0 + j] += x0 * bv;
          c[c1 + j] += x1 * bv;
          c[c2 + j] += x2 * bv;
          c[c3 + j] += x3 * bv;
        }
      }
    }
    for (; i < M; i++) {
      const c0 = i * N;
      const a0 = aOff + i * K;
      for (let k = k0; k < k1; k++) {
        const x0 = a[a0 + k];
        const bRow = bOff + k * N;
        for (let j = 0; j < N; j++) c[c0 + j] += x0 * b[bRow + j];
      }
    }
  }
}

/** Batched matmul with broadcast batch axes. */
export function matmul(args: MatmulArgs): Storage {
  const { a, aShape, b, bShape, transposeA, transposeB, batchShape, dtype } = args;
  const ra = aShape.length, rb = bShape.length;
  const M = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const N = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  const batch = sizeOf(batchShape);
  const out = alloc(dtype, batch * M * N);
  const sa = broadcastStrides(aShape.slice(0, ra - 2), batchShape);
  const sb = broadcastStrides(bShape.slice(0, rb - 2), batchShape);
  const bstr = stridesOf(batchShape);
  const aMat = M * K, bMat = K * N;
  const aT = transposeA ? new Float64Array(aMat) : undefined;
  const bT = transposeB ? new Float64Array(bMat) : undefined;
  const c = new Float64Array(M * N);
  for (let t = 0; t < batch; t++) {
    let ao = 0, bo = 0, rem = t;
    for (let ax = 0; ax < batchShape.length; ax++) {
      const id = Math.floor(rem / bstr[ax]);
      rem -= id * bstr[ax];
      ao += id * sa[ax];
      bo += id * sb[ax];
    }
    ao *= aMat;
    bo *= bMat;
    let A: ArrayLike<number> = a, aOff = ao;
    if (aT) { transposeInto(a, ao, K, M, aT); A = aT; aOff = 0; }
    let B: ArrayLike<number> = b, bOff = bo;
    if (bT) { transposeInto(b, bo, N, K, bT); B = bT; bOff = 0; }
    c.fill(0);
    gemm(A, aOff, B, bOff, c, M, K, N);
    out.set(c, t * M * N);
  }
  return out;
}
