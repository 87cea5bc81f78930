/**
 * Reference matrix multiplication: batched, with broadcast batch axes and
 * either operand transposed.
 *
 * Large products use a packed, register-blocked kernel in the style of
 * GotoBLAS: both operands are copied (transposing as needed) into Float64Array
 * scratch panels, so the hot loop is monomorphic on Float64Array whatever the
 * storage type; a 4×4 block of C lives in 16 local accumulators while k runs
 * over a cache block of KC; blocks of A (MC×KC) and micro-panels of B (KC×4)
 * are sized for L2 and L1. Small or thin products (a row or column vector,
 * tiny matrices) use a direct strided loop, where packing would cost more
 * than it saves. Every path accumulates in float64 and rounds once on store.
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

/** Rows of a register block (rows of A per packed panel). */
const MR = 4;
/** Columns of a register block (columns of B per packed panel). */
const NR = 4;
/** k-block: an MR×KC panel of A and a KC×NR panel of B are 8 KiB each (L1). */
const KC = 256;
/** Panels of A per i-block: an (MC·MR)×KC block of A is 128 KiB (L2). */
const MC = 16;
/** Products with fewer multiply-adds than this, or thinner than a register block, skip packing. */
const SMALL_WORK = 8 * 8 * 8;

/** Whether a product of this shape takes the direct (unpacked) path. */
function isSmall(M: number, K: number, N: number): boolean {
  return M < MR || N < NR || M * K * N <= SMALL_WORK;
}

/** Length of the packed scratch of an M×K operand (rows padded to a multiple of MR). */
function packedLenA(M: number, K: number): number {
  return Math.ceil(M / MR) * MR * K;
}

/** Length of the packed scratch of a K×N operand (columns padded to a multiple of NR). */
function packedLenB(K: number, N: number): number {
  return Math.ceil(N / NR) * NR * K;
}

/**
 * Packs op(A) (M×K, element (i, k) at `src[off + i·rs + k·cs]`) into MR-row
 * panels: `dst[p·K·MR + k·MR + r] = op(A)[p·MR + r][k]`. The padding rows of
 * the last panel are never written, so a zeroed `dst` keeps them zero.
 */
function packA(src: ArrayLike<number>, off: number, rs: number, cs: number, M: number, K: number, dst: Float64Array): void {
  for (let i0 = 0, base = 0; i0 < M; i0 += MR, base += K * MR) {
    const rows = Math.min(MR, M - i0);
    if (cs === 1) {
      for (let r = 0; r < rows; r++) {
        let s = off + (i0 + r) * rs;
        let d = base + r;
        for (let k = 0; k < K; k++, s++, d += MR) dst[d] = src[s];
      }
    } else {
      for (let k = 0; k < K; k++) {
        const s = off + i0 * rs + k * cs;
        const d = base + k * MR;
        for (let r = 0; r < rows; r++) dst[d + r] = src[s + r * rs];
      }
    }
  }
}

/**
 * Packs op(B) (K×N, element (k, j) at `src[off + k·rs + j·cs]`) into NR-column
 * panels: `dst[p·K·NR + k·NR + c] = op(B)[k][p·NR + c]`; padding columns stay untouched.
 */
function packB(src: ArrayLike<number>, off: number, rs: number, cs: number, K: number, N: number, dst: Float64Array): void {
  for (let j0 = 0, base = 0; j0 < N; j0 += NR, base += K * NR) {
    const cols = Math.min(NR, N - j0);
    if (cs === 1) {
      for (let k = 0; k < K; k++) {
        const s = off + k * rs + j0;
        const d = base + k * NR;
        for (let c = 0; c < cols; c++) dst[d + c] = src[s + c];
      }
    } else {
      for (let c = 0; c < cols; c++) {
        let s = off + (j0 + c) * cs;
        let d = base + c;
        for (let k = 0; k < K; k++, s += rs, d += NR) dst[d] = src[s];
      }
    }
  }
}

/**
 * C[M×N] += A·B from packed panels (see {@link packA}, {@link packB}); `c`
 * is row-major with row stride N, starting at `cOff`.
 */
