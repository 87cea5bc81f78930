/**
 * Fused ops agree with their composite definitions: the fast forward and
 * backward kernels against the same formula written with ops (which is also
 * the path taken for higher-order gradients), and second-order gradients
 * through a fused op against finite differences.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { poincarePairwiseDist } from '../lib/ops/fused/poincarePairwiseDist.ts';
import { fusedOp } from '../lib/ops/fused/define.ts';
import { softTripleBackward, softTripleForward } from '../kernels/js/softtriple.ts';
import { lcaDepthBackward, lcaDepthForward } from '../kernels/js/ball/lcaDepth.ts';

const maxRel = (a: Tensor, b: Tensor): number => {
  const x = g.toArray(a),
    y = g.toArray(b);
  const scale = Math.max(1e-300, ...y.map(Math.abs));
  return Math.max(0, ...x.map((v, i) => Math.abs(v - y[i]) / scale));
};

/**
 * The gradient of f at x computed on the composite path: inside `vjp`, x is
 * traced, so the inner backward pass sees traced inputs and cannot use the
 * fast kernel; the value of `grad(f)(x)` returned by `vjp` is that gradient.
 */
function compositeGrad(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  return g.vjp((xx: Tensor) => g.grad(f)(xx), x)[0];
}

describe('fused pairwise Poincaré distance', () => {
  const dims = fc.record({
    n: fc.integer({ min: 1, max: 6 }),
    m: fc.integer({ min: 1, max: 6 }),
    d: fc.integer({ min: 1, max: 8 }),
    c: fc.constantFrom(1e-3, 0.1, 1, 10),
    seed: fc.nat(),
  });
  test.prop([dims], { numRuns: 30 })('forward, backward and second order agree with the composite formula (float64)', ({ n, m, d, c, seed }) => {
    const ball = g.poincareBall({ c });
    const [k1, k2, k3] = g.split(g.prngKey(seed), 3);
    // points with √c‖x‖ ≤ 0.9: finite differences of the second derivative stay accurate
    const inside = (k: g.PRNGKey, rows: number) => g.mul(g.tanh(g.randomNormal(k, [rows, d], 'float64')), 0.9 / Math.sqrt(c * d));
    const x = inside(k1, n);
    const y = inside(k2, m);
    const w = g.randomNormal(k3, [n, m], 'float64');
    const ct = g.scalar(c, 'float64');
    // the ball's own pairwiseDist uses the fused op; compare against the distance of each pair
    const D = poincarePairwiseDist(x, y, ct);
    const pairs = g.stack(Array.from({ length: n }, (_, i) => ball.dist(g.broadcastTo(g.slice(x, [i, 0], [1, d]), [m, d]), y)));
    // two different float64 formulas: the closed form in ⟨x,y⟩ and the Möbius sum cancel differently,
    // by up to ~1e4·2⁻⁵² relative near the boundary (the artanh condition number)
    expect(maxRel(D, pairs)).toBeLessThanOrEqual(1e-9);
    // fast backward vs the composite's backward
    const f = (xx: Tensor) => g.sum(g.mul(poincarePairwiseDist(xx, y, ct), w));
    const fast = g.grad(f)(x);
    const slow = compositeGrad(f, x);
    // Same formula, different operation order. ‖−x ⊕ y‖² is obtained by cancelling terms of size
    // ~(1 + c‖x‖‖y‖)²·‖x‖‖y‖ (‖x‖ reaches 1/√c ≈ 32 at c = 1e-3), so the two float64 evaluations may
    // differ by ~1e6·2⁻⁵² ≈ 2e-10 relative; 1e-8 leaves a margin without hiding a wrong derivative
    // (a wrong term changes the gradient at O(1) relative, and checkGrad below checks against FD).
    expect(maxRel(fast, slow)).toBeLessThanOrEqual(1e-8);
    // second order (composite path) against finite differences of the fast gradient; skipped where
    // finite differences are not a derivative: d = 1 (the distance has a kink at x = y, like |x − y|),
    // and c = 1e-3, where coordinates reach 28 and the step 1e-6·|x| meets third derivatives ~1e5
    if (d >= 2 && c >= 0.1) {
      const r = g.checkGrad((xx) => g.sum(g.square(g.grad(f)(xx as Tensor))), [x], { rtol: 1e-5, atol: 1e-6 });
      expect(r.ok, r.message).toBe(true);
    }
  });
});

