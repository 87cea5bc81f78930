/**
 * The forward-mode transforms as a user meets them: `jvp` over trees and its
 * compositions with `grad` (both orders) and itself, `linearize`, and the
 * Jacobians and Hessians (`jacfwd`, `jacrev`, `hessian`) against central
 * differences, against each other, over trees and with `argnums`; the
 * geometry properties of issue 16 (the Jacobian of `expmap0` at 0 is I; the
 * pullback metric of `expmap_x` at 0 is λ_x² I); typed errors.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { tensorArb } from '../lib/testing/index.ts';

const RUNS = 15;
const dim = fc.integer({ min: 1, max: 4 });

function expectClose(a: Tensor, b: Tensor, tol = 1e-9): void {
  expect(a.shape).toEqual(b.shape);
  const bv = g.toArray(b);
  g.toArray(a).forEach((v, i) => expect(Math.abs(v - bv[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(bv[i]))));
}

/** Central-difference Jacobian `[...outShape, ...inShape]` of a function of one tensor. */
function fdJacobian(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-6): Tensor {
  const xv = g.toArray(x);
  const y0 = f(x);
  const cols = xv.map((_, k) => {
    const at = (d: number) =>
      f(
        g.tensor(
          xv.map((v, i) => (i === k ? v + d : v)),
          x.shape,
          'float64',
        ),
      );
    return g.toArray(g.div(g.sub(at(h), at(-h)), 2 * h));
  });
  // cols[k][j] = ∂y_j/∂x_k → row-major [j, k]
  const m = y0.size,
    n = xv.length;
  const out = new Array<number>(m * n);
  for (let j = 0; j < m; j++) for (let k = 0; k < n; k++) out[j * n + k] = cols[k][j];
  return g.tensor(out, [...y0.shape, ...x.shape], 'float64');
}

/** A smooth test function of a matrix: a small MLP-like map with a reduction and a softmax. */
const smooth = (x: Tensor): Tensor => g.softmax(g.mul(g.tanh(g.matmul(x, g.transpose(x))), 1.5));

