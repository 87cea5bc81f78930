/**
 * The hyperboloid (Lorentz) model and the unit sphere: exponential /
 * logarithmic maps are inverse, parallel transport is an isometry of the
 * tangent spaces, and (sphere) the distance is the angle. float64 and
 * float32; c ∈ {1e-3, 0.1, 1, 10} for the hyperboloid, dimensions 2…64.
 *
 * Tolerances are K·u·(condition factor) + (the formula's own floors), K = 16,
 * u the unit roundoff (2⁻⁵³ / 2⁻²⁴):
 *   - hyperboloid: a point at √c-distance ρ from the origin has coordinates of
 *     size cosh ρ / √c, so ambient errors are measured as √c·‖Δ‖ against
 *     cosh ρ. The distance √K·acosh(−⟨x,y⟩_L/K) reads 1 + δ off a Minkowski
 *     product whose D + 1 rounded products of size cosh ρ_x cosh ρ_y leave an
 *     absolute error e ≤ 4u·cosh ρ_x cosh ρ_y in δ; acosh(1 + δ) ≈ √(2δ)
 *     turns that into √c|Δd| ≤ √(2e), and acosh's argument is floored at
 *     1 + ε_L (1e-12 / 1e-6), i.e. distances below √(2ε_L)/√c read as that.
 *     expmap_x(v) needs ‖v‖_L = √(‖v_s‖² − v₀²) for a tangent vector at x, whose
 *     ambient size is ≈ cosh ρ_x·‖v‖_L: the subtraction leaves a relative
 *     error ≈ u·cosh²ρ_x in ‖v‖_L, i.e. an error ≈ θ·u·cosh²ρ_x in the step
 *     length θ = √c‖v‖_L, which the endpoint's ambient velocity (≈ cosh ρ_x cosh θ)
 *     carries into √c‖Δ‖ ≲ u·(1 + θ)·cosh³ρ_x·cosh θ. (≈ 0.07 from ρ_x = 4 to
 *     the origin in float32: the known weakness of the hyperboloid model in
 *     low precision, which is why the points here stay within √c-distance 4.)
 *   - sphere: logmap_x y = θ·P_x(y − x)/‖P_x(y − x)‖ with ‖P_x(y − x)‖ = sin θ,
 *     so its direction has a relative error ≈ u/sin θ (ill-posed at θ = π):
 *     the factor is 1 + θ/sin θ.
 */
