/**
 * Retrieval metrics: hand-derived cases on a line and in the plane (the
 * neighbour lists are written out in the comments), the documented tie rule,
 * lone queries, the three distance options, exact agreement with
 * pytorch-metric-learning's AccuracyCalculator on a fixture, a brute-force
 * reference under fast-check, blocked distance computation, and errors.
 */
import { readFileSync } from 'node:fs';
import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test, vi } from 'vitest';
import {
  ArgumentError,
  ShapeError,
  ValueError,
  abs,
  expandDims,
  neg,
  poincareBall,
  prngKey,
  randomNormal,
  sub,
  sum,
  tensor,
  toArray,
  type Tensor,
} from '../../lib/index.ts';
import { knn, mapAtR, precisionAt1, rPrecision, recallAtK, retrievalMetrics, type Distance } from '../../lib/metrics/index.ts';
import { neighbourLists } from '../../lib/metrics/neighbours.ts';

const col = (xs: readonly number[]): Tensor =>
  tensor(
    xs.map((v) => [v]),
    undefined,
    'float64',
  );

// ------------------------------------------------------------ hand-derived: points on a line
//
// positions   0    1    3    7   8.5   20
// index       0    1    2    3    4    5
// class       a    a    b    a    b    b        (every class has 3 items, so R = 2 for every query)
//
// neighbours (nearest first, euclidean = |difference|), and relevance to the query's class:
//   q0 (a): 1 (1)   2 (3)   3 (7)   4 (8.5)  5 (20)    rel 1 0 1 0 0
//   q1 (a): 0 (1)   2 (2)   3 (6)   4 (7.5)  5 (19)    rel 1 0 1 0 0
//   q2 (b): 1 (2)   0 (3)   3 (4)   4 (5.5)  5 (17)    rel 0 0 0 1 1
//   q3 (a): 4 (1.5) 2 (4)   1 (6)   0 (7)    5 (13)    rel 0 0 1 1 0
//   q4 (b): 3 (1.5) 2 (5.5) 1 (7.5) 0 (8.5)  5 (11.5)  rel 0 1 0 0 1
//   q5 (b): 4 (11.5) 3 (13) 2 (17)  1 (19)   0 (20)    rel 1 0 1 0 0
// rank of the first relevant neighbour: 1 1 4 3 2 1
//   Recall@1 = 3/6, Recall@2 = 4/6, Recall@3 = 5/6, Recall@4 = 1
//   R-precision (relevant among the 2 nearest / 2): ½ ½ 0 0 ½ ½ → 2/6
//   MAP@R, (1/R) Σ_{i≤R} P(i) rel(i):  q0 (1)/2, q1 (1)/2, q2 0, q3 0, q4 (½)/2, q5 (1)/2 → 1.75/6
const LINE = [0, 1, 3, 7, 8.5, 20];
const LINE_LABELS = [0, 0, 1, 0, 1, 1];

describe('hand-derived case on a line (euclidean)', () => {
  const x = col(LINE);
  test('neighbour lists', () => {
    const nn = knn(x, 5, 'euclidean');
    expect(Array.from(nn.indices)).toEqual([1, 2, 3, 4, 5, 0, 2, 3, 4, 5, 1, 0, 3, 4, 5, 4, 2, 1, 0, 5, 3, 2, 1, 0, 5, 4, 3, 2, 1, 0]);
    expect(Array.from(nn.distances.subarray(15, 20))).toEqual([1.5, 4, 6, 7, 13]);
  });
  test('Recall@K', () => {
    expect(recallAtK(x, LINE_LABELS, [1, 2, 3, 4, 5], 'euclidean')).toEqual([3 / 6, 4 / 6, 5 / 6, 1, 1]);
  });
  test('precision@1, R-precision, MAP@R', () => {
    expect(precisionAt1(x, LINE_LABELS, 'euclidean')).toBe(0.5);
    expect(rPrecision(x, LINE_LABELS, 'euclidean')).toBeCloseTo(2 / 6, 15);
    expect(mapAtR(x, LINE_LABELS, 'euclidean')).toBeCloseTo(1.75 / 6, 15);
  });
  test('retrievalMetrics gives the same numbers in one pass', () => {
    const m = retrievalMetrics(x, Int32Array.from(LINE_LABELS), { ks: [1, 2, 3, 4], distance: 'euclidean' });
    expect(m.recallAtK).toEqual([3 / 6, 4 / 6, 5 / 6, 1]);
    expect(m.precisionAt1).toBe(0.5);
    expect(m.rPrecision).toBeCloseTo(2 / 6, 15);
    expect(m.mapAtR).toBeCloseTo(1.75 / 6, 15);
    expect(m.queries).toBe(6);
    expect(m.nmi).toBeUndefined();
    expect(m.ks).toEqual([1, 2, 3, 4]);
  });
  test('K above N − 1 acts as N − 1', () => {
    expect(recallAtK(x, LINE_LABELS, [100], 'euclidean')).toEqual([1]);
    expect(knn(x, 100, 'euclidean').k).toBe(5);
  });
  test('class ids need not be dense, and float32 embeddings give the same result', () => {
    const labels = LINE_LABELS.map((y) => (y === 0 ? -7 : 1000));
    expect(mapAtR(tensor(LINE.map((v) => [v])), labels, 'euclidean')).toBeCloseTo(1.75 / 6, 15);
  });
});