describe('fused SoftTriple', () => {
  const dims = fc.record({
    b: fc.integer({ min: 1, max: 6 }),
    c: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 4 }),
    seed: fc.nat(),
    la: fc.constantFrom(1, 5, 20),
    gamma: fc.constantFrom(0.05, 0.1, 1),
  });
  test.prop([dims], { numRuns: 30 })('backward matches the composite and second order matches finite differences', ({ b, c, k, seed, la, gamma }) => {
    const sim = g.randomNormal(g.prngKey(seed), [b, c * k], 'float64');
    const y = Array.from({ length: b }, (_, i) => (i * 7 + seed) % c);
    const st = g.softTriple({ centersPerClass: k, la, gamma });
    const f = (s: Tensor) => st(s, y);
    expect(maxRel(g.grad(f)(sim), compositeGrad(f, sim))).toBeLessThanOrEqual(1e-10);
    const r = g.checkGrad((s) => g.sum(g.mul(g.grad(f)(s as Tensor), g.cos(s as Tensor))), [sim], { rtol: 1e-5, atol: 1e-6 });
    expect(r.ok, r.message).toBe(true);
  });
});

// ---------------------------------------------------------------- the ball's fused row-wise ops

/**
 * `toPoincare` (clip_r, expmap0, project) and `lcaDepth` as fused ops
 * (kernels/js/ball/) against their composite definitions
 * (`toPoincareComposite`, `lcaDepthComposite`: the ops formulas, which are
 * also the higher-order path), in float64 and float32, on generic rows and on
 * the rows where the composite's clamps decide: zero rows, rows below the
 * MIN_NORM floor and exactly at it (a tie of `maximum`), rows exactly at the
 * clip radius (a tie of `minimum`), rows far beyond it, rows within ±2 ulps of
 * project's threshold, LCA pairs that are identical, collinear, opposite, or
 * contain a zero point.
 *
 * Tolerances (u the unit roundoff of the dtype):
 *  - forward: none, the values are bitwise equal. The kernels repeat the
 *    composite's operations in its order and round every intermediate as the
 *    op layer stores it, including the op layer's `norm` switching a whole
 *    tensor to its scaled method when some row's sum of squares underflows
 *    (a zero row); so every clamp decision is the composite's too. (Checked
 *    with 0 ulps in 9000 further cases while calibrating.)
 *  - backward, cotangent w: max |fast − composite| ≤ 64u·S, with S the size
 *    of the terms the gradient sums: for toPoincare max_i ‖w_i‖ (the map is
 *    1-Lipschitz), for lcaDepth the largest entry of either gradient. Both
 *    evaluate the same chain rule; the composite rounds each of its ≈ 25
 *    backward ops, the kernel rounds once (observed ≤ 5u·S for toPoincare,
 *    ≤ 16u·S for lcaDepth).
 *  - second order (composite path) against central differences of the fast
 *    first-order gradient in float64 (rtol 1e-5); in float32 the second-order
 *    gradient against the float64 one, ≤ 1e-3·max + 1e-6 (the floor for
 *    gradients that vanish, e.g. D = 1 rows beyond the clip radius; for
 *    toPoincare only where tanh does not saturate, √c·r ≤ 3).
 */
import { lcaDepthComposite } from '../lib/ops/fused/lcaDepth.ts';
import { toPoincareComposite } from '../lib/ops/fused/toPoincare.ts';

const BALL_DTYPES = ['float64', 'float32'] as const;
/** runs of the ball properties (FUSED_RUNS to stress them) */
const BALL_RUNS = Number(process.env.FUSED_RUNS ?? 60);
const u = (dt: g.DType): number => (dt === 'float64' ? 2 ** -53 : 2 ** -24);
const ballEpsOf = (dt: g.DType): number => (dt === 'float64' ? 1e-5 : 1e-3);

