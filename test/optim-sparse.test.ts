/**
 * Sparse optimizer updates (issue 14) and per-row gradient clipping.
 *
 * With a row-sparse gradient (the gradient of a table read with `take`),
 * sgd, adam, adamw, rsgd and radam change only the touched rows and their
 * state: touched rows equal the dense update's rows (same state, the
 * gradient densified), untouched rows and their moments stay bit for bit
 * (PyTorch SparseAdam / geoopt SparseRiemannianAdam semantics), and the old
 * parameters and state are unchanged. Clipping keeps a sparse gradient
 * sparse and agrees with the dense computation.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import { ValueError, ArgumentError, clipByRowNorm, sgd, tensor, toArray, withRowClipping, type Tensor, type Optimizer } from '../lib/index.ts';
import { rowSparseOf } from '../lib/tensor/row-sparse.ts';

const rowsArb = fc
  .integer({ min: 1, max: 6 })
  .chain((d) => fc.array(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: d, maxLength: d }), { minLength: 1, maxLength: 8 }));

describe('clipByRowNorm', () => {
  test.prop([rowsArb, fc.double({ min: 0.01, max: 20, noNaN: true })])(
    'each row scaled to norm ≤ maxNorm, direction kept, short rows unchanged',
    (rows, maxNorm) => {
      const g = tensor(rows, undefined, 'float64');
      const before = toArray(g);
      const c = toArray(clipByRowNorm(g, maxNorm));
      expect(toArray(g)).toEqual(before);
      const d = rows[0].length;
      rows.forEach((row, i) => {
        const n = Math.hypot(...row);
        const out = c.slice(i * d, (i + 1) * d);
        const s = n > maxNorm ? maxNorm / n : 1;
        out.forEach((v, k) => expect(v).toBeCloseTo(row[k] * s, 10));
      });
    },
  );

  it('trees, rank-1 leaves as one row, zero rows stay zero', () => {
    const out = clipByRowNorm(
      {
        w: tensor(
          [
            [3, 4],
            [0, 0],
            [0.3, 0.4],
          ],
          undefined,
          'float64',
        ),
        b: tensor([6, 8], undefined, 'float64'),
      },
      1,
    );
    expect(toArray(out.w)).toEqual([0.6, 0.8, 0, 0, 0.3, 0.4].map((v, i) => (i < 2 ? expect.closeTo(v, 12) : v)));
    expect(toArray(out.b).map((v) => +v.toFixed(12))).toEqual([0.6, 0.8]);
  });

  it('maxNorm = Infinity clips nothing (dense, sparse and through withRowClipping), never NaN', () => {
    const w = tensor(
      [
        [3, 4],
        [0, 0],
      ],
      undefined,
      'float64',
    );
    expect(toArray(clipByRowNorm({ a: w }, Infinity).a)).toEqual([3, 4, 0, 0]);
    const table = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      undefined,
      'float64',
    );
    const sparse = g.grad((t: Tensor) => g.sum(g.mul(g.take(t, [2, 0, 2]), 10)))(table);
    expect(toArray(clipByRowNorm(sparse, Infinity))).toEqual([10, 10, 0, 0, 20, 20]);
    const opt = withRowClipping(Infinity, sgd({ lr: 1 }));
    const [y] = opt.update(
      tensor(
        [
          [30, 40],
          [0, 0],
        ],
        undefined,
        'float64',
      ) as Tensor,
      opt.init(w),
      w,
    );
    expect(toArray(y)).toEqual([-27, -36, 0, 0]);
  });

  it('withRowClipping clips before the optimizer', () => {
    const opt = withRowClipping(1, sgd({ lr: 1 }));
    const x = tensor(
      [
        [0, 0],
        [0, 0],
      ],
      undefined,
      'float64',
    );
    const [y] = opt.update(
      tensor(
        [
          [30, 40],
          [0.1, 0],
        ],
        undefined,
        'float64',
      ) as Tensor,
      opt.init(x),
      x,
    );
    expect(toArray(y).map((v) => +v.toFixed(12))).toEqual([-0.6, -0.8, -0.1, 0]);
  });

  it('typed errors', () => {
    expect(() => clipByRowNorm(tensor([1]), 0)).toThrow(ValueError);
    expect(() => clipByRowNorm(tensor([1]), NaN)).toThrow(ValueError);
    expect(() => withRowClipping(1, {} as never)).toThrow(ArgumentError);
  });
});

const ball = g.poincareBall({ c: 1 });
const optimizers: [string, () => Optimizer<unknown>, string[]][] = [
  ['sgd', () => g.sgd({ lr: 0.1 }) as Optimizer<unknown>, []],
  ['sgd (momentum, weight decay)', () => g.sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 }) as Optimizer<unknown>, ['velocity']],
  ['sgd (Nesterov)', () => g.sgd({ lr: 0.1, momentum: 0.8, nesterov: true }) as Optimizer<unknown>, ['velocity']],
  ['adam', () => g.adam({ lr: 0.05, weightDecay: 0.01 }) as Optimizer<unknown>, ['m', 'v']],
  ['adamw', () => g.adamw({ lr: 0.05 }) as Optimizer<unknown>, ['m', 'v']],
  ['rsgd (ball, expmap, momentum)', () => g.rsgd({ lr: 0.05, momentum: 0.9, manifold: ball }) as Optimizer<unknown>, ['momentum']],
  ['rsgd (ball, retraction)', () => g.rsgd({ lr: 0.3, manifold: ball, stepWith: 'retr' }) as Optimizer<unknown>, []],
  ['radam (ball)', () => g.radam({ lr: 0.05, manifold: ball }) as Optimizer<unknown>, ['m', 'v']],
];

const rowsOfFlat = (a: number[], d: number, r: number) => a.slice(r * d, (r + 1) * d);

describe('sparse updates touch only the rows in the gradient', () => {
  for (const [name, make, buffers] of optimizers) {
    test.prop(
      [
        fc
          .integer({ min: 2, max: 7 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 1, max: 3 }),
              fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 8 }),
              fc.nat(1000),
            ),
          ),
      ],
      { numRuns: 40 },
    )(`${name}: touched rows = the dense update's, untouched rows and moments unchanged`, ([n, d, idx, seed]) => {
      const opt = make();
      const key = g.prngKey(seed);
      const x0 = ball.expmap0(g.randomUniform(g.foldIn(key, 0), [n, d], 'float64', -0.5, 0.5));
      // warm the state with two dense steps, so the moments are non-zero everywhere
      let x = x0;
      let state = opt.init(x);
      for (let t = 1; t <= 2; t++) [x, state] = opt.update(g.randomUniform(g.foldIn(key, t), [n, d], 'float64', -0.2, 0.2), state, x);
      const w = g.randomUniform(g.foldIn(key, 9), [idx.length, d], 'float64', -1, 1);
      const gs = g.grad((u: Tensor) => g.sum(g.mul(g.tanh(g.take(u, idx)), w)))(x);
      expect(rowSparseOf(gs)).toBeDefined();
      const gd = g.tensor(g.toArray(gs), [n, d], 'float64');
      const xBefore = g.toArray(x);
      const st = state as Record<string, readonly Tensor[]>;
      const before = Object.fromEntries(buffers.map((b) => [b, g.toArray(st[b][0])]));
      const [xs, ss] = opt.update(gs, state, x);
      const [xd, sd] = opt.update(gd, state, x);
      const touched = new Set(idx);
      const as = g.toArray(xs),
        ad = g.toArray(xd);
      for (let r = 0; r < n; r++) {
        if (touched.has(r)) rowsOfFlat(as, d, r).forEach((v, j) => expect(v).toBeCloseTo(rowsOfFlat(ad, d, r)[j], 12));
        else expect(rowsOfFlat(as, d, r)).toEqual(rowsOfFlat(xBefore, d, r));
      }
      for (const b of buffers) {
        const ms = g.toArray((ss as Record<string, readonly Tensor[]>)[b][0]);
        const md = g.toArray((sd as Record<string, readonly Tensor[]>)[b][0]);
        for (let r = 0; r < n; r++) {
          if (touched.has(r)) rowsOfFlat(ms, d, r).forEach((v, j) => expect(v).toBeCloseTo(rowsOfFlat(md, d, r)[j], 12));
          else expect(rowsOfFlat(ms, d, r), `${b}, untouched row ${r}`).toEqual(rowsOfFlat(before[b], d, r));
        }
        expect(g.toArray(st[b][0])).toEqual(before[b]); // the old state is unchanged
      }
      expect(g.toArray(x)).toEqual(xBefore); // the old parameters are unchanged
      expect((ss as { step: number }).step).toBe(3);
    });
  }

  it('an empty sparse gradient changes nothing but the step count', () => {
    const opt = g.adam({ lr: 0.1 });
    const x = g.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'float64',
    );
    const gz = g.grad((u: Tensor) => g.sum(g.take(u, [])))(x);
    const [y, s] = opt.update(gz, opt.init(x), x);
    expect(g.toArray(y)).toEqual([1, 2, 3, 4]);
    expect(g.toArray(s.m[0])).toEqual([0, 0, 0, 0]);
    expect(s.step).toBe(1);
  });

  it('a tree with a sparse and a dense leaf (partition too)', () => {
    const params = {
      table: g.tensor(
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
        undefined,
        'float64',
      ),
      w: g.tensor([0.5, -0.5], undefined, 'float64'),
    };
    const f = (p: typeof params) => g.sum(g.mul(g.take(p.table, [2, 2]), p.w));
    const grads = g.grad(f)(params);
    expect(rowSparseOf(grads.table)).toBeDefined();
    expect(rowSparseOf(grads.w)).toBeUndefined();
    const opt = g.partition({ table: g.sgd({ lr: 1 }), w: g.adam({ lr: 0.1 }) });
    const [p1] = opt.update(grads, opt.init(params), params);
    expect(g.toArray(p1.table)).toEqual([1, 1, 2, 2, 2, 4]);
    expect(g.toArray(p1.w).map((v) => +v.toFixed(6))).toEqual([0.4, -0.6]);
  });
});

describe('clipping a sparse gradient', () => {
  test.prop([
    fc
      .integer({ min: 1, max: 6 })
      .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 10 }), fc.nat(100))),
    fc.double({ min: 0.05, max: 3, noNaN: true }),
  ])('clipByRowNorm, clipByGlobalNorm, globalNorm: = the dense results, still sparse', ([n, idx, seed], maxNorm) => {
    const x = g.randomUniform(g.prngKey(seed), [n, 3], 'float64', -2, 2);
    const gs = g.grad((u: Tensor) => g.sum(g.square(g.take(u, idx))))(x);
    const gd = g.tensor(g.toArray(gs), [n, 3], 'float64');
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
    const r = clipByRowNorm(gs, maxNorm);
    expect(rowSparseOf(r)).toBeDefined();
    close(toArray(r), toArray(clipByRowNorm(gd, maxNorm)));
    const c = g.clipByGlobalNorm(gs, maxNorm);
    close(toArray(c), toArray(g.clipByGlobalNorm(gd, maxNorm)));
    expect(g.globalNorm(gs)).toBeCloseTo(g.globalNorm(gd), 12);
  });
});
