/**
 * Metric properties of the Poincaré ball (distance, parallel transport,
 * geodesics, midpoints) and its isometry with the hyperboloid, in float64 and
 * float32, for c ∈ {1e-3, 0.1, 1, 10} and dimensions 2…64.
 *
 * Reference distance: computed in float64 from the stored inputs with the
 * cancellation-free closed form
 *   z² = c‖x−y‖² / (c‖x−y‖² + (1 − c‖x‖²)(1 − c‖y‖²)),  d = (2/√c)·artanh(min(z, 1 − ε')),
 * with the library's artanh clamp ε' (1e-7 float64, 1e-5 float32) applied, so
 * pairs beyond the clamp are compared with the clamped value the spec asks for.
 *
 * Tolerances (distances compared as √c·|Δd|, i.e. in units of the curvature
 * radius; points as √c·‖Δp‖): K·u·Λ with u the unit roundoff (2⁻⁵³ / 2⁻²⁴),
 * K = 16 (≈ 10 roundings with a margin) and Λ a conformal factor computed in
 * float64:
 *   - points: 1 − c‖p‖² has relative error u·λ_p, so λ_p is the condition
 *     number of every formula at p;
 *   - distances: d = (2/√c)·artanh(z) has ∂d/∂z = λ_m/√c with
 *     λ_m = 2/(1 − z²) = 1 + cosh(√c·d), the conformal factor of −x ⊕ y; the
 *     relative error of z is ≈ u·max(λ_x, λ_y), so √c|Δd| ≲ u·(λ_x + λ_y + λ_m).
 * Pairwise distances come from a Gram matrix (one matmul) where that is well
 * conditioned, and from ‖x − y‖² taken from the differences where the Gram form
 * cancels (lib/ops/fused/poincarePairwiseDist.ts), so they meet the same K·u·(λ_x + λ_y + λ_m) as
 * `dist` (the Gram form alone had the √u floor of Gram-matrix distances, as
 * torch.cdist). The float32 bound near the boundary is stated and tested in
 * pairwise-boundary.test.ts.
 */
