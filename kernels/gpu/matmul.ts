/**
 * float32 batched matmul with broadcast batch axes and either operand
 * transposed: one thread per output entry (x: column, y: row, z: batch
 * entry) runs the length-K dot product with the strides of op(A) and op(B);
 * the per-batch storage offsets come from the js kernel's `batchOffsets`.
 */
import { batchOffsets, matmulDims, type MatmulArgs } from '../js/matmul.ts';
import type { Storage } from '../types.ts';
import { f32, MAX_ELEMENTS, readback, type KernelContext } from './common.ts';

const MATMUL_SRC = `function (a, b, aOff, bOff) {
  let ai = aOff[this.thread.z] + this.thread.y * this.constants.ars;
  let bi = bOff[this.thread.z] + this.thread.x * this.constants.bcs;
  let s = 0;
  for (let k = 0; k < this.constants.K; k++) {
    s += a[ai] * b[bi];
    ai += this.constants.acs;
    bi += this.constants.brs;
  }
  return s;
}`;

/** The gpu.js matmul of a kernel set. */
export function makeMatmul(ctx: KernelContext): (args: MatmulArgs) => Storage {
  return (args) => {
    const { a, aShape, b, bShape, transposeA, transposeB, batchShape, dtype } = args;
    const { M, K, N, batch } = matmulDims(args);
    if (
      dtype !== 'float32' ||
      batch * M * N * K < ctx.minWork ||
      batch === 0 ||
      M === 0 ||
      N === 0 ||
      K === 0 ||
      a.length > MAX_ELEMENTS ||
      b.length > MAX_ELEMENTS ||
      batch * M * N > MAX_ELEMENTS ||
      (batch === 1 && !ctx.fits2d(N, M))
    ) {
      ctx.fallback();
      return ctx.matmulFallback(args);
    }
    const offsets = batchOffsets(aShape, bShape, batchShape, M * K, K * N);
    // float32 holds these offsets exactly: every operand has at most 2²⁴ elements (checked above)
    const aOff = Float32Array.from(offsets.aOff),
      bOff = Float32Array.from(offsets.bOff);
    const constants = {
      K,
      ars: transposeA ? 1 : K,
      acs: transposeA ? M : 1,
      brs: transposeB ? 1 : N,
      bcs: transposeB ? K : 1,
    };
    const key = `mm:${batch}:${M}:${K}:${N}:${transposeA}:${transposeB}:${a.length}:${b.length}`;
    const k = ctx.kernel(key, MATMUL_SRC, { output: [N, M, batch], constants });
    const out = readback(k(f32(a), f32(b), aOff, bOff), batch * M * N);
    ctx.ran('matmul', k);
    return out;
  };
}
