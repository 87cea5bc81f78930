/**
 * The rule table, primitive by primitive: for every registered primitive an
 * op call that binds it, over fast-check random shapes and values in float64:
 *
 * 1. forward mode agrees with reverse mode: ⟨J·t, u⟩ = ⟨t, Jᵀ·u⟩ for random
 *    tangents t and cotangents u (`jvp` against `vjp`), to 1e-9 relative;
 * 2. forward mode agrees with central differences: J·t ≈ (f(x+ht) − f(x−ht))/2h;
 * 3. `vmap(f)` equals stacking `f` over a batch of 3, with the batch axis at a
 *    random position of the first input (`inAxes`) and the other inputs
 *    batched or not.
 *
 * A coverage test fails when a primitive is registered without an entry here,
 * and the rule count (true rules vs composite / zero / loop fallbacks) is printed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { definePrimitive, registeredPrimitives } from '../lib/autodiff/primitive.ts';
import { distinctTensorArb, shapeArb, tensorArb, type ValueOptions } from '../lib/testing/index.ts';

const RUNS = 8;
const B = 3;

interface Case {
  /** the primitives this case binds (its first entry is the one it is for) */
  readonly prims: readonly string[];
  /** per-example inputs */
  readonly inputs: fc.Arbitrary<Tensor[]>;
  /** the function of the inputs; only the first `diff` inputs are perturbed (default all) */
  readonly f: (...xs: Tensor[]) => Tensor;
  readonly diff?: number;
  /** piecewise constant: J = 0 (checked), no finite differences */
  readonly constant?: boolean;
  /** float32 inside: the adjoint identity to float32 precision, no finite differences */
  readonly float32?: boolean;
}

const anyShape = shapeArb({ maxRank: 3, maxDim: 3 });
const t1 = (o: ValueOptions = {}) => anyShape.chain((s) => tensorArb(s, o).map((x) => [x]));
const mat = (r: number, c: number, o: ValueOptions = {}) => tensorArb([r, c], o);
const dim = fc.integer({ min: 1, max: 3 });
const rows = (o: ValueOptions = {}) => fc.tuple(dim, dim, dim).chain(([n, m, d]) => fc.tuple(mat(n, d, o), mat(m, d, o)));
/** Two row matrices whose entries are all distinct (no coincident rows: distances are smooth there). */
const distinctRows = (n0?: number) =>
  fc
    .tuple(dim, dim, dim)
    .chain(([n, m, d]) => distinctTensorArb([n + (n0 ?? m), d], { min: -0.4, max: 0.4 }).map((x) => [g.slice(x, [0], [n]), g.slice(x, [n], [n0 ?? m])]));

const W = (shape: readonly number[]): Tensor => {
  const n = shape.reduce((p, d) => p * d, 1);
  return g.tensor(
    Array.from({ length: n }, (_, i) => Math.cos(0.7 * i + 0.2)),
    shape,
    'float64',
  );
};

