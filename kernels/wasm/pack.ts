/**
 * Packing of matmul operands into the panel layout of kernels/wasm/gemm-module.ts,
 * and the padded sizes. Packing transposes as needed, so the kernel itself
 * only ever sees one layout; padding rows/columns are written as zeros.
 * Loop orders were chosen by measurement (BENCHMARKS.md): a panel is small
 * enough to stay in L1, so strided writes into it cost little, while the
 * reads follow the operand's contiguous axis where they can.
 */
import type { GemmParams } from './gemm-module.ts';

/** `n` rounded up to a multiple of `m`. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * Packs op(A) (M×K; element (i, k) at `src[off + i·rs + k·cs]`) into row
 * panels of MR, block by block of KC, at `dst[at …]`; rows M…Mp−1 are zero.
 * Each row is read along k (contiguous for a row-major A) and written with
 * stride MR inside its panel, which stays in L1.
 */
export function packA(
  src: Float32Array,
  off: number,
  rs: number,
  cs: number,
  M: number,
  K: number,
  dst: Float32Array,
  at: number,
  { MR, KC }: GemmParams,
): void {
  const Mp = roundUp(M, MR);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    const blk = at + k0 * Mp;
    for (let p = 0; p * MR < Mp; p++) {
      const base = blk + p * kc * MR;
      for (let r = 0; r < MR; r++) {
        const i = p * MR + r;
        let o = base + r;
        if (i >= M) {
          for (let k = 0; k < kc; k++, o += MR) dst[o] = 0;
          continue;
        }
        let t = off + i * rs + k0 * cs;
        for (let k = 0; k < kc; k++, o += MR, t += cs) dst[o] = src[t];
      }
    }
  }
}

/**
 * Packs op(B) (K×N; element (k, j) at `src[off + k·rs + j·cs]`) into column
 * panels of NR, block by block of KC, at `dst[at …]`; columns N…Np−1 are zero.
 * When B's rows are contiguous (a row-major B), eight consecutive entries
 * are copied per k; otherwise each column is read along k (contiguous for a
 * transposed B) and written with stride NR.
 */
export function packB(
  src: Float32Array,
  off: number,
  rs: number,
  cs: number,
  K: number,
  N: number,
  dst: Float32Array,
  at: number,
  { NR, KC }: GemmParams,
): void {
  const Np = roundUp(N, NR);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    const blk = at + k0 * Np;
    for (let q = 0; q * NR < Np; q++) {
      const base = blk + q * kc * NR;
      const j0 = q * NR;
      if (cs === 1 && NR === 8 && j0 + 8 <= N) {
        // the default block over contiguous rows: eight consecutive reads and writes per k
        let s = off + k0 * rs + j0;
        for (let k = 0, o = base; k < kc; k++, s += rs, o += 8) {
          dst[o] = src[s];
          dst[o + 1] = src[s + 1];
          dst[o + 2] = src[s + 2];
          dst[o + 3] = src[s + 3];
          dst[o + 4] = src[s + 4];
          dst[o + 5] = src[s + 5];
          dst[o + 6] = src[s + 6];
          dst[o + 7] = src[s + 7];
        }
        continue;
      }
      for (let t = 0; t < NR; t++) {
        const j = j0 + t;
        let o = base + t;
        if (j >= N) {
          for (let k = 0; k < kc; k++, o += NR) dst[o] = 0;
          continue;
        }
        let s = off + k0 * rs + j * cs;
        for (let k = 0; k < kc; k++, o += NR, s += rs) dst[o] = src[s];
      }
    }
  }
}
