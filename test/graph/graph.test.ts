/**
 * Graph utilities: the CSR neighbour lists of graphFromEdges, seeded negative
 * sampling that never returns a neighbour, and the reconstruction metrics
 * (mean rank, MAP) checked against a brute-force implementation of the
 * reference protocol (sort all distances; sklearn's average precision).
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import {
  ArgumentError,
  ShapeError,
  ValueError,
  graphFromEdges,
  negativeSampler,
  poincareBall,
  prngKey,
  reconstructionMetrics,
  split,
  tensor,
  toArray,
  type Tensor,
} from '../../lib/index.ts';

/** random graphs: n nodes, edges as pairs */
const graphArb = fc
  .integer({ min: 3, max: 14 })
  .chain((n) =>
    fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { minLength: 1, maxLength: 40 })),
  );

describe('graphFromEdges', () => {
  it('sorted, deduplicated out-neighbours; self-loops dropped (from the edge list too); in-degrees as given', () => {
    const g = graphFromEdges(4, [
      [0, 2],
      [0, 1],
      [0, 2],
      [1, 1],
      [3, 0],
    ]);
    expect(g.numEdges).toBe(4);
    expect(Array.from(g.edges)).toEqual([0, 2, 0, 1, 0, 2, 3, 0]);
    expect(Array.from(g.neighboursOf(0))).toEqual([1, 2]);
    expect(Array.from(g.neighboursOf(1))).toEqual([]);
    expect(Array.from(g.neighboursOf(3))).toEqual([0]);
    expect(Array.from(g.inDegree)).toEqual([1, 1, 2, 0]);
    expect(g.hasEdge(0, 2)).toBe(true);
    expect(g.hasEdge(2, 0)).toBe(false);
    expect(g.hasEdge(1, 1)).toBe(false);
    const s = graphFromEdges(4, new Int32Array([0, 2, 3, 0]), { symmetric: true });
    expect(Array.from(s.neighboursOf(0))).toEqual([2, 3]);
    expect(Array.from(s.neighboursOf(2))).toEqual([0]);
  });

  test.prop([graphArb])('hasEdge agrees with the edge list', ([n, edges]) => {
    const g = graphFromEdges(n, edges);
    const set = new Set(edges.filter(([u, v]) => u !== v).map(([u, v]) => `${u},${v}`));
    for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) expect(g.hasEdge(u, v)).toBe(set.has(`${u},${v}`));
  });

  it('typed errors', () => {
    expect(() => graphFromEdges(3, [[0, 3]])).toThrow(ValueError);
    expect(() => graphFromEdges(3, [0, 1, 2])).toThrow(ValueError);
    expect(() => graphFromEdges(-1, [])).toThrow(ValueError);
    expect(() => graphFromEdges(3, 'x' as never)).toThrow(ArgumentError);
    expect(() => graphFromEdges(3, [[0.5, 1]])).toThrow(/graphFromEdges/);
  });
});