const unary: [string, (x: Tensor) => Tensor, ValueOptions][] = [
  ['neg', g.neg, {}],
  ['abs', g.abs, { awayFrom: [0] }],
  ['exp', g.exp, {}],
  ['log', g.log, { min: 0.2, max: 3 }],
  ['log1p', g.log1p, { min: -0.8 }],
  ['expm1', g.expm1, {}],
  ['sqrt', g.sqrt, { min: 0.2, max: 3 }],
  ['rsqrt', g.rsqrt, { min: 0.2, max: 3 }],
  ['square', g.square, {}],
  ['reciprocal', g.reciprocal, { min: 0.3, max: 3 }],
  ['tanh', g.tanh, {}],
  ['atanh', g.atanh, { min: -0.8, max: 0.8 }],
  ['atan', g.atan, {}],
  ['cos', g.cos, {}],
  ['sin', g.sin, {}],
  ['sinh', g.sinh, {}],
  ['cosh', g.cosh, {}],
  ['asinh', g.asinh, {}],
  ['acosh', g.acosh, { min: 1.2, max: 3 }],
  ['sigmoid', g.sigmoid, {}],
  ['relu', g.relu, { awayFrom: [0] }],
  ['softplus', g.softplus, {}],
  ['clamp', (x) => g.clamp(x, -1, 1), { awayFrom: [-1, 1] }],
  ['sign', g.sign, { awayFrom: [0] }],
  ['isFinite', g.isFinite, {}],
];
const binary: [string, (a: Tensor, b: Tensor) => Tensor, ValueOptions, ValueOptions][] = [
  ['add', g.add, {}, {}],
  ['sub', g.sub, {}, {}],
  ['mul', g.mul, {}, {}],
  ['div', g.div, {}, { min: 0.3, max: 3 }],
  ['pow', g.pow, { min: 0.3, max: 3 }, {}],
  ['maximum', g.maximum, {}, {}],
  ['minimum', g.minimum, {}, {}],
  ['atan2', g.atan2, { min: 0.3 }, { min: 0.3 }],
  ['equal', g.equal, {}, {}],
  ['notEqual', g.notEqual, {}, {}],
  ['less', g.less, {}, {}],
  ['lessEqual', g.lessEqual, {}, {}],
  ['greater', g.greater, {}, {}],
  ['greaterEqual', g.greaterEqual, {}, {}],
];
const constantBinary = new Set(['equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual']);

/** Two broadcastable operands (the second drops leading axes / has size-1 axes). */
const bcast = (oa: ValueOptions, ob: ValueOptions) =>
  anyShape.chain((s) =>
    fc.tuple(fc.integer({ min: 0, max: s.length }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length })).chain(([drop, ones]) => {
      const sb = s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d));
      return fc.tuple(tensorArb(s, oa), tensorArb(sb, ob));
    }),
  );