const maxAbsDiff = (a: Tensor, b: Tensor): number => {
  const x = g.toArray(a),
    y = g.toArray(b);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - y[i])));
};
const maxAbsOf = (a: Tensor): number => Math.max(0, ...g.toArray(a).map(Math.abs));
const allFinite = (a: Tensor): boolean => g.toArray(a).every(Number.isFinite);
const nestedRows = (a: Tensor): number[][] => g.toNested(a) as number[][];

/** Seeded plain-number generators (the test builds rows as numbers, then a tensor of the dtype). */
function gen(seed: number) {
  let s = seed >>> 0;
  const uni = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uni())) * Math.cos(2 * Math.PI * uni());
  const dir = (d: number): number[] => {
    const v = Array.from({ length: d }, normal);
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  return { uni, normal, dir };
}

const rowsTensor = (rows: number[][], dt: g.DType): Tensor => g.tensor(rows.flat(), [rows.length, rows[0].length], dt);

/** The gradient of f(a, b) with respect to argument `arg`, computed on the composite path (see compositeGrad). */
function compositeGrad2(f: (a: Tensor, b: Tensor) => Tensor, a: Tensor, b: Tensor, arg: 0 | 1): Tensor {
  return g.vjp((aa: Tensor, bb: Tensor) => g.grad(f, arg)(aa, bb), a, b)[0];
}

