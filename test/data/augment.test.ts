/**
 * `randomShift` (seeded whole-pixel translations of image rows) and
 * `loadMnist({ perClass: 'all' })` (every image of the package).
 */
import { describe, expect, it } from 'vitest';
import * as g from '../../lib/index.ts';

describe('randomShift', () => {
  // 3 images of 4×5 with distinct pixel values 1 … 20 (+ 100·image)
  const x = g.tensor(
    Array.from({ length: 3 * 20 }, (_, i) => 1 + (i % 20) + 100 * Math.floor(i / 20)),
    [3, 20],
    'float64',
  );

  it('each row is its image translated by one offset within ±maxShift, zero-filled', () => {
    const y = g.toNested(g.randomShift(g.prngKey(5), x, { height: 4, width: 5, maxShift: 2 })) as number[][];
    const xs = g.toNested(x) as number[][];
    y.forEach((row, n) => {
      // find the offset that explains the row
      const fits: [number, number][] = [];
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const ok = row.every((v, p) => {
            const r = Math.floor(p / 5) - dy;
            const c = (p % 5) - dx;
            return v === (r >= 0 && r < 4 && c >= 0 && c < 5 ? xs[n][r * 5 + c] : 0);
          });
          if (ok) fits.push([dy, dx]);
        }
      }
      expect(fits.length).toBe(1);
    });
  });

  it('is a pure function of the key; x is unchanged; maxShift 0 is the identity', () => {
    const before = g.toArray(x);
    const a = g.toArray(g.randomShift(g.prngKey(1), x, { height: 4, width: 5 }));
    expect(g.toArray(g.randomShift(g.prngKey(1), x, { height: 4, width: 5 }))).toEqual(a);
    expect(g.toArray(x)).toEqual(before);
    expect(g.toArray(g.randomShift(g.prngKey(1), x, { height: 4, width: 5, maxShift: 0 }))).toEqual(before);
  });

  it('uses every offset in −s … s over many rows', () => {
    const one = g.tensor(
      Array.from({ length: 400 * 9 }, (_, i) => (i % 9 === 4 ? 1 : 0)),
      [400, 9],
    ); // a dot at the centre of 3×3
    const y = g.toArray(g.randomShift(g.prngKey(2), one, { height: 3, width: 3, maxShift: 1 }));
    const seen = new Set<number>();
    for (let n = 0; n < 400; n++) seen.add(y.slice(n * 9, n * 9 + 9).indexOf(1));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('empty batches pass; bad shapes and options are typed errors naming randomShift', () => {
    expect(g.randomShift(g.prngKey(0), g.zeros([0, 784])).shape).toEqual([0, 784]);
    expect(() => g.randomShift(g.prngKey(0), g.zeros([2, 10]))).toThrow(/randomShift: x has shape \[2, 10\]; expected \[N, 784\]/);
    expect(() => g.randomShift(g.prngKey(0), x, { height: 4, width: 5, maxShift: -1 })).toThrow(g.ValueError);
    expect(() => g.randomShift(g.prngKey(0), x, null as unknown as g.RandomShiftOptions)).toThrow(g.ArgumentError);
    // a bad key names randomShift (it used to surface from split), also for an empty batch
    expect(() => g.randomShift(3 as unknown as g.PRNGKey, x, { height: 4, width: 5 })).toThrow(/^randomShift: expected a PRNGKey/);
    expect(() => g.randomShift({} as unknown as g.PRNGKey, g.zeros([0, 20]), { height: 4, width: 5 })).toThrow(g.ArgumentError);
  });
});

describe("loadMnist({ perClass: 'all' })", () => {
  it('loads every image of the package: 10 000, 863 to 1127 per digit', async () => {
    const m = await g.loadMnist({ perClass: 'all' });
    expect(m.x.shape).toEqual([10000, 784]);
    const counts = new Array<number>(10).fill(0);
    for (const l of m.labels) counts[l]++;
    expect(Math.min(...counts)).toBe(863);
    expect(Math.max(...counts)).toBe(1127);
    const tail = await g.loadMnist({ perClass: 'all', offset: 860, digits: [5] });
    expect(tail.x.shape).toEqual([3, 784]);
    await expect(g.loadMnist({ perClass: 'all', offset: 863, digits: [5] })).rejects.toThrow(/digit 5 has 863 images; offset 863 leaves none/);
  });
});
