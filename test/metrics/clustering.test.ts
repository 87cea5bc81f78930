/**
 * Clustering metrics: NMI on hand-computed contingency tables, its special
 * cases and invariances, agreement with scikit-learn's
 * `normalized_mutual_info_score` (fixture), seeded k-means (determinism,
 * recovery of separated blobs, degenerate inputs), NMI of embeddings and the
 * NMI field of retrievalMetrics, and errors.
 */
import { readFileSync } from 'node:fs';
import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { ArgumentError, ShapeError, ValueError, permutation, prngKey, randomInt, randomNormal, split, tensor, toArray, type Tensor } from '../../lib/index.ts';
import { kmeans, nmi, normalizedMutualInformation, retrievalMetrics } from '../../lib/metrics/index.ts';

/** `k` well separated Gaussian blobs of `per` points in `dim` dimensions, class-major. */
function blobs(seed: number, k: number, per: number, dim: number, spread = 0.05): { x: Tensor; labels: Int32Array } {
  const [k1, k2] = split(prngKey(seed));
  const centres = toArray(randomNormal(k1, [k, dim], 'float64')).map((v) => 10 * v);
  const noise = toArray(randomNormal(k2, [k * per, dim], 'float64'));
  const x = new Float64Array(k * per * dim);
  const labels = new Int32Array(k * per);
  for (let i = 0; i < k * per; i++) {
    labels[i] = Math.floor(i / per);
    for (let d = 0; d < dim; d++) x[i * dim + d] = centres[labels[i] * dim + d] + spread * noise[i * dim + d];
  }
  return { x: tensor(x, [k * per, dim]), labels };
}

describe('normalizedMutualInformation', () => {
  test('a hand-computed 2×2 case', () => {
    // a = [0,0,1,1], b = [0,0,0,1]: joint counts (0,0)=2, (1,0)=1, (1,1)=1 over n = 4
    // I = ½ ln(½/(½·¾)) + ¼ ln(¼/(½·¾)) + ¼ ln(¼/(½·¼)); H(a) = ln 2; H(b) = −(¾ ln ¾ + ¼ ln ¼)
    const I = 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.log(2);
    const Ha = Math.log(2);
    const Hb = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 0, 0, 1])).toBeCloseTo(I / ((Ha + Hb) / 2), 14);
  });
  test('independent labelings of a balanced 2×2 table give 0', () => {
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
  });
  test('a perfect clustering gives 1, whatever the cluster ids', () => {
    const y = [0, 0, 1, 1, 2, 2, 2, 3];
    expect(normalizedMutualInformation(y, y)).toBeCloseTo(1, 15);
    expect(normalizedMutualInformation(y, [5, 5, -1, -1, 9, 9, 9, 0])).toBeCloseTo(1, 15);
  });
  propTest.prop([
    fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 60 }),
    fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 60, maxLength: 60 }),
    fc.integer({ min: 0, max: 1000 }),
  ])('invariant to renaming either side, symmetric, and within [0, 1]', (a, bFull, seed) => {
    const b = bFull.slice(0, a.length);
    const perm = permutation(prngKey(seed), 6);
    const v = normalizedMutualInformation(a, b);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
    expect(normalizedMutualInformation(b, a)).toBeCloseTo(v, 12);
    expect(
      normalizedMutualInformation(
        a.map((y) => perm[y] * 3 - 4),
        b,
      ),
    ).toBeCloseTo(v, 12);
    expect(
      normalizedMutualInformation(
        a,
        b.map((y) => perm[y]),
      ),
    ).toBeCloseTo(v, 12);
  });
  test('a random clustering is near 0', () => {
    const n = 5000;
    const y = randomInt(prngKey(1), n, 0, 10);
    const r = randomInt(prngKey(2), n, 0, 10);
    // the expected NMI of independent labelings is about (C−1)²/(2n) / ln C ≈ 0.004 here
    expect(normalizedMutualInformation(y, r)).toBeLessThan(0.02);
  });
  test("scikit-learn's special cases: both single-class → 1; one single-class → 0", () => {
    expect(normalizedMutualInformation([3, 3, 3], [1, 1, 1])).toBe(1);
    expect(normalizedMutualInformation([3, 3, 3], [0, 1, 2])).toBe(0);
    expect(normalizedMutualInformation([], [])).toBe(1);
  });
  test('agrees with scikit-learn 1.9 normalized_mutual_info_score (fixture)', () => {
    const ref = JSON.parse(readFileSync(new URL('../fixtures/data/pml-reference.json', import.meta.url), 'utf8')) as {
      nmi: { a: number[]; b: number[]; nmi: number }[];
    };
    expect(ref.nmi.length).toBe(4);
    for (const { a, b, nmi: expected } of ref.nmi) expect(normalizedMutualInformation(a, b)).toBeCloseTo(expected, 13);
  });
  test('errors', () => {
    expect(() => normalizedMutualInformation([0, 1], [0])).toThrow(ShapeError);
    expect(() => normalizedMutualInformation([0, 1.5], [0, 1])).toThrow(ValueError);
    expect(() => normalizedMutualInformation('01' as unknown as number[], [0, 1])).toThrow(ArgumentError);
  });
});