describe('negativeSampler', () => {
  test.prop([graphArb, fc.integer({ min: 1, max: 6 }), fc.constantFrom('uniform' as const, 'degree' as const), fc.nat(1000)])(
    'never returns u or a neighbour of u; rows start with the edge; distinct while possible; same key, same bits',
    ([n, given], k, distribution, seed) => {
      const g = graphFromEdges(n, given);
      // the graph's edges (self-loops dropped): sample() indexes these
      const edges: [number, number][] = Array.from({ length: g.numEdges }, (_, e) => [g.edges[2 * e], g.edges[2 * e + 1]]);
      if (edges.length === 0) return;
      const free = (u: number) => n - 1 - g.neighboursOf(u).length;
      if (edges.some(([u, v]) => u !== v && free(u) === 0) || edges.some(([u]) => free(u) === 0)) {
        // a node adjacent to everything: a typed error when one of its edges is sampled
        const bad = edges.findIndex(([u]) => free(u) === 0);
        expect(() => negativeSampler(g, { numNegatives: k, distribution }).sample(prngKey(seed), [bad])).toThrow(ValueError);
        return;
      }
      const s = negativeSampler(g, { numNegatives: k, distribution });
      const ids = edges.map((_, i) => i);
      const out = s.sample(prngKey(seed), ids);
      expect(out.length).toBe(ids.length * (k + 2));
      expect(Array.from(s.sample(prngKey(seed), ids))).toEqual(Array.from(out));
      for (let r = 0; r < ids.length; r++) {
        const row = Array.from(out.subarray(r * (k + 2), (r + 1) * (k + 2)));
        const [u, v] = edges[r];
        expect(row[0]).toBe(u);
        expect(row[1]).toBe(v);
        const negs = row.slice(2);
        for (const c of negs) {
          expect(c).not.toBe(u);
          expect(g.hasEdge(u, c)).toBe(false);
        }
        // enough non-neighbours and enough tries: all distinct
        if (free(u) >= 4 * k) expect(new Set(negs).size).toBe(k);
      }
    },
  );

  it('uniform and degree distributions match their weights (χ² over 100k draws)', () => {
    // a star into node 0 plus a few edges: node 0 has in-degree 8; query node 9 has no neighbours
    const edges: [number, number][] = [];
    for (let i = 1; i <= 8; i++) edges.push([i, 0]);
    edges.push([9, 9 - 1], [1, 2]);
    const g = graphFromEdges(12, edges);
    const free = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11]; // non-neighbours of 9 (its neighbour is 8)
    const chi2 = (distribution: 'uniform' | 'degree', power: number): number => {
      const s = negativeSampler(g, { numNegatives: 1, distribution, power });
      const counts = new Map<number, number>();
      const draws = 100_000;
      const ids = new Int32Array(draws).fill(8); // edge 8 = (9, 8)
      const out = s.sample(prngKey(7), ids);
      for (let r = 0; r < draws; r++) counts.set(out[r * 3 + 2], (counts.get(out[r * 3 + 2]) ?? 0) + 1);
      const w = free.map((c) => (distribution === 'uniform' ? 1 : (1 + g.inDegree[c]) ** power));
      const tot = w.reduce((a, b) => a + b, 0);
      let x2 = 0;
      free.forEach((c, i) => {
        const e = (draws * w[i]) / tot;
        x2 += ((counts.get(c) ?? 0) - e) ** 2 / e;
      });
      expect([...counts.keys()].every((c) => free.includes(c))).toBe(true);
      return x2;
    };
    // 9 degrees of freedom: P(χ² > 27.9) = 0.001
    expect(chi2('uniform', 0.75)).toBeLessThan(27.9);
    expect(chi2('degree', 0.75)).toBeLessThan(27.9);
    expect(chi2('degree', 1)).toBeLessThan(27.9);
    // and degree sampling really differs from uniform: node 0 (in-degree 8) is drawn ~5× as often as the others at power 0.75
    const s = negativeSampler(g, { numNegatives: 1, distribution: 'degree' });
    const out = s.sample(prngKey(1), new Int32Array(20_000).fill(8));
    let zero = 0;
    for (let r = 0; r < 20_000; r++) zero += out[r * 3 + 2] === 0 ? 1 : 0;
    const p0 = 9 ** 0.75 / (9 ** 0.75 + 2 ** 0.75 + 8); // node 0 (in-degree 8), node 2 (in-degree 1) and 8 nodes of weight 1
    expect(zero / 20_000).toBeGreaterThan(0.8 * p0);
    expect(zero / 20_000).toBeLessThan(1.2 * p0);
  });

  it('different keys give different draws; split keys are independent streams', () => {
    const g = graphFromEdges(1000, [[0, 1]]);
    const s = negativeSampler(g, { numNegatives: 50 });
    const [a, b] = split(prngKey(3));
    expect(Array.from(s.sample(a, [0]))).not.toEqual(Array.from(s.sample(b, [0])));
  });

  it('a node with few non-neighbours: the found negatives repeat (the reference behaviour)', () => {
    // node 0 is adjacent to 1..8 of 10 nodes: only node 9 is a negative
    const g = graphFromEdges(
      10,
      [1, 2, 3, 4, 5, 6, 7, 8].map((v) => [0, v] as [number, number]),
    );
    const out = negativeSampler(g, { numNegatives: 5, maxTries: 3 }).sample(prngKey(0), [0, 1, 2]);
    for (let r = 0; r < 3; r++) expect(Array.from(out.subarray(r * 7 + 2, r * 7 + 7))).toEqual([9, 9, 9, 9, 9]);
  });

  it('typed errors', () => {
    const g = graphFromEdges(3, [[0, 1]]);
    expect(() => negativeSampler(g, { numNegatives: 0 })).toThrow(ValueError);
    expect(() => negativeSampler(g, { numNegatives: 2, distribution: 'zipf' as never })).toThrow(ValueError);
    expect(() => negativeSampler(g, undefined as never)).toThrow(ArgumentError);
    expect(() => negativeSampler({} as never, { numNegatives: 1 })).toThrow(ArgumentError);
    expect(() => negativeSampler(g, { numNegatives: 1 }).sample(prngKey(0), [1])).toThrow(ValueError);
    expect(() => negativeSampler(g, { numNegatives: 1 }).sample(7 as never, [0])).toThrow(ArgumentError);
    // errors of the sampler's method name the method
    expect(() => negativeSampler(g, { numNegatives: 1 }).sample(prngKey(0), [1])).toThrow(/^negativeSampler\.sample: /);
    expect(() => negativeSampler(g, { numNegatives: 1 }).sample(7 as never, [0])).toThrow(/^negativeSampler\.sample: key must be a PRNGKey/);
  });
});

