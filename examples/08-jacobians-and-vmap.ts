/**
 * 08 · Jacobians, Hessians and vmap — and the ops researchers reach for.
 *
 * Forward mode (`jvp`, `linearize`), whole Jacobians (`jacfwd`, `jacrev`),
 * Hessians (`hessian`, forward over reverse) and vectorisation (`vmap`),
 * composing with `grad` as in JAX; then `sort`/`topk`/`argmax`, `cumsum`/
 * `cumprod`, `einsum`, `variance`/`std`, and a parameter tree saved to the
 * safetensors format and loaded back. Every step prints what to look at. Run:
 *
 *   npx tsx examples/08-jacobians-and-vmap.ts
 */
import * as E from 'fp-ts/lib/Either.js';
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';

const show = (label: string, v: unknown): void => console.log(`${label.padEnd(44)} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
const r4 = (t: Tensor): number[] => g.toArray(t).map((v) => +v.toFixed(4));
const maxAbsDiff = (a: Tensor, b: Tensor): number => g.item(g.max(g.abs(g.sub(a, b))));

// ─── 1. jvp: a directional derivative without a backward pass ────────────────
// jvp(f, primals, tangents) runs f once, carrying a tangent next to every value (dual numbers):
// it returns f(x) and J·t. Here f is the Poincaré-ball distance from the origin, t a direction.
console.log('1. jvp');
const ball = g.poincareBall({ c: 1 });
const x = g.tensor([[0.3, -0.2, 0.5]], undefined, 'float64');
const t = g.tensor([[1, 0, 0]], undefined, 'float64');
const [d0, dd0] = g.jvp((p: Tensor) => ball.dist0(p), [x], [t]);
show('dist0(x)', r4(d0));
show('d/ds dist0(x + s·t) at s = 0 (jvp)', r4(dd0));
show('the same by reverse mode ⟨∇dist0, t⟩', r4(g.sum(g.mul(g.grad((p: Tensor) => g.sum(ball.dist0(p)))(x), t))));
// linearize: the value once, then the linear map t ↦ J·t to apply to many tangents.
const [, lin] = g.linearize((p: Tensor) => ball.expmap0(p), x);
show('linearize(expmap0, x)(t)', r4(lin(t)));

// ─── 2. Jacobians: the geometry checks a researcher writes ───────────────────
// The Jacobian of expmap0 at 0 is the identity (a local isometry at the origin, where λ₀ = 2 and
// the conformal factor 2/λ₀ is 1), and the pullback of the metric λ_x² I through expmap_x at
// v = 0 is λ_x² I again. jacfwd pushes one tangent per input coordinate (batched by vmap);
// jacrev pulls one cotangent per output coordinate; both give [...outShape, ...inShape].
console.log('\n2. jacfwd / jacrev');
const D = 3;
const flat =
  (f: (v: Tensor) => Tensor) =>
  (v: Tensor): Tensor =>
    g.reshape(f(g.reshape(v, [1, D])), [D]);
const J0 = g.jacfwd(flat((v) => ball.expmap0(v)))(g.zeros([D], 'float64')) as Tensor;
show('jacfwd(expmap0)(0)', JSON.stringify(g.toNested(J0)));
const xr = g.reshape(x, [D]);
const Jx = g.jacrev(flat((v) => ball.expmap(g.reshape(xr, [1, D]), v)))(g.zeros([D], 'float64')) as Tensor;
const lam = g.item(ball.lambda(x));
const pull = g.mul(g.matmul(g.transpose(Jx), Jx), lam * lam);
show('λ_x²', +(lam * lam).toFixed(4));
show('pullback metric Jᵀ(λ_x² I)J − λ_x² I (max |·|)', maxAbsDiff(pull, g.mul(g.eye(D, D, 'float64'), lam * lam)).toExponential(2));
// jacfwd and jacrev agree on any function; here a softmax of a Gram matrix.
const h = (m: Tensor): Tensor => g.softmax(g.matmul(m, g.transpose(m)));
const m = g.tensor(
  [
    [0.1, 0.4],
    [-0.3, 0.8],
    [0.5, 0.2],
  ],
  undefined,
  'float64',
);
show('shape of jacfwd(softmax(m·mᵀ))(m)', (g.jacfwd(h)(m) as Tensor).shape);
show('max |jacfwd − jacrev|', maxAbsDiff(g.jacfwd(h)(m) as Tensor, g.jacrev(h)(m) as Tensor).toExponential(2));

// ─── 3. hessian: forward over reverse ────────────────────────────────────────
console.log('\n3. hessian');
const energy = (p: Tensor): Tensor => g.add(g.sum(g.pow(p, 4)), g.sum(g.mul(g.mul(g.slice(p, [0], [1]), g.slice(p, [1], [1])), 3)));
const p0 = g.tensor([1, -2], undefined, 'float64');
const H = g.hessian(energy)(p0) as Tensor;
show('hessian(Σp⁴ + 3·p₀p₁)([1, −2])', JSON.stringify(g.toNested(H)));
show('expected [[12, 3], [3, 48]]', 'symmetric, exact');

// ─── 4. vmap: per-example gradients ──────────────────────────────────────────
// vmap(f) maps f over a batch axis with one call per primitive (batching rules), not a loop.
// vmap(grad(loss), [null, 0, 0]) gives the gradient of each example's loss: the parameters are
// shared (inAxes null), the examples batched along axis 0.
console.log('\n4. vmap');
const [k1, k2, k3] = g.split(g.prngKey(8), 3);
const X = g.randomNormal(k1, [5, 3], 'float64');
const Y = g.randomNormal(k2, [5], 'float64');
const params = { w: g.randomNormal(k3, [3], 'float64'), b: g.scalar(0.1, 'float64') };
const loss = (p: { w: Tensor; b: Tensor }, xi: Tensor, yi: Tensor): Tensor => g.square(g.sub(g.add(g.dot(xi, p.w), p.b), yi));
const perExample = g.vmap(g.grad(loss), [null, 0, 0])(params, X, Y) as unknown as { w: Tensor; b: Tensor };
show('per-example ∂loss/∂w: shape', perExample.w.shape);
show(
  'their mean − ∂(mean loss)/∂w (max |·|)',
  maxAbsDiff(g.mean(perExample.w, 0), g.grad((p: typeof params) => g.mean(g.vmap((xi: Tensor, yi: Tensor) => loss(p, xi, yi))(X, Y)))(params).w).toExponential(
    2,
  ),
);
show('per-example gradient norms', r4(g.norm(perExample.w, 1)));

// ─── 5. The ops researchers reach for ────────────────────────────────────────
console.log('\n5. sort, topk, argmax, cumsum, cumprod, einsum, variance, std');
const s = g.tensor(
  [
    [3, 1, 2],
    [0, 5, -1],
  ],
  undefined,
  'float64',
);
show('sort(s, -1)', JSON.stringify(g.toNested(g.sort(s))));
const top = g.topk(s, 2);
show('topk(s, 2): values / indices (Int32Array)', `${JSON.stringify(g.toNested(top.values))} / [${Array.from(top.indices)}]`);
show('argmax(s, 1)', Array.from(g.argmax(s, 1)));
show(
  '∂Σ(sorted · [1, 10, 100])/∂s',
  JSON.stringify(g.toNested(g.grad((v: Tensor) => g.sum(g.mul(g.sort(v), g.tensor([1, 10, 100], undefined, 'float64'))))(s))),
);
show('cumsum(s) / cumprod(s)', `${JSON.stringify(g.toNested(g.cumsum(s)))} / ${JSON.stringify(g.toNested(g.cumprod(s)))}`);
// cumprod's gradient is exact with zeros in the input (it never divides by x).
show('∂Σcumprod([2, 0, 3])', r4(g.grad((v: Tensor) => g.sum(g.cumprod(v)))(g.tensor([2, 0, 3], undefined, 'float64'))));
show("einsum('ij,jk->ik') = matmul", maxAbsDiff(g.einsum('ij,jk->ik', s, g.transpose(s)), g.matmul(s, g.transpose(s))));
show("einsum('ii->', s·sᵀ) (trace)", g.item(g.einsum('ii->', g.matmul(s, g.transpose(s)))));
show('variance(s, 1) / std(s, 1, false, 1)', `${JSON.stringify(r4(g.variance(s, 1)))} / ${JSON.stringify(r4(g.std(s, 1, false, 1)))}`);

// ─── 6. Parameters on disk ───────────────────────────────────────────────────
// saveParams writes the safetensors layout (u64 header length, JSON header, little-endian data);
// loadParams parses untrusted bytes into an Either: Left for anything malformed, never a throw.
console.log('\n6. saveParams / loadParams');
const tree = { layers: [{ w: g.ones([2, 2]), b: g.zeros([2]) }], scale: g.scalar(0.5, 'float64') };
const bytes = g.saveParams(tree, { note: 'example 08' });
show('bytes written', bytes.length);
const back = g.loadParams(bytes);
show(
  'loaded back: keys / scale',
  E.isRight(back) ? `${Object.keys(back.right as object).join(', ')} / ${g.item((back.right as { scale: Tensor }).scale)}` : back.left.message,
);
const broken = g.loadParams(bytes.subarray(0, 40));
show('a truncated file', E.isLeft(broken) ? `Left: ${broken.left.message.slice(0, 60)}…` : 'Right?!');
