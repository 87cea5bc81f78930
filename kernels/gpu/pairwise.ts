/**
 * Pairwise matrices between the rows of x `[N, D]` and y `[M, D]` on gpu.js
 * (see kernels/js/pairwise.ts for the definitions). Each forward is one
 * kernel over `[N, M]` that loops over D reading x and y directly — the
 * difference, square and sum (squared Euclidean), or the dot product, both
 * squared norms, the clamps and the divisions (cosine) are one fused chain
 * per entry; the extra norm accumulations reuse the values the dot product
 * already loaded. The cosine backward's elementwise pass is one kernel
 * producing the planes [g/(n_x·n_y), g·cos] of a `[2][N][M]` stack, reduced
 * on the device by kernels/gpu/planes.ts.
 *
 * Guards (else js runs): every input finite with |v| < 2⁵⁰ (no float32
 * overflow in the squares and their sums), and for the cosine
 * ε² ≥ D·2⁻¹⁰⁰, so squares flushed to zero (GL has no denormals: each
 * lost square is < 2⁻¹²⁶) change a clamped squared norm ≥ ε² by less
 * than D·2⁻¹²⁶/ε² ≤ 2⁻²⁶, below float32's unit roundoff.
 */
import {
  pairwiseCosineBackward as jsCosineBackward,
  pairwiseCosineForward as jsCosineForward,
  pairwiseSqEuclideanForward as jsSqEuclidean,
} from '../js/pairwise.ts';
import type { DType, Storage } from '../types.ts';
import { allBelow, f32, MAX_ABS, MAX_ELEMENTS, readback, type CompiledKernel, type KernelContext } from './common.ts';
import { colSums, plane, rowSums } from './planes.ts';

const SQ_EUCLIDEAN_SRC = `function (x, y) {
  const xi = this.thread.y * this.constants.D;
  const yj = this.thread.x * this.constants.D;
  let s = 0;
  for (let k = 0; k < this.constants.D; k++) {
    const t = x[xi + k] - y[yj + k];
    s += t * t;
  }
  return s;
}`;

const COSINE_SRC = `function (x, y) {
  const xi = this.thread.y * this.constants.D;
  const yj = this.thread.x * this.constants.D;
  let s = 0;
  let sa = 0;
  let sb = 0;
  for (let k = 0; k < this.constants.D; k++) {
    const a = x[xi + k];
    const b = y[yj + k];
    s += a * b;
    sa += a * a;
    sb += b * b;
  }
  const na = Math.max(Math.sqrt(sa), this.constants.eps);
  const nb = Math.max(Math.sqrt(sb), this.constants.eps);
  return s / na / nb;
}`;

const COSINE_PARTIALS_SRC = `function (g, cos, nx, ny) {
  const o = this.thread.y * this.constants.M + this.thread.x;
  if (this.thread.z === 0) {
    return g[o] / nx[this.thread.y] / ny[this.thread.x];
  }
  return g[o] * cos[o];
}`;

/** Whether a pairwise forward of this size runs on gpu.js. */
function pairwiseOk(ctx: KernelContext, x: Storage, y: Storage, N: number, M: number, D: number, dtype: DType): boolean {
  return (
    dtype === 'float32' &&
    N * M * D >= ctx.minWork &&
    N > 0 &&
    M > 0 &&
    D > 0 &&
    x.length <= MAX_ELEMENTS &&
    y.length <= MAX_ELEMENTS &&
    N * M <= MAX_ELEMENTS &&
    ctx.fits2d(M, N) &&
    allBelow(x, MAX_ABS) &&
    allBelow(y, MAX_ABS)
  );
}

// the js kernels' signatures
type SqEuclidean = typeof jsSqEuclidean;
type CosineForward = typeof jsCosineForward;
type CosineBackward = typeof jsCosineBackward;

/** The gpu.js squared-Euclidean forward of a kernel set. */
export function makeSqEuclidean(ctx: KernelContext): SqEuclidean {
  return (x, y, N, M, D, dtype) => {
    if (!pairwiseOk(ctx, x, y, N, M, D, dtype)) {
      ctx.fallback();
      return jsSqEuclidean(x, y, N, M, D, dtype);
    }
    const k = ctx.kernel(`sqe:${N}:${M}:${D}`, SQ_EUCLIDEAN_SRC, { output: [M, N], constants: { D } });
    const out = readback(k(f32(x), f32(y)), N * M);
    ctx.ran('pairwiseSqEuclideanForward', k);
    return out;
  };
}

/** The gpu.js cosine forward of a kernel set. */
export function makeCosineForward(ctx: KernelContext): CosineForward {
  return (x, y, N, M, D, eps, dtype) => {
    if (!pairwiseOk(ctx, x, y, N, M, D, dtype) || !(eps * eps >= D * 2 ** -100) || !(eps < MAX_ABS)) {
      ctx.fallback();
      return jsCosineForward(x, y, N, M, D, eps, dtype);
    }
    const k = ctx.kernel(`cos:${N}:${M}:${D}:${eps}`, COSINE_SRC, { output: [M, N], constants: { D, eps } });
    const out = readback(k(f32(x), f32(y)), N * M);
    ctx.ran('pairwiseCosineForward', k);
    return out;
  };
}

/** The gpu.js cosine backward (elementwise pass and its row/column sums) of a kernel set. */
export function makeCosineBackward(ctx: KernelContext): CosineBackward {
  return (g, cos, nx, ny, N, M, dtype) => {
    if (dtype !== 'float32' || N * M < ctx.minWork || N === 0 || M === 0 || 2 * N * M > MAX_ELEMENTS || !ctx.fits2d(M, N)) {
      ctx.fallback();
      return jsCosineBackward(g, cos, nx, ny, N, M, dtype);
    }
    const used: CompiledKernel[] = [];
    const k = ctx.kernel(`cosb:${N}:${M}`, COSINE_PARTIALS_SRC, { output: [M, N, 2], constants: { M }, pipeline: ctx.pipeline });
    used.push(k);
    const parts = k(f32(g), f32(cos), f32(nx), f32(ny));
    const rx = rowSums(ctx, used, parts, 2, N, M, 1);
    const ry = colSums(ctx, used, parts, 2, N, M, 1);
    const dxy = plane(ctx, used, parts, 2, N, M, 0);
    ctx.ran('pairwiseCosineBackward', ...used);
    return { dxy, rx, ry };
  };
}
