/**
 * The Poincaré ball's formulas (geoopt's `math.py`): pure functions of
 * tensors and a curvature {@link C}, written with differentiable ops, so
 * gradients of any order flow to points, tangent vectors and a tensor
 * curvature. Formulas and conventions: docs/math.md §1. The ball object
 * (lib/manifolds/poincare.ts, geoopt's `manifold.py`) checks arguments and
 * calls these, or the fused ops built on them (lib/ops/fused/).
 */
import type { DType } from '../../kernels/types.ts';
import { customGrad } from '../autodiff/custom.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { add, asinh, div, equal, greater, maximum, minimum, mul, neg, sqrt, square, sub, tanh, where, less } from '../ops/elementwise.ts';
import { norm } from '../ops/reduce.ts';
import { squeeze } from '../ops/shape.ts';
import { MIN_NORM, artanh, ballEps, conformalFloor, curvTensor, rowDot, rowNorm, rowSq, type Curvature } from './numerics.ts';

/** A curvature as the formulas use it: c and √c, scalar tensors of the points' dtype. */
export interface C {
  readonly c: Tensor;
  readonly sc: Tensor; // √c
}

/** {@link C} of a curvature for `dtype`. */
export function curv(c: Curvature, dtype: DType): C {
  const ct = curvTensor(c, dtype);
  return { c: ct, sc: sqrt(ct) };
}

/** λ_x = 2 / (1 − c‖x‖²), kept as a size-1 last axis (the divisor floored at {@link conformalFloor}). */
export function lambdaK(x: Tensor, k: C): Tensor {
  return div(2, maximum(sub(1, mul(k.c, rowSq(x))), conformalFloor(x.dtype)));
}

export function projectK(x: Tensor, k: C): Tensor {
  const n = rowNorm(x);
  const maxNorm = div(1 - ballEps(x.dtype), k.sc);
  return where(greater(n, maxNorm), mul(div(x, n), maxNorm), x);
}

export function expmap0K(v: Tensor, k: C): Tensor {
  const n = rowNorm(v);
  const scn = mul(k.sc, n);
  return projectK(mul(div(tanh(scn), scn), v), k);
}

export function logmap0K(y: Tensor, k: C): Tensor {
  const n = rowNorm(y);
  const scn = mul(k.sc, n);
  return mul(div(artanh(scn), scn), y);
}

/**
 * x ⊕ y in a cancellation-free form. With s = x + y, A = 1 − c‖x‖²,
 * B = 1 − c‖y‖² and S = c‖s‖², the textbook numerator and denominator are
 *   (1 + 2c⟨x,y⟩ + c‖y‖²) x + (1 − c‖x‖²) y = A·s + S·x,
 *   1 + 2c⟨x,y⟩ + c²‖x‖²‖y‖²            = A·B + S,
 * where every term is non-negative inside the ball. The textbook form
 * subtracts O(1) quantities when y ≈ −x near the boundary (its denominator is
 * then ≈ (1 − c‖x‖²)²), which costs a relative error of about u·λ_x·λ_y;
 * this form is as accurate as the inputs (relative error O(u·λ)).
 */
export function mobiusAddK(x: Tensor, y: Tensor, k: C): Tensor {
  const s = add(x, y);
  const A = sub(1, mul(k.c, rowSq(x)));
  const B = sub(1, mul(k.c, rowSq(y)));
  const S = mul(k.c, rowSq(s));
  const num = add(mul(A, s), mul(S, x));
  const den = add(mul(A, B), S);
  return div(num, maximum(den, MIN_NORM));
}

export function distK(x: Tensor, y: Tensor, k: C): Tensor {
  const m = rowNorm(mobiusAddK(neg(x), y, k));
  return squeeze(mul(div(2, k.sc), artanh(mul(k.sc, m))), -1);
}

export function expmapK(x: Tensor, u: Tensor, k: C): Tensor {
  const n = rowNorm(u);
  const second = mul(div(tanh(div(mul(mul(k.sc, lambdaK(x, k)), n), 2)), mul(k.sc, n)), u);
  return projectK(mobiusAddK(x, second, k), k);
}

export function logmapK(x: Tensor, y: Tensor, k: C): Tensor {
  const s = mobiusAddK(neg(x), y, k);
  const n = rowNorm(s);
  return mul(div(mul(div(2, mul(k.sc, lambdaK(x, k))), artanh(mul(k.sc, n))), n), s);
}

export function mobiusScalarMulK(r: Tensor | number, x: Tensor, k: C): Tensor {
  const n = rowNorm(x);
  const scn = mul(k.sc, n);
  return projectK(mul(div(tanh(mul(r, artanh(scn))), scn), x), k);
}

