/**
 * Higher-order and compositional properties of the autodiff: grad of grad,
 * Hessian-vector products, nested traces that close over each other
 * (no perturbation confusion), customGrad and stopGradient.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { tensorArb } from '../lib/testing/index.ts';

const close = (a: number[], b: number[], tol: number) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
};

const s = (x: number) => g.scalar(x, 'float64');

describe('second and third derivatives of scalar functions', () => {
  test.prop([fc.double({ min: -3, max: 3, noNaN: true })])('grad(grad(tanh)) = −2 tanh (1 − tanh²)', (x) => {
    const d2 = g.grad(g.grad(g.tanh))(s(x));
    const t = Math.tanh(x);
    close([g.item(d2)], [-2 * t * (1 - t * t)], 1e-12);
  });
  test.prop([fc.double({ min: -3, max: 3, noNaN: true })])('grad³(sin) = −cos', (x) => {
    const d3 = g.grad(g.grad(g.grad(g.sin)))(s(x));
    close([g.item(d3)], [-Math.cos(x)], 1e-12);
  });
  test.prop([fc.double({ min: 0.2, max: 3, noNaN: true })])('grad(grad(x ↦ xˣ))', (x) => {
    const f = (t: Tensor) => g.pow(t, t);
    const d2 = g.item(g.grad(g.grad(f))(s(x)));
    const l = Math.log(x) + 1;
    close([d2], [x ** x * (l * l + 1 / x)], 1e-10);
  });
});

describe('Hessian-vector products', () => {
  const f = (x: Tensor) => g.sum(g.mul(g.square(g.sin(x)), g.exp(g.mul(x, 0.3))));
  test.prop([tensorArb([5]), tensorArb([5])], { numRuns: 30 })('hvp = finite difference of the gradient along v', (x, v) => {
    const hv = g.toArray(g.hvp(f, x, v));
    const h = 1e-5;
    const gp = g.toArray(g.grad(f)(g.add(x, g.mul(v, h))));
    const gm = g.toArray(g.grad(f)(g.sub(x, g.mul(v, h))));
    const fd = gp.map((p, i) => (p - gm[i]) / (2 * h));
    close(hv, fd, 1e-6);
  });
  it('hvp of a quadratic form is A·v exactly', () => {
    const a = g.tensor(
      [
        [2, 1, 0],
        [1, 3, 1],
        [0, 1, 4],
      ],
      undefined,
      'float64',
    );
    const q = (x: Tensor) => g.mul(0.5, g.sum(g.mul(x, g.matmul(a, x))));
    const v = g.tensor([1, -2, 0.5], undefined, 'float64');
    close(g.toArray(g.hvp(q, g.tensor([0.3, 0.1, -0.7], undefined, 'float64'), v)), g.toArray(g.matmul(a, v)), 1e-14);
  });
});

describe('nested traces are independent', () => {
  test.prop([fc.double({ min: -3, max: 3, noNaN: true })])('no perturbation confusion: d/dx [x · d/dy (x·y)] = 2x', (x0) => {
    const f = (x: Tensor) => g.mul(x, g.grad((y: Tensor) => g.mul(x, y))(s(1)));
    close([g.item(g.grad(f)(s(x0)))], [2 * x0], 1e-14);
  });
  it('an inner grad that ignores the outer variable gives zero outer gradient through it', () => {
    const f = (x: Tensor) => g.add(x, g.grad((y: Tensor) => g.mul(y, y))(s(3)));
    expect(g.item(g.grad(f)(s(1.5)))).toBe(1);
  });
  it('interleaved calls of the same transformed function do not interfere', () => {
    const df = g.grad((x: Tensor) => g.sum(g.mul(x, x)));
    const a = g.tensor([1, 2], undefined, 'float64');
    const b = g.tensor([3, 4], undefined, 'float64');
    const outer = g.grad((x: Tensor) => g.sum(g.mul(df(x), df(b))));
    // d/dx Σ 2x·2b = 4b
    close(g.toArray(outer(a)), [12, 16], 0);
    close(g.toArray(df(a)), [2, 4], 0);
  });
  it('a tensor leaked from a finished trace is a constant afterwards', () => {
    let leaked: Tensor | undefined;
    g.grad((x: Tensor) => {
      leaked = g.mul(x, 2);
      return g.sum(leaked);
    })(s(1));
    const gy = g.grad((y: Tensor) => g.sum(g.mul(y, leaked!)))(s(5));
    expect(g.item(gy)).toBe(2);
  });
  it('valueAndGrad returns an untraced value usable by the caller', () => {
    const [v, dx] = g.valueAndGrad((x: Tensor) => g.sum(g.exp(x)))(g.tensor([0, 1], undefined, 'float64'));
    close([g.item(v)], [1 + Math.E], 1e-15);
    close(g.toArray(dx), [1, Math.E], 1e-15);
  });
});

describe('vjp', () => {
  test.prop([tensorArb([2, 3]), tensorArb([2, 3])])('vjp of a non-scalar function equals grad of ⟨f, ct⟩', (x, ct) => {
    const f = (t: Tensor) => g.mul(g.sin(t), g.expandDims(g.sum(t, -1), -1));
    const [y, back] = g.vjp(f, x);
    expect(y.shape).toEqual([2, 3]);
    const [gx] = back(ct);
    const ref = g.grad((t: Tensor) => g.sum(g.mul(f(t), ct)))(x);
    close(g.toArray(gx), g.toArray(ref), 1e-14);
  });
});

describe('customGrad and stopGradient', () => {
  // artanh with its argument clamped to [−1+1e-7, 1−1e-7] and a gradient that stays finite.
  const eps = 1e-7;
  const safeAtanh = g.customGrad(
    (x: Tensor) => g.atanh(g.clamp(x, -1 + eps, 1 - eps)),
    (gr, [x]) => [g.div(gr, g.sub(1, g.square(g.clamp(x, -1 + eps, 1 - eps))))],
  );
  it('forward uses the custom function, backward the custom rule', () => {
    const x = g.tensor([0.5, 1, -1, 2], undefined, 'float64');
    const y = g.toArray(safeAtanh(x));
    expect(y.every(Number.isFinite)).toBe(true);
    close([y[0]], [Math.atanh(0.5)], 1e-15);
    const d = g.toArray(g.grad((t: Tensor) => g.sum(safeAtanh(t)))(x));
    expect(d.every(Number.isFinite)).toBe(true);
    close([d[0]], [1 / (1 - 0.25)], 1e-14);
    // the plain op at the boundary is infinite: the custom rule is what keeps it finite
    expect(Number.isFinite(g.toArray(g.grad((t: Tensor) => g.sum(g.atanh(t)))(x))[1])).toBe(false);
  });
  test.prop([fc.double({ min: -0.9, max: 0.9, noNaN: true })])('second order differentiates through the custom backward', (x) => {
    const d2 = g.item(g.grad(g.grad((t: Tensor) => safeAtanh(t)))(s(x)));
    close([d2], [(2 * x) / (1 - x * x) ** 2], 1e-10);
  });
  it('stopGradient blocks every order', () => {
    const f = (x: Tensor) => g.mul(x, g.stopGradient(g.mul(x, x)));
    expect(g.item(g.grad(f)(s(3)))).toBe(9);
    expect(g.item(g.grad(g.grad(f))(s(3)))).toBe(0);
  });
});

describe('gradient dtypes follow the inputs', () => {
  it('a float32 input mixed with float64 gets a float32 gradient', () => {
    const x = g.tensor([1, 2], undefined, 'float32');
    const w = g.tensor([0.5, 0.25], undefined, 'float64');
    const [v, dx] = g.valueAndGrad((t: Tensor) => g.sum(g.mul(t, w)))(x);
    expect(v.dtype).toBe('float64');
    expect(dx.dtype).toBe('float32');
    expect(g.toArray(dx)).toEqual([0.5, 0.25]);
  });
});
