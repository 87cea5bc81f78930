/**
 * `conv2d`: values against a direct loop over output positions, kernel
 * offsets and channels (float64, random shapes, strides and both paddings),
 * gradients in the input, kernel and bias against central finite differences
 * (`checkGrad`, same tolerance as grad-ops.test.ts), `vmap` over a batch of
 * kernels, and typed errors naming conv2d.init / conv2d.apply.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { weights } from '../test/support/cotangent.ts';

const TOL = { rtol: 1e-5, atol: 1e-6 };

/** The convolution by definition (TF's 'same' split), from nested arrays. */
function reference(x: number[][][][], w: number[][][][], b: number[], s: [number, number], padding: 'valid' | 'same'): number[][][][] {
  const [H, W] = [x[0].length, x[0][0].length];
  const [kh, kw, C, O] = [w.length, w[0].length, w[0][0].length, w[0][0][0].length];
  const ho = padding === 'same' ? Math.ceil(H / s[0]) : Math.floor((H - kh) / s[0]) + 1;
  const wo = padding === 'same' ? Math.ceil(W / s[1]) : Math.floor((W - kw) / s[1]) + 1;
  const top = padding === 'same' ? Math.floor(Math.max(0, (ho - 1) * s[0] + kh - H) / 2) : 0;
  const left = padding === 'same' ? Math.floor(Math.max(0, (wo - 1) * s[1] + kw - W) / 2) : 0;
  return x.map((img) =>
    Array.from({ length: ho }, (_, oy) =>
      Array.from({ length: wo }, (_, ox) =>
        Array.from({ length: O }, (_, o) => {
          let acc = b[o];
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * s[0] + ky - top;
              const ix = ox * s[1] + kx - left;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (let c = 0; c < C; c++) acc += img[iy][ix][c] * w[ky][kx][c][o];
            }
          return acc;
        }),
      ),
    ),
  );
}

const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 6 }),
    w: fc.integer({ min: 1, max: 6 }),
    c: fc.integer({ min: 1, max: 3 }),
    o: fc.integer({ min: 1, max: 3 }),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 3 }),
    padding: fc.constantFrom<'valid' | 'same'>('valid', 'same'),
    seed: fc.integer({ min: 0, max: 10_000 }),
  })
  .filter((k) => k.padding === 'same' || (k.kh <= k.h && k.kw <= k.w));

function build(k: { n: number; h: number; w: number; c: number; o: number; kh: number; kw: number; seed: number }) {
  const [kx, kp] = g.split(g.prngKey(k.seed), 2);
  const x = g.randomNormal(kx, [k.n, k.h, k.w, k.c], 'float64');
  const p = g.conv2d.init(kp, k.c, k.o, [k.kh, k.kw], { dtype: 'float64' });
  return { x, p };
}

