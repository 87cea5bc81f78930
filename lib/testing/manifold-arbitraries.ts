/**
 * fast-check arbitraries for points and tangent vectors of the manifolds
 * (Poincaré ball, sphere, hyperboloid), for property-testing geometry code.
 * Part of the `gyrograd/testing` subpath only: the core library never
 * imports fast-check.
 *
 * Every arbitrary builds its rows in float64 (plain JS numbers) and only then
 * stores them in the requested dtype; where rounding to float32 could move a
 * point off its manifold's domain (a ball point onto or past the boundary),
 * the stored value is checked and pulled back in, so the guarantees stated
 * below hold for the tensor actually returned.
 */
import type { Arbitrary } from 'fast-check';
import { fc } from './fast-check.ts';
import type { DType } from '../../kernels/types.ts';
import { tensor, toArray } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** The curvatures the library's own geometry tests sweep: 1e-3, 0.1, 1 and 10. */
export const TEST_CURVATURES: readonly number[] = Object.freeze([1e-3, 0.1, 1, 10]);

/** Radius fractions that probe the boundary region of the ball. */
const NEAR_BOUNDARY: readonly number[] = [0.5, 0.9, 0.99, 0.999];

/**
 * A curvature magnitude c from {1e-3, 0.1, 1, 10} (the ball of curvature −c
 * has radius 1/√c: ≈ 31.6, 3.16, 1 and 0.316).
 */
export function curvatureArb(): Arbitrary<number> {
  return fc.constantFrom(...TEST_CURVATURES);
}

/**
 * Unit vectors of length `dim` as plain numbers: coordinates drawn in [−1, 1]
 * (fast-check's biased doubles, so axis-aligned and sparse directions show up)
 * and normalised; a draw whose norm is below 1e-6 becomes the first basis vector.
 */
export function unitVectorArb(dim: number): Arbitrary<number[]> {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`unitVectorArb: dim must be a positive integer, got ${dim}`);
  return fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: dim, maxLength: dim }).map(unitize);
}

function unitize(v: number[]): number[] {
  const n = Math.hypot(...v);
  if (!(n > 1e-6)) return v.map((_, i) => (i === 0 ? 1 : 0));
  return v.map((x) => x / n);
}

/** Rows of plain numbers as a `[rows, dim]` tensor of `dtype`. */
function rowsTensor(rows: readonly (readonly number[])[], dim: number, dtype: DType): Tensor {
  return tensor(rows.flat(), [rows.length, dim], dtype);
}

/** Euclidean norm of `v` after rounding its entries to `dtype` (computed in float64). */
function storedNorm(v: readonly number[], dtype: DType): number {
  const w = dtype === 'float64' ? v : v.map((x) => Math.fround(x));
  return Math.hypot(...w);
}

/** Options of {@link ballPointArb}. */
export interface BallPointOptions {
  /** curvature magnitude c > 0; the ball has radius 1/√c (default 1) */
  readonly c?: number;
  /** dimension D (default 2) */
  readonly dim?: number;
  /** number of rows N (default 1) */
  readonly rows?: number;
  /** dtype of the tensor (default 'float64') */
  readonly dtype?: DType;
  /**
   * largest radius fraction √c‖x‖, in (0, 1) (default 0.999). Fractions are
   * drawn uniformly from [0, max], from the boundary probes
   * {0.5, 0.9, 0.99, 0.999} that do not exceed it, and as `max` itself.
   */
  readonly maxRadiusFraction?: number;
  /** smallest radius fraction (default 0; 0 includes the origin itself) */
  readonly minRadiusFraction?: number;
}

/**
 * Radius fractions √c‖x‖ in [min, max]: uniform draws plus the boundary
 * probes (0.5, 0.9, 0.99, 0.999) and both ends.
 */
export function radiusFractionArb(min = 0, max = 0.999): Arbitrary<number> {
  if (!(min >= 0 && max < 1 && min <= max)) throw new RangeError(`radiusFractionArb: expected 0 ≤ min ≤ max < 1, got [${min}, ${max}]`);
  const probes = NEAR_BOUNDARY.filter((f) => f >= min && f <= max);
  return fc.oneof({ arbitrary: fc.double({ min, max, noNaN: true }), weight: 3 }, { arbitrary: fc.constantFrom(min, max, ...probes), weight: 2 });
}

/**
 * One point of the Poincaré ball as plain numbers: a unit direction times a
 * radius fraction f of the radius 1/√c. The norm of the point stored in
 * `dtype` is strictly below 1/√c (a float32 rounding that would reach the
 * boundary is pulled back in).
 */
