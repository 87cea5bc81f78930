/**
 * The layers `dropout`, `layerNorm` and `embedding`: values, determinism from
 * the key, statistics of the dropout mask, edge cases (constant rows, empty
 * tensors) and typed errors naming the public function. Gradients are checked
 * against finite differences in property-tests/nn-layers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as g from '../lib/index.ts';

describe('dropout', () => {
  const x = g.randomNormal(g.prngKey(1), [100, 100], 'float64', 1, 0.1);

  it('returns x itself outside training and for rate 0', () => {
    expect(g.dropout(g.prngKey(0), x, 0.5, false)).toBe(x);
    expect(g.dropout(g.prngKey(0), x, 0)).toBe(x);
  });

  it('is a pure function of the key: same key, same mask; another key, another mask; x unchanged', () => {
    const before = g.toArray(x);
    const a = g.toArray(g.dropout(g.prngKey(7), x, 0.3));
    const b = g.toArray(g.dropout(g.prngKey(7), x, 0.3));
    const c = g.toArray(g.dropout(g.prngKey(8), x, 0.3));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(g.toArray(x)).toEqual(before);
  });

  it('drops a fraction rate of the entries (within 5σ of the binomial) and keeps the mean', () => {
    for (const rate of [0.1, 0.3, 0.7]) {
      const y = g.toArray(g.dropout(g.prngKey(3), x, rate));
      const n = y.length;
      const dropped = y.filter((v) => v === 0).length / n;
      expect(Math.abs(dropped - rate)).toBeLessThan(5 * Math.sqrt((rate * (1 - rate)) / n));
      // E[y] = E[x] ≈ 1; the std of the mean of y is ≈ sqrt(rate / (1 − rate) / n)
      const mean = y.reduce((p, q) => p + q, 0) / n;
      expect(Math.abs(mean - 1)).toBeLessThan(5 * Math.sqrt(rate / (1 - rate) / n) + 0.01);
      for (const v of y) expect(v === 0 || Math.abs(v * (1 - rate) - 1) < 0.6).toBe(true);
    }
  });

  it('keeps the dtype and shape, and passes empty tensors through', () => {
    const y = g.dropout(g.prngKey(0), g.ones([2, 3]), 0.5);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([2, 3]);
    const e = g.zeros([0, 4]);
    expect(g.dropout(g.prngKey(0), e, 0.5).shape).toEqual([0, 4]);
  });

  it('inside vmap every example gets the same mask (the key is not batched), as the TSDoc says; outside, rows differ', () => {
    const xs = g.ones([4, 64], 'float64');
    const inside = g.toNested(g.vmap((r: g.Tensor) => g.dropout(g.prngKey(2), r, 0.5))(xs)) as number[][];
    for (const row of inside) expect(row).toEqual(inside[0]);
    expect(inside[0]).toEqual(g.toArray(g.dropout(g.prngKey(2), g.ones([64], 'float64'), 0.5)));
    const outside = g.toNested(g.dropout(g.prngKey(2), xs, 0.5)) as number[][];
    expect(outside.some((row) => JSON.stringify(row) !== JSON.stringify(outside[0]))).toBe(true);
  });

  it('throws typed errors naming dropout', () => {
    expect(() => g.dropout(g.prngKey(0), x, 1)).toThrow(g.ValueError);
    expect(() => g.dropout(g.prngKey(0), x, -0.1)).toThrow(/dropout: rate must be a number in \[0, 1\), got -0.1/);
    expect(() => g.dropout(g.prngKey(0), x, Number.NaN)).toThrow(g.ValueError);
    expect(() => g.dropout({} as g.PRNGKey, x, 0.5)).toThrow(/dropout: key must be a PRNGKey/);
    expect(() => g.dropout(g.prngKey(0), [1, 2] as unknown as g.Tensor, 0.5)).toThrow(g.ArgumentError);
    expect(() => g.dropout(g.prngKey(0), x, 0.5, 'yes' as unknown as boolean)).toThrow(/dropout: training must be a boolean/);
  });
});

describe('layerNorm', () => {
  it('init gives scale ones and bias zeros of the dtype', () => {
    const p = g.layerNorm.init(3, { dtype: 'float64' });
    expect(g.toArray(p.scale)).toEqual([1, 1, 1]);
    expect(g.toArray(p.bias)).toEqual([0, 0, 0]);
    expect(p.scale.dtype).toBe('float64');
  });

  it('normalises each row over the last axis, then scales and shifts', () => {
    const x = g.tensor(
      [
        [1, 2, 3, 6],
        [-1, 0, 0, 5],
      ],
      undefined,
      'float64',
    );
    const p = { scale: g.tensor([1, 2, 0.5, 1], undefined, 'float64'), bias: g.tensor([0, 1, 0, -1], undefined, 'float64') };
    const y = g.toNested(g.layerNorm.apply(p, x)) as number[][];
    const rows = [
      [1, 2, 3, 6],
      [-1, 0, 0, 5],
    ];
    rows.forEach((r, i) => {
      const m = r.reduce((a, b) => a + b, 0) / 4;
      const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
      const expected = r.map((t, j) => ((t - m) / Math.sqrt(v + 1e-5)) * [1, 2, 0.5, 1][j] + [0, 1, 0, -1][j]);
      y[i].forEach((t, j) => expect(t).toBeCloseTo(expected[j], 12));
    });
  });

  it('with the init parameters, rows have mean 0 and variance ≈ 1, at any rank', () => {
    const x = g.randomNormal(g.prngKey(2), [2, 3, 16], 'float64', 4, 3);
    const y = g.layerNorm.apply(g.layerNorm.init(16, { dtype: 'float64' }), x);
    expect(y.shape).toEqual([2, 3, 16]);
    for (const m of g.toArray(g.mean(y, -1))) expect(Math.abs(m)).toBeLessThan(1e-12);
    for (const v of g.toArray(g.mean(g.square(y), -1))) expect(v).toBeCloseTo(1, 4);
  });

  it('a constant row gives the bias with finite gradients (ε keeps the pole away)', () => {
    const p = { scale: g.tensor([2, 2, 2], undefined, 'float64'), bias: g.tensor([0.5, -1, 3], undefined, 'float64') };
    const x = g.tensor([[4, 4, 4]], undefined, 'float64');
    expect(g.toArray(g.layerNorm.apply(p, x))).toEqual([0.5, -1, 3]);
    const gx = g.grad((a: g.Tensor) => g.sum(g.mul(g.layerNorm.apply(p, a), g.tensor([1, 2, 3], undefined, 'float64'))))(x);
    expect(g.toArray(gx).every(Number.isFinite)).toBe(true);
  });

  it('throws typed errors naming layerNorm', () => {
    const p = g.layerNorm.init(3);
    expect(() => g.layerNorm.apply(p, g.ones([2, 4]))).toThrow(/layerNorm\.apply: input \[2, 4\] does not match 3 features/);
    expect(() => g.layerNorm.apply({} as g.LayerNormParams, g.ones([2, 3]))).toThrow(g.ArgumentError);
    expect(() => g.layerNorm.apply(p, g.ones([2, 3]), { eps: 0 })).toThrow(/layerNorm\.apply: eps must be a finite number > 0/);
    expect(() => g.layerNorm.init(0)).toThrow(/layerNorm\.init: dim must be an integer ≥ 1, got 0/);
    expect(() => g.layerNorm.init(2, { dtype: 'int8' as 'float32' })).toThrow(g.DTypeError);
  });
});

describe('embedding', () => {
  it('init is seeded: same key, same table; N(0, std²) entries', () => {
    const a = g.embedding.init(g.prngKey(4), 50, 40);
    const b = g.embedding.init(g.prngKey(4), 50, 40);
    expect(g.toArray(a.table)).toEqual(g.toArray(b.table));
    expect(a.table.shape).toEqual([50, 40]);
    const s = g.toArray(g.embedding.init(g.prngKey(4), 50, 40, { std: 0.1 }).table);
    const sd = Math.sqrt(s.reduce((p, q) => p + q * q, 0) / s.length);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
  });

  it('apply takes the rows of the ids, in order, repeats allowed', () => {
    const table = g.tensor([
      [0, 1],
      [10, 11],
      [20, 21],
    ]);
    expect(g.toNested(g.embedding.apply({ table }, [2, 0, 2]))).toEqual([
      [20, 21],
      [0, 1],
      [20, 21],
    ]);
    expect(g.embedding.apply({ table }, new Int32Array(0)).shape).toEqual([0, 2]);
  });

  it('the gradient of the table accumulates over repeated ids and is 0 for unused rows', () => {
    const table = g.tensor(
      [
        [0, 1],
        [10, 11],
        [20, 21],
      ],
      undefined,
      'float64',
    );
    const gt = g.grad((p: g.EmbeddingParams) => g.sum(g.embedding.apply(p, [2, 0, 2])))({ table });
    expect(g.toNested(gt.table)).toEqual([
      [1, 1],
      [0, 0],
      [2, 2],
    ]);
  });

  it('throws typed errors naming embedding', () => {
    const p = g.embedding.init(g.prngKey(0), 3, 2);
    expect(() => g.embedding.apply(p, [0, 3])).toThrow(/embedding\.apply: id 3 at position 1 is out of range; expected an integer in \[0, 2\]/);
    expect(() => g.embedding.apply(p, 'x' as unknown as number[])).toThrow(g.ArgumentError);
    expect(() => g.embedding.apply({ table: g.ones([3]) }, [0])).toThrow(g.ArgumentError);
    expect(() => g.embedding.init(g.prngKey(0), 0, 2)).toThrow(/embedding\.init: count must be an integer ≥ 1, got 0/);
    expect(() => g.embedding.init(g.prngKey(0), 2, 2, { std: -1 })).toThrow(g.ValueError);
    expect(() => g.embedding.init(null as unknown as g.PRNGKey, 2, 2)).toThrow(g.ArgumentError);
  });
});