describe('fused toPoincare', () => {
  /** project's threshold: √c‖v‖ = artanh(1 − ε) puts expmap0(v) exactly at maxNorm = (1 − ε)/√c */
  const tStar = (c: number, dt: g.DType): number => Math.atanh(1 - ballEpsOf(dt)) / Math.sqrt(c);
  const args = fc.record({
    n: fc.integer({ min: 1, max: 5 }),
    d: fc.integer({ min: 1, max: 8 }),
    c: fc.constantFrom(1e-3, 0.1, 1, 10),
    clip: fc.constantFrom('0.5', '2.3', 'boundary'),
    dtype: fc.constantFrom(...BALL_DTYPES),
    edges: fc.boolean(),
    zeros: fc.boolean(),
    seed: fc.nat(),
  });
  test.prop([args], { numRuns: BALL_RUNS })(
    'forward (bitwise) and backward agree with the composite, edge rows included (float64, float32)',
    ({ n, d, c, clip, dtype, edges, zeros, seed }) => {
      const { normal, dir } = gen(seed);
      // with clip 'boundary' the radius lies beyond the projection threshold, so rows reach project's boundary
      const r = clip === 'boundary' ? 2 * tStar(c, dtype) : Number(clip);
      const rows: number[][] = Array.from({ length: n }, () => dir(d).map((v) => v * r * Math.exp(2 * normal())));
      const e1 = (s: number): number[] => Array.from({ length: d }, (_, j) => (j === 0 ? s : 0));
      if (edges) {
        rows.push(e1(r), e1(-r)); // exactly at the clip radius: minimum(r/‖x‖, 1) ties
        rows.push(
          e1(1e-15),
          dir(d).map((v) => v * 1e-20),
        ); // at and below the MIN_NORM floor
        rows.push(dir(d).map((v) => v * 10 * r)); // far beyond the clip radius
        const t = tStar(c, dtype);
        for (let k = -2; k <= 2; k++) rows.push(dir(d).map((v) => v * t * (1 + k * u(dtype)))); // at project's threshold
      }
      if (zeros) {
        // zero rows (the norm floors, expmap0's 0/0 limit); they also switch the op layer's norm to its
        // scaled method for the whole tensor, which the kernels must follow
        rows.unshift(e1(0));
        rows.push(e1(0));
      }
      const x = rowsTensor(rows, dtype);
      const ball = g.poincareBall({ c });
      const ct = g.scalar(c, dtype);
      const fast = ball.toPoincare(x, r);
      const comp = toPoincareComposite(x, ct, r);
      expect(maxAbsDiff(fast, comp)).toBe(0);
      const w = rowsTensor(
        rows.map(() => Array.from({ length: d }, normal)),
        dtype,
      );
      const f = (xx: Tensor) => g.sum(g.mul(ball.toPoincare(xx, r), w));
      const gFast = g.grad(f)(x);
      const gSlow = compositeGrad(f, x);
      expect(allFinite(gFast)).toBe(true);
      // toPoincare is 1-Lipschitz (clip_r, expmap0 and project each are), so every term of the gradient
      // of row i is at most ‖w_i‖; the terms cancel in the radial direction of clipped rows (for D = 1
      // the gradient of a clipped row is 0), leaving rounding errors of the size of the terms
      const wMax = Math.max(...nestedRows(w).map((row) => Math.hypot(...row)));
      expect(maxAbsDiff(gFast, gSlow)).toBeLessThanOrEqual(64 * u(dtype) * wMax);
    },
  );

  const smooth = fc.record({
    n: fc.integer({ min: 1, max: 4 }),
    d: fc.integer({ min: 1, max: 6 }),
    c: fc.constantFrom(0.1, 1, 10),
    clip: fc.constantFrom('0.5', '2.3', 'boundary'),
    seed: fc.nat(),
  });
  test.prop([smooth], { numRuns: Math.ceil(BALL_RUNS / 3) })(
    'second order (composite path) matches finite differences (float64) and float32 matches float64',
    ({ n, d, c, clip, seed }) => {
      const { normal, dir } = gen(seed);
      const r = clip === 'boundary' ? 2 * tStar(c, 'float64') : Number(clip);
      // generic rows, away from the kinks (clip radius, projection threshold): norms spread around r
      const rows = Array.from({ length: n }, () => dir(d).map((v) => v * r * Math.exp(normal())));
      const wRows = rows.map(() => Array.from({ length: d }, normal));
      const second = (dt: g.DType): Tensor => {
        const ball = g.poincareBall({ c });
        const w = rowsTensor(wRows, dt);
        const f = (xx: Tensor) => g.sum(g.mul(ball.toPoincare(xx, r), w));
        return g.grad((xx: Tensor) => g.sum(g.square(g.grad(f)(xx))))(rowsTensor(rows, dt));
      };
      const ball = g.poincareBall({ c });
      const w = rowsTensor(wRows, 'float64');
      const f = (xx: Tensor) => g.sum(g.mul(ball.toPoincare(xx, r), w));
      const res = g.checkGrad((xx) => g.sum(g.square(g.grad(f)(xx as Tensor))), [rowsTensor(rows, 'float64')], { rtol: 1e-5, atol: 1e-6 });
      expect(res.ok, res.message).toBe(true);
      // float32: skipped where tanh saturates (√c·r > 3), where the composite's own float32 1 − tanh²
      // (the tanh VJP) keeps few digits and the second derivative only a few
      if (Math.sqrt(c) * r <= 3) {
        const s64 = second('float64');
        expect(maxAbsDiff(g.cast(second('float32'), 'float64'), s64)).toBeLessThanOrEqual(1e-3 * maxAbsOf(s64) + 1e-6);
      }
    },
  );

  test('a learnable curvature takes the composite path: the gradient in c matches finite differences', () => {
    const x = g.mul(g.randomNormal(g.prngKey(3), [4, 3], 'float64'), 2);
    const w = g.randomNormal(g.prngKey(4), [4, 3], 'float64');
    const f = (cc: Tensor) => g.sum(g.mul(g.poincareBall({ c: cc }).toPoincare(x, 2.3), w));
    const res = g.checkGrad((cc) => f(cc as Tensor), [g.scalar(0.7, 'float64')], { rtol: 1e-6, atol: 1e-9 });
    expect(res.ok, res.message).toBe(true);
  });
});

