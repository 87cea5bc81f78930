/**
 * 01 · Tensors and gradients.
 *
 * A notebook in code: tensors are immutable values, ops broadcast like
 * NumPy, and differentiation is a function transformation (`grad`,
 * `valueAndGrad`, `hvp`, to any order), as in JAX. Every step prints what to
 * look at. Run:
 *
 *   npx tsx examples/01-tensors-and-grad.ts
 */
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';

const show = (label: string, t: Tensor | number | string): void => console.log(`${label.padEnd(38)} ${String(t)}`);
const maxAbsDiff = (a: Tensor, b: Tensor): number => g.item(g.max(g.abs(g.sub(a, b))));

// ─── 1. Tensors are values ───────────────────────────────────────────────────
// A tensor is frozen: ops return new tensors and never touch their inputs, so a tensor can be
// shared, cached or captured in a closure without defensive copies. float32 is the default dtype;
// float64 is one argument away, and mixing the two promotes to float64.
console.log('1. tensors are values');
const a = g.tensor([
  [1, 2, 3],
  [4, 5, 6],
]);
const b = g.add(a, 10);
show('a', a);
show('b = a + 10', b);
show('a afterwards (unchanged)', a);
show('Object.isFrozen(a)', String(Object.isFrozen(a)));
const a64 = g.tensor(
  [
    [1, 2, 3],
    [4, 5, 6],
  ],
  undefined,
  'float64',
);
show('float32 + float64 → dtype', g.add(a, a64).dtype);
// Reading values out always copies: toArray (flat), toNested (nested arrays), item (one number).
show('toNested(mean(a, 0))', JSON.stringify(g.toNested(g.mean(a, 0))));

// ─── 2. Broadcasting ─────────────────────────────────────────────────────────
// NumPy rules: shapes are aligned on the right and axes of size 1 stretch. A column [3, 1] plus a
// row [4] gives a [3, 4] table — here an outer sum, with no explicit loop and no copy of the inputs.
console.log('\n2. broadcasting');
const col = g.reshape(g.arange(0, 3), [3, 1]); // [[0], [1], [2]]
const row = g.mul(g.arange(0, 4), 10); //        [0, 10, 20, 30]
const table = g.add(col, row);
show('shape of [3, 1] + [4]', JSON.stringify(table.shape));
show('col + row', JSON.stringify(g.toNested(table)));
// Reductions take axes and keepdims, so a row-wise normalisation is one broadcast division.
const rowsSum = g.sum(a, 1, true); // [2, 1]
show('a / sum(a, 1, keepdims)', JSON.stringify((g.toNested(g.div(a, rowsSum)) as number[][]).map((r) => r.map((v) => +v.toFixed(3)))));

// ─── 3. grad ─────────────────────────────────────────────────────────────────
// grad(f) is a new function: for f(x) = Σ x², grad(f)(x) = 2x. The input is never modified and
// nothing is recorded globally; each call traces its own graph and drops it.
console.log('\n3. grad');
const f = (x: Tensor): Tensor => g.sum(g.square(x));
const x0 = g.tensor([1, -2, 3], undefined, 'float64');
show('x', x0);
show('grad(Σx²)(x)  (expect 2x)', g.grad(f)(x0));

// ─── 4. valueAndGrad over a parameter tree ───────────────────────────────────
// Parameters can be any nesting of objects and arrays of tensors (a "pytree"). The gradient has
// exactly the same structure, so an SGD step is one treeMap over (params, grads).
console.log('\n4. valueAndGrad over a parameter tree: least squares y ≈ x·w + b');
const [kx, kw, kNoise] = g.split(g.prngKey(0), 3);
const X = g.randomNormal(kx, [64, 3], 'float64');
const wTrue = g.tensor([[2], [-1], [0.5]], undefined, 'float64');
const Y = g.add(g.add(g.matmul(X, wTrue), 0.3), g.mul(g.randomNormal(kNoise, [64, 1], 'float64'), 0.01));
type Params = { readonly w: Tensor; readonly b: Tensor };
const mse = (p: Params): Tensor => g.mean(g.square(g.sub(g.add(g.matmul(X, p.w), p.b), Y)));
let params: Params = { w: g.mul(g.randomNormal(kw, [3, 1], 'float64'), 0.1), b: g.zeros([1], 'float64') };
const lossAndGrad = g.valueAndGrad(mse);
const [l0, g0] = lossAndGrad(params);
show('loss at init', g.item(l0).toFixed(4));
show('grad tree keys / shapes', `w ${JSON.stringify(g0.w.shape)}, b ${JSON.stringify(g0.b.shape)}`);
for (let t = 0; t < 100; t++) {
  const [, gr] = lossAndGrad(params);
  params = g.treeMap((p, dp) => g.sub(p, g.mul(dp, 0.1)), params, gr);
}
show('loss after 100 SGD steps', g.item(mse(params)).toExponential(2));
show('w (true [2, -1, 0.5])', JSON.stringify(g.toArray(params.w).map((v) => +v.toFixed(3))));
show('b (true 0.3)', g.item(params.b).toFixed(3));

