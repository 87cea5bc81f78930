/**
 * Sparse row gradients (issue 14): the gradient of a table read with `take`
 * is row-sparse (rows + indices, never a dense zeros-plus-scatter), equals
 * the dense gradient — computed independently as `oneHot(idx) · table` —
 * and central finite differences, with repeated indices accumulating and
 * several `take`s of one table adding up; every op reads it as the dense
 * tensor it stands for; higher-order gradients (which fall back to the dense
 * scatter), vmap and forward mode over the gradient keep working.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { rowSparseOf } from '../lib/tensor/row-sparse.ts';

/** a table [n, d] of float64 values and batches of row indices (repeats likely) */
const caseArb = fc.record({ n: fc.integer({ min: 1, max: 9 }), d: fc.integer({ min: 1, max: 4 }), seed: fc.nat(10_000) }).chain(({ n, d, seed }) =>
  fc.record({
    n: fc.constant(n),
    d: fc.constant(d),
    seed: fc.constant(seed),
    a: fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 0, maxLength: 12 }),
    b: fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 12 }),
  }),
);

const table = (n: number, d: number, seed: number): Tensor => g.randomUniform(g.prngKey(seed), [n, d], 'float64', -1, 1);

/** a smooth loss of the rows at a and at b; `pick` reads rows (take, or the dense oneHot product) */
const lossWith =
  (pick: (x: Tensor, idx: number[]) => Tensor, a: number[], b: number[]) =>
  (x: Tensor): Tensor => {
    const rb = pick(x, b);
    const tb = g.sum(g.mul(g.tanh(rb), g.sin(rb)));
    if (a.length === 0) return tb;
    const ra = pick(x, a);
    return g.add(tb, g.sum(g.square(g.sum(g.mul(ra, 0.7), 1))));
  };
const byTake = (x: Tensor, idx: number[]) => g.take(x, idx);
const byOneHot = (x: Tensor, idx: number[]) => g.matmul(g.oneHot(idx, x.shape[0], 'float64'), x);