const cases: Case[] = [
  ...unary.map(([name, op, o]): Case => ({ prims: [name], inputs: t1(o), f: op, constant: name === 'sign' || name === 'isFinite' })),
  ...binary.map(([name, op, oa, ob]): Case => ({
    prims: [name],
    // maximum / minimum: distinct values keep away from ties, where the derivative is a subgradient
    inputs:
      name === 'maximum' || name === 'minimum'
        ? anyShape.chain((s) => distinctTensorArb([2, ...s]).map((x) => [g.take(x, [0]), g.take(x, [1])]))
        : bcast(oa, ob),
    f: op,
    constant: constantBinary.has(name),
  })),
  // VJP-only primitives, reached through the gradients they carry (piecewise constant in x)
  { prims: ['step'], inputs: t1({ awayFrom: [0] }), f: (x) => g.mul(g.grad((y: Tensor) => g.sum(g.relu(y)))(x), x), diff: 1 },
  { prims: ['clampMask'], inputs: t1({ awayFrom: [-1, 1] }), f: (x) => g.mul(g.grad((y: Tensor) => g.sum(g.clamp(y, -1, 1)))(x), x) },
  { prims: ['maxMask'], inputs: t1({ awayFrom: [0] }), f: (x) => g.mul(g.grad((y: Tensor) => g.sum(g.maximum(y, 0)))(x), x) },
  { prims: ['minMask'], inputs: t1({ awayFrom: [0] }), f: (x) => g.mul(g.grad((y: Tensor) => g.sum(g.minimum(y, 0)))(x), x) },
  {
    prims: ['where'],
    inputs: anyShape.chain((s) => fc.tuple(tensorArb(s), tensorArb(s), tensorArb(s, { awayFrom: [0] }))),
    f: (a, b, c) => g.where(g.greater(c, 0), a, b),
    diff: 2,
  },
  { prims: ['sum'], inputs: t1(), f: (x) => g.sum(x, x.rank > 1 ? [0, x.rank - 1] : undefined, x.rank === 2) },
  { prims: ['broadcastTo'], inputs: t1(), f: (x) => g.broadcastTo(x, [2, ...x.shape.map((d, i) => (i === 0 ? d : d))]) },
  { prims: ['max'], inputs: anyShape.chain((s) => distinctTensorArb(s).map((x) => [x])), f: (x) => g.max(x, x.rank > 0 ? -1 : undefined) },
  { prims: ['min'], inputs: anyShape.chain((s) => distinctTensorArb(s).map((x) => [x])), f: (x) => g.min(x, x.rank > 0 ? 0 : undefined, true) },
  { prims: ['norm'], inputs: t1({ min: 0.2, max: 2 }), f: (x) => g.norm(x, x.rank > 0 ? -1 : undefined) },
  {
    prims: ['matmul'],
    inputs: fc.tuple(dim, dim, dim, fc.integer({ min: 0, max: 2 })).chain(([m, k, n, bt]) => fc.tuple(tensorArb(bt ? [bt, m, k] : [m, k]), tensorArb([k, n]))),
    f: (a, b) => g.matmul(a, b),
  },
  { prims: ['reshape'], inputs: t1(), f: (x) => g.reshape(x, [x.size]) },
  { prims: ['transpose'], inputs: t1(), f: (x) => g.transpose(x) },
  { prims: ['slice'], inputs: anyShape.filter((s) => s.length > 0).chain((s) => tensorArb(s).map((x) => [x])), f: (x) => g.slice(x, [x.shape[0] - 1]) },
  {
    prims: ['padSlice'],
    inputs: anyShape.filter((s) => s.length > 0).chain((s) => tensorArb(s).map((x) => [x])),
    f: (x) => g.mul(g.grad((y: Tensor) => g.sum(g.square(g.slice(y, [x.shape[0] - 1]))))(x), 1),
  },
  { prims: ['concat'], inputs: fc.tuple(dim, dim).chain(([n, d]) => fc.tuple(mat(n, d), mat(2, d))), f: (a, b) => g.concat([a, b], 0) },
  { prims: ['cast'], inputs: t1().map(([x]) => [g.cast(x, 'float32')]), f: (x) => g.cast(x, 'float64'), float32: true },
  { prims: ['gather'], inputs: fc.tuple(dim, dim).chain(([n, d]) => fc.tuple(mat(n, d))), f: (x) => g.take(x, [x.shape[0] - 1, 0, 0], 0) },
  { prims: ['scatterAdd'], inputs: fc.tuple(dim, dim).chain(([n, d]) => fc.tuple(mat(n, d), mat(2, d))), f: (x, u) => g.scatterAdd(x, [0, x.shape[0] - 1], u) },
  { prims: ['argsort', 'takeAlongAxis'], inputs: fc.tuple(dim, dim).chain(([n, d]) => distinctTensorArb([n, d]).map((x) => [x])), f: (x) => g.sort(x, 1) },
  {
    prims: ['scatterAddAlongAxis'],
    inputs: fc.tuple(dim, dim).chain(([n, d]) => distinctTensorArb([n, d]).map((x) => [x])),
    f: (x) => g.mul(g.grad((y: Tensor) => g.sum(g.mul(g.sort(y, 1), W(y.shape))))(x), x),
  },
  // fused ops: composite rules
  { prims: ['logSumExp'], inputs: t1().filter(([x]) => x.rank > 0), f: (x) => g.logSumExp(x, -1) },
  { prims: ['softmax'], inputs: t1().filter(([x]) => x.rank > 0), f: (x) => g.softmax(x) },
  { prims: ['pairwiseSqEuclidean'], inputs: rows(), f: (x, y) => g.pairwiseSqEuclidean(x, y) },
  { prims: ['pairwiseCosine'], inputs: rows({ min: 0.3 }), f: (x, y) => g.pairwiseCosine(x, y) },
  { prims: ['poincarePairwiseDist'], inputs: distinctRows(), f: (x, y) => g.poincareBall({ c: 1 }).pairwiseDist(x, y) },
  {
    prims: ['toPoincare'],
    inputs: fc.tuple(dim, dim).chain(([n, d]) => fc.tuple(mat(n, d, { min: -0.5, max: 0.5 }))),
    f: (x) => g.poincareBall({ c: 0.5 }).toPoincare(x),
  },
  {
    prims: ['lcaDepth'],
    inputs: fc
      .tuple(dim, dim)
      .chain(([n, d]) => distinctTensorArb([2 * n, d], { min: -0.4, max: 0.4 }).map((x) => [g.slice(x, [0], [n]), g.slice(x, [n], [n])])),
    f: (a, b) => g.poincareBall({ c: 1 }).lcaDepth(a, b),
  },
  {
    prims: ['softTriple'],
    inputs: fc.tuple(fc.integer({ min: 1, max: 3 })).chain(([bsz]) => fc.tuple(tensorArb([bsz, 4], { min: -0.9, max: 0.9 }))),
    f: (sim) =>
      g.softTriple({ centersPerClass: 2 })(
        sim,
        Array.from({ length: sim.shape[0] }, (_, i) => i % 2),
      ),
  },
];