// ------------------------------------------------------------ hand-derived: cosine vs euclidean in the plane
//
// x0 = (1, 0) class 0, x1 = (10, 1) class 0, x2 = (1, 0.5) class 1, x3 = (0, 2) class 1;  R = 1 for all.
// euclidean: d01 = √82 ≈ 9.06, d02 = 0.5, d03 = √5 ≈ 2.24, d12 = √81.25 ≈ 9.01, d13 = √101 ≈ 10.05, d23 = √3.25 ≈ 1.80
//   nearest: q0 → x2 (miss), q1 → x2 (miss), q2 → x0 (miss), q3 → x2 (hit)            P@1 = 1/4
//   second:  q0 → x3 (miss), q1 → x0 (hit),  q2 → x3 (hit)                             Recall@2 = 3/4
// cosine (angles 0°, 5.71°, 26.57°, 90°):
//   nearest: q0 → x1 (hit), q1 → x0 (hit), q2 → x1 (miss, 20.9° < 26.6° to x0), q3 → x2 (hit)   P@1 = 3/4
//   q2's order is x1, x0, x3: its only relevant item is third                           Recall@2 = 3/4, Recall@3 = 1
const PLANE = tensor(
  [
    [1, 0],
    [10, 1],
    [1, 0.5],
    [0, 2],
  ],
  undefined,
  'float64',
);
const PLANE_LABELS = [0, 0, 1, 1];

describe('hand-derived case in the plane: the distance option matters', () => {
  test('euclidean', () => {
    expect(recallAtK(PLANE, PLANE_LABELS, [1, 2, 3], 'euclidean')).toEqual([1 / 4, 3 / 4, 1]);
    // R = 1, so R-precision and MAP@R equal precision@1
    expect(rPrecision(PLANE, PLANE_LABELS, 'euclidean')).toBe(1 / 4);
    expect(mapAtR(PLANE, PLANE_LABELS, 'euclidean')).toBe(1 / 4);
  });
  test('cosine (the default)', () => {
    expect(recallAtK(PLANE, PLANE_LABELS, [1, 2, 3])).toEqual([3 / 4, 3 / 4, 1]);
    expect(precisionAt1(PLANE, PLANE_LABELS)).toBe(3 / 4);
    expect(Array.from(knn(PLANE, 3).indices.subarray(6, 9))).toEqual([1, 0, 3]);
  });
  test('cosine is scale-invariant, euclidean is not', () => {
    const scaled = tensor(
      [
        [3, 0],
        [10, 1],
        [0.1, 0.05],
        [0, 2],
      ],
      undefined,
      'float64',
    );
    expect(recallAtK(scaled, PLANE_LABELS, [1, 2])).toEqual([3 / 4, 3 / 4]);
    expect(recallAtK(scaled, PLANE_LABELS, [1], 'euclidean')).not.toEqual([1 / 4]);
  });
  test('a custom distance function (Manhattan, written with ops)', () => {
    const manhattan: Distance = (a, b) => sum(abs(sub(expandDims(a, 1), expandDims(b, 0))), -1);
    // Manhattan: d01 = 10, d02 = 0.5, d03 = 3, d12 = 9.5, d13 = 11, d23 = 2.5
    // nearest: q0 → x2 (miss), q1 → x2 (miss), q2 → x0 (miss), q3 → x2 (hit)
    expect(precisionAt1(PLANE, PLANE_LABELS, manhattan)).toBe(1 / 4);
    const nn = knn(PLANE, 3, manhattan);
    expect(Array.from(nn.distances)).toEqual([0.5, 3, 10, 9.5, 10, 11, 0.5, 2.5, 9.5, 2.5, 3, 11]);
  });
  test('the custom function decides the order: negated euclidean retrieves the farthest first', () => {
    const far: Distance = (a, b) => neg(sum(abs(sub(expandDims(a, 1), expandDims(b, 0))), -1));
    // farthest: q0 → x1 (hit), q1 → x3 (miss), q2 → x1 (miss), q3 → x1 (miss)
    expect(precisionAt1(PLANE, PLANE_LABELS, far)).toBe(1 / 4);
    expect(Array.from(knn(PLANE, 1, far).indices)).toEqual([1, 3, 1, 1]);
  });
});

