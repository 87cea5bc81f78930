/**
 * Gyrogroup laws of Möbius addition and scalar multiplication on the Poincaré
 * ball (Ungar's gyrovector space), in float64 and float32, for curvatures
 * c ∈ {1e-3, 0.1, 1, 10} and dimensions 2…64, with points up to radius
 * fraction √c‖x‖ = 0.999.
 *
 * Error measure: √c·‖p − q‖ per row (a Euclidean error in units of the ball's
 * radius, so the same numbers apply to every c).
 *
 * Tolerances: K·u·Λ, u the unit roundoff (2⁻⁵³ or 2⁻²⁴; the js kernels round
 * once per op and accumulate reductions in float64, so D does not enter).
 *   Λ is the conformal factor λ = 2/(1 − c‖x‖²) of the input points, taken
 *   in float64 from the stored inputs: 1 − c‖x‖² is computed from ‖x‖² with
 *   an absolute error of ≈ 2u, i.e. a relative error of u·λ, and every Möbius
 *   formula divides by such factors, so λ is the condition number of the laws
 *   below at their inputs (it is 2 at the origin and 2000 at fraction 0.999).
 *   K = 16 counts the ≈ 10 roundings in a chain of two Möbius operations,
 *   with a margin of ≈ 1.5; the same K serves both dtypes because the error
 *   model is the same, only u differs.
 * Identities with 0 involve no cancellation at all: tolerance 4u.
 */
