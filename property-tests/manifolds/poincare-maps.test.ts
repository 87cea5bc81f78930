/**
 * Exponential and logarithmic maps, projection and the Hyp-ViT feature map
 * of the Poincaré ball, in float64 and float32, for c ∈ {1e-3, 0.1, 1, 10}
 * and dimensions 2…64.
 *
 * Error measure: √c·‖p − q‖ per row (radius units, so the same for every c).
 * Tolerances: K·u·Λ with u the unit roundoff (2⁻⁵³ / 2⁻²⁴; one rounding per
 * op, reductions accumulated in float64, so the dimension does not enter) and
 * Λ the largest conformal factor λ = 2/(1 − c‖p‖²) among the points involved
 * (computed in float64). 1 − c‖p‖² carries an absolute error of ≈ 2u, hence a
 * relative error of u·λ; artanh(√c‖p‖) has condition number
 * ≈ λ/(2·artanh), so a round trip through it loses at most ≈ u·λ. K = 16 is
 * the ≈ 10 roundings of a map and its inverse with a margin; one K for both
 * dtypes since only u differs.
 * "Strictly inside" is checked on the stored values in float64 arithmetic:
 * ‖p‖ < 1/√c exactly, no tolerance.
 */
import { afterAll, describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { DType, Tensor } from '../../lib/index.ts';
import { ballPointArb, conformalFactor, curvatureArb, rowsOf, tangentVectorArb, unitRoundoff } from '../../lib/testing/index.ts';

const DTYPES: readonly DType[] = ['float64', 'float32'];
const RUNS = Number(process.env.GEO_RUNS ?? 20);
const K = 16;
const dimArb = fc.constantFrom(2, 3, 5, 8, 16, 33, 64);
const ballEps = (dtype: DType) => (dtype === 'float64' ? 1e-5 : 1e-3);

const worst = new Map<string, number>();
afterAll(() => {
  if (process.env.GEO_CALIBRATE) for (const [k, v] of worst) console.log(`${v.toExponential(2)}  ${k}`);
});

function record(label: string, ratio: number): void {
  if (Number.isNaN(ratio)) return;
  worst.set(label, Math.max(worst.get(label) ?? 0, ratio));
}

/** Asserts √c‖p_i − q_i‖ ≤ k·u·Λ(i) for every row. */
function expectRowsClose(label: string, p: Tensor, q: Tensor | number[][], c: number, k: number, u: number, L: (i: number) => number = () => 1): void {
  const P = rowsOf(p);
  const Q = Array.isArray(q) ? q : rowsOf(q);
  expect(P.length).toBe(Q.length);
  P.forEach((row, i) => {
    const err = Math.sqrt(c) * Math.hypot(...row.map((v, j) => v - Q[i][j]));
    const t = k * u * L(i);
    record(label, err / t);
    expect(err, `${label}: row ${i} error ${err} > tolerance ${t}`).toBeLessThanOrEqual(t);
  });
}

/** Λ_i: the largest conformal factor among row i of the given points. */
function lam(c: number, ...pts: Tensor[]): (i: number) => number {
  const rs = pts.map(rowsOf);
  return (i) => Math.max(...rs.map((r) => conformalFactor(r[i], c)));
}

/** Every row finite and of norm < 1/√c (on the stored values, in float64). */
function expectStrictlyInside(label: string, p: Tensor, c: number, bound = 1 / Math.sqrt(c)): void {
  rowsOf(p).forEach((row, i) => {
    expect(row.every(Number.isFinite), `${label}: row ${i} not finite: ${row}`).toBe(true);
    const n = Math.hypot(...row);
    expect(n, `${label}: row ${i} norm ${n} ≥ ${bound}`).toBeLessThan(bound);
  });
}

const cDim = fc.tuple(curvatureArb(), dimArb);

/**
 * λ_x has condition number λ_x itself (1 − c‖x‖² cancels), so it has correct digits only while
 * K·u·λ < 1: up to fraction 1 − 1e-9 in float64 (u·λ ≈ 1e-7) but only 1 − 1e-5 in float32
 * (u·λ ≈ 6e-3); closer to the boundary a float32 point is indistinguishable from a boundary point.
 */
const lambdaMaxFraction = (dtype: DType) => (dtype === 'float64' ? 1 - 1e-9 : 1 - 1e-5);

for (const dtype of DTYPES) {
  const u = unitRoundoff(dtype);
  describe(`Poincaré maps (${dtype})`, () => {
    // ‖v‖ ≤ 3.5/√c keeps expmap0(v) at radius fraction tanh(3.5) = 0.9982, inside the projection
    // radius (1 − ε)/√c (ε = 1e-3 float32, 1e-5 float64) and the artanh clamp 1 − ε'
    // (ε' = 1e-5 / 1e-7): neither acts, so logmap0 is the exact inverse.
    test.prop([cDim.chain(([c, dim]) => fc.tuple(fc.constant(c), tangentVectorArb({ dim, rows: 3, dtype, maxNorm: 3.5 / Math.sqrt(c) })))], { numRuns: RUNS })(
      'logmap0 ∘ expmap0 = id for √c‖v‖ ≤ 3.5',
      ([c, v]) => {
        const ball = g.poincareBall({ c });
        const y = ball.expmap0(v);
        expectRowsClose(`logmap0∘expmap0 ${dtype}`, ball.logmap0(y), v, c, K, u, lam(c, y));
      },
    );

    // x, y at fraction ≤ 0.995 (float32) / 0.999 (float64): √c·d(x, y)/2 ≤ artanh(0.995)·2 = 6.0
    // stays below artanh(1 − ε') (6.1 / 8.4), so logmap's clamp does not act; y is inside the
    // projection radius, so expmap's projection does not act either.
    const pairArb = cDim.chain(([c, dim]) => {
      const o = { c, dim, rows: 3, dtype, maxRadiusFraction: dtype === 'float32' ? 0.995 : 0.999 };
      return fc.tuple(fc.constant(c), ballPointArb(o), ballPointArb(o));
    });
    test.prop([pairArb], { numRuns: RUNS })('expmap_x ∘ logmap_x = id', ([c, x, y]) => {
      const ball = g.poincareBall({ c });
      const m = ball.mobiusAdd(g.neg(x), y);
      expectRowsClose(`expmap_x∘logmap_x ${dtype}`, ball.expmap(x, ball.logmap(x, y)), y, c, K, u, lam(c, x, y, m));
    });

    test.prop([cDim.chain(([c, dim]) => fc.tuple(fc.constant(c), tangentVectorArb({ dim, rows: 3, dtype, maxNorm: 1e6, minNorm: 0 })))], { numRuns: RUNS })(
      '‖expmap0(v)‖ < 1/√c strictly, for every v up to ‖v‖ = 1e6',
      ([c, v]) => {
        const ball = g.poincareBall({ c });
        expectStrictlyInside('expmap0', ball.expmap0(v), c);
        const huge = g.mul(g.normalize(g.add(v, 1e-3)), 1e6);
        expectStrictlyInside('expmap0 (‖v‖ = 1e6)', ball.expmap0(huge), c);
      },
    );

    test.prop(
      [
        cDim.chain(([c, dim]) =>
          fc.tuple(
            fc.constant(c),
            ballPointArb({ c, dim, rows: 3, dtype, maxRadiusFraction: 1 - 1e-9 }),
            tangentVectorArb({ dim, rows: 3, dtype, maxNorm: 1e6 }),
          ),
        ),
      ],
      { numRuns: RUNS },
    )('‖expmap(x, v)‖ < 1/√c strictly, for every x (up to fraction 1 − 1e-9) and v up to ‖v‖ = 1e6', ([c, x, v]) => {
      const ball = g.poincareBall({ c });
      expectStrictlyInside('expmap', ball.expmap(x, v), c);
      const huge = g.mul(g.normalize(g.add(v, 1e-3)), 1e6);
      expectStrictlyInside('expmap (‖v‖ = 1e6)', ball.expmap(x, huge), c);
      expectStrictlyInside('expmap (‖v‖ = 1e6, towards the origin)', ball.expmap(x, g.mul(g.normalize(g.add(x, 1e-9)), -1e6)), c);
    });

    test.prop(
      [
        cDim.chain(([c, dim]) =>
          fc.tuple(
            fc.constant(c),
            fc.oneof(tangentVectorArb({ dim, rows: 3, dtype, maxNorm: 1e6 }), ballPointArb({ c, dim, rows: 3, dtype, maxRadiusFraction: 1 - 1e-9 })),
          ),
        ),
      ],
      { numRuns: RUNS },
    )('project: idempotent, inside the ball, the identity inside its radius', ([c, x]) => {
      const ball = g.poincareBall({ c });
      const p = ball.project(x);
      const maxR = (1 - ballEps(dtype)) / Math.sqrt(c);
      // rescaling onto the radius (1 − ε)/√c rounds: allow 4u relative above it, still far below 1/√c
      expectStrictlyInside('project', p, c, maxR * (1 + 4 * u));
      expectRowsClose(`project idempotent ${dtype}`, ball.project(p), p, c, 4, u);
      const X = rowsOf(x);
      rowsOf(p).forEach((row, i) => {
        if (Math.hypot(...X[i]) <= maxR) expect(row).toEqual(X[i].map((v) => (dtype === 'float32' ? Math.fround(v) : v)));
      });
    });

    test.prop(
      [
        cDim.chain(([c, dim]) =>
          fc.tuple(fc.constant(c), tangentVectorArb({ dim, rows: 3, dtype, maxNorm: 1e6 }), fc.double({ min: 0.1, max: 50, noNaN: true })),
        ),
      ],
      { numRuns: RUNS },
    )('toPoincare: output strictly inside the ball, = expmap0(clip_r(x))', ([c, x, r]) => {
      const ball = g.poincareBall({ c });
      const p = ball.toPoincare(x, r);
      expectStrictlyInside('toPoincare', p, c);
      const ref = ball.project(ball.expmap0(ball.clip(x, r)));
      expectRowsClose(`toPoincare = project∘expmap0∘clip ${dtype}`, p, ref, c, 0, u);
      // clip_r bounds the Euclidean norm by r
      rowsOf(ball.clip(x, r)).forEach((row) => expect(Math.hypot(...row)).toBeLessThanOrEqual(r * (1 + 4 * u)));
    });

    test.prop(
      [
        cDim.chain(([c, dim]) =>
          fc.tuple(fc.constant(c), fc.constant(dim), ballPointArb({ c, dim, rows: 3, dtype, maxRadiusFraction: lambdaMaxFraction(dtype) })),
        ),
      ],
      {
        numRuns: RUNS,
      },
    )('lambda(0) = 2 exactly; lambda(x) = 2/(1 − c‖x‖²)', ([c, dim, x]) => {
      const ball = g.poincareBall({ c });
      expect(g.toArray(ball.lambda(g.zeros([2, dim], dtype)))).toEqual([2, 2]);
      const l = g.toArray(ball.lambda(x));
      rowsOf(x).forEach((row, i) => {
        const ref = conformalFactor(row, c);
        // relative error: 1 − c‖x‖² has relative error ≈ 2u·λ/2 (cancellation), plus 4 roundings
        const rel = Math.abs(l[i] - ref) / ref;
        const tol = K * u * ref;
        record(`lambda ${dtype}`, rel / tol);
        expect(rel, `lambda row ${i}: ${l[i]} vs ${ref}`).toBeLessThanOrEqual(tol);
      });
    });
  });
}
