/**
 * The transforms of issue 16, timed: what `vmap` buys over a loop, and when
 * forward or reverse mode is the cheaper Jacobian.
 *
 * (a) per-example gradients of a two-layer MLP loss for a batch of B examples:
 *     `vmap(grad(loss), [null, 0, 0])` (one call per primitive over the whole
 *     batch) against a loop of B `grad` calls;
 * (b) the Jacobian of a map R^n → R^m: `jacfwd` (n JVPs, batched) against
 *     `jacrev` (m VJPs, batched), for a wide (n = 256, m = 4) and a tall
 *     (n = 4, m = 256) map, and against a loop of m `grad` calls;
 * (c) a directional derivative: one `jvp` against one `vjp` + dot.
 *
 * Sides alternate round by round (bench/timing.ts); medians in ms. The
 * results agree before timing (max |difference| printed).
 *
 *   npm run bench:transforms            # float32 on the default backend, then float64
 *   npm run bench:transforms -- --quick # smoke run
 */
import { cpus } from 'node:os';
import * as g from '../lib/index.ts';
import type { DType, Tensor } from '../lib/index.ts';
import { alternate } from './timing.ts';

const quick = process.argv.includes('--quick');
const opts = { rounds: quick ? 2 : 9, minSampleMs: quick ? 5 : 200, warmup: quick ? 1 : 3 };

interface Mlp {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
}

const maxDiff = (a: Tensor, b: Tensor): number => g.item(g.max(g.abs(g.sub(a, b))));

async function perExample(dtype: DType, B: number, D: number, H: number, K: number): Promise<void> {
  const [k1, k2, k3, k4] = g.split(g.prngKey(1), 4);
  const p: Mlp = { w1: g.mul(g.randomNormal(k1, [D, H], dtype), 0.1), b1: g.zeros([H], dtype), w2: g.mul(g.randomNormal(k2, [H, K], dtype), 0.1) };
  const X = g.randomNormal(k3, [B, D], dtype);
  const Y = g.softmax(g.randomNormal(k4, [B, K], dtype));
  const loss = (q: Mlp, x: Tensor, y: Tensor): Tensor => g.neg(g.sum(g.mul(g.logSoftmax(g.matmul(g.tanh(g.add(g.matmul(x, q.w1), q.b1)), q.w2)), y)));
  const row = (t: Tensor, i: number): Tensor => g.reshape(g.slice(t, [i], [1]), t.shape.slice(1));
  const viaVmap = (): Tensor => g.vmap(g.grad(loss), [null, 0, 0])(p, X, Y).w1;
  const viaLoop = (): Tensor => g.stack(Array.from({ length: B }, (_, i) => g.grad(loss)(p, row(X, i), row(Y, i)).w1));
  const diff = maxDiff(viaVmap(), viaLoop());
  const [tv, tl] = await alternate(
    [
      { label: 'vmap(grad)', activate: () => {}, run: () => void viaVmap() },
      { label: 'loop of grad', activate: () => {}, run: () => void viaLoop() },
    ],
    opts,
  );
  console.log(
    `(a) ${dtype} per-example gradients, B = ${B}, MLP ${D}→${H}→${K}: vmap(grad) ${tv.med.toFixed(2)} ms, loop ${tl.med.toFixed(2)} ms → ${(tl.med / tv.med).toFixed(1)}× (max |Δ| ${diff.toExponential(1)})`,
  );
}

async function jacobians(dtype: DType, n: number, m: number): Promise<void> {
  const [k1, k2] = g.split(g.prngKey(2), 2);
  const A = g.mul(g.randomNormal(k1, [m, n], dtype), 1 / Math.sqrt(n));
  const x = g.randomNormal(k2, [n], dtype);
  const f = (v: Tensor): Tensor => g.tanh(g.matmul(A, g.sin(v)));
  const fwd = (): Tensor => g.jacfwd(f)(x);
  const rev = (): Tensor => g.jacrev(f)(x);
  const loop = (): Tensor => g.stack(Array.from({ length: m }, (_, i) => g.grad((v: Tensor) => g.reshape(g.slice(f(v), [i], [1]), []))(x)));
  const d1 = maxDiff(fwd(), rev());
  const d2 = maxDiff(rev(), loop());
  const [tf, tr, tl] = await alternate(
    [
      { label: 'jacfwd', activate: () => {}, run: () => void fwd() },
      { label: 'jacrev', activate: () => {}, run: () => void rev() },
      { label: 'loop of grad', activate: () => {}, run: () => void loop() },
    ],
    opts,
  );
  console.log(
    `(b) ${dtype} Jacobian of tanh(A·sin(x)), n = ${n} → m = ${m}: jacfwd ${tf.med.toFixed(2)} ms, jacrev ${tr.med.toFixed(2)} ms, loop of ${m} grads ${tl.med.toFixed(2)} ms (max |Δ| ${Math.max(d1, d2).toExponential(1)})`,
  );
}

async function directional(dtype: DType, n: number): Promise<void> {
  const [k1, k2, k3] = g.split(g.prngKey(3), 3);
  const W = g.mul(g.randomNormal(k1, [n, n], dtype), 1 / Math.sqrt(n));
  const x = g.randomNormal(k2, [n, n], dtype);
  const t = g.randomNormal(k3, [n, n], dtype);
  const f = (v: Tensor): Tensor => g.sum(g.softmax(g.matmul(g.tanh(g.matmul(v, W)), W)));
  const viaJvp = (): Tensor => g.jvp(f, [x], [t])[1];
  const viaVjp = (): Tensor => g.sum(g.mul(g.grad(f)(x), t));
  const diff = Math.abs(g.item(viaJvp()) - g.item(viaVjp()));
  const [tj, tv] = await alternate(
    [
      { label: 'jvp', activate: () => {}, run: () => void viaJvp() },
      { label: 'grad·t', activate: () => {}, run: () => void viaVjp() },
    ],
    opts,
  );
  console.log(
    `(c) ${dtype} directional derivative of a 2-layer map on [${n}, ${n}]: jvp ${tj.med.toFixed(2)} ms, ⟨grad, t⟩ ${tv.med.toFixed(2)} ms (|Δ| ${diff.toExponential(1)})`,
  );
}

console.log(`transforms benchmark: backend ${g.backend()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}${quick ? ' (quick)' : ''}`);
for (const dtype of ['float32', 'float64'] as const) {
  await perExample(dtype, quick ? 16 : 128, 64, 64, 10);
  await jacobians(dtype, quick ? 32 : 256, 4);
  await jacobians(dtype, 4, quick ? 32 : 256);
  await directional(dtype, quick ? 32 : 128);
}