import { afterAll, describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { DType, Tensor } from '../../lib/index.ts';
import { ballPointArb, conformalFactor, curvatureArb, rowsOf, unitRoundoff } from '../../lib/testing/index.ts';

const DTYPES: readonly DType[] = ['float64', 'float32'];
const RUNS = Number(process.env.GEO_RUNS ?? 20);
const K = 16;
const dimArb = fc.constantFrom(2, 3, 5, 8, 16, 33, 64);

// optional calibration report (GEO_CALIBRATE=1): the largest err/tol seen per property
const worst = new Map<string, number>();
afterAll(() => {
  if (process.env.GEO_CALIBRATE) for (const [k, v] of worst) console.log(`${v.toExponential(2)}  ${k}`);
});

/**
 * Asserts √c‖p_i − q_i‖ ≤ k·u·Λ(i) for every row. With GEO_CALIBRATE set, also records
 * err/(u·Λ), err/u and err/(u·√Λ) so that the error model can be checked against other scalings.
 */
function expectRowsClose(label: string, p: Tensor, q: Tensor | number[][], c: number, k: number, u: number, L: (i: number) => number = () => 1): void {
  const P = rowsOf(p);
  const Q = Array.isArray(q) ? q : rowsOf(q);
  expect(P.length).toBe(Q.length);
  P.forEach((row, i) => {
    const err = Math.sqrt(c) * Math.hypot(...row.map((v, j) => v - Q[i][j]));
    const t = k * u * L(i);
    if (process.env.GEO_CALIBRATE) {
      for (const [m, d] of [
        ['err/(uΛ)', u * L(i)],
        ['err/u', u],
        ['err/(u√Λ)', u * Math.sqrt(L(i))],
      ] as const) {
        worst.set(`${label} ${m}`, Math.max(worst.get(`${label} ${m}`) ?? 0, err / d));
      }
    }
    expect(err, `${label}: row ${i} error ${err} > tolerance ${t}`).toBeLessThanOrEqual(t);
  });
}

/** Λ_i: the largest conformal factor among row i of the given points. */
function lam(c: number, ...pts: Tensor[]): (i: number) => number {
  const rs = pts.map(rowsOf);
  return (i) => Math.max(...rs.map((r) => conformalFactor(r[i], c)));
}

/** c, dim and `n` tensors of ball points with `rows` rows each. */
function pointsArb(dtype: DType, n: number, rows = 2, maxRadiusFraction = 0.999) {
  return fc
    .tuple(curvatureArb(), dimArb)
    .chain(([c, dim]) => fc.tuple(fc.constant(c), fc.array(ballPointArb({ c, dim, rows, dtype, maxRadiusFraction }), { minLength: n, maxLength: n })));
}

for (const dtype of DTYPES) {
  const u = unitRoundoff(dtype);
  describe(`Möbius gyrogroup laws (${dtype})`, () => {
    test.prop([pointsArb(dtype, 2)], { numRuns: RUNS })('left cancellation: (−a) ⊕ (a ⊕ b) = b', ([c, [a, b]]) => {
      const ball = g.poincareBall({ c });
      const L = lam(c, a, b);
      expectRowsClose(`left cancellation ${dtype}`, ball.mobiusAdd(g.neg(a), ball.mobiusAdd(a, b)), b, c, K, u, L);
    });

    test.prop([pointsArb(dtype, 1)], { numRuns: RUNS })('identity: a ⊕ 0 = 0 ⊕ a = a', ([c, [a]]) => {
      const ball = g.poincareBall({ c });
      const z = g.zerosLike(a);
      expectRowsClose(`a ⊕ 0 ${dtype}`, ball.mobiusAdd(a, z), a, c, 4, u);
      expectRowsClose(`0 ⊕ a ${dtype}`, ball.mobiusAdd(z, a), a, c, 4, u);
    });

    test.prop([pointsArb(dtype, 1)], { numRuns: RUNS })('inverse: a ⊕ (−a) = (−a) ⊕ a = 0', ([c, [a]]) => {
      const ball = g.poincareBall({ c });
      const z = g.zerosLike(a);
      expectRowsClose(`a ⊕ (−a) ${dtype}`, ball.mobiusAdd(a, g.neg(a)), z, c, 4, u);
      expectRowsClose(`(−a) ⊕ a ${dtype}`, ball.mobiusAdd(g.neg(a), a), z, c, 4, u);
    });

    test.prop([pointsArb(dtype, 2)], { numRuns: RUNS })('gyro-commutativity: a ⊕ b = gyr[a, b](b ⊕ a)', ([c, [a, b]]) => {
      const ball = g.poincareBall({ c });
      const L = lam(c, a, b);
      expectRowsClose(`gyro-commutativity ${dtype}`, ball.mobiusAdd(a, b), ball.gyration(a, b, ball.mobiusAdd(b, a)), c, K, u, L);
    });

    test.prop([pointsArb(dtype, 3)], { numRuns: RUNS })('gyro-associativity: a ⊕ (b ⊕ x) = (a ⊕ b) ⊕ gyr[a, b]x', ([c, [a, b, x]]) => {
      const ball = g.poincareBall({ c });
      const L = lam(c, a, b, x);
      const lhs = ball.mobiusAdd(a, ball.mobiusAdd(b, x));
      const rhs = ball.mobiusAdd(ball.mobiusAdd(a, b), ball.gyration(a, b, x));
      expectRowsClose(`gyro-associativity ${dtype}`, lhs, rhs, c, K, u, L);
    });

    // Scalars are chosen so that |r|·artanh(√c‖a‖) ≤ 3.5 for every r involved: r ⊗ a then has
    // radius fraction ≤ tanh(3.5) = 0.998, inside the projection radius (1 − ε)/√c of both dtypes
    // (ε = 1e-3 / 1e-5), so `project` never acts and the laws hold exactly in exact arithmetic.
    const scalarsArb = (dtype: DType) =>
      pointsArb(dtype, 1).chain(([c, [a]]) => {
        const rho = Math.max(...rowsOf(a).map((r) => Math.atanh(Math.min(Math.sqrt(c) * Math.hypot(...r), 1 - 1e-16))));
        const rMax = Math.min(1e3, rho > 0 ? 3.5 / rho / 2 : 3);
        const r = fc.double({ min: -rMax, max: rMax, noNaN: true });
        return fc.tuple(fc.constant(c), fc.constant(a), r, r);
      });

    test.prop([scalarsArb(dtype)], { numRuns: RUNS })('scalar distributivity: (r1 + r2) ⊗ a = r1 ⊗ a ⊕ r2 ⊗ a', ([c, a, r1, r2]) => {
      const ball = g.poincareBall({ c });
      const lhs = ball.mobiusScalarMul(r1 + r2, a);
      const rhs = ball.mobiusAdd(ball.mobiusScalarMul(r1, a), ball.mobiusScalarMul(r2, a));
      const L = lam(c, a, lhs);
      expectRowsClose(`scalar distributivity ${dtype}`, lhs, rhs, c, K, u, L);
    });

    test.prop([scalarsArb(dtype)], { numRuns: RUNS })('scalar associativity: (r1 r2) ⊗ a = r1 ⊗ (r2 ⊗ a)', ([c, a, r1, r2]) => {
      const ball = g.poincareBall({ c });
      // keep |r1 r2| and |r2| within the same bound: use s2 = r2·2 ∈ [−2rMax, 2rMax] and s1 ∈ [−1, 1]
      const s1 = Math.max(-1, Math.min(1, r1)),
        s2 = 2 * r2;
      const lhs = ball.mobiusScalarMul(s1 * s2, a);
      const rhs = ball.mobiusScalarMul(s1, ball.mobiusScalarMul(s2, a));
      const L = lam(c, a, lhs);
      expectRowsClose(`scalar associativity ${dtype}`, lhs, rhs, c, K, u, L);
    });
  });
}