describe('hyperbolic distance: ball.pairwiseDist', () => {
  const ball = poincareBall({ c: 1 });
  test('rankings agree with a brute-force ranking by ball.dist', () => {
    const raw = randomNormal(prngKey(7), [24, 3], 'float64');
    const pts = ball.expmap0(raw);
    const labels = Array.from({ length: 24 }, (_, i) => i % 4);
    const nn = knn(pts, 23, (a, b) => ball.pairwiseDist(a, b));
    const all = toArray(ball.pairwiseDist(pts, pts));
    for (let q = 0; q < 24; q++) {
      const order = Array.from({ length: 24 }, (_, j) => j)
        .filter((j) => j !== q)
        .sort((i, j) => all[q * 24 + i] - all[q * 24 + j] || i - j);
      expect(Array.from(nn.indices.subarray(q * 23, q * 23 + 23))).toEqual(order);
    }
    const m = retrievalMetrics(pts, labels, { ks: [1, 5], distance: ball.pairwiseDist });
    expect(m.recallAtK[0]).toBe(m.precisionAt1);
    expect(recallAtK(pts, labels, [1, 5], ball.pairwiseDist)).toEqual(m.recallAtK);
  });
});

// ------------------------------------------------------------ ties, self-exclusion, lone queries

describe('documented conventions', () => {
  test('equal distances are ranked by ascending row index', () => {
    // positions 0, 1, −1: query 0 has neighbours 1 and 2, both at distance 1 → row 1 comes first
    const x = col([0, 1, -1]);
    expect(Array.from(knn(x, 2, 'euclidean').indices.subarray(0, 2))).toEqual([1, 2]);
    // q0's tie: row 1 first. Labels a, b, a → q0 misses at rank 1 (hits at 2); q2 → nearest q0 (hit); q1 lone
    expect(recallAtK(x, [0, 1, 0], [1, 2], 'euclidean')).toEqual([1 / 2, 1]);
    // labels a, a, b → q0 hits at rank 1
    expect(recallAtK(x, [0, 0, 1], [1], 'euclidean')).toEqual([1]);
  });
  test('the query is excluded by index: an exact duplicate of it is still a neighbour', () => {
    const x = col([5, 5, 9]);
    expect(Array.from(knn(x, 1, 'euclidean').indices)).toEqual([1, 0, 0]);
    expect(precisionAt1(x, [0, 0, 1], 'euclidean')).toBe(1); // the lone q2 is excluded
  });
  test('lone queries (no other item of their class) are excluded from every average', () => {
    // add a lone item at 100: it is excluded as a query and is nobody's neighbour within the K and R used here
    const withLone = retrievalMetrics(col([...LINE, 100]), [...LINE_LABELS, 9], { ks: [1, 4], distance: 'euclidean' });
    const without = retrievalMetrics(col(LINE), LINE_LABELS, { ks: [1, 4], distance: 'euclidean' });
    expect(withLone.queries).toBe(6);
    expect(withLone.recallAtK).toEqual(without.recallAtK);
    expect(withLone.mapAtR).toBeCloseTo(without.mapAtR, 15);
  });
  test('no query with a partner → ValueError', () => {
    expect(() => precisionAt1(col([0, 1, 2]), [0, 1, 2])).toThrow(ValueError);
    expect(() => precisionAt1(col([0, 1, 2]), [0, 1, 2])).toThrow(/no query has another item of its class/);
  });
  test('a zero embedding under cosine is at distance 1 from everything', () => {
    const nn = knn(
      tensor(
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
        undefined,
        'float64',
      ),
      2,
    );
    expect(Array.from(nn.distances.subarray(0, 2))).toEqual([1, 1]);
  });
});

// ------------------------------------------------------------ pytorch-metric-learning parity

interface PmlReference {
  embeddings: number[][];
  labels: number[];
  ks: number[];
  euclidean: { precisionAt1: number; rPrecision: number; mapAtR: number; recallAtK: number[] };
  cosine: { precisionAt1: number; rPrecision: number; mapAtR: number; recallAtK: number[] };
}

