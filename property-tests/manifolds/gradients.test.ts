/**
 * Gradients of every Poincaré-ball function:
 *   1. finite (no NaN / ±Infinity), in float64 and float32, on generated
 *      inputs that always include the edge rows x = 0, v = 0, points at norm
 *      (1 − 1e-9)/√c (as close as the dtype can store) and ‖v‖ = 1e6, for
 *      c ∈ {1e-3, 0.1, 1, 10} and dimensions 2…64;
 *   2. equal to central finite differences (`checkGrad`, float64) for the
 *      smooth functions on interior inputs away from every clamp and kink;
 *   3. flowing to a learnable tensor curvature c (d dist / dc and friends
 *      against finite differences).
 *
 * checkGrad tolerance: an entry passes when |analytic − numeric| ≤ 1e-6 +
 * 1e-5·max(|analytic|, |numeric|). Central differences with
 * h = 1e-6·max(1, |x|) have truncation error h²|f'''|/6 and rounding error
 * ≈ u·|f|/h. Interior inputs (radius fraction ≤ 0.9, so λ ≤ 10.5, derivatives
 * of order k bounded by ≈ (√c·λ)^k·|f| in radius units) keep both below
 * ≈ 1e-8 relative. Finite differences cost one evaluation per coordinate, so
 * checkGrad runs in dimensions 2…8 (finiteness is checked up to 64).
 */
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../../lib/index.ts';
import type { DType, Tensor, Tree } from '../../lib/index.ts';
import { ballRowArb, curvatureArb, tangentRowArb, unitVectorArb } from '../../lib/testing/index.ts';

const DTYPES: readonly DType[] = ['float64', 'float32'];
const RUNS = Number(process.env.GEO_RUNS ?? 15);
const TOL = { rtol: 1e-5, atol: 1e-6 };

type Ball = ReturnType<typeof g.poincareBall>;

/** A fixed, non-trivial cotangent of `shape`: sum(op(...)·W) is a scalar test function. */
function weights(shape: readonly number[], dtype: DType): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return g.tensor(
    Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.3) + 0.5),
    shape,
    dtype,
  );
}
const scalarize = (t: Tensor): Tensor => g.sum(g.mul(t, weights(t.shape, t.dtype)));

// ---------------------------------------------------------------- the functions, as (ball, ...tensors) → tensor

interface Fn {
  readonly name: string;
  /** argument kinds: a point of the ball, a tangent vector, a matrix [D, D], weights [N], a scalar t */
  readonly args: readonly ('p' | 'v' | 'm' | 'w' | 't' | 'r')[];
  readonly f: (ball: Ball, ...xs: Tensor[]) => Tensor;
}

const FNS: readonly Fn[] = [
  { name: 'expmap0', args: ['v'], f: (b, v) => b.expmap0(v) },
  { name: 'logmap0', args: ['p'], f: (b, y) => b.logmap0(y) },
  { name: 'expmap', args: ['p', 'v'], f: (b, x, v) => b.expmap(x, v) },
  { name: 'logmap', args: ['p', 'p'], f: (b, x, y) => b.logmap(x, y) },
  { name: 'mobiusAdd', args: ['p', 'p'], f: (b, x, y) => b.mobiusAdd(x, y) },
  { name: 'mobiusScalarMul', args: ['r', 'p'], f: (b, r, x) => b.mobiusScalarMul(r, x) },
  { name: 'mobiusMatvec', args: ['m', 'p'], f: (b, m, x) => b.mobiusMatvec(m, x) },
  { name: 'gyration', args: ['p', 'p', 'v'], f: (b, u, v, w) => b.gyration(u, v, w) },
  { name: 'dist', args: ['p', 'p'], f: (b, x, y) => b.dist(x, y) },
  { name: 'dist0', args: ['p'], f: (b, x) => b.dist0(x) },
  { name: 'pairwiseDist', args: ['p', 'p'], f: (b, x, y) => b.pairwiseDist(x, y) },
  { name: 'lambda', args: ['p'], f: (b, x) => b.lambda(x) },
  { name: 'lcaDepth', args: ['p', 'p'], f: (b, x, y) => b.lcaDepth(x, y) },
  { name: 'project', args: ['v'], f: (b, x) => b.project(x) },
  { name: 'toPoincare', args: ['v'], f: (b, x) => b.toPoincare(x) },
  { name: 'egrad2rgrad', args: ['p', 'v'], f: (b, x, v) => b.egrad2rgrad(x, v) },
  { name: 'transp', args: ['p', 'p', 'v'], f: (b, x, y, v) => b.transp(x, y, v) },
  { name: 'transp0', args: ['p', 'v'], f: (b, x, v) => b.transp0(x, v) },
  { name: 'geodesic', args: ['p', 'p', 't'], f: (b, x, y, t) => b.geodesic(x, y, t) },
  { name: 'weightedMidpoint', args: ['p', 'w'], f: (b, x, w) => b.weightedMidpoint(x, w) },
];

