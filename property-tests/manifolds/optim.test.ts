/**
 * Riemannian optimizers on the Poincaré ball: rsgd and radam minimising
 * F(x) = Σᵢ d(x, pᵢ) over one point x of the ball (c = 1 and c = 0.1, 3–5
 * fixed points pᵢ) reach the Fréchet (geometric) median, keeping every
 * iterate strictly inside the ball; and, with no manifold, rsgd minimises a
 * Euclidean quadratic. float64 and float32 parameters.
 *
 * The points lie at radius fractions 0.6–0.9 in directions spread evenly
 * (±15°) around a random plane, so no pᵢ is the median (from any pᵢ the other
 * points span less than 120°, so the unit vectors towards them sum to more
 * than 1): the median is interior, F is smooth and strongly geodesically
 * convex around it, and its Riemannian gradient vanishes there.
 *
 * Runs: rsgd for 100 steps with lr 0.3/√c·1/(1 + t/100); radam for 300 steps
 * with a cosine schedule from 0.2/√c to 0 (with a constant lr, Adam hovers:
 * once the gradients are tiny, v decays with them and m/√v kicks the point
 * away again, to ‖grad_R‖ ≈ 1e-3; with a fast decay it stalls before
 * arriving). From the farthest start (fraction 0.999, √c-distance ≈ 7.6 from
 * the median) rsgd reaches ‖grad_R‖ ≈ 1e-15 within 100 steps and radam
 * ≈ 2e-5 within 300.
 * Checks, made in float64 on the (cast) result x*:
 *   - ‖grad_R F(x*)‖_x = ‖∇F‖/λ_x (dimensionless: F's gradient is a sum of n
 *     unit vectors, so its norm is ≈ n far from the median) ≤ 1e-5 for rsgd
 *     (float32's own floor, a position rounded to u·λ, is ≈ n·u·λ ≈ 1e-6) and
 *     ≤ 1e-3 for radam (its worst case above with a 50× margin: a convergence
 *     criterion, not a rounding tolerance);
 *   - F(x*) ≤ F(expmap(x*, v)) for random v of Riemannian length 1e-2/√c: the
 *     decrease allowed by the first-order term, ‖grad_R‖·1e-2/√c ≤ 1e-6/√c,
 *     is far below the second-order increase ≈ ½·μ·(1e-2/√c)² with μ ≳ √c
 *     (so a failure means x* is not a local minimum);
 *   - rsgd and radam agree: √c·d(x*_rsgd, x*_radam) ≤ 1e-2 (F is strongly
 *     convex around the median with μ ≳ 0.5·√c, so d ≤ ‖grad_R‖/μ ≤ 2e-3/√c).
 */
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { DType, Optimizer, Tensor } from '../../lib/index.ts';
import { ballRowArb, unitVectorArb } from '../../lib/testing/index.ts';

const DTYPES: readonly DType[] = ['float64', 'float32'];
const RUNS = Number(process.env.GEO_RUNS ?? 4);

/** c, dimension, the fixed points pᵢ (plain numbers) and a starting point. */
const medianCase = (c: number, dtype: DType) =>
  fc.tuple(fc.integer({ min: 3, max: 5 }), fc.integer({ min: 2, max: 8 })).chain(([n, dim]) =>
    fc
      .tuple(
        fc.constant(dim),
        unitVectorArb(dim),
        unitVectorArb(dim),
        fc.array(fc.tuple(fc.double({ min: -Math.PI / 12, max: Math.PI / 12, noNaN: true }), fc.double({ min: 0.6, max: 0.9, noNaN: true })), {
          minLength: n,
          maxLength: n,
        }),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        ballRowArb({ c, dim, dtype, maxRadiusFraction: 0.999 }),
      )
      .map(([d, e1, w, jitter, phase, start]) => {
        // an orthonormal pair e1, e2 spanning the plane (w made orthogonal to e1; a basis vector if w ∥ e1)
        const orth = (v: number[]) => {
          const p = v.reduce((s, x, i) => s + x * e1[i], 0);
          return v.map((x, i) => x - p * e1[i]);
        };
        let e2 = orth(w);
        if (Math.hypot(...e2) < 1e-3) {
          const k = e1.reduce((best, x, i) => (Math.abs(x) < Math.abs(e1[best]) ? i : best), 0);
          e2 = orth(e1.map((_, i) => (i === k ? 1 : 0)));
        }
        const ne2 = Math.hypot(...e2);
        e2 = e2.map((x) => x / ne2);
        const R = 1 / Math.sqrt(c);
        const pts = jitter.map(([j, f], i) => {
          const a = phase + (2 * Math.PI * i) / jitter.length + j;
          return e1.map((x, k) => (Math.cos(a) * x + Math.sin(a) * e2[k]) * f * R);
        });
        return { dim: d, pts, start };
      }),
  );

interface Run {
  readonly x: Tensor;
  readonly iterates: number[][];
}

/** Runs `opt` for `steps` steps on F(x) = Σᵢ d(x, pᵢ) (x a [1, D] point), recording every iterate. */
function minimise(opt: Optimizer<unknown>, ball: ReturnType<typeof g.poincareBall>, P: Tensor, x0: Tensor, steps: number): Run {
  const [n, D] = P.shape;
  const F = (x: Tensor) => g.sum(ball.dist(g.broadcastTo(x, [n, D]), P));
  let x = x0;
  let state = opt.init(x);
  const iterates: number[][] = [];
  for (let t = 0; t < steps; t++) {
    [x, state] = opt.update(g.grad(F)(x), state, x);
    iterates.push(g.toArray(x));
  }
  return { x, iterates };
}

