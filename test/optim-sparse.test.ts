/**
 * Per-row gradient clipping (clipByRowNorm, withRowClipping).
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { ValueError, ArgumentError, clipByRowNorm, sgd, tensor, toArray, withRowClipping, type Tensor } from '../lib/index.ts';

const rowsArb = fc.integer({ min: 1, max: 6 }).chain((d) =>
  fc.array(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: d, maxLength: d }), { minLength: 1, maxLength: 8 }),
);

describe('clipByRowNorm', () => {
  test.prop([rowsArb, fc.double({ min: 0.01, max: 20, noNaN: true })])('each row scaled to norm ≤ maxNorm, direction kept, short rows unchanged', (rows, maxNorm) => {
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
  });

  it('trees, rank-1 leaves as one row, zero rows stay zero', () => {
    const out = clipByRowNorm({ w: tensor([[3, 4], [0, 0], [0.3, 0.4]], undefined, 'float64'), b: tensor([6, 8], undefined, 'float64') }, 1);
    expect(toArray(out.w)).toEqual([0.6, 0.8, 0, 0, 0.3, 0.4].map((v, i) => (i < 2 ? expect.closeTo(v, 12) : v)));
    expect(toArray(out.b).map((v) => +v.toFixed(12))).toEqual([0.6, 0.8]);
  });

  it('withRowClipping clips before the optimizer', () => {
    const opt = withRowClipping(1, sgd({ lr: 1 }));
    const x = tensor([[0, 0], [0, 0]], undefined, 'float64');
    const [y] = opt.update(tensor([[30, 40], [0.1, 0]], undefined, 'float64') as Tensor, opt.init(x), x);
    expect(toArray(y).map((v) => +v.toFixed(12))).toEqual([-0.6, -0.8, -0.1, 0]);
  });

  it('typed errors', () => {
    expect(() => clipByRowNorm(tensor([1]), 0)).toThrow(ValueError);
    expect(() => clipByRowNorm(tensor([1]), NaN)).toThrow(ValueError);
    expect(() => withRowClipping(1, {} as never)).toThrow(ArgumentError);
  });
});
