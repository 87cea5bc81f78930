/**
 * Numerically guarded building blocks shared by the manifolds: a clamped
 * artanh whose gradient passes through the clamp (so it neither vanishes nor
 * explodes at the boundary), row norms bounded away from zero, and curvature
 * handling (a number or a learnable scalar tensor).
 */
import type { DType } from '../../kernels/types.ts';
import { ValueError } from '../errors.ts';
import { scalar } from '../tensor/create.ts';
import { dataOf, Tensor } from '../tensor/tensor.ts';
import { cast } from '../ops/cast.ts';
import { maximum, mul, square } from '../ops/elementwise.ts';
import { norm } from '../ops/reduce.ts';
import { sum } from '../ops/broadcast.ts';

/** Smallest norm used as a divisor (geoopt's MIN_NORM). */
export const MIN_NORM = 1e-15;

/**
 * Floor of 1 − c‖x‖² where it is a divisor (the conformal factor λ_x = 2/(1 − c‖x‖²)
 * and transp0back): MIN_NORM in float64; 2⁻²⁶ in float32. In float32 arithmetic
 * 1 − c‖x‖² is either ≥ 2⁻²⁴ (the gap below 1) or ≤ 0 (a point on the boundary,
 * or outside it by rounding, which the in-ball check accepts), so the float32
 * floor changes no interior point's value; it caps λ at 2²⁷ on the boundary,
 * where MIN_NORM gave λ = 2·10¹⁵, whose cube (∂λ²/∂x ∝ λ³) overflowed float32
 * to Inf in the backward pass, and Inf times the clamp's zero share is NaN.
 */
export function conformalFloor(dtype: DType): number {
  return dtype === 'float64' ? MIN_NORM : 2 ** -26;
}

/** Boundary margin of `project`: points are kept at norm ≤ (1 − ε)/√c, ε = 1e-5 (float64) or 1e-3 (float32) [our default]. */
export function ballEps(dtype: DType): number {
  return dtype === 'float64' ? 1e-5 : 1e-3;
}

export { artanh, artanhEps } from '../ops/special.ts';

/** Row norms `‖x‖` over the last axis (kept as a size-1 axis), at least {@link MIN_NORM}. */
export function rowNorm(x: Tensor): Tensor {
  return maximum(norm(x, -1, true), MIN_NORM);
}

/** Row squared norms over the last axis, kept as a size-1 axis. */
export function rowSq(x: Tensor): Tensor {
  return sum(square(x), -1, true);
}

/** Row inner products over the last axis, kept as a size-1 axis. */
export function rowDot(x: Tensor, y: Tensor): Tensor {
  return sum(mul(x, y), -1, true);
}

/** A curvature magnitude: a positive number, or a scalar tensor (learnable). */
export type Curvature = number | Tensor;

/** Checks a curvature argument (positive, finite, scalar) for `fn`. */
export function checkCurvature(fn: string, c: Curvature): void {
  if (typeof c === 'number') {
    if (!(c > 0) || !Number.isFinite(c)) throw new ValueError(`${fn}: curvature c must be a positive finite number, got ${c}`);
    return;
  }
  if (!(c instanceof Tensor) || c.size !== 1) {
    throw new ValueError(
      `${fn}: curvature c must be a positive number or a one-element tensor, got ${c instanceof Tensor ? `shape [${c.shape.join(', ')}]` : typeof c}`,
    );
  }
  // every stored value: inside vmap a one-element curvature stands for one value per example
  for (const v of dataOf(c)) {
    if (!(v > 0) || !Number.isFinite(v)) throw new ValueError(`${fn}: curvature c must be positive and finite, got ${v}`);
  }
}

/** The curvature as a scalar tensor of `dtype` (differentiable when c is a tensor). */
export function curvTensor(c: Curvature, dtype: DType): Tensor {
  if (typeof c === 'number') return scalar(c, dtype);
  const s = c.rank === 0 ? c : sum(c);
  return s.dtype === dtype ? s : cast(s, dtype);
}

/** The numeric value of a curvature. */
export function curvValue(c: Curvature): number {
  return typeof c === 'number' ? c : dataOf(c)[0];
}
