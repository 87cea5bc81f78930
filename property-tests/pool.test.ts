/**
 * `maxPool2d` / `avgPool2d`: values against a direct loop over windows
 * (float64, random shapes and window sizes, floor mode), gradients against
 * central finite differences (`checkGrad`), the tie rule of max pooling,
 * `vmap` over a batch of images, and typed errors naming the function.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { weights } from '../test/support/cotangent.ts';

const TOL = { rtol: 1e-5, atol: 1e-6 };

/** Pooling by definition over non-overlapping windows, from nested arrays. */
function reference(x: number[][][][], ph: number, pw: number, op: 'max' | 'avg'): number[][][][] {
  const [H, W, C] = [x[0].length, x[0][0].length, x[0][0][0].length];
  return x.map((img) =>
    Array.from({ length: Math.floor(H / ph) }, (_, oy) =>
      Array.from({ length: Math.floor(W / pw) }, (_, ox) =>
        Array.from({ length: C }, (_, c) => {
          const vs: number[] = [];
          for (let dy = 0; dy < ph; dy++) for (let dx = 0; dx < pw; dx++) vs.push(img[oy * ph + dy][ox * pw + dx][c]);
          return op === 'max' ? Math.max(...vs) : vs.reduce((a, b) => a + b, 0) / vs.length;
        }),
      ),
    ),
  );
}

const caseArb = fc
  .record({
    n: fc.integer({ min: 0, max: 2 }),
    h: fc.integer({ min: 1, max: 7 }),
    w: fc.integer({ min: 1, max: 7 }),
    c: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 1, max: 3 }),
    pw: fc.integer({ min: 1, max: 3 }),
    op: fc.constantFrom<'max' | 'avg'>('max', 'avg'),
    seed: fc.integer({ min: 0, max: 10_000 }),
  })
  .filter((k) => k.ph <= k.h && k.pw <= k.w);

const poolOf = (op: 'max' | 'avg') => (op === 'max' ? g.maxPool2d : g.avgPool2d);

describe('maxPool2d / avgPool2d', () => {
  test.prop([caseArb], { numRuns: 60 })('equal pooling by definition (random shapes and windows, floor mode)', (k) => {
    const x = g.randomNormal(g.prngKey(k.seed), [k.n, k.h, k.w, k.c], 'float64');
    const y = poolOf(k.op)(x, [k.ph, k.pw]);
    expect(y.shape).toEqual([k.n, Math.floor(k.h / k.ph), Math.floor(k.w / k.pw), k.c]);
    if (k.n === 0) return;
    const want = reference(g.toNested(x) as number[][][][], k.ph, k.pw, k.op).flat(3);
    const got = g.toArray(y);
    expect(got.length).toBe(want.length);
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });

  test.prop([caseArb.filter((k) => k.n > 0)], { numRuns: 25 })('gradients match finite differences', (k) => {
    const x = g.randomNormal(g.prngKey(k.seed), [k.n, k.h, k.w, k.c], 'float64');
    const pool = poolOf(k.op);
    const wts = weights(pool(x, [k.ph, k.pw]).shape);
    const r = g.checkGrad((xx: Tensor) => g.sum(g.mul(g.tanh(pool(xx, [k.ph, k.pw])), wts)), [x], TOL);
    expect(r.ok, r.message).toBe(true);
  });

  it('sends the max-pool gradient to the window maximum, shared between tied maxima, and none to dropped rows', () => {
    // one 3×2 image (the third row does not fill a 2×2 window), one channel
    const x = g.tensor([1, 5, 2, 0, 9, 9], [1, 3, 2, 1], 'float64');
    expect(g.toArray(g.maxPool2d(x))).toEqual([5]);
    expect(g.toArray(g.grad((t: Tensor) => g.sum(g.maxPool2d(t)))(x))).toEqual([0, 1, 0, 0, 0, 0]);
    const tied = g.tensor([3, 3, 1, 3], [1, 2, 2, 1], 'float64');
    expect(g.toArray(g.grad((t: Tensor) => g.sum(g.maxPool2d(t)))(tied))).toEqual([1 / 3, 1 / 3, 0, 1 / 3]);
    expect(g.toArray(g.grad((t: Tensor) => g.sum(g.avgPool2d(t)))(tied))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('maps over a batch under vmap like a loop, and does not change its input', () => {
    const xs = g.randomNormal(g.prngKey(3), [3, 2, 4, 6, 2], 'float64');
    const before = g.toArray(xs);
    const batched = g.vmap((x: Tensor) => g.maxPool2d(x, [2, 3]))(xs);
    const looped = g.stack([0, 1, 2].map((i) => g.maxPool2d(g.squeeze(g.slice(xs, [i, 0, 0, 0, 0], [1, 2, 4, 6, 2]), 0), [2, 3])));
    expect(batched.shape).toEqual([3, 2, 2, 2, 2]);
    expect(g.toArray(batched)).toEqual(g.toArray(looped));
    expect(g.toArray(xs)).toEqual(before);
  });

  it('throws typed errors naming maxPool2d / avgPool2d', () => {
    expect(() => g.maxPool2d(g.ones([4, 4, 2]))).toThrow(/maxPool2d: x has shape \[4, 4, 2\]; expected \[N, H, W, C\]/);
    expect(() => g.avgPool2d(g.ones([1, 4, 4, 2]), 0)).toThrow(g.ValueError);
    expect(() => g.avgPool2d(g.ones([1, 4, 4, 2]), [2, 1.5] as never)).toThrow(/avgPool2d: size must be an integer ≥ 1/);
    expect(() => g.maxPool2d(g.ones([1, 1, 4, 2]))).toThrow(g.ShapeError);
    expect(() => g.maxPool2d(g.ones([1, 1, 4, 2]))).toThrow(/maxPool2d: a 2×2 window does not fit the 1×4 input/);
    expect(() => g.maxPool2d('x' as never)).toThrow(/maxPool2d/);
  });
});
