/**
 * `vmap` as a user meets it: per-example gradients (`vmap(grad(f))`) equal a
 * loop of `grad`, `grad(vmap(f))` equals the gradient of the loop, nested
 * `vmap`, `jvp` inside and outside, `inAxes` / `outAxes` (negative, `null`,
 * trees), unbatched outputs, non-tensor arguments, and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { tensorArb } from '../lib/testing/index.ts';

const RUNS = 12;
const dim = fc.integer({ min: 1, max: 4 });

function expectClose(a: Tensor, b: Tensor, tol = 1e-12): void {
  expect(a.shape).toEqual(b.shape);
  const bv = g.toArray(b);
  g.toArray(a).forEach((v, i) => expect(Math.abs(v - bv[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(bv[i]))));
}

const row = (x: Tensor, i: number): Tensor => g.reshape(g.slice(x, [i], [1]), x.shape.slice(1));

interface Params {
  w: Tensor;
  b: Tensor;
}

/** A per-example loss of a one-hidden-layer model (tanh, then a softmax cross-entropy-like term). */
const loss = (p: Params, x: Tensor, y: Tensor): Tensor => {
  const h = g.tanh(g.add(g.matmul(x, p.w), p.b));
  return g.add(g.sum(g.mul(g.logSoftmax(h), y)), g.mul(g.sum(g.square(p.w)), 0.01));
};

const setup = fc
  .tuple(fc.integer({ min: 1, max: 5 }), dim, dim)
  .chain(([n, d, k]) => fc.record({ w: tensorArb([d, k]), b: tensorArb([k]), x: tensorArb([n, d]), y: tensorArb([n, k], { min: 0, max: 1 }) }));

describe('vmap with grad', () => {
  test.prop([setup], { numRuns: RUNS })('per-example gradients: vmap(grad(f)) = a loop of grad', ({ w, b, x, y }) => {
    const per = g.vmap(g.grad(loss), [null, 0, 0])({ w, b }, x, y);
    expect(per.w.shape).toEqual([x.shape[0], ...w.shape]);
    for (let i = 0; i < x.shape[0]; i++) {
      const gi = g.grad(loss)({ w, b }, row(x, i), row(y, i));
      expectClose(row(per.w, i), gi.w);
      expectClose(row(per.b, i), gi.b);
    }
  });

  test.prop([setup], { numRuns: RUNS })('grad(vmap(f)) = the gradient of the summed loop', ({ w, b, x, y }) => {
    const batched = (p: Params) => g.sum(g.vmap((xi: Tensor, yi: Tensor) => loss(p, xi, yi))(x, y));
    const looped = (p: Params) => Array.from({ length: x.shape[0] }, (_, i) => loss(p, row(x, i), row(y, i))).reduce((s, l) => g.add(s, l));
    const ga = g.grad(batched)({ w, b });
    const gb = g.grad(looped)({ w, b });
    expectClose(ga.w, gb.w, 1e-11);
    expectClose(ga.b, gb.b, 1e-11);
  });

  test.prop([fc.tuple(dim, dim, dim).chain(([a, b2, d]) => tensorArb([a, b2, d]))], { numRuns: RUNS })(
    'nested vmap, and vmap of jvp / jvp of vmap, equal loops',
    (x) => {
      const f = (v: Tensor) => g.mul(g.softmax(v), g.norm(v));
      const nested = g.vmap(g.vmap(f))(x);
      const loop = g.stack(Array.from({ length: x.shape[0] }, (_, i) => g.stack(Array.from({ length: x.shape[1] }, (_, j) => f(row(row(x, i), j))))));
      expectClose(nested, loop);
      const t = g.onesLike(x);
      const [, tv] = g.jvp(g.vmap(g.vmap(f)), [x], [t]);
      const vt = g.vmap(g.vmap((v: Tensor, s: Tensor) => g.jvp(f, [v], [s])[1]))(x, t);
      expectClose(tv, vt);
    },
  );
});