// ---------------------------------------------------------------- 1. finite gradients on edge inputs

/**
 * Rows for the finiteness check. Points: 0, 0, B, B, −B, g₁, g₂ and vectors: 0, 1e6, 0, 1e6, −1e6, g₁, g₂,
 * with B a point at radius fraction 1 − 1e-9 (pulled in where float32 cannot store it) and gᵢ generated
 * (anywhere in the ball up to fraction 1 − 1e-9, any norm up to 1e6, 0 included). Second point
 * arguments get the rows in another order, so that every pairing (0 with B, B with −B, B with B,
 * x with 0, …) occurs.
 */
function edgeCase(dtype: DType) {
  return fc
    .tuple(curvatureArb(), fc.constantFrom(2, 3, 8, 33, 64))
    .chain(([c, dim]) =>
      fc.tuple(
        fc.constant(c),
        fc.constant(dim),
        ballRowArb({ c, dim, dtype, minRadiusFraction: 1 - 1e-9, maxRadiusFraction: 1 - 1e-9 }),
        fc.array(ballRowArb({ c, dim, dtype, maxRadiusFraction: 1 - 1e-9 }), { minLength: 2, maxLength: 2 }),
        unitVectorArb(dim),
        fc.array(tangentRowArb({ dim, maxNorm: 1e6 }), { minLength: 2, maxLength: 2 }),
        fc.double({ min: -3, max: 3, noNaN: true }),
      ),
    );
}

function expectFinite(label: string, t: Tensor): void {
  const a = g.toArray(t);
  const bad = a.findIndex((x) => !Number.isFinite(x));
  expect(bad, `${label}: entry ${bad} is ${a[bad]}`).toBe(-1);
}

for (const dtype of DTYPES) {
  describe(`finite gradients on edge inputs (${dtype})`, () => {
    test.prop([edgeCase(dtype)], { numRuns: RUNS })('every ball function, every argument', ([c, dim, B, G, dir, V, r]) => {
      const ball = g.poincareBall({ c });
      const zero = new Array(dim).fill(0);
      const negB = B.map((x) => -x);
      const big = dir.map((x) => x * 1e6);
      const T = (rows: number[][]) => g.tensor(rows, undefined, dtype);
      const P1 = T([zero, zero, B, B, negB, G[0], G[1]]);
      const P2 = T([zero, B, zero, B, B, G[1], G[0]]);
      const P3 = T([B, zero, negB, zero, B, G[0], zero]);
      const V1 = T([zero, big, zero, big, big.map((x) => -x), V[0], V[1]]);
      const M = g.add(
        g.eye(dim, dim, dtype),
        g.mul(
          g.tensor(
            Array.from({ length: dim * dim }, (_, i) => Math.sin(i + r)),
            [dim, dim],
            dtype,
          ),
          0.3,
        ),
      );
      const W = g.tensor([1, 0, 0.5, 2, 1e-3, 1, 0], [7], dtype);
      const tt = g.scalar(Math.abs(r) / 3, dtype);
      for (const fn of FNS) {
        let points = 0;
        const args = fn.args.map((k) => {
          if (k === 'p') return [P1, P2, P3][points++];
          if (k === 'v') return V1;
          if (k === 'm') return M;
          if (k === 'w') return W;
          if (k === 't') return tt;
          return g.scalar(r, dtype); // 'r'
        });
        const out = fn.f(ball, ...args);
        expectFinite(`${fn.name} value`, out);
        const grads = g.grad(
          (...xs: Tensor[]) => scalarize(fn.f(ball, ...xs)),
          args.map((_, i) => i),
        )(...args) as Tensor[];
        grads.forEach((gt, i) => expectFinite(`${fn.name} d/d(arg ${i})`, gt));
      }
    });
  });
}