import { afterAll, describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { DType } from '../../lib/index.ts';
import { curvatureArb, lorentzRowArb, rowsOf, spherePointArb, tangentRowArb, unitRoundoff, unitVectorArb } from '../../lib/testing/index.ts';

const DTYPES: readonly DType[] = ['float64', 'float32'];
const RUNS = Number(process.env.GEO_RUNS ?? 20);
const K = 16;
const dimArb = fc.constantFrom(2, 3, 5, 8, 16, 33, 64);
const tiny = (dtype: DType) => (dtype === 'float64' ? 2 ** -1074 : 2 ** -149);

const worst = new Map<string, number>();
afterAll(() => {
  if (process.env.GEO_CALIBRATE) for (const [k, v] of worst) console.log(`${v.toExponential(2)}  ${k}`);
});
function within(label: string, err: number, tol: number, detail = ''): void {
  if (tol > 0) worst.set(label, Math.max(worst.get(label) ?? 0, Math.abs(err) / tol));
  expect(Math.abs(err), `${label}: |error| ${Math.abs(err)} > tolerance ${tol} ${detail}`).toBeLessThanOrEqual(tol);
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const sub = (a: readonly number[], b: readonly number[]) => a.map((v, i) => v - b[i]);
const round = (v: number[], dtype: DType) => (dtype === 'float32' ? v.map(Math.fround) : v);

/** √c-distance of a hyperboloid point from the origin: cosh ρ = √c·x₀. */
const coshRho = (x: readonly number[], c: number) => Math.max(1, Math.sqrt(c) * x[0]);

/** A tangent vector at x (⟨x, v⟩_L = 0): spatial part w, time part ⟨x_s, w⟩/x₀ (float64). */
function lorentzTangent(x: readonly number[], w: readonly number[]): number[] {
  const xs = x.slice(1);
  return [dot(xs, w) / x[0], ...w];
}

for (const dtype of DTYPES) {
  const u = unitRoundoff(dtype);
  const epsL = dtype === 'float64' ? 1e-12 : 1e-6;

  describe(`Lorentz model (${dtype})`, () => {
    // points up to √c-distance 4 from the origin (coordinates ≤ cosh 4 ≈ 27 /√c), so that two of them
    // are at most 8 apart and cosh-sized cancellation stays within float32's reach
    const lorentzCase = (n: number) =>
      fc
        .tuple(curvatureArb(), dimArb)
        .chain(([c, dim]) =>
          fc.tuple(
            fc.constant(c),
            fc.array(fc.array(lorentzRowArb({ c, dim: dim + 1, maxDist: 4, dtype }), { minLength: 2, maxLength: 2 }), { minLength: n, maxLength: n }),
            fc.array(tangentRowArb({ dim, maxNorm: 3 }), { minLength: 2, maxLength: 2 }),
            fc.array(tangentRowArb({ dim, maxNorm: 3 }), { minLength: 2, maxLength: 2 }),
          ),
        );

    test.prop([lorentzCase(2)], { numRuns: RUNS })('expmap_x ∘ logmap_x = id; dist(x, y) = ‖logmap_x y‖_L', ([c, [X, Y]]) => {
      const lor = g.lorentz({ c });
      const x = g.tensor(X, undefined, dtype),
        y = g.tensor(Y, undefined, dtype);
      const v = lor.logmap(x, y);
      const back = rowsOf(lor.expmap(x, v));
      const d = g.toArray(lor.dist(x, y));
      const nv = g.toArray(lor.norm(x, v));
      const Ys = rowsOf(y),
        Xs = rowsOf(x);
      back.forEach((r, i) => {
        const cx = coshRho(Xs[i], c),
          cy = coshRho(Ys[i], c);
        const th = Math.sqrt(c) * d[i];
        within(`lorentz expmap∘logmap ${dtype}`, Math.sqrt(c) * Math.hypot(...sub(r, Ys[i])), K * u * (1 + th) * cx ** 3 * Math.cosh(th));
        const hyp = Math.sqrt(2 * epsL) + Math.sqrt(2 * 4 * u * cx * cy) + K * u * (cx + cy);
        within(`lorentz dist = ‖logmap‖ ${dtype}`, Math.sqrt(c) * (d[i] - nv[i]), K * hyp);
      });
    });

    test.prop([lorentzCase(2)], { numRuns: RUNS })('transp x → y preserves the Minkowski inner product and tangency', ([c, [X, Y], W1, W2]) => {
      const lor = g.lorentz({ c });
      const x = g.tensor(X, undefined, dtype),
        y = g.tensor(Y, undefined, dtype);
      const A = X.map((xr, i) => round(lorentzTangent(xr, W1[i]), dtype));
      const B = X.map((xr, i) => round(lorentzTangent(xr, W2[i]), dtype));
      const a = g.tensor(A, undefined, dtype),
        b = g.tensor(B, undefined, dtype);
      const pa = lor.transp(x, y, a),
        pb = lor.transp(x, y, b);
      const before = g.toArray(lor.minkowski(a, b)),
        after = g.toArray(lor.minkowski(pa, pb));
      const tang = g.toArray(lor.minkowski(y, pa));
      X.forEach((xr, i) => {
        const cx = coshRho(xr, c),
          cy = coshRho(Y[i], c);
        // every Minkowski product sums terms of size ≤ (ambient norms); transp multiplies them by ≈ cosh ρ_x cosh ρ_y
        const na = Math.hypot(...A[i]),
          nb = Math.hypot(...B[i]);
        const scale = (cx * cy) ** 2 * na * nb;
        within(`lorentz transp preserves ⟨·,·⟩_L ${dtype}`, after[i] - before[i], K * u * scale + K * A[i].length * tiny(dtype) * (cx * cy) ** 2);
        within(`lorentz transp stays tangent ${dtype}`, tang[i] * Math.sqrt(c), K * u * cx * cy * cy * na + K * A[i].length * tiny(dtype) * cx * cy * cy);
      });
    });

    test.prop([lorentzCase(1)], { numRuns: RUNS })('projx puts points on the hyperboloid; dist(x, x) is the acosh floor', ([c, [X]]) => {
      const lor = g.lorentz({ c });
      const x = g.tensor(X, undefined, dtype);
      const p = lor.projx(x);
      const m = g.toArray(lor.minkowski(p, p));
      const d = g.toArray(lor.dist(x, x));
      rowsOf(p).forEach((r, i) => {
        within(`lorentz projx on the hyperboloid ${dtype}`, c * m[i] + 1, K * u * c * r[0] * r[0]);
        // −⟨x,x⟩_L/K = 1 ± 4u·cosh²ρ, floored at 1 + ε_L (itself rounded, ± u): d(x, x) ≤ √(2(ε_L + u + 4u·cosh²ρ))/√c
        const ch = coshRho(r, c);
        expect(d[i]).toBeGreaterThanOrEqual(0);
        within(`lorentz d(x, x) ${dtype}`, Math.sqrt(c) * d[i], Math.sqrt(2 * (epsL + u + 4 * u * ch * ch)) * (1 + K * u));
      });
    });
  });

  describe(`sphere (${dtype})`, () => {
    const sph = g.sphere();
    const sphereCase = fc
      .constantFrom(2, 3, 5, 8, 16, 33, 64)
      .chain((dim) =>
        fc.tuple(
          spherePointArb({ dim, rows: 3, dtype }),
          spherePointArb({ dim, rows: 3, dtype }),
          fc.array(tangentRowArb({ dim, maxNorm: 3 }), { minLength: 3, maxLength: 3 }),
          fc.array(tangentRowArb({ dim, maxNorm: 3 }), { minLength: 3, maxLength: 3 }),
        ),
      );
    /** Reference angle in float64, accurate for near and antipodal pairs. */
    const angle = (x: number[], y: number[]) => 2 * Math.atan2(Math.hypot(...sub(x, y)), Math.hypot(...x.map((v, i) => v + y[i])));
    /** Tangent vector at x: the projection of w (float64, then stored). */
    const tangentAt = (x: number[], w: number[]) => {
      const p = dot(x, w) / dot(x, x);
      return round(
        w.map((v, i) => v - p * x[i]),
        dtype,
      );
    };

    test.prop([sphereCase], { numRuns: RUNS })('dist(x, y) = angle between x and y; dist(x, x) = 0', ([x, y]) => {
      const d = g.toArray(sph.dist(x, y));
      const dxx = g.toArray(sph.dist(x, x));
      const X = rowsOf(x),
        Y = rowsOf(y);
      d.forEach((v, i) => {
        within(`sphere dist = angle ${dtype}`, v - angle(X[i], Y[i]), K * u);
        within(`sphere d(x,x) = 0 ${dtype}`, dxx[i], K * u);
      });
    });

    test.prop([sphereCase], { numRuns: RUNS })('expmap_x ∘ logmap_x = id; ‖logmap_x y‖ = dist(x, y)', ([x, y]) => {
      const v = sph.logmap(x, y);
      const back = rowsOf(sph.expmap(x, v));
      const nv = rowsOf(v).map((r) => Math.hypot(...r));
      const X = rowsOf(x),
        Y = rowsOf(y);
      back.forEach((r, i) => {
        const th = angle(X[i], Y[i]);
        const cond = 1 + th / Math.max(Math.sin(th), u);
        within(`sphere expmap∘logmap ${dtype}`, Math.hypot(...sub(r, Y[i])), K * u * cond);
        within(`sphere ‖logmap‖ = angle ${dtype}`, nv[i] - th, K * u * cond);
      });
    });

    test.prop([sphereCase], { numRuns: RUNS })('transp x → y preserves ⟨u, v⟩ and lands in T_y', ([x, y, W1, W2]) => {
      const X = rowsOf(x),
        Y = rowsOf(y);
      const A = X.map((xr, i) => tangentAt(xr, W1[i])),
        B = X.map((xr, i) => tangentAt(xr, W2[i]));
      const a = g.tensor(A, undefined, dtype),
        b = g.tensor(B, undefined, dtype);
      const pa = sph.transp(x, y, a),
        pb = sph.transp(x, y, b);
      const before = g.toArray(sph.inner(x, a, b)),
        after = g.toArray(sph.inner(y, pa, pb));
      const tang = rowsOf(pa).map((r, i) => dot(r, Y[i]));
      before.forEach((v, i) => {
        const th = angle(X[i], Y[i]);
        const cond = 1 + th / Math.max(Math.sin(th), u);
        // a vector made tangent by projecting w (here, in float64, then stored) is tangent only up to
        // u·‖w‖, not u·‖P w‖: the error scale is ‖w‖
        const na = Math.hypot(...W1[i]),
          nb = Math.hypot(...W2[i]);
        const floor = K * A[i].length * tiny(dtype) * cond;
        within(`sphere transp preserves inner ${dtype}`, after[i] - v, K * u * cond * na * nb + floor * (na + nb + 1));
        within(`sphere transp tangent at y ${dtype}`, tang[i], K * u * cond * na + floor);
      });
    });
  });
}

describe('sphere unit vectors arbitrary', () => {
  test.prop([fc.integer({ min: 1, max: 64 }).chain((d) => unitVectorArb(d))])('unitVectorArb gives unit vectors', (v) => {
    expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThanOrEqual(4 * 2 ** -53 * v.length);
  });
});