describe('kmeans', () => {
  const { x, labels } = blobs(3, 5, 30, 4);
  test('recovers well separated blobs (NMI 1, every cluster one blob)', () => {
    const r = kmeans(x, 5, prngKey(0));
    expect(normalizedMutualInformation(labels, r.assignments)).toBeCloseTo(1, 12);
    expect(r.converged).toBe(true);
    expect(r.centroids.shape).toEqual([5, 4]);
    expect(r.centroids.dtype).toBe('float64');
    expect(r.inertia).toBeGreaterThan(0);
    expect(r.inertia).toBeLessThan(150 * 4 * 0.05 ** 2 * 2);
  });
  test('deterministic under the same key', () => {
    const a = kmeans(x, 7, prngKey(42));
    const b = kmeans(x, 7, prngKey(42));
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    expect(toArray(a.centroids)).toEqual(toArray(b.centroids));
    expect(a.inertia).toBe(b.inertia);
  });
  test('the key matters on ambiguous data', () => {
    const noise = randomNormal(prngKey(5), [200, 2], 'float64');
    const runs = [0, 1, 2, 3, 4, 5].map((s) => Array.from(kmeans(noise, 6, prngKey(s)).assignments).join());
    expect(new Set(runs).size).toBeGreaterThan(1);
  });
  test('k = N puts every point in its own cluster; k = 1 gives the mean', () => {
    const pts = tensor(
      [
        [0, 0],
        [1, 0],
        [0, 3],
      ],
      undefined,
      'float64',
    );
    const r = kmeans(pts, 3, prngKey(0));
    expect(new Set(r.assignments).size).toBe(3);
    expect(r.inertia).toBe(0);
    const one = kmeans(pts, 1, prngKey(0));
    expect(toArray(one.centroids)).toEqual([1 / 3, 1]);
    expect(one.inertia).toBeCloseTo(1 / 9 + 1 + 4 / 9 + 1 + 1 / 9 + 4, 12);
  });
  test('identical points with k > 1 do not break it', () => {
    const r = kmeans(
      tensor([
        [2, 2],
        [2, 2],
        [2, 2],
        [2, 2],
      ]),
      3,
      prngKey(9),
    );
    expect(r.inertia).toBe(0);
    for (const a of r.assignments) expect(a >= 0 && a < 3).toBe(true);
  });
  test('float32 input gives float32 centroids', () => {
    expect(kmeans(tensor([[0], [1], [10], [11]]), 2, prngKey(0)).centroids.dtype).toBe('float32');
  });
  test('errors', () => {
    expect(() => kmeans(x, 0, prngKey(0))).toThrow(ValueError);
    expect(() => kmeans(x, 151, prngKey(0))).toThrow(/k must be an integer in \[1, 150\]/);
    expect(() => kmeans(tensor([1, 2, 3]), 1, prngKey(0))).toThrow(ShapeError);
    expect(() => kmeans(tensor([[NaN], [1]]), 1, prngKey(0))).toThrow(ValueError);
    expect(() => kmeans(x, 2, prngKey(0), { maxIter: 0 })).toThrow(ValueError);
    expect(() => kmeans(x, 2, { kind: 'nope' } as never)).toThrow(ArgumentError);
  });
});

describe('nmi of embeddings', () => {
  const { x, labels } = blobs(8, 6, 20, 3);
  test('separated classes give NMI 1, invariant to permuting class ids', () => {
    expect(nmi(x, labels, prngKey(1))).toBeCloseTo(1, 12);
    const perm = permutation(prngKey(2), 6);
    expect(
      nmi(
        x,
        Array.from(labels, (y) => perm[y] + 100),
        prngKey(1),
      ),
    ).toBeCloseTo(1, 12);
  });
  test('labels unrelated to the geometry give NMI near 0', () => {
    const random = randomInt(prngKey(3), 120, 0, 6);
    expect(nmi(x, random, prngKey(1))).toBeLessThan(0.15);
  });
  test('deterministic under the same key', () => {
    const noise = randomNormal(prngKey(4), [150, 3], 'float64');
    const y = randomInt(prngKey(5), 150, 0, 5);
    expect(nmi(noise, y, prngKey(7))).toBe(nmi(noise, y, prngKey(7)));
  });
  test('normalize: clusters of directions', () => {
    // two directions at many scales: raw k-means splits by scale, normalised k-means by direction
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = i % 2 === 0 ? 1 : 50;
      rows.push([s, 0.01 * i]);
      y.push(0);
      rows.push([0.01 * i, s]);
      y.push(1);
    }
    const e = tensor(rows, undefined, 'float64');
    expect(nmi(e, y, prngKey(0), { normalize: true })).toBeCloseTo(1, 12);
    expect(nmi(e, y, prngKey(0))).toBeLessThan(0.5);
  });
  test('retrievalMetrics computes NMI only with a key (k-means on normalised rows for cosine)', () => {
    expect(retrievalMetrics(x, labels).nmi).toBeUndefined();
    const m = retrievalMetrics(x, labels, { key: prngKey(1), distance: 'euclidean' });
    expect(m.nmi).toBeCloseTo(nmi(x, labels, prngKey(1)), 15);
    const c = retrievalMetrics(x, labels, { key: prngKey(1) });
    expect(c.nmi).toBe(nmi(x, labels, prngKey(1), { normalize: true }));
  });
  test('errors', () => {
    expect(() => nmi(x, [0, 1], prngKey(0))).toThrow(ShapeError);
    expect(() => nmi(tensor([1, 2]), [0, 1], prngKey(0))).toThrow(ShapeError);
  });
});