describe('agreement with pytorch-metric-learning 2.9 AccuracyCalculator (fixture, 80 points, one lone query)', () => {
  const ref = JSON.parse(readFileSync(new URL('../fixtures/data/pml-reference.json', import.meta.url), 'utf8')) as PmlReference;
  for (const dist of ['euclidean', 'cosine'] as const) {
    test(dist, () => {
      const m = retrievalMetrics(tensor(ref.embeddings, undefined, 'float64'), ref.labels, { ks: ref.ks, distance: dist });
      expect(m.queries).toBe(79);
      expect(m.precisionAt1).toBeCloseTo(ref[dist].precisionAt1, 12);
      expect(m.rPrecision).toBeCloseTo(ref[dist].rPrecision, 12);
      expect(m.mapAtR).toBeCloseTo(ref[dist].mapAtR, 12);
      m.recallAtK.forEach((r, i) => expect(r).toBeCloseTo(ref[dist].recallAtK[i], 12));
    });
  }
});

// ------------------------------------------------------------ brute-force reference

/** The definitions written out directly: full sort of every row by (distance, index). */
function reference(points: number[][], labels: number[], ks: number[]): { recall: number[]; p1: number; rp: number; map: number } {
  const n = points.length;
  let queries = 0,
    p1 = 0,
    rp = 0,
    map = 0;
  const hits = ks.map(() => 0);
  for (let q = 0; q < n; q++) {
    const R = labels.filter((y) => y === labels[q]).length - 1;
    if (R === 0) continue;
    queries++;
    const d = (j: number): number => points[q].reduce((s, v, t) => s + (v - points[j][t]) ** 2, 0);
    const order = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== q)
      .sort((i, j) => d(i) - d(j) || i - j);
    const rel = order.map((j) => (labels[j] === labels[q] ? 1 : 0));
    ks.forEach((k, t) => {
      if (rel.slice(0, k).some((r) => r === 1)) hits[t]++;
    });
    p1 += rel[0];
    let c = 0,
      ap = 0;
    for (let i = 0; i < R; i++)
      if (rel[i]) {
        c++;
        ap += c / (i + 1);
      }
    rp += c / R;
    map += ap / R;
  }
  return { recall: hits.map((h) => h / queries), p1: p1 / queries, rp: rp / queries, map: map / queries };
}

describe('brute-force reference (integer coordinates, so exact ties are frequent)', () => {
  const data = fc
    .integer({ min: 2, max: 24 })
    .chain((n) =>
      fc.record({
        points: fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 2, maxLength: 2 }), { minLength: n, maxLength: n }),
        labels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
      }),
    )
    .filter(({ labels }) => new Set(labels).size < labels.length);
  propTest.prop([data], { numRuns: 150 })('retrievalMetrics equals the definitions', ({ points, labels }) => {
    const ks = [1, 2, 3, 5];
    const m = retrievalMetrics(tensor(points, undefined, 'float64'), labels, { ks, distance: 'euclidean' });
    const r = reference(points, labels, ks);
    expect(m.recallAtK).toEqual(r.recall);
    expect(m.precisionAt1).toBe(r.p1);
    expect(m.rPrecision).toBeCloseTo(r.rp, 12);
    expect(m.mapAtR).toBeCloseTo(r.map, 12);
  });
});