describe('axes', () => {
  test.prop([fc.tuple(dim, dim, dim).chain(([a, b, d]) => fc.tuple(tensorArb([a, b, d]), fc.integer({ min: -3, max: 2 }), fc.integer({ min: -3, max: 2 })))], {
    numRuns: RUNS,
  })('inAxes and outAxes move the batch axis (negative axes count from the end)', ([x, ia, oa]) => {
    const f = (v: Tensor) => g.add(g.cumsum(v, -1), g.sum(v));
    const got = g.vmap(f, ia, oa)(x);
    const ax = (ia + 3) % 3;
    const n = x.shape[ax];
    const perm = [ax, ...[0, 1, 2].filter((i) => i !== ax)];
    const xm = g.transpose(x, perm);
    const want = g.stack(
      Array.from({ length: n }, (_, i) => f(row(xm, i))),
      oa,
    );
    expectClose(got, want);
  });

  it('trees of axes, null (unbatched) arguments and outputs, non-tensor arguments, unbatched outputs', () => {
    const xs = g.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      undefined,
      'float64',
    );
    const scale = g.tensor([10, 100], undefined, 'float64');
    const f = (p: { x: Tensor; s: Tensor }, label: string, k: number) => ({ y: g.mul(g.mul(p.x, p.s), k), c: g.mul(p.s, 2), label: g.scalar(label.length) });
    const out = g.vmap(f, [{ x: 0, s: null }, null, null], { y: 1, c: null, label: 0 })({ x: xs, s: scale }, 'abc', 2) as unknown as {
      y: Tensor;
      c: Tensor;
      label: Tensor;
    };
    expect(out.y.shape).toEqual([2, 3]);
    expect(g.toArray(out.y)).toEqual([20, 60, 100, 400, 800, 1200]);
    expect(g.toArray(out.c)).toEqual([20, 200]);
    expect(g.toArray(out.label)).toEqual([3, 3, 3]);
    expect(g.toArray(xs)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('typed errors', () => {
    const a = g.ones([3, 2]);
    expect(() => g.vmap(g.add)(a, g.ones([4, 2]))).toThrow(/vmap: batched arguments disagree on the batch size: 3 and 4/);
    expect(() => g.vmap(g.exp, null)(a)).toThrow(/vmap: no argument is batched/);
    expect(() => g.vmap(g.exp)(g.ones([0, 2]))).toThrow(/batch size is 0/);
    expect(() => g.vmap(g.exp, 2)(a)).toThrow(g.ValueError);
    expect(() => g.vmap(g.exp, 0, null)(a)).toThrow(/outAxes entry is null/);
    expect(() => g.vmap(g.exp, 'x' as unknown as number)).toThrow(/inAxes must be a number, null or a tree/);
    expect(() => g.vmap((x: Tensor) => g.argmax(x) as unknown as Tensor)(a)).toThrow(g.GradError);
    expect(() => g.vmap((x: Tensor) => g.topk(x, 1).indices as unknown as Tensor)(a)).toThrow(/topk: returns integer indices/);
    expect(() => g.vmap((_x: Tensor) => 3 as unknown as Tensor)(a)).toThrow(/vmap: the function must return a Tensor/);
    // values of topk batch fine
    expect(
      g.toArray(
        g.vmap((x: Tensor) => g.topk(x, 1).values)(
          g.tensor([
            [1, 5],
            [7, 2],
          ]),
        ),
      ),
    ).toEqual([5, 7]);
    // reading a batched value inside vmap has no single answer: a typed error, never the whole batch or example 0
    for (const [name, read] of [
      ['toArray', g.toArray],
      ['toTypedArray', g.toTypedArray],
      ['toNested', g.toNested],
      ['item', (x: Tensor) => g.item(g.sum(x))],
    ] as const) {
      expect(() => g.vmap((x: Tensor) => (read(x), x))(a), name).toThrow(new RegExp(`^${name}: cannot read the values of a tensor inside vmap`));
    }
    expect(() => g.vmap((x: Tensor) => (g.toArray(x), x))(a)).toThrow(g.ValueError);
    // a curvature batched by vmap is checked for every example, not only the first
    const pt = g.tensor([[0.1, 0.2]], undefined, 'float64');
    const dist0At = (c: Tensor) => g.sum(g.poincareBall({ c }).dist0(pt));
    expect(g.toArray(g.vmap(dist0At)(g.tensor([0.5, 1], undefined, 'float64'))).every(Number.isFinite)).toBe(true);
    expect(() => g.vmap(dist0At)(g.tensor([0.5, -1], undefined, 'float64'))).toThrow(/^poincareBall: curvature c must be positive and finite, got -1/);
    // an unbatched argument (inAxes null) is an ordinary value inside vmap
    expect(g.toArray(g.vmap((x: Tensor, c: Tensor) => g.mul(x, g.item(c)), [0, null])(a, g.scalar(3)))).toEqual([3, 3, 3, 3, 3, 3]);
  });
});

describe('edge cases: finite values and derivatives, dtypes kept', () => {
  it('empty per-example shapes, zero vectors, huge entries, the ball boundary, float32', () => {
    expect(g.toArray(g.vmap((v: Tensor) => g.sum(v))(g.zeros([3, 0], 'float64')))).toEqual([0, 0, 0]);
    expect(g.vmap((v: Tensor) => g.mul(v, 2))(g.zeros([2, 0, 3])).shape).toEqual([2, 0, 3]);
    const zero = g.zeros([3], 'float64');
    const [n0, dn0] = g.jvp((v: Tensor) => g.norm(v), [zero], [g.ones([3], 'float64')]);
    expect([g.item(n0), g.item(dn0)]).toEqual([0, 0]);
    const Jn = g.jacfwd((v: Tensor) => g.normalize(v))(zero);
    expect(g.toArray(Jn).every(Number.isFinite)).toBe(true);
    const huge = g.tensor(
      [
        [1e300, -1e300, 3],
        [700, 800, -900],
      ],
      undefined,
      'float64',
    );
    const per = g.vmap(g.grad((v: Tensor) => g.logSumExp(v, -1)))(huge);
    expect(g.toArray(per).every(Number.isFinite)).toBe(true);
    const ball = g.poincareBall({ c: 1 });
    const edge = ball.project(
      g.tensor(
        [
          [0.999999, 0],
          [0, -0.9999999],
        ],
        undefined,
        'float64',
      ),
    );
    const Jd = g.vmap(g.jacrev((p: Tensor) => g.sum(ball.dist0(g.reshape(p, [1, 2])))))(edge);
    expect(g.toArray(Jd).every(Number.isFinite)).toBe(true);
    const x32 = g.tensor([
      [0.5, -1],
      [2, 0.25],
    ]);
    expect(g.vmap((v: Tensor) => g.softmax(v))(x32).dtype).toBe('float32');
    const [, t32] = g.jvp((v: Tensor) => g.exp(v), [x32], [g.onesLike(x32)]);
    expect(t32.dtype).toBe('float32');
    expect(g.toArray(t32)).toEqual(g.toArray(g.exp(x32)));
  });
});

describe('customGrad functions under vmap: batched forward and VJP, not a loop', () => {
  let calls = 0;
  // a straight-through clip with a deliberately distinctive backward (0.5·g outside the box)
  const clipST = g.customGrad(
    (x: Tensor, s: Tensor) => {
      calls += 1;
      return g.mul(g.clamp(x, -1, 1), s);
    },
    (gg, [x, s]) => {
      const inside = g.lessEqual(g.abs(x), 1);
      return [g.mul(g.mul(gg, s), g.where(inside, 1, 0.5)), g.mul(gg, g.clamp(x, -1, 1))];
    },
    'clipST',
  );
  const f = (x: Tensor, s: Tensor): Tensor => g.sum(g.mul(clipST(g.mul(x, 1.5), s), g.sin(x)));

  test.prop([fc.tuple(fc.integer({ min: 1, max: 5 }), dim).chain(([n, d]) => fc.tuple(tensorArb([n, d]), tensorArb([d])))], { numRuns: RUNS })(
    'values, per-example gradients (both inputs), grad of vmap and jvp of vmap equal loops; the forward runs once per vmap',
    ([x, s]) => {
      calls = 0;
      const got = g.vmap((xi: Tensor) => clipST(xi, s))(x);
      expect(calls).toBe(1);
      expectClose(got, g.stack(Array.from({ length: x.shape[0] }, (_, i) => clipST(row(x, i), s))));
      const per = g.vmap(g.grad(f, [0, 1]), [0, null])(x, s);
      for (let i = 0; i < x.shape[0]; i++) {
        const [gx, gs] = g.grad(f, [0, 1])(row(x, i), s);
        expectClose(row(per[0], i), gx);
        expectClose(row(per[1], i), gs);
      }
      const gsum = g.grad((t: Tensor) => g.sum(g.vmap((xi: Tensor) => f(xi, t))(x)))(s);
      const gloop = g.grad((t: Tensor) => Array.from({ length: x.shape[0] }, (_, i) => f(row(x, i), t)).reduce((a, b) => g.add(a, b)))(s);
      expectClose(gsum, gloop, 1e-11);
      const tan = g.onesLike(x);
      const [, jv] = g.jvp((z: Tensor) => g.vmap((xi: Tensor) => f(xi, s))(z), [x], [tan]);
      const jl = g.stack(Array.from({ length: x.shape[0] }, (_, i) => g.jvp((z: Tensor) => f(z, s), [row(x, i)], [row(tan, i)])[1]));
      expectClose(jv, jl, 1e-11);
      const nested = g.vmap(g.vmap((v: Tensor) => clipST(v, g.ones([], 'float64'))))(g.reshape(x, [x.shape[0], x.shape[1], 1]));
      expectClose(g.reshape(nested, x.shape), g.clamp(x, -1, 1));
    },
  );

  it('library customGrad functions (artanh, the ball distance) batch too', () => {
    const ball = g.poincareBall({ c: 1 });
    const x = g.tensor(
      [
        [0.1, 0.2],
        [0.3, -0.4],
        [-0.5, 0.1],
      ],
      undefined,
      'float64',
    );
    const y = g.tensor(
      [
        [0.0, 0.6],
        [0.2, 0.2],
        [0.1, -0.7],
      ],
      undefined,
      'float64',
    );
    const d = g.vmap((u: Tensor, v: Tensor) => ball.dist(g.reshape(u, [1, 2]), g.reshape(v, [1, 2])))(x, y);
    expectClose(g.reshape(d, [3]), ball.dist(x, y));
    const per = g.vmap(g.grad((u: Tensor, v: Tensor) => g.sum(ball.dist(g.reshape(u, [1, 2]), g.reshape(v, [1, 2])))))(x, y);
    expectClose(per, g.grad((u: Tensor) => g.sum(ball.dist(u, y)))(x));
  });
});

describe('the whole CHEST loss under vmap and jvp (fused ops, customGrad, labels and triplets passed through)', () => {
  test.prop([fc.integer({ min: 0, max: 1000 })], { numRuns: 3 })(
    'an ensemble of 3 parameter sets: vmap(loss) and vmap(grad(loss)) = loops; jvp = ⟨grad, t⟩',
    (seed) => {
      const [k1, k2, k3, k4, k5] = g.split(g.prngKey(seed), 5);
      const E = 3,
        B = 6,
        D = 4,
        CK = 6;
      const inputs = {
        euclidean: g.randomNormal(k1, [E, B, D], 'float64'),
        hyperbolic: g.randomNormal(k2, [E, B, D], 'float64'),
        euclideanProxies: g.randomNormal(k3, [E, CK, D], 'float64'),
        hyperbolicProxies: g.randomNormal(k4, [E, CK, D], 'float64'),
      };
      type Inputs = typeof inputs;
      const labels = [0, 1, 2, 0, 1, 2];
      const triplets: [number, number, number][] = [
        [0, 1, 2],
        [3, 4, 5],
        [0, 3, 1],
      ];
      const loss = g.chest({ centersPerClass: 2 });
      const f = (inp: Inputs): Tensor => loss(inp, labels, triplets);
      const member = (i: number): Inputs => ({
        euclidean: row(inputs.euclidean, i),
        hyperbolic: row(inputs.hyperbolic, i),
        euclideanProxies: row(inputs.euclideanProxies, i),
        hyperbolicProxies: row(inputs.hyperbolicProxies, i),
      });
      expectClose(g.vmap(f)(inputs), g.stack(Array.from({ length: E }, (_, i) => f(member(i)))), 1e-12);
      const per = g.vmap(g.grad(f))(inputs);
      for (let i = 0; i < E; i++) {
        const gi = g.grad(f)(member(i));
        for (const k of ['euclidean', 'hyperbolic', 'euclideanProxies', 'hyperbolicProxies'] as const) expectClose(row(per[k], i), gi[k], 1e-11);
      }
      const m = member(0);
      const t = g.treeMap((x) => g.randomNormal(k5, x.shape, 'float64'), m);
      const [, jt] = g.jvp(f, [m], [t]);
      const gm = g.grad(f)(m);
      const dot = g.treeLeaves(gm).reduce((s, gl, i) => s + g.item(g.sum(g.mul(gl, g.treeLeaves(t)[i]))), 0);
      expect(Math.abs(g.item(jt) - dot)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(dot)));
    },
  );
});