// ---------------------------------------------------------------- 1b. clamps pass gradients through

for (const dtype of DTYPES) {
  describe(`clamps do not kill gradients at the boundary (${dtype})`, () => {
    // At radius fraction 1 − 1e-9 (or the closest float32 point) √c‖x‖ is past the artanh clamp 1 − ε':
    // the custom artanh backward still passes g/(1 − x̂²), so distances keep pulling points inward.
    test.prop(
      [
        fc
          .tuple(curvatureArb(), fc.constantFrom(2, 5, 16, 64))
          .chain(([c, dim]) =>
            fc.tuple(
              fc.constant(c),
              ballRowArb({ c, dim, dtype, minRadiusFraction: 1 - 1e-9, maxRadiusFraction: 1 - 1e-9 }),
              ballRowArb({ c, dim, dtype, maxRadiusFraction: 0.9 }),
            ),
          ),
      ],
      { numRuns: RUNS },
    )('∇dist0 and ∇ₓdist(x, y) at boundary points are finite, non-zero, and increase the distance outward', ([c, b, y]) => {
      const ball = g.poincareBall({ c });
      const x = g.tensor([b], undefined, dtype);
      const gd0 = g.toArray(g.grad((t: Tensor) => g.sum(ball.dist0(t)))(x));
      const radial0 = gd0.reduce((s, v, i) => s + v * b[i], 0);
      expect(gd0.every(Number.isFinite), `∇dist0 = ${gd0}`).toBe(true);
      expect(radial0, 'moving outward must increase dist0').toBeGreaterThan(0);
      const yt = g.tensor([y], undefined, dtype);
      const gd = g.toArray(g.grad((t: Tensor) => g.sum(ball.dist(t, yt)))(x));
      expect(gd.every(Number.isFinite), `∇dist = ${gd}`).toBe(true);
      expect(Math.hypot(...gd), '∇dist must not vanish').toBeGreaterThan(0);
    });
  });
}

// ---------------------------------------------------------------- 2. gradients = central differences (float64)

/**
 * Interior, well-separated inputs: points at radius fraction in [0.1, 0.9] (λ ≤ 10.5, far from the
 * artanh clamp and the projection radius), the second point at an angle β ∈ [0.2, 2.9] from the first
 * (so the pair is never equal, collinear or antipodal: dist, logmap and lcaDepth are smooth there),
 * tangent vectors with √c‖v‖ ∈ [0.05, 1] (expmap0 / expmap results stay inside fraction 0.96, so
 * `project` does not act), Möbius scalars in [−2, 2].
 */
