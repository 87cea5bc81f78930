/**
 * Euclidean optimizers, schedules and gradient clipping against the update
 * rules written out by hand in plain numbers.
 */
import { describe, expect, it } from 'vitest';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';

const t64 = (v: number[]) => g.tensor(v, undefined, 'float64');
const close = (a: number[], b: number[], tol = 1e-12) => a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));

/** Runs `steps` updates of `opt` on f(x) = ½‖x − c‖² (gradient x − c) and returns the iterates. */
function run<S>(opt: g.Optimizer<S>, x0: number[], c: number[], steps: number): number[][] {
  let p: Tensor = t64(x0);
  let s = opt.init(p);
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const grad = g.sub(p, t64(c));
    [p, s] = opt.update(grad, s, p);
    out.push(g.toArray(p));
  }
  return out;
}

describe('sgd', () => {
  it("plain, momentum and Nesterov steps follow PyTorch's rules", () => {
    const x0 = [1, -2],
      c = [0.5, 0.5];
    for (const [mu, nest] of [
      [0, false],
      [0.9, false],
      [0.9, true],
    ] as const) {
      const got = run(g.sgd({ lr: 0.1, momentum: mu, nesterov: nest }), x0, c, 4);
      let x = x0.slice(),
        v = [0, 0];
      got.forEach((row, t) => {
        const gr = x.map((xi, i) => xi - c[i]);
        v = v.map((vi, i) => (t === 0 ? gr[i] : mu * vi + gr[i]));
        const d = mu === 0 ? gr : nest ? gr.map((gi, i) => gi + mu * v[i]) : v;
        x = x.map((xi, i) => xi - 0.1 * d[i]);
        close(row, x);
      });
    }
  });
  it('rejects bad options', () => {
    expect(() => g.sgd({ lr: -1 })).toThrow(g.ValueError);
    expect(() => g.sgd({ lr: 0.1, momentum: 1 })).toThrow(/momentum/);
    expect(() => g.sgd({ lr: 0.1, nesterov: true })).toThrow(/nesterov/);
  });
});

describe('adam / adamw', () => {
  it('adam matches the bias-corrected update written out by hand', () => {
    const x0 = [1, -2, 3],
      c = [0, 1, 0];
    const got = run(g.adam({ lr: 0.05 }), x0, c, 5);
    let x = x0.slice(),
      m = [0, 0, 0],
      v = [0, 0, 0];
    got.forEach((row, k) => {
      const t = k + 1;
      const gr = x.map((xi, i) => xi - c[i]);
      m = m.map((mi, i) => 0.9 * mi + 0.1 * gr[i]);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * gr[i] ** 2);
      x = x.map((xi, i) => xi - (0.05 * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8));
      close(row, x);
    });
  });
  it('adamw decays the weights multiplicatively, independently of the gradient', () => {
    const [p1] = run(g.adamw({ lr: 0.1, weightDecay: 0.5 }), [2], [2], 1); // zero gradient
    close(p1, [2 * (1 - 0.1 * 0.5)]);
  });
  it('minimises a quadratic', () => {
    const it = run(g.adam({ lr: 0.1 }), [3, -3], [1, 2], 300);
    close(it[it.length - 1], [1, 2], 1e-3);
  });
});

describe('schedules, clipping, parameter groups', () => {
  it('schedules', () => {
    const cd = g.cosineDecay(1, 10);
    expect(cd(0)).toBe(1);
    expect(cd(10)).toBeCloseTo(0, 15);
    expect(cd(5)).toBeCloseTo(0.5, 15);
    const w = g.warmupCosineDecay(1, 4, 14);
    expect(w(2)).toBe(0.5);
    expect(w(4)).toBe(1);
    expect(g.exponentialDecay(1, 0.5, 2, true)(3)).toBe(0.5);
    expect(g.piecewiseConstant(1, [10, 20], 0.1)(15)).toBeCloseTo(0.1, 15);
    // a schedule drives the step size
    const it2 = run(g.sgd({ lr: (t) => (t === 1 ? 1 : 0) }), [3], [1], 2);
    close(it2[0], [1]);
    close(it2[1], [1]);
  });
  it('clipByGlobalNorm scales only when the norm exceeds the limit', () => {
    const tree = { a: t64([3, 0]), b: [t64([0, 4])] };
    expect(g.globalNorm(tree)).toBe(5);
    const c = g.clipByGlobalNorm(tree, 1);
    close([g.globalNorm(c)], [1]);
    close(g.toArray(c.a), [0.6, 0]);
    expect(g.clipByGlobalNorm(tree, 10)).toBe(tree);
  });
  it('partition gives each group its own optimizer in one line', () => {
    const params = { net: t64([1]), proxies: t64([1]) };
    const opt = g.partition({ net: g.sgd({ lr: 0.01 }), proxies: g.sgd({ lr: 1 }) });
    const [p] = opt.update({ net: t64([1]), proxies: t64([1]) }, opt.init(params), params);
    close(g.toArray(p.net), [0.99]);
    close(g.toArray(p.proxies), [0]);
    expect(() => opt.init({ net: t64([1]) } as never)).toThrow(/proxies/);
  });
  it('updates never mutate their inputs and return frozen state', () => {
    const params = { w: t64([1, 2]) };
    const opt = g.adam({ lr: 0.1 });
    const s0 = opt.init(params);
    const [p1, s1] = opt.update({ w: t64([1, 1]) }, s0, params);
    expect(g.toArray(params.w)).toEqual([1, 2]);
    expect(s0.step).toBe(0);
    expect(s1.step).toBe(1);
    expect(Object.isFrozen(s1)).toBe(true);
    expect(p1.w).not.toBe(params.w);
  });
});

describe('layers and initialisers', () => {
  it('linear / mlp shapes and PyTorch-style init bounds', () => {
    const p = g.linear.init(g.prngKey(0), 50, 7);
    expect(p.w.shape).toEqual([50, 7]);
    expect(g.toArray(p.w).every((v) => Math.abs(v) <= 1 / Math.sqrt(50))).toBe(true);
    const m = g.mlp.init(g.prngKey(1), [4, 8, 3]);
    const y = g.mlp.apply(m, g.zeros([5, 4]), 'gelu');
    expect(y.shape).toEqual([5, 3]);
    expect(() => g.linear.apply(p, g.zeros([2, 3]))).toThrow(g.ShapeError);
  });
  it('orthogonal init has orthonormal columns (tall) or rows (wide)', () => {
    for (const [r, c] of [
      [6, 3],
      [3, 6],
      [4, 4],
    ]) {
      const q = g.orthogonal(g.prngKey(r * 10 + c), r, c, 'float64');
      const qq = r >= c ? g.matmul(q, q, { transposeA: true }) : g.matmul(q, q, { transposeB: true });
      const n = Math.min(r, c);
      close(g.toArray(qq), g.toArray(g.eye(n, n, 'float64')), 1e-12);
    }
  });
  it('initialisation is reproducible from the key', () => {
    const a = g.mlp.init(g.prngKey(7), [3, 4, 2]);
    const b = g.mlp.init(g.prngKey(7), [3, 4, 2]);
    expect(g.toArray(a.layers[1].w)).toEqual(g.toArray(b.layers[1].w));
  });
});