describe('blocked distance computation', () => {
  test('N = 2100 (two row blocks): neighbour lists equal a full sort, for both built-in distances', () => {
    const N = 2100;
    const x = randomNormal(prngKey(11), [N, 3], 'float64');
    const v = toArray(x);
    for (const dist of ['euclidean', 'cosine'] as const) {
      const nn = knn(x, 4, dist);
      for (const q of [0, 1, 1000, 1996, 1997, 1998, 2099]) {
        const d = (j: number): number => {
          let dot = 0,
            a = 0,
            b = 0,
            e = 0;
          for (let t = 0; t < 3; t++) {
            dot += v[q * 3 + t] * v[j * 3 + t];
            a += v[q * 3 + t] ** 2;
            b += v[j * 3 + t] ** 2;
            e += (v[q * 3 + t] - v[j * 3 + t]) ** 2;
          }
          return dist === 'euclidean' ? e : 1 - dot / Math.sqrt(a * b);
        };
        const order = Array.from({ length: N }, (_, j) => j)
          .filter((j) => j !== q)
          .sort((i, j) => d(i) - d(j) || i - j);
        expect(Array.from(nn.indices.subarray(q * 4, q * 4 + 4))).toEqual(order.slice(0, 4));
        for (let t = 0; t < 4; t++) {
          const expected = dist === 'euclidean' ? Math.sqrt(d(order[t])) : d(order[t]);
          expect(nn.distances[q * 4 + t]).toBeCloseTo(expected, 10);
        }
      }
    }
  });
  propTest.prop([fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 1000 })], { numRuns: 60 })(
    'any block size gives the same lists (blocks of 1 row up to all rows), all three distance kinds',
    (n, entries, seed) => {
      const x = randomNormal(prngKey(seed), [n, 3], 'float64');
      const m = Math.min(n - 1, 5);
      const manhattan: Distance = (a, b) => sum(abs(sub(expandDims(a, 1), expandDims(b, 0))), -1);
      for (const dist of ['euclidean', 'cosine', manhattan] as const) {
        const whole = neighbourLists('t', x, m, dist);
        const blocked = neighbourLists('t', x, m, dist, entries);
        expect(Array.from(blocked.indices)).toEqual(Array.from(whole.indices));
        expect(Array.from(blocked.distances)).toEqual(Array.from(whole.distances));
      }
    },
  );
  test('a custom distance is called on row blocks of the embeddings against all of them', () => {
    const N = 2100;
    const x = randomNormal(prngKey(12), [N, 2]);
    const calls: [number[], number[]][] = [];
    const f = vi.fn((a: Tensor, b: Tensor) => {
      calls.push([[...a.shape], [...b.shape]]);
      return sum(abs(sub(expandDims(a, 1), expandDims(b, 0))), -1);
    });
    knn(x, 1, f);
    expect(calls.length).toBe(2);
    expect(calls[0][1]).toEqual([N, 2]);
    expect(calls[0][0][0] + calls[1][0][0]).toBe(N);
  });
});

// ------------------------------------------------------------ errors

describe('typed errors', () => {
  const x = col(LINE);
  test('labels length mismatch → ShapeError', () => {
    expect(() => recallAtK(x, [0, 1], [1])).toThrow(ShapeError);
    expect(() => retrievalMetrics(x, [0, 1, 0])).toThrow(/got 3 labels for 6 embeddings/);
  });
  test('K < 1 or not an integer → ValueError', () => {
    expect(() => recallAtK(x, LINE_LABELS, [0])).toThrow(ValueError);
    expect(() => recallAtK(x, LINE_LABELS, [1.5])).toThrow(ValueError);
    expect(() => retrievalMetrics(x, LINE_LABELS, { ks: [-1] })).toThrow(/every K must be an integer ≥ 1/);
    expect(() => knn(x, 0)).toThrow(ValueError);
  });
  test('fewer than 2 embeddings → ValueError', () => {
    expect(() => recallAtK(col([1]), [0], [1])).toThrow(ValueError);
    expect(() => mapAtR(col([1]), [0])).toThrow(/at least 2 embeddings/);
  });
  test('non-matrix embeddings → ShapeError; not a tensor → ArgumentError', () => {
    expect(() => precisionAt1(tensor([1, 2, 3]), [0, 0, 1])).toThrow(ShapeError);
    expect(() => precisionAt1([[1], [2]] as unknown as Tensor, [0, 0])).toThrow(ArgumentError);
  });
  test('non-integer labels → ValueError', () => {
    expect(() => precisionAt1(x, [0, 0.5, 1, 0, 1, 1])).toThrow(ValueError);
  });
  test('non-finite embeddings → ValueError', () => {
    expect(() => precisionAt1(col([0, NaN, 1, 2]), [0, 0, 1, 1], 'euclidean')).toThrow(/not finite/);
  });
  test('a bad distance option → ArgumentError', () => {
    expect(() => precisionAt1(x, LINE_LABELS, 'manhattan' as unknown as Distance)).toThrow(ArgumentError);
  });
  test('a distance function with the wrong output shape or NaN → typed errors', () => {
    expect(() => precisionAt1(x, LINE_LABELS, (a) => a)).toThrow(ShapeError);
    expect(() => precisionAt1(x, LINE_LABELS, (a, b) => sub(expandDims(sum(a, -1), 1), expandDims(sum(b, -1), 0)))).not.toThrow();
    expect(() => precisionAt1(x, LINE_LABELS, (a, b) => tensor(new Float64Array(a.shape[0] * b.shape[0]).fill(NaN), [a.shape[0], b.shape[0]]))).toThrow(
      /returned NaN/,
    );
  });
  test('empty ks → []', () => {
    expect(recallAtK(x, LINE_LABELS, [])).toEqual([]);
  });
});
