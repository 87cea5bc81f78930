/**
 * Packing of matmul operands into the panel layout of kernels/wasm/gemm-module.ts,
 * and the padded sizes. Packing transposes as needed, so the kernel itself
 * only ever sees one layout; padding rows/columns are written as zeros.
 *
 * Loops run k-major inside a panel, so the packed panel is written
 * sequentially; the reads are MR (or NR) streams, contiguous when the
 * operand's k (or j) axis is its fastest.
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
  src: Float32Array, off: number, rs: number, cs: number, M: number, K: number,
  dst: Float32Array, at: number, { MR, KC }: GemmParams,
): void {
  const Mp = roundUp(M, MR);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    let o = at + k0 * Mp;
    for (let i0 = 0; i0 < Mp; i0 += MR) {
      const rows = Math.min(MR, M - i0);
      const s0 = off + i0 * rs + k0 * cs;
      if (rows === MR && MR === 4) {
        // the default block: four read streams, one sequential write
        let s = s0;
        const r1 = rs, r2 = 2 * rs, r3 = 3 * rs;
        for (let k = 0; k < kc; k++, s += cs, o += 4) {
          dst[o] = src[s];
          dst[o + 1] = src[s + r1];
          dst[o + 2] = src[s + r2];
          dst[o + 3] = src[s + r3];
        }
        continue;
      }
      for (let k = 0; k < kc; k++) {
        const s = s0 + k * cs;
        for (let r = 0; r < MR; r++, o++) dst[o] = r < rows ? src[s + r * rs] : 0;
      }
    }
  }
}

/**
 * Packs op(B) (K×N; element (k, j) at `src[off + k·rs + j·cs]`) into column
 * panels of NR, block by block of KC, at `dst[at …]`; columns N…Np−1 are zero.
 */
export function packB(
  src: Float32Array, off: number, rs: number, cs: number, K: number, N: number,
  dst: Float32Array, at: number, { NR, KC }: GemmParams,
): void {
  const Np = roundUp(N, NR);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    let o = at + k0 * Np;
    for (let j0 = 0; j0 < Np; j0 += NR) {
      const cols = Math.min(NR, N - j0);
      let s = off + k0 * rs + j0 * cs;
      if (cols === NR && cs === 1) {
        // rows of B are contiguous: NR consecutive reads per k
        for (let k = 0; k < kc; k++, s += rs) {
          for (let t = 0; t < NR; t++) dst[o++] = src[s + t];
        }
        continue;
      }
      for (let k = 0; k < kc; k++, s += rs) {
        for (let t = 0; t < NR; t++, o++) dst[o] = t < cols ? src[s + t * cs] : 0;
      }
    }
  }
}