export function ballRowArb(o: BallPointOptions = {}): Arbitrary<number[]> {
  const c = o.c ?? 1;
  const dim = o.dim ?? 2;
  const dtype = o.dtype ?? 'float64';
  if (!(c > 0 && Number.isFinite(c))) throw new RangeError(`ballRowArb: c must be positive and finite, got ${c}`);
  const R = 1 / Math.sqrt(c);
  return fc.tuple(unitVectorArb(dim), radiusFractionArb(o.minRadiusFraction ?? 0, o.maxRadiusFraction ?? 0.999)).map(([u, f]) => {
    let p = u.map((x) => x * f * R);
    // Rounding to float32 may push a point at fraction (1 − 1e-9) onto the boundary: pull it in.
    for (let k = 0; storedNorm(p, dtype) * Math.sqrt(c) >= 1 && k < 60; k++) p = p.map((x) => x * (1 - 2 ** -20));
    return p;
  });
}

/**
 * `[rows, dim]` tensors of points strictly inside the Poincaré ball of
 * curvature −c (norm < 1/√c in the stored dtype), each row an independent
 * direction and radius fraction (see {@link radiusFractionArb}), including the
 * origin and near-boundary fractions such as 0.999.
 */
export function ballPointArb(o: BallPointOptions = {}): Arbitrary<Tensor> {
  const rows = o.rows ?? 1;
  const dim = o.dim ?? 2;
  return fc.array(ballRowArb(o), { minLength: rows, maxLength: rows }).map((r) => rowsTensor(r, dim, o.dtype ?? 'float64'));
}

/** Options of {@link tangentVectorArb}. */
export interface TangentVectorOptions {
  /** dimension D (default 2) */
  readonly dim?: number;
  /** number of rows N (default 1) */
  readonly rows?: number;
  /** dtype of the tensor (default 'float64') */
  readonly dtype?: DType;
  /** largest Euclidean norm (default 1) */
  readonly maxNorm?: number;
  /** smallest Euclidean norm (default 0: the zero vector is included) */
  readonly minNorm?: number;
}

/**
 * Euclidean norms in [min, max]: log-uniform draws across the range (so tiny
 * and huge vectors both appear when the range is wide), uniform draws, and
 * both ends.
 */
export function normArb(min = 0, max = 1): Arbitrary<number> {
  if (!(min >= 0 && max >= min && Number.isFinite(max))) throw new RangeError(`normArb: expected 0 ≤ min ≤ max < ∞, got [${min}, ${max}]`);
  const lo = Math.max(min, max * 1e-8, Number.MIN_VALUE);
  const logUniform = fc.double({ min: 0, max: 1, noNaN: true }).map((t) => Math.min(max, Math.max(min, lo * (max / lo) ** t)));
  return fc.oneof(
    { arbitrary: logUniform, weight: 2 },
    { arbitrary: fc.double({ min, max, noNaN: true }), weight: 2 },
    { arbitrary: fc.constantFrom(min, max), weight: 1 },
  );
}

/** One tangent vector as plain numbers: a unit direction times a norm from {@link normArb}. */
export function tangentRowArb(o: TangentVectorOptions = {}): Arbitrary<number[]> {
  return fc.tuple(unitVectorArb(o.dim ?? 2), normArb(o.minNorm ?? 0, o.maxNorm ?? 1)).map(([u, n]) => u.map((x) => x * n));
}

/**
 * `[rows, dim]` tensors of tangent vectors (the tangent spaces of the ball and
 * of Rᴰ are all of Rᴰ) with Euclidean row norms in [minNorm, maxNorm]:
 * the zero vector (when minNorm = 0), maxNorm itself and log-uniform norms.
 */
export function tangentVectorArb(o: TangentVectorOptions = {}): Arbitrary<Tensor> {
  const rows = o.rows ?? 1;
  const dim = o.dim ?? 2;
  return fc.array(tangentRowArb(o), { minLength: rows, maxLength: rows }).map((r) => rowsTensor(r, dim, o.dtype ?? 'float64'));
}

/** Options of {@link spherePointArb}. */
export interface SpherePointOptions {
  /** ambient dimension D (the sphere Sᴰ⁻¹ ⊂ Rᴰ; default 3) */
  readonly dim?: number;
  /** number of rows N (default 1) */
  readonly rows?: number;
  /** dtype of the tensor (default 'float64') */
  readonly dtype?: DType;
}

