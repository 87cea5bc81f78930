/**
 * Fused ops agree with their composite definitions: the fast forward and
 * backward kernels against the same formula written with ops (which is also
 * the path taken for higher-order gradients), and second-order gradients
 * through a fused op against finite differences.
 */
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { poincarePairwiseDist } from '../lib/ops/poincare.ts';

const maxRel = (a: Tensor, b: Tensor): number => {
  const x = g.toArray(a), y = g.toArray(b);
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
  const dims = fc.record({ n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 6 }), d: fc.integer({ min: 1, max: 8 }), c: fc.constantFrom(1e-3, 0.1, 1, 10), seed: fc.nat() });
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
  const dims = fc.record({ b: fc.integer({ min: 1, max: 6 }), c: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 4 }), seed: fc.nat(), la: fc.constantFrom(1, 5, 20), gamma: fc.constantFrom(0.05, 0.1, 1) });
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
