/**
 * Packing of matmul operands into the panel layout of kernels/wasm/gemm-module.ts,
 * and the padded sizes. Packing transposes as needed, so the kernel itself
 * only ever sees one layout; padding rows/columns are written as zeros.
 */
import type { GemmParams } from './gemm-module.ts';

/** `n` rounded up to a multiple of `m`. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * Packs op(A) (M×K; element (i, k) at `src[off + i·rs + k·cs]`) into row
 * panels of MR, block by block of KC, at `dst[at …]`; rows M…Mp−1 are zero.
 */
export function packA(
  src: ArrayLike<number>, off: number, rs: number, cs: number, M: number, K: number,
  dst: Float32Array, at: number, { MR, KC }: GemmParams,
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
        let s = off + i * rs + k0 * cs;
        for (let k = 0; k < kc; k++, o += MR, s += cs) dst[o] = src[s];
      }
    }
  }
}

/**
 * Packs op(B) (K×N; element (k, j) at `src[off + k·rs + j·cs]`) into column
 * panels of NR, block by block of KC, at `dst[at …]`; columns N…Np−1 are zero.
 */
export function packB(
  src: ArrayLike<number>, off: number, rs: number, cs: number, K: number, N: number,
  dst: Float32Array, at: number, { NR, KC }: GemmParams,
): void {
  const Np = roundUp(N, NR);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    const blk = at + k0 * Np;
    for (let q = 0; q * NR < Np; q++) {
      const base = blk + q * kc * NR;
      for (let s = 0; s < NR; s++) {
        const j = q * NR + s;
        let o = base + s;
        if (j >= N) {
          for (let k = 0; k < kc; k++, o += NR) dst[o] = 0;
          continue;
        }
        let t = off + k0 * rs + j * cs;
        for (let k = 0; k < kc; k++, o += NR, t += rs) dst[o] = src[t];
      }
    }
  }
}