/** `[rows, dim]` tensors of unit vectors (points of the unit sphere Sᴰ⁻¹), unit norm in float64 before storage. */
export function spherePointArb(o: SpherePointOptions = {}): Arbitrary<Tensor> {
  const rows = o.rows ?? 1;
  const dim = o.dim ?? 3;
  return fc.array(unitVectorArb(dim), { minLength: rows, maxLength: rows }).map((r) => rowsTensor(r, dim, o.dtype ?? 'float64'));
}

/** Options of {@link lorentzPointArb}. */
export interface LorentzPointOptions {
  /** curvature magnitude c > 0: points satisfy ⟨x, x⟩_L = −1/c, x₀ > 0 (default 1) */
  readonly c?: number;
  /** ambient dimension D + 1 ≥ 2 (time coordinate first; default 3) */
  readonly dim?: number;
  /** number of rows N (default 1) */
  readonly rows?: number;
  /** dtype of the tensor (default 'float64') */
  readonly dtype?: DType;
  /** largest hyperbolic distance from the origin (1/√c, 0, …, 0), in units of 1/√c (default 6) */
  readonly maxDist?: number;
}

/**
 * One hyperboloid point as plain numbers: x = (cosh ρ, sinh ρ · u) / √c for a
 * unit spatial direction u and a distance √c·d(o, x) = ρ ∈ [0, maxDist]. The
 * spatial part is rounded to `dtype` first and x₀ = √(1/c + ‖x_s‖²) computed
 * from it, so that after storage the point is as close to the hyperboloid as
 * the dtype allows (|c⟨x, x⟩_L + 1| ≲ 2u·cosh²ρ: far from the origin float32
 * cannot do better).
 */
export function lorentzRowArb(o: LorentzPointOptions = {}): Arbitrary<number[]> {
  const c = o.c ?? 1;
  const dim = o.dim ?? 3;
  if (!Number.isInteger(dim) || dim < 2) throw new RangeError(`lorentzRowArb: dim must be an integer ≥ 2 (time + space), got ${dim}`);
  const sc = Math.sqrt(c);
  const f32 = o.dtype === 'float32';
  return fc
    .tuple(unitVectorArb(dim - 1), fc.oneof(fc.double({ min: 0, max: o.maxDist ?? 6, noNaN: true }), fc.constantFrom(0, o.maxDist ?? 6)))
    .map(([u, rho]) => {
      // the spatial part as it will be stored, then the time coordinate that puts it on the hyperboloid
      const s = u.map((x) => (x * Math.sinh(rho)) / sc).map((x) => (f32 ? Math.fround(x) : x));
      return [Math.sqrt(1 / c + s.reduce((a, x) => a + x * x, 0)), ...s];
    });
}

/**
 * `[rows, dim]` tensors of points of the hyperboloid of curvature −c
 * (⟨x, x⟩_L = −1/c up to rounding, x₀ > 0), at hyperbolic distances up to
 * `maxDist / √c` from the origin (1/√c, 0, …, 0), the origin included.
 */
export function lorentzPointArb(o: LorentzPointOptions = {}): Arbitrary<Tensor> {
  const rows = o.rows ?? 1;
  const dim = o.dim ?? 3;
  return fc.array(lorentzRowArb(o), { minLength: rows, maxLength: rows }).map((r) => rowsTensor(r, dim, o.dtype ?? 'float64'));
}

// ---------------------------------------------------------------- helpers for tolerances

/**
 * Unit roundoff of a dtype: 2⁻⁵³ for float64, 2⁻²⁴ for float32 (the largest
 * relative error of one correctly rounded operation). Tolerances of geometry
 * properties are multiples of it times a conditioning factor.
 */
export function unitRoundoff(dtype: DType): number {
  return dtype === 'float64' ? 2 ** -53 : 2 ** -24;
}

/** The rows of a tensor with a last (feature) axis, as plain numbers (`[N, D]` → N arrays of D). */
export function rowsOf(t: Tensor): number[][] {
  const a = toArray(t);
  const D = t.shape[t.rank - 1] ?? 1;
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += D) out.push(a.slice(i, i + D));
  return out;
}

/**
 * Conformal factor λ_x = 2 / (1 − c‖x‖²) of a ball point given as plain
 * numbers (computed in float64): the factor by which the ball's metric
 * magnifies a Euclidean error at x, so the natural condition number of a
 * point-valued computation there.
 */
export function conformalFactor(x: readonly number[], c: number): number {
  let s = 0;
  for (const v of x) s += v * v;
  return 2 / (1 - c * s);
}