describe('conv2d', () => {
  test.prop([caseArb], { numRuns: 60 })('equals the convolution by definition (random shapes, strides, paddings)', (k) => {
    const { x, p } = build(k);
    const opts = { stride: [k.sh, k.sw] as [number, number], padding: k.padding };
    const y = g.conv2d.apply(p, x, opts);
    const want = reference(g.toNested(x) as number[][][][], g.toNested(p.w) as number[][][][], g.toArray(p.b), [k.sh, k.sw], k.padding);
    expect(y.shape).toEqual([k.n, want[0].length, want[0][0].length, k.o]);
    const got = g.toArray(y);
    want.flat(3).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });

  test.prop([caseArb], { numRuns: 25 })('gradients in x, kernel and bias match finite differences', (k) => {
    const { x, p } = build(k);
    const opts = { stride: [k.sh, k.sw] as [number, number], padding: k.padding };
    const probe = g.conv2d.apply(p, x, opts);
    const wts = weights(probe.shape);
    const f = (xx: Tensor, ww: Tensor, bb: Tensor): Tensor => g.sum(g.mul(g.tanh(g.conv2d.apply({ w: ww, b: bb }, xx, opts)), wts));
    const r = g.checkGrad(f, [x, p.w, p.b], TOL);
    expect(r.ok, r.message).toBe(true);
  });

  it('maps over a batch of kernels under vmap like a loop over them', () => {
    const x = g.randomNormal(g.prngKey(1), [2, 5, 4, 2], 'float64');
    const ps = [0, 1, 2].map((i) => g.conv2d.init(g.prngKey(10 + i), 2, 3, 3, { dtype: 'float64' }));
    const ws = g.stack(ps.map((p) => p.w));
    const bs = g.stack(ps.map((p) => p.b));
    const batched = g.vmap((w: Tensor, b: Tensor) => g.conv2d.apply({ w, b }, x, { padding: 'same', stride: 2 }))(ws, bs);
    const looped = g.stack(ps.map((p) => g.conv2d.apply(p, x, { padding: 'same', stride: 2 })));
    expect(batched.shape).toEqual([3, 2, 3, 2, 3]);
    g.toArray(looped).forEach((v, i) => expect(g.toArray(batched)[i]).toBeCloseTo(v, 12));
  });

  it('does not change its inputs, and a 1×1 kernel is a per-pixel linear layer', () => {
    const x = g.randomNormal(g.prngKey(2), [3, 4, 5, 6], 'float64');
    const p = g.conv2d.init(g.prngKey(3), 6, 2, 1, { dtype: 'float64' });
    const before = [g.toArray(x), g.toArray(p.w)];
    const y = g.conv2d.apply(p, x);
    const lin = g.linear.apply({ w: g.reshape(p.w, [6, 2]), b: p.b }, g.reshape(x, [60, 6]));
    g.toArray(lin).forEach((v, i) => expect(g.toArray(y)[i]).toBeCloseTo(v, 12));
    expect([g.toArray(x), g.toArray(p.w)]).toEqual(before);
  });

  it('initialises by fan-in kh·kw·inC, deterministically from the key', () => {
    const p = g.conv2d.init(g.prngKey(4), 8, 16, [3, 5]);
    expect(p.w.shape).toEqual([3, 5, 8, 16]);
    expect(p.b.shape).toEqual([16]);
    const bound = Math.sqrt(6 / (6 * 120)); // kaiming uniform, a = √5
    expect(Math.max(...g.toArray(p.w).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...g.toArray(p.w).map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(g.toArray(g.conv2d.init(g.prngKey(4), 8, 16, [3, 5]).w)).toEqual(g.toArray(p.w));
    expect(g.toArray(g.conv2d.init(g.prngKey(4), 8, 16, 3, { bias: 'zeros' }).b)).toEqual(new Array(16).fill(0));
  });

  it('throws typed errors naming conv2d.init / conv2d.apply', () => {
    const p = g.conv2d.init(g.prngKey(0), 2, 3, 3);
    expect(() => g.conv2d.init(g.prngKey(0), 0, 3, 3)).toThrow(g.ValueError);
    expect(() => g.conv2d.init(g.prngKey(0), 2, 3, [3, 0] as never)).toThrow(/conv2d\.init: kernelSize must be an integer ≥ 1/);
    expect(() => g.conv2d.apply(p, g.ones([4, 4, 2]))).toThrow(
      /conv2d\.apply: input \[4, 4, 2\] does not match kernel \[3, 3, 2, 3\]; expected \[N, H, W, 2\]/,
    );
    expect(() => g.conv2d.apply(p, g.ones([1, 4, 4, 3]))).toThrow(g.ShapeError);
    expect(() => g.conv2d.apply(p, g.ones([1, 2, 4, 2]))).toThrow(/conv2d\.apply: a 3×3 kernel does not fit the 2×4 input with 'valid' padding/);
    expect(() => g.conv2d.apply(p, g.ones([1, 4, 4, 2]), { stride: 0 })).toThrow(/conv2d\.apply: stride must be/);
    expect(() => g.conv2d.apply(p, g.ones([1, 4, 4, 2]), { padding: 'full' as never })).toThrow(/conv2d\.apply: option padding/);
    expect(() => g.conv2d.apply({ w: p.b, b: p.b } as never, g.ones([1, 4, 4, 2]))).toThrow(/conv2d\.apply: params must be/);
    expect(g.conv2d.apply(p, g.ones([0, 4, 4, 2])).shape).toEqual([0, 2, 2, 3]);
  });
});
