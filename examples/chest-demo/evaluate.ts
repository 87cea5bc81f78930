/**
 * Evaluation of the demo's runs: Recall@K and MAP@R for each head (cosine
 * for the Euclidean head, the geodesic distance of the ball for the
 * hyperbolic head), plus, when a class tree is known, the mean tree distance
 * of retrieval mistakes and the dendrogram purity of an average-linkage
 * dendrogram of the embeddings under the head's own distance.
 */
import * as g from '../../lib/index.ts';
import type { Tensor } from '../../lib/index.ts';
import { forward, type Net } from './model.ts';

export const KS = [1, 2, 4, 8] as const;

export interface HeadScores {
  readonly recall: readonly number[];
  readonly mapAtR: number;
  /** mean tree distance between the true class and the nearest neighbour's class, over mistakes */
  readonly treeMistake?: number;
  /** dendrogram purity of the average-linkage dendrogram of the embeddings */
  readonly purity?: number;
}

/** A metric of the tables and tests: its label, its value, and its table unit (% points, or tree edges as they are). */
export interface TableMetric {
  readonly label: string;
  readonly f: (x: HeadScores) => number;
  readonly unit: 'pts' | 'edges';
}

/** The metrics of the tests: R@1 and MAP@R, and the tree metrics where a class tree is known. */
export function tableMetrics(hasTree: boolean): TableMetric[] {
  const m: TableMetric[] = [
    { label: 'R@1', f: (x) => x.recall[0], unit: 'pts' },
    { label: 'MAP@R', f: (x) => x.mapAtR, unit: 'pts' },
  ];
  if (hasTree)
    m.push({ label: 'tree dist. of mistakes ↓', f: (x) => x.treeMistake!, unit: 'edges' }, { label: 'dendrogram purity', f: (x) => x.purity!, unit: 'pts' });
  return m;
}

/** A difference of `metric` in its table unit, signed: points with 2 decimals, edges with 3. */
export function fmtDelta(d: number, unit: TableMetric['unit']): string {
  return `${d >= 0 ? '+' : ''}${unit === 'pts' ? (100 * d).toFixed(2) : d.toFixed(3)}`;
}

/** Embeddings of both heads for `x` (evaluation mode, no dropout): unit vectors and points of the ball. */
export function embed(net: Net, x: Tensor, ball: g.PoincareBall): { e: Tensor; h: Tensor } {
  const { e, h } = forward(net, x, 0, null);
  return { e: g.normalize(e), h: ball.toPoincare(h) };
}

/** The `[N, N]` distance matrix of a head (1 − cos for unit vectors, or the given distance function). */
function distances(emb: Tensor, distance: g.Distance): Float64Array {
  if (distance === 'cosine') return Float64Array.from(g.toArray(g.pairwiseCosine(emb, emb)), (v) => 1 - v);
  if (distance === 'euclidean') return Float64Array.from(g.toArray(g.pairwiseSqEuclidean(emb, emb)), (v) => Math.sqrt(Math.max(0, v)));
  return Float64Array.from(g.toArray(distance(emb, emb)));
}

/**
 * Average-linkage (UPGMA) dendrogram of N points from their distance matrix,
 * by the nearest-neighbour-chain algorithm (O(N²)): parent pointers, points
 * 0 … N−1, merges N … 2N−2, root −1 — the input of `dendrogramPurity`.
 */
export function averageLinkage(dist: Float64Array, n: number): Int32Array {
  const d = Float64Array.from(dist);
  const parent = new Int32Array(Math.max(1, 2 * n - 1)).fill(-1);
  const node = Int32Array.from({ length: n }, (_, i) => i);
  const size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  let remaining = n;
  let next = n;
  const chain: number[] = [];
  while (remaining > 1) {
    if (chain.length === 0) chain.push(active.indexOf(1));
    const a = chain[chain.length - 1];
    const prev = chain.length > 1 ? chain[chain.length - 2] : -1;
    let b = prev;
    let best = prev >= 0 ? d[a * n + prev] : Infinity;
    for (let k = 0; k < n; k++) {
      if (k === a || !active[k]) continue;
      const v = d[a * n + k];
      if (v < best) {
        best = v;
        b = k;
      }
    }
    if (b === prev) {
      chain.pop();
      chain.pop();
      // merge slot b into slot a (Lance–Williams update for average linkage)
      for (let k = 0; k < n; k++) {
        if (!active[k] || k === a || k === b) continue;
        const v = (size[a] * d[a * n + k] + size[b] * d[b * n + k]) / (size[a] + size[b]);
        d[a * n + k] = v;
        d[k * n + a] = v;
      }
      parent[node[a]] = next;
      parent[node[b]] = next;
      node[a] = next++;
      size[a] += size[b];
      active[b] = 0;
      remaining--;
    } else chain.push(b);
  }
  return parent;
}

/** Scores of one embedding under a distance (tree metrics when `tree` is given). */
export function score(emb: Tensor, labels: Int32Array, distance: g.Distance, tree?: g.ClassTree): HeadScores {
  const m = g.retrievalMetrics(emb, labels, { ks: [...KS], distance });
  if (!tree) return { recall: m.recallAtK, mapAtR: m.mapAtR };
  const n = emb.shape[0];
  return {
    recall: m.recallAtK,
    mapAtR: m.mapAtR,
    treeMistake: g.meanTreeDistanceOfMistakes(emb, labels, tree, distance),
    purity: g.dendrogramPurity(averageLinkage(distances(emb, distance), n), labels),
  };
}

/** Recall@1 and MAP@R only (the cheap checkpoint evaluation). */
export function quickScore(emb: Tensor, labels: Int32Array, distance: g.Distance): { r1: number; mapAtR: number } {
  const m = g.retrievalMetrics(emb, labels, { ks: [1], distance });
  return { r1: m.recallAtK[0], mapAtR: m.mapAtR };
}