import { afterAll, describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { DType, Tensor } from '../../lib/index.ts';
import { ballPointArb, conformalFactor, curvatureArb, rowsOf, tangentVectorArb, unitRoundoff, unitVectorArb } from '../../lib/testing/index.ts';

const DTYPES: readonly DType[] = ['float64', 'float32'];
const RUNS = Number(process.env.GEO_RUNS ?? 20);
const K = 16;
const MIN_NORM = 1e-15;
const dimArb = fc.constantFrom(2, 3, 5, 8, 16, 33, 64);
const artanhEps = (dtype: DType) => (dtype === 'float64' ? 1e-7 : 1e-5);
/** Smallest subnormal of a dtype: results of ops on subnormal inputs are only accurate to this absolute level. */
const tiny = (dtype: DType) => (dtype === 'float64' ? 2 ** -1074 : 2 ** -149);
/*
 * Tangent vectors may have subnormal entries (fast-check's doubles include them): an op on them is
 * exact only to ±tiny/2 absolutely, and a factor 1/λ followed by λ (transp0back ∘ transp0) turns that
 * into ±tiny·λ. Vector comparisons therefore add an absolute K·Λ·tiny.
 */

const worst = new Map<string, number>();
afterAll(() => {
  if (process.env.GEO_CALIBRATE) for (const [k, v] of worst) console.log(`${v.toExponential(2)}  ${k}`);
});

/** Asserts |err| ≤ tol (recording err/tol for calibration). */
function within(label: string, err: number, tol: number, detail = ''): void {
  if (tol > 0) worst.set(label, Math.max(worst.get(label) ?? 0, Math.abs(err) / tol));
  expect(Math.abs(err), `${label}: |error| ${Math.abs(err)} > tolerance ${tol} ${detail}`).toBeLessThanOrEqual(tol);
}

const sq = (v: readonly number[]) => v.reduce((s, a) => s + a * a, 0);
const sub = (a: readonly number[], b: readonly number[]) => a.map((v, i) => v - b[i]);

/** Reference distance in float64 (cancellation-free form, with the artanh clamp ε'). */
function refDist(x: readonly number[], y: readonly number[], c: number, eps: number): number {
  const cq = c * sq(sub(x, y));
  const AB = (1 - c * sq(x)) * (1 - c * sq(y));
  const den = cq + AB;
  const z = Math.sqrt(cq / den);
  if (z >= 1 - eps) return (2 / Math.sqrt(c)) * Math.atanh(1 - eps);
  const omz = AB / den / (1 + z); // 1 − z without cancellation
  return Math.log1p((2 * z) / omz) / Math.sqrt(c);
}

/** Conformal factor of −x ⊕ y from the distance: λ_m = 1 + cosh(√c·d). */
const lamM = (d: number, c: number) => 1 + Math.cosh(Math.sqrt(c) * d);

function expectRowsClose(label: string, p: Tensor, q: Tensor | number[][], c: number, tol: (i: number) => number): void {
  const P = rowsOf(p);
  const Q = Array.isArray(q) ? q : rowsOf(q);
  expect(P.length).toBe(Q.length);
  P.forEach((row, i) => within(label, Math.sqrt(c) * Math.hypot(...sub(row, Q[i])), tol(i), `(row ${i})`));
}

/** c, dim and `n` tensors of `rows` ball points each. */
function pointsArb(dtype: DType, n: number, rows = 2, maxRadiusFraction = 0.999) {
  return fc
    .tuple(curvatureArb(), dimArb)
    .chain(([c, dim]) =>
      fc.tuple(fc.constant(c), fc.constant(dim), fc.array(ballPointArb({ c, dim, rows, dtype, maxRadiusFraction }), { minLength: n, maxLength: n })),
    );
}

/**
 * A point x (fraction ≤ fx) and a second point y = x ⊕ w with √c‖w‖ ≤ tanh(3.5) (computed in
 * float64, then stored): d(x, y) = d(0, w) ≤ 7/√c, so t ⊗ (−x ⊕ y) stays inside the projection
 * radius of mobiusScalarMul (fraction 0.9982 < 1 − ε) and below the artanh clamp for every t ∈ [0, 1].
 */
function nearPairArb(dtype: DType, fx: number) {
  return fc.tuple(curvatureArb(), dimArb).chain(([c, dim]) =>
    fc
      .tuple(
        fc.constant(c),
        ballPointArb({ c, dim, rows: 2, dtype: 'float64', maxRadiusFraction: fx }),
        ballPointArb({ c, dim, rows: 2, dtype: 'float64', maxRadiusFraction: Math.tanh(3.5) }),
      )
      .map(([c2, x, w]) => {
        const y = g.poincareBall({ c: c2 }).mobiusAdd(x, w);
        return [c2, g.cast(x, dtype), g.cast(y, dtype)] as const;
      }),
  );
}

for (const dtype of DTYPES) {
  const u = unitRoundoff(dtype);
  const eps = artanhEps(dtype);
  describe(`Poincaré distance (${dtype})`, () => {
    test.prop([pointsArb(dtype, 1, 3)], { numRuns: RUNS })('d(x, x) = 0 up to the MIN_NORM floor: d ≤ 2.1·MIN_NORM', ([c, , [x]]) => {
      // −x ⊕ x is exactly 0, its norm is floored at MIN_NORM = 1e-15, so d = (2/√c)·artanh(√c·MIN_NORM) ≈ 2e-15.
      const d = g.toArray(g.poincareBall({ c }).dist(x, x));
      d.forEach((v) => within(`d(x,x) ${dtype}`, v, 2.1 * MIN_NORM));
    });

    test.prop([pointsArb(dtype, 2, 3)], { numRuns: RUNS })('d(x, y) = reference closed form; symmetric; ≥ 0', ([c, , [x, y]]) => {
      const ball = g.poincareBall({ c });
      const dxy = g.toArray(ball.dist(x, y));
      const dyx = g.toArray(ball.dist(y, x));
      const X = rowsOf(x),
        Y = rowsOf(y);
      X.forEach((xr, i) => {
        const ref = refDist(xr, Y[i], c, eps);
        const L = conformalFactor(xr, c) + conformalFactor(Y[i], c) + lamM(ref, c);
        expect(dxy[i]).toBeGreaterThanOrEqual(0);
        within(`dist = reference ${dtype}`, Math.sqrt(c) * (dxy[i] - ref), K * u * L, `(ref ${ref})`);
        within(`dist symmetric ${dtype}`, Math.sqrt(c) * (dxy[i] - dyx[i]), K * u * L);
      });
    });

    test.prop([pointsArb(dtype, 3, 3)], { numRuns: RUNS })('triangle inequality d(x, z) ≤ d(x, y) + d(y, z)', ([c, , [x, y, z]]) => {
      const ball = g.poincareBall({ c });
      const dxz = g.toArray(ball.dist(x, z)),
        dxy = g.toArray(ball.dist(x, y)),
        dyz = g.toArray(ball.dist(y, z));
      const X = rowsOf(x),
        Y = rowsOf(y),
        Z = rowsOf(z);
      dxz.forEach((_, i) => {
        const L = 3 * Math.max(...[X[i], Y[i], Z[i]].map((p) => conformalFactor(p, c))) + lamM(dxz[i], c) + lamM(dxy[i], c) + lamM(dyz[i], c);
        const slack = Math.sqrt(c) * (dxz[i] - dxy[i] - dyz[i]);
        within(`triangle ${dtype}`, Math.max(0, slack), K * u * L);
      });
    });

    // float32: a ⊕ x must itself be representable: points up to fraction 0.99 keep
    // d(0, a ⊕ x) ≤ 2·artanh(0.99)/√c, λ ≤ 2·10⁴, so u·λ ≈ 1e-3; float64 takes 0.999.
    test.prop([pointsArb(dtype, 3, 2, dtype === 'float32' ? 0.99 : 0.999)], { numRuns: RUNS })(
      'gyro-isometry: d(a ⊕ x, a ⊕ y) = d(x, y)',
      ([c, , [a, x, y]]) => {
        const ball = g.poincareBall({ c });
        const ax = ball.mobiusAdd(a, x),
          ay = ball.mobiusAdd(a, y);
        const lhs = g.toArray(ball.dist(ax, ay)),
          rhs = g.toArray(ball.dist(x, y));
        const P = [a, x, y, ax, ay].map(rowsOf);
        lhs.forEach((v, i) => {
          const L = Math.max(...P.map((r) => conformalFactor(r[i], c))) + lamM(rhs[i], c);
          within(`gyro-isometry ${dtype}`, Math.sqrt(c) * (v - rhs[i]), K * u * L);
        });
      },
    );

    // v = t·(3.5 − ρ_x)·2/(√c λ_x) along a unit direction (ρ_x = artanh(√c‖x‖), t ∈ [0, 1]) keeps
    // √c·d(0, expmap(x, v)) ≤ 7: no projection, no clamp, so d(x, expmap(x, v)) = λ_x‖v‖ exactly.
    test.prop(
      [
        fc
          .tuple(curvatureArb(), dimArb)
          .chain(([c, dim]) =>
            fc.tuple(
              fc.constant(c),
              ballPointArb({ c, dim, rows: 2, dtype, maxRadiusFraction: 0.99 }),
              fc.array(fc.tuple(unitVectorArb(dim), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 2, maxLength: 2 }),
            ),
          ),
      ],
      { numRuns: RUNS },
    )('d(x, expmap(x, v)) = λ_x‖v‖ (no projection)', ([c, x, dirs]) => {
      const ball = g.poincareBall({ c });
      const X = rowsOf(x);
      const v = g.tensor(
        X.map((xr, i) => {
          const rho = Math.atanh(Math.sqrt(c) * Math.hypot(...xr));
          const n = (dirs[i][1] * (3.5 - rho) * 2) / (Math.sqrt(c) * conformalFactor(xr, c));
          return dirs[i][0].map((e) => e * n);
        }),
        undefined,
        dtype,
      );
      const y = ball.expmap(x, v);
      const d = g.toArray(ball.dist(x, y));
      const Y = rowsOf(y),
        V = rowsOf(v);
      d.forEach((di, i) => {
        const want = conformalFactor(X[i], c) * Math.hypot(...V[i]);
        const L = conformalFactor(X[i], c) + conformalFactor(Y[i], c) + lamM(want, c);
        within(`d(x, expmap(x, v)) ${dtype}`, Math.sqrt(c) * (di - want), K * u * L);
      });
    });

    test.prop([pointsArb(dtype, 1, 3, 1 - 1e-6)], { numRuns: RUNS })('dist0(x) = λ_0‖logmap0(x)‖ = 2‖logmap0(x)‖ = d(0, x)', ([c, dim, [x]]) => {
      const ball = g.poincareBall({ c });
      const d0 = g.toArray(ball.dist0(x));
      const l = rowsOf(ball.logmap0(x)).map((r) => 2 * Math.hypot(...r));
      const dz = g.toArray(ball.dist(g.zeros([3, dim], dtype), x));
      rowsOf(x).forEach((xr, i) => {
        const L = conformalFactor(xr, c);
        // dist0 floors ‖x‖ at MIN_NORM (dist0(0) = 2·MIN_NORM), logmap0(0) is exactly 0
        within(`dist0 = 2‖logmap0‖ ${dtype}`, Math.sqrt(c) * (d0[i] - l[i]), K * u * L + 2.1 * MIN_NORM * Math.sqrt(c));
        within(`dist0 = d(0, x) ${dtype}`, Math.sqrt(c) * (d0[i] - dz[i]), K * u * L);
      });
    });

    test.prop(
      [
        fc
          .tuple(curvatureArb(), dimArb)
          .chain(([c, dim]) => fc.tuple(fc.constant(c), ballPointArb({ c, dim, rows: 3, dtype }), ballPointArb({ c, dim, rows: 3, dtype }))),
      ],
      { numRuns: RUNS },
    )('pairwiseDist[i][j] = dist(x_i, y_j), identical pairs included', ([c, x, y0]) => {
      const ball = g.poincareBall({ c });
      const y = g.concat([y0, g.slice(x, [1, 0], [1, x.shape[1]])], 0); // y_3 = x_1
      const P = g.toNested(ball.pairwiseDist(x, y)) as number[][];
      const X = rowsOf(x),
        Y = rowsOf(y);
      X.forEach((xr, i) =>
        Y.forEach((yr, j) => {
          const d = g.toArray(ball.dist(g.tensor([xr], undefined, dtype), g.tensor([yr], undefined, dtype)))[0];
          const L = conformalFactor(xr, c) + conformalFactor(yr, c) + lamM(d, c);
          const tol = K * u * L;
          within(`pairwiseDist = dist ${dtype}`, Math.sqrt(c) * (P[i][j] - d), tol, `(pair ${i},${j})`);
        }),
      );
    });
  });

  describe(`Poincaré transport (${dtype})`, () => {
    test.prop(
      [
        fc
          .tuple(curvatureArb(), dimArb)
          .chain(([c, dim]) =>
            fc.tuple(
              fc.constant(c),
              ballPointArb({ c, dim, rows: 2, dtype }),
              ballPointArb({ c, dim, rows: 2, dtype }),
              tangentVectorArb({ dim, rows: 2, dtype, maxNorm: 10 }),
              tangentVectorArb({ dim, rows: 2, dtype, maxNorm: 10 }),
            ),
          ),
      ],
      { numRuns: RUNS },
    )('transp x→y preserves ⟨u, v⟩_x; transp(x, x, ·) = id', ([c, x, y, a, b]) => {
      const ball = g.poincareBall({ c });
      const pa = ball.transp(x, y, a),
        pb = ball.transp(x, y, b);
      const before = g.toArray(ball.inner(x, a, b)),
        after = g.toArray(ball.inner(y, pa, pb));
      const X = rowsOf(x),
        Y = rowsOf(y),
        A = rowsOf(a),
        B = rowsOf(b);
      before.forEach((v, i) => {
        // relative to ‖a‖_x‖b‖_x = λ_x²‖a‖‖b‖ (the scale of the inner product)
        const scale = conformalFactor(X[i], c) ** 2 * Math.hypot(...A[i]) * Math.hypot(...B[i]);
        const L = conformalFactor(X[i], c) + conformalFactor(Y[i], c);
        // subnormal floor: ±K·L·tiny per coordinate of P·a, P·b, times λ_y²‖P·b‖ = λ_x λ_y‖b‖, plus
        // ±tiny for each of the D products of the inner products (which may underflow), times λ²
        const floor = K * L * tiny(dtype) * conformalFactor(X[i], c) ** 2 * (Math.hypot(...A[i]) + Math.hypot(...B[i]) + A[i].length);
        within(`transp preserves inner ${dtype}`, after[i] - v, K * u * L * scale + floor);
      });
      const same = rowsOf(ball.transp(x, x, a));
      same.forEach((r, i) =>
        within(`transp(x,x) = id ${dtype}`, Math.hypot(...sub(r, A[i])), K * conformalFactor(X[i], c) * (u * Math.hypot(...A[i]) + tiny(dtype))),
      );
    });

    test.prop(
      [
        fc
          .tuple(curvatureArb(), dimArb)
          .chain(([c, dim]) =>
            fc.tuple(fc.constant(c), fc.constant(dim), ballPointArb({ c, dim, rows: 3, dtype }), tangentVectorArb({ dim, rows: 3, dtype, maxNorm: 10 })),
          ),
      ],
      { numRuns: RUNS },
    )('transp0(x, v) = transp(0, x, v); transp0back inverts it', ([c, dim, x, v]) => {
      const ball = g.poincareBall({ c });
      const t0 = ball.transp0(x, v);
      const tt = ball.transp(g.zeros([3, dim], dtype), x, v);
      const back = ball.transp0back(x, t0);
      const X = rowsOf(x),
        V = rowsOf(v),
        T0 = rowsOf(t0),
        TT = rowsOf(tt),
        BK = rowsOf(back);
      X.forEach((xr, i) => {
        const L = conformalFactor(xr, c);
        const nv = Math.hypot(...V[i]);
        within(`transp0 = transp(0, ·) ${dtype}`, Math.hypot(...sub(T0[i], TT[i])), K * L * (u * nv + tiny(dtype)));
        within(`transp0back ∘ transp0 = id ${dtype}`, Math.hypot(...sub(BK[i], V[i])), K * L * (u * nv + tiny(dtype)));
      });
    });
  });

  describe(`Poincaré geodesics and midpoints (${dtype})`, () => {
    // float32: x up to fraction 0.99 keeps y = x ⊕ w representable (λ_y ≤ 2·10⁵);
    // float64 takes x up to 0.999.
    const pairs = nearPairArb(dtype, dtype === 'float32' ? 0.99 : 0.999);

    test.prop([pairs], { numRuns: RUNS })('geodesic(x, y, 0) = x and geodesic(x, y, 1) = y', ([c, x, y]) => {
      const ball = g.poincareBall({ c });
      const L = (i: number) => Math.max(...[x, y].map((p) => conformalFactor(rowsOf(p)[i], c)));
      expectRowsClose(`geodesic(x,y,0) = x ${dtype}`, ball.geodesic(x, y, 0), x, c, (i) => K * u * L(i));
      expectRowsClose(`geodesic(x,y,1) = y ${dtype}`, ball.geodesic(x, y, 1), y, c, (i) => K * u * L(i));
    });

    test.prop([pairs, fc.double({ min: 0, max: 1, noNaN: true })], { numRuns: RUNS })('constant speed: d(x, γ(t)) = t·d(x, y)', ([c, x, y], t) => {
      const ball = g.poincareBall({ c });
      const gt = ball.geodesic(x, y, t);
      const dxg = g.toArray(ball.dist(x, gt)),
        dxy = g.toArray(ball.dist(x, y)),
        dgy = g.toArray(ball.dist(gt, y));
      const X = rowsOf(x),
        Y = rowsOf(y),
        G = rowsOf(gt);
      dxy.forEach((d, i) => {
        const L = conformalFactor(X[i], c) + conformalFactor(Y[i], c) + conformalFactor(G[i], c) + lamM(d, c);
        within(`constant speed ${dtype}`, Math.sqrt(c) * (dxg[i] - t * d), K * u * L);
        within(`γ(t) on the geodesic: d(x,γ) + d(γ,y) = d(x,y) ${dtype}`, Math.sqrt(c) * (dxg[i] + dgy[i] - d), K * u * L);
      });
    });

    test.prop([pairs], { numRuns: RUNS })('weightedMidpoint of two points (equal weights) = geodesic(x, y, 1/2)', ([c, x, y]) => {
      const ball = g.poincareBall({ c });
      const X = rowsOf(x),
        Y = rowsOf(y);
      X.forEach((xr, i) => {
        const pts = g.tensor([xr, Y[i]], undefined, dtype);
        const mid = ball.weightedMidpoint(pts);
        const mid2 = ball.weightedMidpoint(pts, g.tensor([0.3, 0.3], undefined, dtype));
        const geo = ball.geodesic(g.tensor([xr], undefined, dtype), g.tensor([Y[i]], undefined, dtype), 0.5);
        const L = Math.max(conformalFactor(xr, c), conformalFactor(Y[i], c));
        expectRowsClose(`weightedMidpoint = geodesic(½) ${dtype}`, mid, geo, c, () => K * u * L);
        expectRowsClose(`weightedMidpoint weights scale-free ${dtype}`, mid2, mid, c, () => K * u * L);
      });
    });
  });

  describe(`Lorentz ↔ Poincaré isometry (${dtype})`, () => {
    /*
     * The hyperboloid distance is √K·acosh(−⟨x, y⟩_L / K), K = 1/c. The Minkowski product of points at
     * √c-distances ρ_x, ρ_y from the origin sums products of size ≈ cosh ρ_x cosh ρ_y / c, each rounded
     * once, so −⟨x,y⟩_L/K = 1 + δ carries an absolute error e ≤ 4u·cosh ρ_x cosh ρ_y, and
     * acosh(1 + δ) ≈ √(2δ) turns that into √c|Δd| ≤ √(2e) (the well-known cancellation of the
     * hyperboloid model for nearby points); acosh's argument is floored at 1 + ε_L (1e-12 / 1e-6),
     * a floor of √(2ε_L) on every distance. cosh ρ = (1 + c‖p‖²)/(1 − c‖p‖²) = λ_p − 1.
     */
    const epsL = dtype === 'float64' ? 1e-12 : 1e-6;
    test.prop([pointsArb(dtype, 2, 3)], { numRuns: RUNS })('dist_L(fromBall a, fromBall b) = dist_P(a, b); toBall ∘ fromBall = id', ([c, , [a, b]]) => {
      const ball = g.poincareBall({ c });
      const lor = g.lorentz({ c });
      const la = lor.fromBall(a),
        lb = lor.fromBall(b);
      const dl = g.toArray(lor.dist(la, lb)),
        dp = g.toArray(ball.dist(a, b));
      const A = rowsOf(a),
        B = rowsOf(b);
      dl.forEach((v, i) => {
        const ca = conformalFactor(A[i], c) - 1,
          cb = conformalFactor(B[i], c) - 1;
        const L = ca + cb + 2 + lamM(dp[i], c);
        const tol = Math.sqrt(2 * 4 * u * ca * cb) + Math.sqrt(2 * epsL) + K * u * L;
        // the ball's artanh clamp caps its distances at (2/√c)·artanh(1 − ε'); the hyperboloid has no
        // such cap, so beyond it only dist_L ≥ dist_P (= the cap) holds
        const capped = refDist(A[i], B[i], c, eps) < refDist(A[i], B[i], c, 0);
        within(`dist_L = dist_P ${dtype}`, Math.sqrt(c) * (capped ? Math.min(0, v - dp[i]) : v - dp[i]), tol);
      });
      // points of the hyperboloid: ⟨x, x⟩_L = −1/c, relative to the size x₀² of the terms
      const mk = g.toArray(lor.minkowski(la, la));
      rowsOf(la).forEach((r, i) => within(`fromBall on the hyperboloid ${dtype}`, (mk[i] + 1 / c) * c, K * u * (c * r[0] * r[0])));
      const back = lor.toBall(la);
      expectRowsClose(`toBall∘fromBall ${dtype}`, back, a, c, (i) => K * u * conformalFactor(A[i], c));
      // the deprecated names are the same maps
      expect(g.toArray(lor.toPoincare(la))).toEqual(g.toArray(back));
      expect(g.toArray(lor.fromPoincare(a))).toEqual(g.toArray(la));
    });
  });
}
