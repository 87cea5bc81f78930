/**
 * Gradient properties of the layers `dropout`, `layerNorm` and `embedding`:
 * reverse-mode gradients agree with central finite differences in float64
 * (`checkGrad`), over random shapes and values, at first and (layer norm)
 * second order.
 *
 * Tolerance as in grad-ops.test.ts: h = 1e-6·max(1, |x|), an entry passes when
 * |analytic − numeric| ≤ 1e-6 + 1e-5·max(|analytic|, |numeric|). Layer norm
 * rows are drawn with a variance of at least 0.05, where 1/√(var + ε) and its
 * derivatives are of moderate size (a near-constant row is a pole of the
 * normalisation, softened only by ε).
 */
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor, Tree } from '../lib/index.ts';
import { shapeArb, tensorArb } from '../lib/testing/index.ts';
import { dotWeights as dotW } from '../test/support/cotangent.ts';

const TOL = { rtol: 1e-5, atol: 1e-6 };
const RUNS = 25;

/** Rows of `x` (last axis) all have a population variance ≥ `min`. */
function rowVariancesAtLeast(x: Tensor, min: number): boolean {
  const D = x.shape[x.rank - 1];
  const v = g.toArray(x);
  for (let r = 0; r < v.length / D; r++) {
    const row = v.slice(r * D, (r + 1) * D);
    const m = row.reduce((p, q) => p + q, 0) / D;
    if (row.reduce((p, q) => p + (q - m) ** 2, 0) / D < min) return false;
  }
  return true;
}

describe('dropout', () => {
  test.prop(
    [shapeArb({ minRank: 1, maxRank: 3 }).chain((s) => tensorArb(s)), fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 0.9, noNaN: true })],
    { numRuns: RUNS },
  )('the gradient in x matches finite differences (the mask is a function of the key)', (x, seed, rate) => {
    const key = g.prngKey(seed);
    const r = g.checkGrad((a: Tensor) => dotW(g.dropout(key, a, rate)), [x], TOL);
    expect(r.ok, r.message).toBe(true);
  });

  test.prop(
    [shapeArb({ minRank: 1, maxRank: 3 }).chain((s) => tensorArb(s)), fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0.05, max: 0.9, noNaN: true })],
    { numRuns: RUNS },
  )('every entry is 0 or x / (1 − rate); the gradient is the same mask', (x, seed, rate) => {
    const key = g.prngKey(seed);
    const y = g.toArray(g.dropout(key, x, rate));
    const xs = g.toArray(x);
    const gx = g.toArray(g.grad((a: Tensor) => g.sum(g.dropout(key, a, rate)))(x));
    y.forEach((v, i) => {
      const kept = gx[i] !== 0;
      expect(gx[i] === 0 || Math.abs(gx[i] - 1 / (1 - rate)) < 1e-12).toBe(true);
      expect(Math.abs(v - (kept ? xs[i] / (1 - rate) : 0))).toBeLessThan(1e-12 * (1 + Math.abs(v)));
    });
  });
});

describe('layerNorm', () => {
  const rowsArb = fc
    .tuple(shapeArb({ minRank: 0, maxRank: 2, maxDim: 3 }), fc.integer({ min: 2, max: 6 }))
    .chain(([lead, D]) => tensorArb([...lead, D]))
    .filter((x) => rowVariancesAtLeast(x, 0.05));

  test.prop([rowsArb, fc.integer({ min: 0, max: 1000 })], { numRuns: RUNS })(
    'gradients in x, scale and bias match finite differences, first and second order',
    (x, seed) => {
      const D = x.shape[x.rank - 1];
      const [k1, k2] = g.split(g.prngKey(seed), 2);
      const params = { scale: g.randomNormal(k1, [D], 'float64', 1, 0.3), bias: g.randomNormal(k2, [D], 'float64') };
      const f = (a: Tensor, p: Tree): Tensor => dotW(g.layerNorm.apply(p as g.LayerNormParams, a));
      const r1 = g.checkGrad(f, [x, params], TOL);
      expect(r1.ok, r1.message).toBe(true);
      // second order: d/dx ⟨∇ₓf, V⟩ (the VJPs of the normalisation are themselves differentiable)
      const h = (a: Tensor): Tensor => dotW(g.grad((b: Tensor) => f(b, params))(a));
      const r2 = g.checkGrad(h, [x], TOL);
      expect(r2.ok, `second order: ${r2.message}`).toBe(true);
    },
  );
});

describe('embedding', () => {
  test.prop(
    [fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 1000 })],
    { numRuns: RUNS },
  )('the gradient in the table matches finite differences (repeated ids accumulate)', (count, dim, raw, seed) => {
    const ids = raw.map((v) => v % count);
    const params = g.embedding.init(g.prngKey(seed), count, dim, { dtype: 'float64' });
    const r = g.checkGrad((p: Tree) => dotW(g.square(g.embedding.apply(p as g.EmbeddingParams, ids))), [params], TOL);
    expect(r.ok, r.message).toBe(true);
  });
});