/** `x` with its flat values rotated by `k` places. */
function rotate(x: Tensor, k: number): Tensor {
  const v = g.toArray(x);
  return g.tensor(
    v.map((_, i) => v[(i + k) % v.length]),
    x.shape,
    x.dtype,
  );
}

const dot = (a: Tensor, b: Tensor): number => g.toArray(a).reduce((s, v, i) => s + v * g.toArray(b)[i], 0);

function perturb(xs: readonly Tensor[], n: number): Tensor[] {
  return xs.map((x, i) => (i < n ? W([...x.shape, 1]) : g.zerosLike(x))).map((t, i) => g.reshape(t, xs[i].shape));
}

describe('every primitive has a JVP and a batching rule that agree with the rest', () => {
  it('the table covers every registered primitive; rule counts', () => {
    const prims = registeredPrimitives();
    const covered = new Set(cases.flatMap((c) => c.prims));
    const missing = prims.filter((p) => !covered.has(p.name)).map((p) => p.name);
    expect(missing).toEqual([]);
    const count = (k: 'jvp' | 'batch', v: string) => prims.filter((p) => p[k] === v).length;
    console.log(
      `${prims.length} primitives: JVP rule ${count('jvp', 'rule')}, zero ${count('jvp', 'zero')}, composite ${count('jvp', 'composite')}, transposed VJP ${count('jvp', 'transposeVjp')}; ` +
        `batching rule ${count('batch', 'rule')}, composite ${count('batch', 'composite')}, loop ${count('batch', 'loop')}`,
    );
    expect(count('batch', 'loop')).toBe(0);
    expect(prims.every((p) => p.vjp === 'none' || p.jvp !== 'zero')).toBe(true);
  });

  it('the type checker rejects a primitive without its JVP or batching rule (checked by tsc: the directives fail if it compiles)', () => {
    const attempts = [
      // @ts-expect-error — no jvp and no batch
      () => definePrimitive<undefined>({ name: 'noRules', forward: ([x]) => x, vjp: undefined }),
      // @ts-expect-error — no batching rule
      () => definePrimitive<undefined>({ name: 'noBatch', forward: ([x]) => x, vjp: (gg) => [gg], jvp: 'zero' }),
      // @ts-expect-error — the VJP must be stated, even when there is none
      () => definePrimitive<undefined>({ name: 'noVjp', forward: ([x]) => x, jvp: 'zero', batch: 'loop' }),
    ];
    // never called: calling would register them
    expect(attempts.length).toBe(3);
  });

  it('no library primitive bypasses definePrimitive (a plain Primitive literal would fall back silently)', () => {
    // customGrad (lib/autodiff/custom.ts) is the one user-primitive factory (its JVP is the transposed VJP) and
    // vmap.ts derives the batched primitive of a customGrad function (vmap of its forward and of its VJP)
    const allowed = new Set([join('autodiff', 'custom.ts'), join('autodiff', 'vmap.ts')]);
    const root = join(import.meta.dirname, '..', 'lib');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const offenders = files.filter((f) => !allowed.has(f) && /:\s*Primitive<[^>]*>\s*=\s*\{/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
    expect(files.length).toBeGreaterThan(50);
  });

  for (const c of cases) {
    const name = c.prims.join('+');
    test.prop([c.inputs, fc.integer({ min: 0, max: 1000 })], { numRuns: RUNS })(`${name}: ⟨J·t, u⟩ = ⟨t, Jᵀ·u⟩ and J·t = central differences`, (xs, seed) => {
      const n = c.diff ?? xs.length;
      const fn = (...ys: Tensor[]): Tensor => c.f(...ys, ...xs.slice(n));
      const own = xs.slice(0, n);
      const ts = perturb(own, n).map((t, i) => g.mul(t, 1 + (seed % 7) * 0.1 * (i + 1)));
      const [y, jt] = g.jvp(fn, own, ts);
      expect(jt.shape).toEqual(y.shape);
      const u = g.reshape(g.mul(W([...y.shape, 1]), 1 + (seed % 5)), y.shape);
      const [, back] = g.vjp(fn, ...own);
      const jtu = back(u) as Tensor[];
      const lhs = dot(jt, u);
      const rhs = own.reduce((s, _x, i) => s + dot(ts[i], jtu[i]), 0);
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual((c.float32 ? 1e-6 : 1e-9) * (1 + Math.abs(lhs) + Math.abs(rhs)));
      if (c.float32) return;
      if (c.constant) {
        expect(g.toArray(jt).every((v) => v === 0)).toBe(true);
        return;
      }
      const h = 1e-6;
      const plus = fn(...own.map((x, i) => g.add(x, g.mul(ts[i], h))));
      const minus = fn(...own.map((x, i) => g.sub(x, g.mul(ts[i], h))));
      const fd = g.toArray(g.div(g.sub(plus, minus), 2 * h));
      g.toArray(jt).forEach((v, i) => expect(Math.abs(v - fd[i])).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(fd[i])));
    });

    test.prop([c.inputs, fc.nat(), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })], { numRuns: RUNS })(
      `${name}: vmap(f) = stack of f`,
      (example, axisSeed, batchedFlags) => {
        // B examples of one shape: the values of each input rotated by b places (same domain, distinct stays distinct)
        const batch = Array.from({ length: B }, (_, b) => example.map((x) => rotate(x, b)));
        // the first input is batched at a random axis; the others at axis 0 or not at all (then example 0's)
        const k = batch[0].length;
        const flags = Array.from({ length: k }, (_, i) => i === 0 || batchedFlags[i]);
        const axis0 = axisSeed % (batch[0][0].rank + 1);
        const args = Array.from({ length: k }, (_, i) =>
          flags[i]
            ? g.stack(
                batch.map((xs) => xs[i]),
                i === 0 ? axis0 : 0,
              )
            : batch[0][i],
        );
        const inAxes = flags.map((f, i) => (f ? (i === 0 ? axis0 : 0) : null));
        const got = g.vmap((...ys: Tensor[]) => c.f(...ys), inAxes)(...args);
        const want = g.stack(
          batch.map((xs) => c.f(...xs.map((x, i) => (flags[i] ? x : batch[0][i])))),
          0,
        );
        expect(got.shape).toEqual(want.shape);
        const gv = g.toArray(got),
          wv = g.toArray(want);
        wv.forEach((v, i) => expect(Math.abs(gv[i] - v)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v))));
      },
    );
  }
});