function gemmPacked(ap: Float64Array, bp: Float64Array, c: Float64Array, cOff: number, M: number, K: number, N: number): void {
  const PA = Math.ceil(M / MR);
  const PB = Math.ceil(N / NR);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kl = Math.min(KC, K - k0);
    for (let pi0 = 0; pi0 < PA; pi0 += MC) {
      const pi1 = Math.min(PA, pi0 + MC);
      for (let pj = 0; pj < PB; pj++) {
        const bStart = (pj * K + k0) * NR;
        const j = pj * NR;
        const fullCols = j + NR <= N;
        for (let pi = pi0; pi < pi1; pi++) {
          let ai = (pi * K + k0) * MR;
          const aEnd = ai + kl * MR;
          let bi = bStart;
          let c00 = 0,
            c01 = 0,
            c02 = 0,
            c03 = 0;
          let c10 = 0,
            c11 = 0,
            c12 = 0,
            c13 = 0;
          let c20 = 0,
            c21 = 0,
            c22 = 0,
            c23 = 0;
          let c30 = 0,
            c31 = 0,
            c32 = 0,
            c33 = 0;
          for (; ai < aEnd; ai += MR, bi += NR) {
            const b0 = bp[bi],
              b1 = bp[bi + 1],
              b2 = bp[bi + 2],
              b3 = bp[bi + 3];
            let x = ap[ai];
            c00 += x * b0;
            c01 += x * b1;
            c02 += x * b2;
            c03 += x * b3;
            x = ap[ai + 1];
            c10 += x * b0;
            c11 += x * b1;
            c12 += x * b2;
            c13 += x * b3;
            x = ap[ai + 2];
            c20 += x * b0;
            c21 += x * b1;
            c22 += x * b2;
            c23 += x * b3;
            x = ap[ai + 3];
            c30 += x * b0;
            c31 += x * b1;
            c32 += x * b2;
            c33 += x * b3;
          }
          const i = pi * MR;
          let o = cOff + i * N + j;
          if (fullCols && i + MR <= M) {
            c[o] += c00;
            c[o + 1] += c01;
            c[o + 2] += c02;
            c[o + 3] += c03;
            o += N;
            c[o] += c10;
            c[o + 1] += c11;
            c[o + 2] += c12;
            c[o + 3] += c13;
            o += N;
            c[o] += c20;
            c[o + 1] += c21;
            c[o + 2] += c22;
            c[o + 3] += c23;
            o += N;
            c[o] += c30;
            c[o + 1] += c31;
            c[o + 2] += c32;
            c[o + 3] += c33;
          } else {
            // edge tile: store only the rows and columns inside C
            const rows = Math.min(MR, M - i),
              cols = Math.min(NR, N - j);
            const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
            for (let r = 0; r < rows; r++, o += N) {
              for (let q = 0; q < cols; q++) c[o + q] += tile[r * NR + q];
            }
          }
        }
      }
    }
  }
}

/**
 * C[M×N] += op(A)·op(B) by a direct strided loop (no packing): op(A)(i, k) =
 * `a[aOff + i·ars + k·acs]`, op(B)(k, j) = `b[bOff + k·brs + j·bcs]`; for small or thin products.
 */
function gemmDirect(
  a: ArrayLike<number>,
  aOff: number,
  ars: number,
  acs: number,
  b: ArrayLike<number>,
  bOff: number,
  brs: number,
  bcs: number,
  c: Float64Array,
  cOff: number,
  M: number,
  K: number,
  N: number,
): void {
  if (N === 1) {
    // matrix · vector: one dot product per row
    for (let i = 0; i < M; i++) {
      let s = 0;
      let ai = aOff + i * ars,
        bi = bOff;
      for (let k = 0; k < K; k++, ai += acs, bi += brs) s += a[ai] * b[bi];
      c[cOff + i] += s;
    }
    return;
  }
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * N;
    for (let k = 0; k < K; k++) {
      const x = a[aOff + i * ars + k * acs];
      let bi = bOff + k * brs;
      for (let j = 0; j < N; j++, bi += bcs) c[ci + j] += x * b[bi];
    }
  }
}

/**
 * C[M×N] = A[M×K] · B[K×N], all row-major; A read from `a` at `aOff`, B from
 * `b` at `bOff`; C accumulated into `c` (which must be zero).
 */