const interiorArb = fc.tuple(curvatureArb(), fc.constantFrom(2, 3, 5, 8)).chain(([c, dim]) => {
  const R = 1 / Math.sqrt(c);
  const frac = fc.double({ min: 0.1, max: 0.9, noNaN: true });
  return fc
    .tuple(
      fc.constant(c),
      fc.constant(dim),
      fc.array(fc.tuple(unitVectorArb(dim), unitVectorArb(dim), frac, frac, fc.double({ min: 0.2, max: 2.9, noNaN: true })), { minLength: 2, maxLength: 2 }),
      fc.array(fc.tuple(unitVectorArb(dim), fc.double({ min: 0.05, max: 1, noNaN: true })), { minLength: 2, maxLength: 2 }),
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    )
    .map(([cc, d, pairs, vecs, r, t]) => {
      const xs: number[][] = [],
        ys: number[][] = [],
        zs: number[][] = [];
      for (const [u1, w, f1, f2, beta] of pairs) {
        // u⊥: the part of w orthogonal to u1 (when w ∥ u1: of the basis vector where u1 is smallest)
        const orth = (e: number[]) => {
          const p = e.reduce((s, y, j) => s + y * u1[j], 0);
          return e.map((x, i) => x - p * u1[i]);
        };
        let perp = orth(w);
        if (Math.hypot(...perp) < 1e-3) {
          const k = u1.reduce((best, x, i) => (Math.abs(x) < Math.abs(u1[best]) ? i : best), 0);
          perp = orth(u1.map((_, i) => (i === k ? 1 : 0)));
        }
        const np = Math.hypot(...perp);
        const u2 = u1.map((x, i) => Math.cos(beta) * x + (Math.sin(beta) * perp[i]) / np);
        xs.push(u1.map((x) => x * f1 * R));
        ys.push(u2.map((x) => x * f2 * R));
        zs.push(u1.map((x, i) => (0.5 * (x + u2[i]) * (f1 + f2) * R) / 2));
      }
      const vs = vecs.map(([u, n]) => u.map((x) => (x * n) / Math.sqrt(cc)));
      return { c: cc, dim: d, xs, ys, zs, vs, r, t };
    });
});

describe('gradients = central differences (float64, interior inputs)', () => {
  const T = (rows: number[][]) => g.tensor(rows, undefined, 'float64');
  const check = (name: string, f: (...xs: Tensor[]) => Tensor, args: Tensor[], tol = TOL) => {
    const res = g.checkGrad((...xs: Tree[]) => scalarize(f(...(xs as Tensor[]))), args, tol);
    expect(res.ok, `${name}: ${res.message}`).toBe(true);
  };
  test.prop([interiorArb], { numRuns: RUNS })('maps, Möbius operations, gyration', ({ c, dim, xs, ys, zs, vs, r }) => {
    const ball = g.poincareBall({ c });
    const x = T(xs),
      y = T(ys),
      z = T(zs),
      v = T(vs);
    check('expmap0', (a) => ball.expmap0(a), [v]);
    check('logmap0', (a) => ball.logmap0(a), [x]);
    check('expmap', (a, b) => ball.expmap(a, b), [x, v]);
    check('logmap', (a, b) => ball.logmap(a, b), [x, y]);
    check('mobiusAdd', (a, b) => ball.mobiusAdd(a, b), [x, y]);
    check('mobiusScalarMul', (s, a) => ball.mobiusScalarMul(s, a), [g.scalar(r, 'float64'), x]);
    const m = g.add(
      g.eye(dim, dim, 'float64'),
      g.mul(
        g.tensor(
          Array.from({ length: dim * dim }, (_, i) => Math.cos(2.1 * i + r)),
          [dim, dim],
          'float64',
        ),
        0.4,
      ),
    );
    check('mobiusMatvec', (mm, a) => ball.mobiusMatvec(mm, a), [m, x]);
    check('gyration', (a, b, w) => ball.gyration(a, b, w), [x, y, z]);
  });
  test.prop([interiorArb], { numRuns: RUNS })('distances, conformal factor, LCA depth', ({ c, xs, ys }) => {
    const ball = g.poincareBall({ c });
    const x = T(xs),
      y = T(ys);
    check('dist', (a, b) => ball.dist(a, b), [x, y]);
    check('dist0', (a) => ball.dist0(a), [x]);
    check('pairwiseDist', (a, b) => ball.pairwiseDist(a, b), [x, y]);
    check('lambda', (a) => ball.lambda(a), [x]);
    check('lcaDepth', (a, b) => ball.lcaDepth(a, b), [x, y]);
  });
  test.prop([interiorArb], { numRuns: RUNS })('project, toPoincare, egrad2rgrad, transport, geodesic, midpoint', ({ c, xs, ys, vs, t }) => {
    const ball = g.poincareBall({ c });
    const R = 1 / Math.sqrt(c);
    const x = T(xs),
      y = T(ys),
      v = T(vs);
    // project: the identity inside, a rescaling of points outside (at 1.5× the radius)
    check('project (inside)', (a) => ball.project(a), [x]);
    check('project (outside)', (a) => ball.project(a), [g.mul(g.normalize(x), 1.5 * R)]);
    // toPoincare with the clip radius r = 2.3 away from ‖x‖: vectors of norm ≤ 1/√c·1 (c ≥ 1e-3: ≤ 31.6)
    // get clipped or not depending on c; use norms 0.5·2.3 and 2·2.3 explicitly
    check('toPoincare (unclipped)', (a) => ball.toPoincare(a), [g.mul(g.normalize(v), 1.15)]);
    check('toPoincare (clipped)', (a) => ball.toPoincare(a), [g.mul(g.normalize(v), 4.6)]);
    check('egrad2rgrad', (a, b) => ball.egrad2rgrad(a, b), [x, v]);
    check('transp', (a, b, w) => ball.transp(a, b, w), [x, y, v]);
    check('transp0', (a, w) => ball.transp0(a, w), [x, v]);
    check('geodesic', (a, b, s) => ball.geodesic(a, b, s), [x, y, g.scalar(t, 'float64')]);
    check('weightedMidpoint', (a, w) => ball.weightedMidpoint(a, w), [g.concat([x, y], 0), g.tensor([0.5, 1, 2, 0.7], undefined, 'float64')]);
  });
});