/** sklearn-style average precision and the reference's ranks, by sorting every distance of a row */
function bruteForce(d: number[][], neighbours: number[][]): { meanRank: number; map: number } {
  let rankSum = 0,
    pairs = 0,
    apSum = 0,
    m = 0;
  d.forEach((row, u) => {
    const nb = new Set(neighbours[u]);
    if (nb.size === 0) return;
    m++;
    for (const v of nb) {
      let closer = 0;
      row.forEach((x, j) => {
        if (j !== u && !nb.has(j) && x <= row[v]) closer++;
      });
      rankSum += 1 + closer;
      pairs++;
    }
    // AP: for each positive, precision among all j ≠ u with distance ≤ its distance (ties pessimistic)
    let ap = 0;
    for (const v of nb) {
      let pos = 0,
        all = 0;
      row.forEach((x, j) => {
        if (j === u) return;
        if (x < row[v] || (x === row[v] && !nb.has(j)) || j === v) all++;
        if (nb.has(j) && (x < row[v] || j === v)) pos++;
      });
      ap += pos / all;
    }
    apSum += ap / nb.size;
  });
  return { meanRank: rankSum / pairs, map: apSum / m };
}

describe('reconstructionMetrics', () => {
  const euclid = (x: Tensor, y: Tensor): Tensor => {
    const a = toArray(x),
      b = toArray(y),
      D = x.shape[1];
    const out: number[] = [];
    for (let i = 0; i < x.shape[0]; i++)
      for (let j = 0; j < y.shape[0]; j++) {
        let s = 0;
        for (let k = 0; k < D; k++) s += (a[i * D + k] - b[j * D + k]) ** 2;
        out.push(Math.sqrt(s));
      }
    return tensor(out, [x.shape[0], y.shape[0]], 'float64');
  };

  test.prop([graphArb, fc.integer({ min: 1, max: 3 }), fc.nat(1000), fc.integer({ min: 1, max: 40 })])(
    'equals the brute-force protocol, whatever the block size',
    ([n, edges], dim, seed, blockEntries) => {
      const g = graphFromEdges(n, edges);
      if (g.neighbours.length === 0) return;
      // distinct random coordinates (a small LCG: no ties)
      let s = seed + 1;
      const xs = Array.from({ length: n * dim }, () => ((s = (s * 48271) % 2147483647) / 2147483647) * 2 - 1);
      const x = tensor(xs, [n, dim], 'float64');
      const d = toArray(euclid(x, x));
      const rows = Array.from({ length: n }, (_, i) => d.slice(i * n, (i + 1) * n));
      const want = bruteForce(
        rows,
        Array.from({ length: n }, (_, u) => Array.from(g.neighboursOf(u))),
      );
      const got = reconstructionMetrics(x, g, euclid, { blockEntries });
      expect(got.meanRank).toBeCloseTo(want.meanRank, 10);
      expect(got.map).toBeCloseTo(want.map, 10);
      expect(got.numPairs).toBe(g.neighbours.length);
    },
  );

  it('a perfect embedding scores mean rank 1 and MAP 1; a reversed one does not', () => {
    // path 0 - 1 - 2 - 3 on a line: each node's neighbours are the adjacent nodes
    const g = graphFromEdges(
      4,
      [
        [0, 1],
        [1, 2],
        [2, 3],
      ],
      { symmetric: true },
    );
    const line = tensor([[0], [1], [2], [3]], undefined, 'float64');
    const m = reconstructionMetrics(line, g, euclid);
    expect(m.meanRank).toBe(1);
    expect(m.map).toBe(1);
    expect(m.numNodes).toBe(4);
    const shuffled = tensor([[0], [3], [1], [2]], undefined, 'float64');
    const w = reconstructionMetrics(shuffled, g, euclid);
    expect(w.meanRank).toBeGreaterThan(1);
    expect(w.map).toBeLessThan(1);
  });

  it('works with ball.pairwiseDist and a query subset', () => {
    const ball = poincareBall({ c: 1 });
    const g = graphFromEdges(3, [
      [1, 0],
      [2, 0],
    ]);
    const x = tensor(
      [
        [0, 0],
        [0.5, 0],
        [-0.5, 0.1],
      ],
      undefined,
      'float64',
    );
    const m = reconstructionMetrics(x, g, (a, b) => ball.pairwiseDist(a, b), { nodes: [1] });
    expect(m.numNodes).toBe(1);
    expect(m.meanRank).toBe(1);
    expect(m.map).toBe(1);
  });

  it('typed errors: shapes, NaN distances, no edges', () => {
    const g = graphFromEdges(3, [[1, 0]]);
    const x = tensor([[0], [1], [2]], undefined, 'float64');
    expect(() => reconstructionMetrics(tensor([[0], [1]]), g, euclid)).toThrow(ShapeError);
    expect(() => reconstructionMetrics(x, g, () => tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => reconstructionMetrics(x, g, () => tensor([[NaN, 0, 0]]))).toThrow(ValueError);
    expect(() => reconstructionMetrics(x, g, 'euclidean' as never)).toThrow(ArgumentError);
    expect(() => reconstructionMetrics(x, graphFromEdges(3, []), euclid)).toThrow(ValueError);
    expect(() => reconstructionMetrics(x, g, euclid, { nodes: [5] })).toThrow(ValueError);
  });
});