// ─── 5. grad of grad ─────────────────────────────────────────────────────────
// VJP rules are themselves written with ops, so the backward pass of an inner grad is traced by an
// outer one: grad composes to any order. For sin: sin' = cos, sin'' = −sin, sin''' = −cos.
console.log('\n5. grad of grad (elementwise derivatives of sin)');
const t = g.tensor([0, 0.5, 1], undefined, 'float64');
const d1 = g.grad((x: Tensor) => g.sum(g.sin(x)));
const d2 = g.grad((x: Tensor) => g.sum(d1(x)));
const d3 = g.grad((x: Tensor) => g.sum(d2(x)));
show("sin'   − cos   (max |error|)", maxAbsDiff(d1(t), g.cos(t)).toExponential(1));
show("sin''  + sin   (max |error|)", maxAbsDiff(d2(t), g.neg(g.sin(t))).toExponential(1));
show("sin''' + cos   (max |error|)", maxAbsDiff(d3(t), g.neg(g.cos(t))).toExponential(1));

// ─── 6. A Hessian-vector product, checked against finite differences ─────────
// hvp(f, w, v) = H(w)·v by reverse-over-reverse, without ever forming H. Finite differences of the
// gradient along v give the same vector: (∇f(w + εv) − ∇f(w − εv)) / 2ε.
console.log('\n6. Hessian-vector product vs. finite differences');
const [kA, kW0, kV] = g.split(g.prngKey(1), 3);
const A = g.randomNormal(kA, [8, 5], 'float64');
const fh = (w: Tensor): Tensor => g.sum(g.tanh(g.matmul(A, w))); // w: [5, 2]
const w0 = g.randomNormal(kW0, [5, 2], 'float64');
const v = g.randomNormal(kV, [5, 2], 'float64');
const hv = g.hvp(fh, w0, v);
const eps = 1e-5;
const gradF = g.grad(fh);
const fd = g.div(g.sub(gradF(g.add(w0, g.mul(v, eps))), gradF(g.sub(w0, g.mul(v, eps)))), 2 * eps);
show('‖H·v‖', g.item(g.norm(hv)).toFixed(6));
show('max |hvp − finite differences|', maxAbsDiff(hv, fd).toExponential(2));

// ─── 7. customGrad ───────────────────────────────────────────────────────────
// customGrad(forward, backward) makes a primitive with a hand-written VJP (jax.custom_vjp).
// (a) A straight-through estimator: the forward rounds to a grid of 0.5 (its true derivative is
//     0 almost everywhere), the backward pretends it was the identity, so quantised weights can
//     still be trained. The forward runs on plain values and may use any JavaScript.
console.log('\n7. customGrad');
const roundTo = (x: Tensor, step: number): Tensor =>
  g.tensor(
    g.toArray(x).map((u) => Math.round(u / step) * step),
    x.shape,
    x.dtype,
  );
const quantize = g.customGrad(
  (x: Tensor) => roundTo(x, 0.5),
  (gOut) => [gOut], // pass the cotangent straight through
  'straightThrough',
);
const q = g.tensor([0.1, 0.3, 0.74, -1.2], undefined, 'float64');
show('quantize(q)', quantize(q));
show('grad Σ quantize(q)² (= 2·quantize(q))', g.grad((x: Tensor) => g.sum(g.square(quantize(x))))(q));
// (b) Because `backward` is written with ops, a custom primitive is differentiable again: softplus
//     with the VJP g·sigmoid(x) has second derivative sigmoid'(x) = s(1 − s), through grad(grad).
const mySoftplus = g.customGrad(
  (x: Tensor) => g.softplus(x),
  (gOut, [x]) => [g.mul(gOut, g.sigmoid(x))],
  'mySoftplus',
);
const s = g.sigmoid(t);
const dd = g.grad((x: Tensor) => g.sum(g.grad((y: Tensor) => g.sum(mySoftplus(y)))(x)))(t);
show("softplus'' − s(1 − s) (max |err|)", maxAbsDiff(dd, g.mul(s, g.sub(1, s))).toExponential(1));

// ─── 8. stopGradient ─────────────────────────────────────────────────────────
// stopGradient(t) is t as a constant: no gradient flows through it, at any order. For
// f(x) = Σ x · stop(x) the gradient is x (one factor only), not 2x.
console.log('\n8. stopGradient');
show('grad Σ x·x        (expect 2x)', g.grad((x: Tensor) => g.sum(g.mul(x, x)))(x0));
show('grad Σ x·stop(x)  (expect x)', g.grad((x: Tensor) => g.sum(g.mul(x, g.stopGradient(x))))(x0));
// The JAX idiom for a straight-through estimator needs no customGrad at all:
// x + stop(round(x) − x) has the value round(x) and the gradient of x.
const quantize2 = (x: Tensor): Tensor => g.add(x, g.stopGradient(g.sub(roundTo(x, 0.5), x)));
const gq1 = g.grad((x: Tensor) => g.sum(g.square(quantize(x))))(q);
const gq2 = g.grad((x: Tensor) => g.sum(g.square(quantize2(x))))(q);
show('x + stop(round(x) − x)', quantize2(q));
show('its gradient − customGrad version', maxAbsDiff(gq1, gq2).toExponential(1));