/**
 * gyr[u, v]w, the rotation of w with u ⊕ (v ⊕ w) = (u ⊕ v) ⊕ gyr[u, v]w.
 * geoopt's κ-stereographic form is w + 2(a·u + b·v)/d with K = −c and
 *   a = −K²⟨u,w⟩‖v‖² − K⟨v,w⟩ + 2K²⟨u,v⟩⟨v,w⟩,  b = −K²⟨v,w⟩‖u‖² + K⟨u,w⟩,
 *   d = 1 − 2K⟨u,v⟩ + K²‖u‖²‖v‖².
 * Substituting v = s − u (s = u + v, A = 1 − c‖u‖², B = 1 − c‖v‖², S = c‖s‖²)
 * gives the same value without subtracting O(1) quantities when v ≈ −u near
 * the boundary (where d ≈ (1 − c‖u‖²)² and the textbook form loses a relative
 * u·λ_u·λ_v):
 *   a·u + b·v = c[(⟨s,w⟩(S + B) − c⟨u,w⟩‖s‖²) u − (c⟨s,w⟩‖u‖² + ⟨u,w⟩A) s],
 *   d = A·B + S,
 * where every term is O(‖w‖·d).
 */
export function gyrationK(u: Tensor, v: Tensor, w: Tensor, k: C): Tensor {
  const s = add(u, v);
  const u2 = rowSq(u);
  const A = sub(1, mul(k.c, u2));
  const B = sub(1, mul(k.c, rowSq(v)));
  const S = mul(k.c, rowSq(s));
  const sw = rowDot(s, w);
  const uw = rowDot(u, w);
  const coefU = sub(mul(sw, add(S, B)), mul(uw, S));
  const coefS = add(mul(mul(k.c, sw), u2), mul(uw, A));
  const n = mul(sub(mul(coefU, u), mul(coefS, s)), k.c);
  const d = add(mul(A, B), S);
  return add(w, div(mul(n, 2), maximum(d, MIN_NORM)));
}

export function clipK(x: Tensor, r: number): Tensor {
  return mul(x, minimum(div(r, rowNorm(x)), 1));
}

/**
 * Rows scaled to unit norm (zero rows stay 0). The value is exact for every
 * non-zero row, subnormal ones included; the backward pass divides by
 * max(‖x‖, MIN_NORM), so gradients stay finite for rows near 0 (where the
 * true Jacobian, of size 1/‖x‖, would overflow).
 */
export const unitRows = customGrad(
  (x: Tensor) => {
    const n = norm(x, -1, true);
    return div(x, where(equal(n, 0), 1, n));
  },
  (g, [x], out) => [div(sub(g, mul(rowDot(g, out), out)), maximum(norm(x, -1, true), MIN_NORM))],
  'unitRows',
);

/**
 * Depth of the lowest common ancestor of `a` and `b` (HypHC): the hyperbolic
 * distance h from the origin to the geodesic through a and b (docs/math.md §4;
 * equal to its closed form and to HypHC's reflection construction).
 *
 * Evaluated with the hyperbolic "height × base" identity of the triangle
 * (0, a, b), sinh(h)·sinh(d(a,b)) = sinh(d(0,a))·sinh(d(0,b))·sin θ (θ the
 * angle at the origin), which for the ball reduces to
 *   sinh(√c·h) = 2c‖a‖‖b‖ sin θ / (√c‖a − b‖ · √(c‖a − b‖² + (1 − c‖a‖²)(1 − c‖b‖²))),
 * with sin θ = ‖â − b̂‖·‖â + b̂‖/2 for the unit vectors â, b̂ (accurate at every
 * angle). Every term is non-negative, so nothing cancels: the §4 closed form
 * instead subtracts nearly equal quantities (R² = d² − r for geodesics near
 * the boundary, cos θ ≈ 1 rounded for small angles) and lost ≈ 10³·u in
 * float32 near the boundary, and read angles below ≈ 3·10⁻⁴ as 0 in float32.
 * Pairs on one diameter have sin θ = 0, so depth 0; a zero point gives 0;
 * identical points (no geodesic; ‖a − b‖ < MIN_NORM) get depth 0 by convention.
 */
export function lcaDepthK(a: Tensor, b: Tensor, k: C): Tensor {
  const na = norm(a, -1, true);
  const nb = norm(b, -1, true);
  const ah = unitRows(a);
  const bh = unitRows(b);
  const sinT = div(mul(norm(sub(ah, bh), -1, true), norm(add(ah, bh), -1, true)), 2);
  const dn = norm(sub(a, b), -1, true);
  const same = less(dn, MIN_NORM);
  const safeDn = where(same, 1, dn); // keeps the unused branch (and its gradient) finite
  const AB = mul(sub(1, mul(k.c, rowSq(a))), sub(1, mul(k.c, rowSq(b))));
  const root = sqrt(maximum(add(mul(k.c, square(safeDn)), AB), MIN_NORM));
  const sh = div(mul(mul(mul(na, nb), sinT), mul(k.c, 2)), mul(mul(k.sc, safeDn), root));
  const depth = div(asinh(sh), k.sc);
  return squeeze(where(same, 0, depth), -1);
}