describe('fused lcaDepth', () => {
  const args = fc.record({
    n: fc.integer({ min: 1, max: 6 }),
    d: fc.integer({ min: 1, max: 8 }),
    c: fc.constantFrom(1e-3, 0.1, 1, 10),
    dtype: fc.constantFrom(...BALL_DTYPES),
    degenerate: fc.boolean(),
    zeros: fc.boolean(),
    seed: fc.nat(),
  });
  test.prop([args], { numRuns: BALL_RUNS })(
    'forward (bitwise) and backward agree with the composite; degenerate pairs have depth 0 and gradient 0 (float64, float32)',
    ({ n, d, c, dtype, degenerate: degen, zeros, seed }) => {
      const { uni, normal, dir } = gen(seed);
      const R = 1 / Math.sqrt(c);
      const maxNorm = (1 - ballEpsOf(dtype)) * R;
      // points anywhere in the ball, a quarter of them on project's boundary (the largest norm a point has)
      const point = (): number[] => dir(d).map((v) => v * (uni() < 0.25 ? maxNorm : maxNorm * uni()));
      const A: number[][] = Array.from({ length: n }, point);
      const B: number[][] = Array.from({ length: n }, point);
      const degenerate: number[] = []; // rows whose depth is 0 by convention, with gradient 0
      const pair = (a: number[], b: number[]): void => {
        degenerate.push(A.length);
        A.push(a);
        B.push(b);
      };
      if (degen) {
        const p = point();
        pair(p, p.slice()); // identical: no geodesic
        const q = point();
        pair(
          q,
          q.map((v) => v / 2),
        ); // one ray (exact: â = b̂)
        const s = point();
        pair(
          s,
          s.map((v) => -v / 4),
        ); // opposite rays (exact: â = −b̂)
      }
      if (zeros) {
        // a zero point: the geodesic passes through 0 (zero rows also switch the op layer's norm of a or b
        // to its scaled method for the whole tensor, which the kernels must follow)
        const z = Array.from({ length: d }, () => 0);
        pair(z, point());
        pair(point(), z.slice());
        pair(z.slice(), z.slice());
      }
      const a = rowsTensor(A, dtype),
        b = rowsTensor(B, dtype);
      const ball = g.poincareBall({ c });
      const ct = g.scalar(c, dtype);
      const fast = ball.lcaDepth(a, b);
      const comp = lcaDepthComposite(a, b, ct);
      const dv = g.toArray(fast);
      for (const i of degenerate) expect(dv[i]).toBe(0);
      expect(maxAbsDiff(fast, comp)).toBe(0);
      const w = g.tensor(
        A.map(() => normal()),
        [A.length],
        dtype,
      );
      const f = (aa: Tensor, bb: Tensor) => g.sum(g.mul(ball.lcaDepth(aa, bb), w));
      const gFast = [g.grad(f, 0)(a, b), g.grad(f, 1)(a, b)];
      const gSlow = [compositeGrad2(f, a, b, 0), compositeGrad2(f, a, b, 1)];
      // both gradients are sums of the same terms (through sin θ, ‖a − b‖, the norms) with different
      // signs: one may cancel far below the other, with rounding errors of the size of the terms
      const scale = Math.max(maxAbsOf(gSlow[0]), maxAbsOf(gSlow[1]));
      for (const arg of [0, 1] as const) {
        expect(allFinite(gFast[arg])).toBe(true);
        const rowsG = nestedRows(gFast[arg]);
        for (const i of degenerate) expect(rowsG[i].every((v) => v === 0)).toBe(true);
        expect(maxAbsDiff(gFast[arg], gSlow[arg])).toBeLessThanOrEqual(64 * u(dtype) * scale);
      }
    },
  );

  const smooth = fc.record({ n: fc.integer({ min: 1, max: 4 }), d: fc.integer({ min: 2, max: 6 }), c: fc.constantFrom(0.1, 1, 10), seed: fc.nat() });
  test.prop([smooth], { numRuns: Math.ceil(BALL_RUNS / 3) })(
    'second order (composite path) matches finite differences (float64) and float32 matches float64',
    ({ n, d, c, seed }) => {
      const { normal, dir, uni } = gen(seed);
      // points with √c‖x‖ ≤ 0.9, so the second derivative's finite differences stay accurate
      const point = (): number[] => dir(d).map((v) => (v * 0.9 * (0.1 + 0.9 * uni())) / Math.sqrt(c));
      const A = Array.from({ length: n }, point),
        B = Array.from({ length: n }, point);
      const wv = A.map(() => normal());
      const ball = g.poincareBall({ c });
      const fOf = (dt: g.DType) => {
        const w = g.tensor(wv, [n], dt);
        return (aa: Tensor, bb: Tensor) => g.sum(g.mul(ball.lcaDepth(aa, bb), w));
      };
      const h = (dt: g.DType) => {
        const f = fOf(dt);
        return (aa: Tensor, bb: Tensor) => g.add(g.sum(g.square(g.grad(f, 0)(aa, bb))), g.sum(g.square(g.grad(f, 1)(aa, bb))));
      };
      const res = g.checkGrad((aa, bb) => h('float64')(aa as Tensor, bb as Tensor), [rowsTensor(A, 'float64'), rowsTensor(B, 'float64')], {
        rtol: 1e-5,
        atol: 1e-6,
      });
      expect(res.ok, res.message).toBe(true);
      const s64 = g.grad(h('float64'), 0)(rowsTensor(A, 'float64'), rowsTensor(B, 'float64'));
      const s32 = g.grad(h('float32'), 0)(rowsTensor(A, 'float32'), rowsTensor(B, 'float32'));
      expect(maxAbsDiff(g.cast(s32, 'float64'), s64)).toBeLessThanOrEqual(1e-3 * maxAbsOf(s64) + 1e-6);
    },
  );

  test('a learnable curvature takes the composite path: the gradient in c matches finite differences', () => {
    const ball0 = g.poincareBall({ c: 1 });
    const a = ball0.toPoincare(g.randomNormal(g.prngKey(5), [5, 3], 'float64'));
    const b = ball0.toPoincare(g.randomNormal(g.prngKey(6), [5, 3], 'float64'));
    const w = g.randomNormal(g.prngKey(7), [5], 'float64');
    const f = (cc: Tensor) => g.sum(g.mul(g.poincareBall({ c: cc, checkPoints: false }).lcaDepth(a, b), w));
    const res = g.checkGrad((cc) => f(cc as Tensor), [g.scalar(0.7, 'float64')], { rtol: 1e-6, atol: 1e-9 });
    expect(res.ok, res.message).toBe(true);
  });

  test('broadcasting rows: [N, D] against [1, D] and [D]', () => {
    const ball = g.poincareBall({ c: 1 });
    const a = ball.toPoincare(g.randomNormal(g.prngKey(8), [4, 3], 'float64'));
    const b = ball.toPoincare(g.randomNormal(g.prngKey(9), [1, 3], 'float64'));
    const ref = ball.lcaDepth(a, g.broadcastTo(b, [4, 3]));
    expect(g.toArray(ball.lcaDepth(a, b))).toEqual(g.toArray(ref));
    expect(ball.lcaDepth(a, g.reshape(b, [3])).shape).toEqual([4]);
    const gb = g.grad((bb: Tensor) => g.sum(ball.lcaDepth(a, bb)))(b);
    expect(gb.shape).toEqual([1, 3]);
    expect(maxAbsDiff(gb, g.sum(g.grad((bb: Tensor) => g.sum(ball.lcaDepth(a, bb)))(g.broadcastTo(b, [4, 3])), 0, true))).toBeLessThanOrEqual(1e-15);
  });
});

