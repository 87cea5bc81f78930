/**
 * The fused pairwise Poincaré distance (curvature −c) on gpu.js; see
 * kernels/js/poincare.ts for the formulas and clamps, which these kernels
 * repeat operation for operation (in float32).
 *
 * - forward: one kernel over `[N, M]`: the whole elementwise chain from
 *   (⟨x_i, y_j⟩, ‖x_i‖², ‖y_j‖²) to d_ij.
 * - backward: one kernel computes, per entry, the three partials (∂/∂xy,
 *   ∂/∂‖x‖², ∂/∂‖y‖², each times g) as planes of a `[3][N][M]` stack — the
 *   whole chain rule fused; then row sums of plane 1 give rx, column sums
 *   of plane 2 give ry, and plane 0 is dxy (kernels/gpu/planes.ts). On
 *   headlessgl the stack stays on the device (a pipelined texture).
 */
import { poincarePairwiseBackward as jsBackward, poincarePairwiseForward as jsForward } from '../js/poincare.ts';
import { f32, MAX_ELEMENTS, readback, type CompiledKernel, type KernelContext } from './common.ts';
import { colSums, plane, rowSums } from './planes.ts';

/** The per-entry quantities both kernels start from (entry `o` = (i, j)); as kernels/js/poincare.ts's `entry`. */
const ENTRY = `  const o = i * this.constants.M + j;
  const p = xy[o];
  const a2 = x2[i];
  const b2 = y2[j];
  const c = this.constants.c;
  const A = 1 - 2 * c * p + c * b2;
  const B = 1 - c * a2;
  const num2 = A * A * a2 - 2 * A * B * p + B * B * b2;
  const den = 1 - 2 * c * p + c * c * a2 * b2;
`;

const FORWARD_SRC = `function (xy, x2, y2) {
  const i = this.thread.y;
  const j = this.thread.x;
${ENTRY}  const m = Math.sqrt(Math.max(num2, 1e-30)) / Math.max(den, 1e-15);
  const u = Math.min(Math.max(this.constants.sc * m, -1 + this.constants.eps), 1 - this.constants.eps);
  return this.constants.k * 0.5 * Math.log((1 + u) / (1 - u));
}`;

const PARTIALS_SRC = `function (g, xy, x2, y2) {
  const i = this.thread.y;
  const j = this.thread.x;
${ENTRY}  const numC = Math.max(num2, 1e-30);
  const denC = Math.max(den, 1e-15);
  const s = Math.sqrt(numC);
  const u = Math.min(Math.max(this.constants.sc * s / denC, -1 + this.constants.eps), 1 - this.constants.eps);
  const gm = g[o] * 2 / (1 - u * u);
  let shN = 0.5;
  if (num2 > 1e-30) shN = 1.0;
  if (num2 < 1e-30) shN = 0.0;
  let shD = 0.5;
  if (den > 1e-15) shD = 1.0;
  if (den < 1e-15) shD = 0.0;
  const gnum = gm * shN / (2 * s * denC);
  const gden = -gm * shD * s / (denC * denC);
  if (this.thread.z == 0) {
    return gnum * (-4 * c * A * a2 - 2 * A * B + 4 * c * B * p) + gden * (-2 * c);
  }
  if (this.thread.z == 1) {
    return gnum * (A * A + 2 * c * A * p - 2 * c * B * b2) + gden * this.constants.c2 * b2;
  }
  return gnum * (2 * c * A * a2 - 2 * c * B * p + B * B) + gden * this.constants.c2 * a2;
}`;

// the js kernels' signatures (the gpu.js backward ignores `dxyType`: its dxy is float64, which the caller casts)
type Forward = typeof jsForward;
type Backward = typeof jsBackward;

/** The gpu.js Poincaré forward of a kernel set. */
export function makePoincareForward(ctx: KernelContext): Forward {
  return (xy, x2, y2, N, M, c, eps, dtype) => {
    if (dtype !== 'float32' || N * M < ctx.minWork || N === 0 || M === 0 || N * M > MAX_ELEMENTS || !ctx.fits2d(M, N)) {
      ctx.fallback();
      return jsForward(xy, x2, y2, N, M, c, eps, dtype);
    }
    const sc = Math.sqrt(c);
    const k = ctx.kernel(`pf:${N}:${M}:${c}:${eps}`, FORWARD_SRC, { output: [M, N], constants: { M, c, sc, eps, k: 2 / sc } });
    const out = readback(k(f32(xy), f32(x2), f32(y2)), N * M);
    ctx.ran('poincarePairwiseForward', k);
    return out;
  };
}

/**
 * The gpu.js Poincaré backward of a kernel set (float32 inputs only: the js
 * kernel takes no dtype, so float64 storage means float64 work and stays on js).
 */
export function makePoincareBackward(ctx: KernelContext): Backward {
  return (g, xy, x2, y2, N, M, c, eps) => {
    if (
      !(g instanceof Float32Array) ||
      !(xy instanceof Float32Array) ||
      N * M < ctx.minWork ||
      N === 0 ||
      M === 0 ||
      3 * N * M > MAX_ELEMENTS ||
      !ctx.fits2d(M, N)
    ) {
      ctx.fallback();
      return jsBackward(g, xy, x2, y2, N, M, c, eps);
    }
    const sc = Math.sqrt(c);
    const used: CompiledKernel[] = [];
    const k = ctx.kernel(`pb:${N}:${M}:${c}:${eps}`, PARTIALS_SRC, {
      output: [M, N, 3],
      constants: { M, c, c2: c * c, sc, eps },
      pipeline: ctx.pipeline,
    });
    used.push(k);
    const parts = k(g, xy, f32(x2), f32(y2));
    const rx = rowSums(ctx, used, parts, 3, N, M, 1);
    const ry = colSums(ctx, used, parts, 3, N, M, 2);
    const dxy = plane(ctx, used, parts, 3, N, M, 0);
    ctx.ran('poincarePairwiseBackward', ...used);
    return { dxy: Float64Array.from(dxy), rx: Float64Array.from(rx), ry: Float64Array.from(ry) };
  };
}