export function gemm(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, c: Float64Array, M: number, K: number, N: number): void {
  if (M === 0 || N === 0 || K === 0) return;
  if (isSmall(M, K, N)) {
    gemmDirect(a, aOff, K, 1, b, bOff, N, 1, c, 0, M, K, N);
    return;
  }
  const ap = new Float64Array(packedLenA(M, K));
  const bp = new Float64Array(packedLenB(K, N));
  packA(a, aOff, K, 1, M, K, ap);
  packB(b, bOff, N, 1, K, N, bp);
  gemmPacked(ap, bp, c, 0, M, K, N);
}

/**
 * Storage offsets of the A and B matrices used by each of the `batch`
 * products of a broadcast batched matmul (matrices of `aMat` and `bMat`
 * elements). Shared by every backend's matmul.
 */
export function batchOffsets(
  aShape: readonly number[],
  bShape: readonly number[],
  batchShape: readonly number[],
  aMat: number,
  bMat: number,
): { aOff: Float64Array; bOff: Float64Array } {
  const sa = broadcastStrides(aShape.slice(0, aShape.length - 2), batchShape);
  const sb = broadcastStrides(bShape.slice(0, bShape.length - 2), batchShape);
  const bstr = stridesOf(batchShape);
  const batch = sizeOf(batchShape);
  const aOff = new Float64Array(batch),
    bOff = new Float64Array(batch);
  for (let t = 0; t < batch; t++) {
    let ao = 0,
      bo = 0,
      rem = t;
    for (let ax = 0; ax < batchShape.length; ax++) {
      const id = Math.floor(rem / bstr[ax]);
      rem -= id * bstr[ax];
      ao += id * sa[ax];
      bo += id * sb[ax];
    }
    aOff[t] = ao * aMat;
    bOff[t] = bo * bMat;
  }
  return { aOff, bOff };
}

/** The product's sizes: op(A) is M×K, op(B) K×N, and `batch` products. Shared by every backend's matmul. */
export function matmulDims({ aShape, bShape, transposeA, transposeB, batchShape }: MatmulArgs): { M: number; K: number; N: number; batch: number } {
  const ra = aShape.length,
    rb = bShape.length;
  return {
    M: transposeA ? aShape[ra - 1] : aShape[ra - 2],
    K: transposeA ? aShape[ra - 2] : aShape[ra - 1],
    N: transposeB ? bShape[rb - 2] : bShape[rb - 1],
    batch: sizeOf(batchShape),
  };
}

/** Batched matmul with broadcast batch axes. */
export function matmul(args: MatmulArgs): Storage {
  const { a, aShape, b, bShape, transposeA, transposeB, batchShape, dtype } = args;
  const { M, K, N, batch } = matmulDims(args);
  const MN = M * N;
  const out = alloc(dtype, batch * MN);
  if (batch === 0 || MN === 0 || K === 0) return out;
  const aMat = M * K,
    bMat = K * N;
  const offsets = batchOffsets(aShape, bShape, batchShape, aMat, bMat);
  // strides of op(A)(i, k) and op(B)(k, j) inside one matrix
  const ars = transposeA ? 1 : K,
    acs = transposeA ? M : 1;
  const brs = transposeB ? 1 : N,
    bcs = transposeB ? K : 1;
  const small = isSmall(M, K, N);
  const ap = small ? undefined : new Float64Array(packedLenA(M, K));
  const bp = small ? undefined : new Float64Array(packedLenB(K, N));
  // float64 output is accumulated in place; float32 output through one float64 scratch matrix
  const c64 = out instanceof Float64Array ? out : new Float64Array(MN);
  let lastAo = -1,
    lastBo = -1;
  for (let t = 0; t < batch; t++) {
    const ao = offsets.aOff[t],
      bo = offsets.bOff[t];
    const cOff = c64 === out ? t * MN : 0;
    if (c64 !== out) c64.fill(0);
    if (ap === undefined || bp === undefined) {
      gemmDirect(a, ao, ars, acs, b, bo, brs, bcs, c64, cOff, M, K, N);
    } else {
      // a broadcast operand is packed once for all the batch entries that share it
      if (ao !== lastAo) packA(a, ao, ars, acs, M, K, ap);
      if (bo !== lastBo) packB(b, bo, brs, bcs, K, N, bp);
      lastAo = ao;
      lastBo = bo;
      gemmPacked(ap, bp, c64, cOff, M, K, N);
    }
    if (c64 !== out) out.set(c64, t * MN);
  }
  return out;
}