describe('fused ops: intermediates saved by the forward for the backward', () => {
  it('are kept only while recording a gradient, reach the backward, and leave higher order to the composite', () => {
    const seen: Array<string | undefined> = [];
    let saves = 0;
    const square = fusedOp<undefined, string>('testSquare', ([x]) => g.mul(x, x), {
      kernels: [],
      forward: ([x], _a, save) => {
        if (save !== undefined) {
          saves++;
          save('kept');
        }
        return g.mul(x, x);
      },
      backward: (ct, [x], _out, _a, _needs, saved) => {
        seen.push(saved);
        return [g.mul(g.mul(ct, x), 2)];
      },
    });
    const f = (x: Tensor): Tensor => g.sum(square([x], undefined));
    expect(g.toArray(square([g.tensor([1, 2])], undefined))).toEqual([1, 4]);
    expect(saves).toBe(0); // not recording: nothing kept
    expect(g.toArray(g.grad(f)(g.tensor([1, 2, 3])))).toEqual([2, 4, 6]);
    expect(saves).toBe(1);
    expect(seen).toEqual(['kept']);
    // second order: the inner backward is itself recorded, so the composite's VJP runs (d²/dx² x² = 2)
    expect(g.toArray(g.grad((x: Tensor) => g.sum(g.grad(f)(x)))(g.tensor([1, 2, 3])))).toEqual([2, 2, 2]);
  });

  it('pairwise Poincaré distance: the gradient with the saved Gram matrix equals the composite gradient', () => {
    const [k1, k2] = g.split(g.prngKey(3), 2);
    const x = g.mul(g.randomNormal(k1, [7, 5], 'float64'), 0.2);
    const y = g.mul(g.randomNormal(k2, [6, 5], 'float64'), 0.2);
    const c = g.scalar(0.7, 'float64');
    const w = g.randomNormal(g.prngKey(4), [7, 6], 'float64');
    const fused = g.grad((a: Tensor, b: Tensor) => g.sum(g.mul(poincarePairwiseDist(a, b, c), w)), [0, 1])(x, y);
    const ball = g.poincareBall({ c: 0.7 });
    const composite = g.grad((a: Tensor, b: Tensor) => g.sum(g.mul(ball.dist(g.expandDims(a, 1), g.expandDims(b, 0)), w)), [0, 1])(x, y);
    for (let i = 0; i < 2; i++) {
      const d = g.toArray(g.sub(fused[i], composite[i])).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(d).toBeLessThan(1e-10);
    }
  });
});