for (const dtype of DTYPES) {
  for (const c of [1, 0.1]) {
    describe(`Fréchet median on the ball, c = ${c} (${dtype})`, () => {
      test.prop([medianCase(c, dtype)], { numRuns: RUNS })('rsgd and radam converge to the median, iterates stay inside the ball', ({ dim, pts, start }) => {
        const R = 1 / Math.sqrt(c);
        const ball = g.poincareBall({ c });
        const P = g.tensor(pts, undefined, dtype);
        const x0 = g.tensor([start], undefined, dtype);
        const runs: [string, Run, number][] = [
          ['rsgd', minimise(g.rsgd({ lr: (t) => (0.3 * R) / (1 + t / 100), manifold: ball }) as Optimizer<unknown>, ball, P, x0, 100), 1e-5],
          [
            'radam',
            minimise(g.radam({ lr: (t) => 0.1 * R * (1 + Math.cos((Math.PI * t) / 300)), manifold: ball }) as Optimizer<unknown>, ball, P, x0, 300),
            1e-3,
          ],
        ];
        // float64 evaluation of F and its Riemannian gradient
        const b64 = g.poincareBall({ c });
        const P64 = g.cast(P, 'float64');
        const F64 = (x: Tensor) => g.sum(b64.dist(g.broadcastTo(x, [pts.length, dim]), P64));
        const results: Tensor[] = [];
        for (const [name, run, gradTol] of runs) {
          run.iterates.forEach((it, t) => {
            const nrm = Math.hypot(...it);
            expect(it.every(Number.isFinite) && nrm < R, `${name}: iterate ${t} has norm ${nrm} ≥ 1/√c = ${R}`).toBe(true);
          });
          const x = g.cast(run.x, 'float64');
          results.push(x);
          const rg = Math.hypot(...g.toArray(g.grad(F64)(x))) / g.item(b64.lambda(x));
          expect(rg, `${name}: Riemannian gradient norm at the result`).toBeLessThanOrEqual(gradTol);
          const f0 = g.item(F64(x));
          const lam = g.item(b64.lambda(x));
          for (let k = 0; k < 6; k++) {
            // v with Riemannian length λ_x‖v‖ = 1e-2/√c in a fixed pseudo-random direction
            const dir = Array.from({ length: dim }, (_, i) => Math.sin(3.7 * i + 1.9 * k + 0.4));
            const nd = Math.hypot(...dir);
            const v = g.tensor([dir.map((e) => ((e / nd) * (1e-2 * R)) / lam)], undefined, 'float64');
            const f1 = g.item(F64(b64.expmap(x, v)));
            expect(f1, `${name}: F at a perturbation ${k} (${f1}) below F(x*) = ${f0}`).toBeGreaterThanOrEqual(f0);
          }
        }
        const gap = Math.sqrt(c) * g.item(b64.dist(results[0], results[1]));
        expect(gap, 'rsgd and radam found different medians').toBeLessThanOrEqual(1e-2);
      });
    });
  }

  describe(`Euclidean sanity (${dtype})`, () => {
    // f(x) = ½ Σ aᵢ (xᵢ − bᵢ)², aᵢ ∈ [0.5, 2]: gradient descent with lr 0.5 contracts the error by
    // max|1 − 0.5·aᵢ| ≤ 0.75 per step, so 120 steps leave ≤ 0.75¹²⁰·‖x₀ − b‖ ≈ 1e-15·‖x₀ − b‖; the
    // float32 floor is the rounding of b itself (u·|b|). With momentum 0.5 the contraction is faster still.
    const quadCase = fc
      .integer({ min: 1, max: 16 })
      .chain((n) =>
        fc.tuple(
          fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: n, maxLength: n }),
          fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
          fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
          fc.constantFrom(0, 0.5),
        ),
      );
    test.prop([quadCase], { numRuns: 15 })('rsgd with no manifold minimises a quadratic', ([a, b, x0, momentum]) => {
      const A = g.tensor(a, undefined, dtype),
        B = g.tensor(b, undefined, dtype);
      const f = (x: Tensor) => g.mul(g.sum(g.mul(A, g.square(g.sub(x, B)))), 0.5);
      const opt = g.rsgd({ lr: 0.5, momentum });
      let x = g.tensor(x0, undefined, dtype);
      let st = opt.init(x);
      const f0 = g.item(f(x));
      let prev = f0;
      for (let t = 0; t < 120; t++) {
        [x, st] = opt.update(g.grad(f)(x), st, x);
        if (momentum === 0) {
          const ft = g.item(f(x));
          expect(ft, `step ${t}: plain gradient descent must not increase f`).toBeLessThanOrEqual(prev);
          prev = ft;
        }
      }
      const u = dtype === 'float64' ? 2 ** -53 : 2 ** -24;
      const err = g.toArray(x).map((v, i) => Math.abs(v - b[i]));
      err.forEach((e, i) => expect(e, `coordinate ${i}`).toBeLessThanOrEqual(8 * u * (Math.abs(b[i]) + 1) + 1e-13 * (Math.abs(x0[i] - b[i]) + 1)));
    });
  });
}