describe('jvp', () => {
  test.prop([fc.tuple(dim, dim).chain(([n, d]) => fc.tuple(tensorArb([n, d]), tensorArb([n, d]), tensorArb([d])))], { numRuns: RUNS })(
    'over trees: tangents of every leaf, outputs as trees; equals the Jacobian times the tangent',
    ([x, t, b]) => {
      const f = (p: { w: Tensor; b: Tensor }) => ({ y: g.add(smooth(p.w), g.sum(p.b)), s: g.sum(g.exp(p.b)) });
      const [out, tout] = g.jvp(f, [{ w: x, b }], [{ w: t, b: g.onesLike(b) }]);
      expectClose(out.y, f({ w: x, b }).y, 0);
      const J = g.jacfwd((w: Tensor) => smooth(w))(x) as Tensor;
      const n = x.size;
      const Jt = g.reshape(g.matmul(g.reshape(J, [-1, n]), g.reshape(t, [n])), out.y.shape);
      expectClose(tout.y, g.add(Jt, b.size), 1e-9);
      expectClose(tout.s, g.sum(g.exp(b)), 1e-12);
    },
  );

  test.prop([fc.tuple(dim).chain(([d]) => fc.tuple(tensorArb([d]), tensorArb([d]), tensorArb([d])))], { numRuns: RUNS })(
    'composes with grad in both orders and with itself (second derivatives agree)',
    ([x, t, u]) => {
      const f = (y: Tensor) => g.sum(g.mul(g.sin(y), g.exp(g.mul(y, 0.5))));
      const hvp = g.hvp(f, x, t);
      // forward over reverse: jvp of grad
      expectClose(g.jvp((y: Tensor) => g.grad(f)(y), [x], [t])[1], hvp, 1e-10);
      // reverse over forward: grad of ⟨∇f, t⟩ computed by jvp
      expectClose(g.grad((y: Tensor) => g.jvp(f, [y], [t])[1])(x), hvp, 1e-10);
      // forward over forward: uᵀ H t
      const second = g.jvp((y: Tensor) => g.jvp(f, [y], [t])[1], [x], [u])[1];
      expect(g.item(second)).toBeCloseTo(g.item(g.sum(g.mul(hvp, u))), 10);
    },
  );

  it('an output that does not depend on the inputs has a zero tangent; stopGradient stops tangents', () => {
    const x = g.tensor([1, 2], undefined, 'float64');
    const [, t] = g.jvp((y: Tensor) => g.add(g.stopGradient(y), g.ones([2], 'float64')), [x], [g.onesLike(x)]);
    expect(g.toArray(t)).toEqual([0, 0]);
  });

  it('customGrad functions get a JVP from their VJP (artanh)', () => {
    const x = g.tensor([0.3, -0.6], undefined, 'float64');
    const [, t] = g.jvp(g.artanh, [x], [g.tensor([1, 2], undefined, 'float64')]);
    expectClose(t, g.tensor([1 / (1 - 0.09), 2 / (1 - 0.36)], undefined, 'float64'), 1e-12);
  });

  it('linearize: the value once, then the linear map', () => {
    const x = g.tensor(
      [
        [0.2, -0.4],
        [0.7, 0.1],
      ],
      undefined,
      'float64',
    );
    const [y, lin] = g.linearize(smooth, x);
    expectClose(y, smooth(x), 0);
    const t = g.tensor(
      [
        [1, 0],
        [0, 2],
      ],
      undefined,
      'float64',
    );
    expectClose(lin(t), g.jvp(smooth, [x], [t])[1], 0);
    expectClose(lin(g.mul(t, 3)), g.mul(lin(t), 3), 1e-12);
  });

  it('typed errors', () => {
    const x = g.ones([2], 'float64');
    expect(() => g.jvp(g.exp, [x], [g.ones([3], 'float64')])).toThrow(/jvp: tangent 0 \(leaf 0\) has shape \[3\]; expected its primal's shape \[2\]/);
    expect(() => g.jvp(g.exp, [x], [] as unknown as [Tensor])).toThrow(g.GradError);
    expect(() => g.jvp((() => 3) as unknown as (x: Tensor) => Tensor, [x], [x])).toThrow(/jvp: the function must return a Tensor/);
    expect(() => g.jvp(3 as unknown as (x: Tensor) => Tensor, [x], [x])).toThrow(g.ArgumentError);
  });
});

describe('jacfwd, jacrev, hessian', () => {
  test.prop([fc.tuple(dim, dim).chain(([n, d]) => tensorArb([n, d]))], { numRuns: RUNS })(
    'jacfwd = jacrev = central differences, shape [...outShape, ...inShape]',
    (x) => {
      const Jf = g.jacfwd(smooth)(x) as Tensor;
      const Jr = g.jacrev(smooth)(x) as Tensor;
      expect(Jf.shape).toEqual([x.shape[0], x.shape[0], ...x.shape]);
      expectClose(Jf, Jr, 1e-12);
      expectClose(Jf, fdJacobian(smooth, x), 1e-6);
    },
  );

  test.prop([fc.tuple(dim).chain(([d]) => tensorArb([d]))], { numRuns: RUNS })('hessian = Jacobian of the gradient by central differences, symmetric', (x) => {
    const f = (y: Tensor) => g.add(g.logSumExp(g.mul(y, y), -1), g.sum(g.mul(g.sin(y), y)));
    const H = g.hessian(f)(x) as Tensor;
    expect(H.shape).toEqual([x.size, x.size]);
    expectClose(H, g.transpose(H), 1e-12);
    expectClose(
      H,
      fdJacobian((y) => g.grad(f)(y), x),
      1e-6,
    );
  });

  it('argnums and trees: blocks per argument and per leaf; hessian blocks H[i][j]', () => {
    const a = g.tensor([1, 2], undefined, 'float64');
    const b = g.tensor([3, 4, 5], undefined, 'float64');
    const f = (u: Tensor, v: Tensor) => g.outer(g.mul(u, u), v);
    const [Ja, Jb] = g.jacrev(f, [0, 1])(a, b) as Tensor[];
    expect(Ja.shape).toEqual([2, 3, 2]);
    expect(Jb.shape).toEqual([2, 3, 3]);
    const [Fa, Fb] = g.jacfwd(f, [0, 1])(a, b) as Tensor[];
    expectClose(Fa, Ja, 0);
    expectClose(Fb, Jb, 0);
    const tree = g.jacfwd((p: { u: Tensor; v: Tensor }) => g.dot(p.u, g.slice(p.v, [0], [2])))({ u: a, v: b }) as { u: Tensor; v: Tensor };
    expect(g.toArray(tree.u)).toEqual([3, 4]);
    expect(g.toArray(tree.v)).toEqual([1, 2, 0]);
    const H = g.hessian((u: Tensor, v: Tensor) => g.sum(g.mul(g.mul(u, u), g.slice(v, [0], [2]))), [0, 1])(a, b) as Tensor[][];
    expect(g.toArray(H[0][0])).toEqual([6, 0, 0, 8]);
    expect(g.toArray(H[0][1])).toEqual([2, 0, 0, 0, 4, 0]);
    expect(g.toArray(H[1][1])).toEqual(new Array(9).fill(0));
  });

  it('tree-valued f: each output leaf gets the Jacobian structure, typed as such', () => {
    const a = g.tensor([1, 2], undefined, 'float64');
    const b = g.tensor([3, 4, 5], undefined, 'float64');
    const f = (u: Tensor, v: Tensor) => ({ sq: g.mul(u, u), pair: [g.sum(v), g.dot(u, g.slice(v, [0], [2]))] as const });
    for (const jac of [g.jacfwd, g.jacrev]) {
      const one = jac(f)(a, b);
      expectTypeOf(one).toEqualTypeOf<{ sq: Tensor; pair: [Tensor, Tensor] }>();
      expect(one.sq.shape).toEqual([2, 2]);
      expect(g.toArray(one.sq)).toEqual([2, 0, 0, 4]);
      expect(g.toArray(one.pair[0])).toEqual([0, 0]);
      expect(g.toArray(one.pair[1])).toEqual([3, 4]);
      const both = jac(f, [0, 1])(a, b);
      expectTypeOf(both).toEqualTypeOf<{ sq: [Tensor, Tensor]; pair: [[Tensor, Tensor], [Tensor, Tensor]] }>();
      expect(both.sq[1].shape).toEqual([2, 3]);
      expect(g.toArray(both.pair[0][1])).toEqual([1, 1, 1]);
      expect(g.toArray(both.pair[1][1])).toEqual([1, 2, 0]);
      const tensorValued = jac((u: Tensor) => g.mul(u, 2))(a);
      expectTypeOf(tensorValued).toEqualTypeOf<Tensor>();
      expect(g.toArray(tensorValued)).toEqual([2, 0, 0, 2]);
    }
  });

  it('typed errors', () => {
    const x = g.ones([2], 'float64');
    expect(() => g.jacfwd(g.exp, 1)(x)).toThrow(/jacfwd: argnums/);
    expect(() => g.jacrev(g.exp, [0, 3])(x)).toThrow(g.GradError);
    expect(() => g.hessian(g.exp)(x)).toThrow(/hessian: the function must return a one-element Tensor/);
  });
});

describe('geometry with the new tools', () => {
  test.prop([dim, fc.double({ min: 0.1, max: 2, noNaN: true })], { numRuns: RUNS })(
    'the Jacobian of expmap0 at 0 is I (a local isometry: conformal factor 2/λ₀ = 1)',
    (d, c) => {
      const ball = g.poincareBall({ c });
      const J = g.jacfwd((v: Tensor) => g.reshape(ball.expmap0(g.reshape(v, [1, d])), [d]))(g.zeros([d], 'float64')) as Tensor;
      expectClose(J, g.eye(d, d, 'float64'), 1e-12);
      expectClose(
        g.jacrev((v: Tensor) => g.reshape(ball.expmap0(g.reshape(v, [1, d])), [d]))(g.zeros([d], 'float64')) as Tensor,
        g.eye(d, d, 'float64'),
        1e-12,
      );
    },
  );

  test.prop([dim.chain((d) => fc.tuple(tensorArb([d], { min: -0.5, max: 0.5 }), fc.double({ min: 0.1, max: 1.5, noNaN: true })))], { numRuns: RUNS })(
    'the pullback metric of expmap_x at 0 is λ_x² I',
    ([x, c]) => {
      const d = x.size;
      const ball = g.poincareBall({ c });
      const xr = ball.project(g.reshape(x, [1, d]));
      const lam = g.item(ball.lambda(xr));
      const J = g.jacfwd((v: Tensor) => g.reshape(ball.expmap(xr, g.reshape(v, [1, d])), [d]))(g.zeros([d], 'float64')) as Tensor;
      // the metric at expmap_x(0) = x is λ_x² I (conformal), pulled back: Jᵀ λ_x² J
      const pull = g.mul(g.matmul(g.transpose(J), J), lam * lam);
      expectClose(pull, g.mul(g.eye(d, d, 'float64'), lam * lam), 1e-9);
    },
  );
});