describe('SoftTriple kernels: kept forward quantities', () => {
  test.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1000 })], {
    numRuns: 40,
  })('the backward from the kept p, S, softmax(z) equals the backward that recomputes them, bit for bit', (B, C, K, seed) => {
    let s = seed;
    const sim = Float64Array.from({ length: B * C * K }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32) * 2 - 1;
    });
    const labels = Int32Array.from({ length: B }, (_, i) => (i * 7 + seed) % C);
    const args = { sim, labels, B, C, K, la: 20, gamma: 0.1, margin: 0.01, dtype: 'float64' as const };
    const a = softTripleForward({ ...args, save: true });
    const b = softTripleForward(args);
    expect(Array.from(a.out)).toEqual(Array.from(b.out));
    expect(b.saved).toBeUndefined();
    expect(a.saved?.p?.length).toBe(B * C * K);
    const withKept = softTripleBackward({ ...args, g: 0.7, saved: a.saved });
    const recomputed = softTripleBackward({ ...args, g: 0.7 });
    expect(Array.from(withKept)).toEqual(Array.from(recomputed));
  });
});

describe('LCA-depth kernels: kept forward quantities', () => {
  test.prop(
    [
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 9 }),
      fc.constantFrom('float32' as const, 'float64' as const),
      fc.integer({ min: 1, max: 1000 }),
    ],
    { numRuns: 40 },
  )('the forward that keeps gives the same depths, and the backward from what it kept equals the recomputing one, bit for bit', (rows, D, dtype, seed) => {
    let s = seed;
    const next = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32 - 0.5) * 0.6;
    };
    const mk = (n: number): Float32Array | Float64Array =>
      dtype === 'float32' ? Float32Array.from({ length: n }, next) : Float64Array.from({ length: n }, next);
    const a = mk(rows * D),
      b = mk(rows * D),
      g = mk(rows);
    if (rows > 1) b.set(a.subarray(0, D), 0); // one identical pair: the `same` branch
    const args = { a, b, rows, D, c: 0.8, minNorm: 1e-15, dtype };
    const d1 = lcaDepthForward({ ...args, save: true });
    const d2 = lcaDepthForward(args);
    expect(Array.from(d1.out)).toEqual(Array.from(d2.out));
    expect(d1.saved).toBeDefined();
    expect(d2.saved).toBeUndefined();
    const withKept = lcaDepthBackward({ ...args, g, needA: true, needB: true, saved: d1.saved });
    const recomputed = lcaDepthBackward({ ...args, g, needA: true, needB: true });
    expect(Array.from(withKept.da!)).toEqual(Array.from(recomputed.da!));
    expect(Array.from(withKept.db!)).toEqual(Array.from(recomputed.db!));
  });
});