const close = (a: number[], b: number[], tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `entry ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
};

describe('the gradient of take along axis 0 is row-sparse and equals the dense gradient', () => {
  test.prop([caseArb], { numRuns: 150 })('valueAndGrad: sparse (two takes, repeats) = oneHot·table path, value equal', ({ n, d, seed, a, b }) => {
    const x = table(n, d, seed);
    const [v, gs] = g.valueAndGrad(lossWith(byTake, a, b))(x);
    const [w, gd] = g.valueAndGrad(lossWith(byOneHot, a, b))(x);
    const sp = rowSparseOf(gs);
    expect(sp, 'the take path gives a row-sparse gradient').toBeDefined();
    expect(sp!.indices.length).toBe(a.length + b.length); // two takes: slices concatenated, never densified
    expect(rowSparseOf(gd)).toBeUndefined();
    expect(gs.shape).toEqual([n, d]);
    close([g.item(v)], [g.item(w)]);
    close(g.toArray(gs), g.toArray(gd));
  });

  test.prop([caseArb], { numRuns: 40 })('checkGrad: central finite differences in float64', ({ n, d, seed, a, b }) => {
    const r = g.checkGrad(lossWith(byTake, a, b), [table(n, d, seed)]);
    expect(r.ok, r.message).toBe(true);
  });

  test.prop([caseArb], { numRuns: 60 })('ops read it as the dense tensor: add, mul, sum, reshape, take, toArray', ({ n, d, seed, a, b }) => {
    const x = table(n, d, seed);
    const gs = g.grad(lossWith(byTake, a, b))(x);
    const dense = g.tensor(g.toArray(gs), [n, d], 'float64');
    close(g.toArray(g.add(gs, x)), g.toArray(g.add(dense, x)));
    close(g.toArray(g.mul(x, gs)), g.toArray(g.mul(x, dense)));
    close([g.item(g.sum(gs))], [g.item(g.sum(dense))]);
    close(g.toArray(g.reshape(gs, [-1])), g.toArray(dense));
    close(g.toArray(g.take(gs, [n - 1, 0])), g.toArray(g.take(dense, [n - 1, 0])));
    // the sparse gradient itself is never changed by being read
    close(g.toArray(gs), g.toArray(dense));
  });

  it('an empty batch gives a zero gradient (no rows), and a table also used densely gets a dense gradient', () => {
    const x = table(4, 3, 1);
    const gz = g.grad((t: Tensor) => g.add(g.sum(g.take(t, [])), 2))(x);
    expect(rowSparseOf(gz)?.indices.length).toBe(0);
    expect(g.toArray(gz)).toEqual(new Array(12).fill(0));
    const f = (t: Tensor) => g.add(g.sum(g.square(g.take(t, [1, 1, 3]))), g.sum(g.mul(t, 0.5)));
    const gm = g.grad(f)(x);
    expect(rowSparseOf(gm)).toBeUndefined();
    const xs = g.toArray(x);
    const want = xs.map((v, i) => 0.5 + (Math.floor(i / 3) === 1 ? 4 * v : Math.floor(i / 3) === 3 ? 2 * v : 0));
    close(g.toArray(gm), want);
  });

  it('take along another axis keeps the dense scatter', () => {
    const x = table(3, 4, 2);
    const gx = g.grad((t: Tensor) => g.sum(g.square(g.take(t, [0, 0, 2], 1))))(x);
    expect(rowSparseOf(gx)).toBeUndefined();
    const xs = g.toArray(x);
    close(
      g.toArray(gx),
      xs.map((v, i) => (i % 4 === 0 ? 4 * v : i % 4 === 2 ? 2 * v : 0)),
    );
  });
});

describe('higher-order gradients through take (dense fallback where an outer trace records)', () => {
  test.prop([caseArb], { numRuns: 40 })('hvp of a take-based loss = hvp of the oneHot path', ({ n, d, seed, a, b }) => {
    const x = table(n, d, seed);
    const v = table(n, d, seed + 1);
    const hs = g.hvp(lossWith(byTake, a, b), x, v);
    const hd = g.hvp(lossWith(byOneHot, a, b), x, v);
    close(g.toArray(hs), g.toArray(hd), 1e-10);
  });

  test.prop([caseArb], { numRuns: 30 })('grad of a function of the (sparse) gradient: grad(x ↦ Σ grad(f)(x)²)', ({ n, d, seed, a, b }) => {
    const x = table(n, d, seed);
    const outer = (pick: typeof byTake) => g.grad((t: Tensor) => g.sum(g.square(g.grad(lossWith(pick, a, b))(t))))(x);
    close(g.toArray(outer(byTake)), g.toArray(outer(byOneHot)), 1e-10);
  });

  test.prop([caseArb], { numRuns: 25 })('vmap(grad), jvp(grad) and hessian through take = the oneHot path', ({ n, d, seed, a, b }) => {
    const xs = g.randomUniform(g.prngKey(seed), [2, n, d], 'float64', -1, 1);
    const vg = (pick: typeof byTake) => g.toArray(g.vmap(g.grad(lossWith(pick, a, b)))(xs));
    close(vg(byTake), vg(byOneHot), 1e-10);
    const x = table(n, d, seed);
    const t = table(n, d, seed + 2);
    const jg = (pick: typeof byTake) => g.toArray(g.jvp(g.grad(lossWith(pick, a, b)), [x], [t])[1] as Tensor);
    close(jg(byTake), jg(byOneHot), 1e-10);
    close(g.toArray(g.hessian(lossWith(byTake, a, b))(x)), g.toArray(g.hessian(lossWith(byOneHot, a, b))(x)), 1e-10);
  });

  it('vjp of take gives the row-sparse cotangent too', () => {
    const x = table(5, 2, 3);
    const [y, back] = g.vjp((t: Tensor) => g.take(t, [4, 1, 4]), x);
    const [ct] = back(g.onesLike(y));
    expect(rowSparseOf(ct)).toBeDefined();
    expect(g.toArray(ct)).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 2, 2]);
  });
});