// ---------------------------------------------------------------- 3. gradients w.r.t. a tensor curvature

describe('gradients flow to a learnable curvature c (float64, vs central differences)', () => {
  const T = (rows: number[][]) => g.tensor(rows, undefined, 'float64');
  test.prop([interiorArb], { numRuns: RUNS })('d/dc of dist, dist0, expmap0, logmap, pairwiseDist, lcaDepth, weightedMidpoint', ({ c, xs, ys, vs }) => {
    const x = T(xs),
      y = T(ys),
      v = T(vs);
    const ct = g.scalar(c, 'float64');
    const fns: [string, (b: Ball) => Tensor][] = [
      ['dist', (b) => b.dist(x, y)],
      ['dist0', (b) => b.dist0(x)],
      ['expmap0', (b) => b.expmap0(v)],
      ['logmap', (b) => b.logmap(x, y)],
      ['pairwiseDist', (b) => b.pairwiseDist(x, y)],
      ['lcaDepth', (b) => b.lcaDepth(x, y)],
      ['weightedMidpoint', (b) => b.weightedMidpoint(g.concat([x, y], 0))],
    ];
    for (const [name, f] of fns) {
      // step h = 1e-6·c (relative to c: the default h = 1e-6·max(1, c) would be 1e-3·c for c = 1e-3,
      // where the third derivative ∝ 1/c³ makes the truncation error ≈ 1e-5 relative)
      const res = g.checkGrad((cc: Tree) => scalarize(f(g.poincareBall({ c: cc as Tensor }))), [ct], { ...TOL, eps: 1e-6 * Math.min(1, c) });
      expect(res.ok, `d/dc ${name}: ${res.message}`).toBe(true);
      const dc = g.item(g.grad((cc: Tensor) => scalarize(f(g.poincareBall({ c: cc }))))(ct));
      expect(Number.isFinite(dc) && dc !== 0, `d/dc ${name} = ${dc}`).toBe(true);
    }
  });
});
