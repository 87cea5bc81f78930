/**
 * Reconstruction metrics of a graph embedding, the protocol of Nickel &
 * Kiela 2017 (and of the reference code's `eval_reconstruction`): for every
 * node `u` with neighbours, rank each neighbour `v` by distance among `u`'s
 * non-neighbours (rank 1 = no non-neighbour is closer), and compute the
 * average precision of `u`'s neighbours in the ordering of all other nodes
 * by distance. Mean rank averages over (u, v) pairs, MAP over nodes `u`.
 *
 * The `[N, N]` distance matrix never exists: query rows are taken in blocks
 * of about `blockEntries` distances, and each row costs
 * O(N · log degree) after its distances.
 */
import { ArgumentError, ShapeError, ValueError, describe, fmtShape } from '../errors.ts';
import { take } from '../ops/indexing.ts';
import { dataOf, isTensor, type Tensor } from '../tensor/tensor.ts';
import { checkGraph, type Graph } from './graph.ts';

/**
 * A distance between the rows of `x [n, D]` and `y [m, D]`, as an `[n, m]`
 * tensor: e.g. `ball.pairwiseDist`, or `(x, y) => sqrt(pairwiseSqEuclidean(x, y))`.
 * It must act row-wise (row `i` of the result depends on row `i` of `x` only),
 * since it is called on blocks of query rows.
 */
export type GraphDistance = (x: Tensor, y: Tensor) => Tensor;

/** Options of {@link reconstructionMetrics}. */
export interface ReconstructionOptions {
  /** the query nodes (default: every node with at least one neighbour); e.g. a random sample on a large graph */
  readonly nodes?: Int32Array | readonly number[];
  /** about this many distances computed per block (default 2²²) */
  readonly blockEntries?: number;
}

/** What {@link reconstructionMetrics} measured. */
export interface ReconstructionMetrics {
  /** mean over (u, v) edges of v's rank among u's non-neighbours (1 is perfect) */
  readonly meanRank: number;
  /** mean over query nodes of the average precision of their neighbours (1 is perfect) */
  readonly map: number;
  /** query nodes evaluated (those with at least one neighbour) */
  readonly numNodes: number;
  /** (u, v) pairs ranked */
  readonly numPairs: number;
}

function distanceFn(fn: string, distance: unknown): GraphDistance {
  if (typeof distance === 'function') return distance as GraphDistance;
  throw new ArgumentError(`${fn}: distance must be a function (x, y) => [n, m] distances (e.g. ball.pairwiseDist), got ${describe(distance)}`);
}

/**
 * Mean rank and MAP of the graph's edges in an embedding (Nickel & Kiela
 * 2017, "reconstruction"). Node `u`'s neighbours are its out-neighbours in
 * `graph` (for the WordNet closure: its ancestors, as the reference code);
 * a node is never its own neighbour or non-neighbour. Ties are counted
 * against the embedding (a non-neighbour at exactly a neighbour's distance
 * ranks before it).
 *
 * @param embeddings `[numNodes, D]`, row `i` for node `i`.
 * @param graph the graph ({@link graphFromEdges}).
 * @param distance a function `(x, y) => [n, m]` distances (e.g. `ball.pairwiseDist`).
 * @param options query nodes, block size.
 * @throws ShapeError when the embeddings do not have one row per node or the distance returns the wrong shape;
 *   ValueError for a NaN distance, bad options, or no query node with a neighbour.
 */
export function reconstructionMetrics(embeddings: Tensor, graph: Graph, distance: GraphDistance, options: ReconstructionOptions = {}): ReconstructionMetrics {
  const fn = 'reconstructionMetrics';
  checkGraph(fn, graph);
  if (!isTensor(embeddings)) throw new ArgumentError(`${fn}: embeddings must be a [N, D] Tensor, got ${describe(embeddings)}`);
  const n = graph.numNodes;
  if (embeddings.rank !== 2 || embeddings.shape[0] !== n || embeddings.shape[1] < 1) {
    throw new ShapeError(`${fn}: embeddings must have one row per node, shape [${n}, D] with D ≥ 1, got ${fmtShape(embeddings.shape)}`);
  }
  const dist = distanceFn(fn, distance);
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${fn}: options must be an object, got ${describe(options)}`);
  const blockEntries = options.blockEntries ?? 1 << 22;
  if (!Number.isSafeInteger(blockEntries) || blockEntries < 1)
    throw new ValueError(`${fn}: blockEntries must be a positive integer, got ${describe(blockEntries)}`);
  const { neighbours, neighbourStart: start } = graph;
  let queries: number[] = [];
  if (options.nodes === undefined) {
    for (let u = 0; u < n; u++) if (start[u + 1] > start[u]) queries.push(u);
  } else {
    const q = options.nodes;
    if (!(q instanceof Int32Array) && !Array.isArray(q))
      throw new ArgumentError(`${fn}: option nodes must be an Int32Array or an array of node ids, got ${describe(q)}`);
    for (let i = 0; i < q.length; i++) {
      const u = q[i];
      if (!Number.isInteger(u) || u < 0 || u >= n)
        throw new ValueError(`${fn}: option nodes[${i}] = ${describe(u)} is out of range; expected an integer in [0, ${n - 1}]`);
    }
    queries = Array.from(q).filter((u) => start[u + 1] > start[u]);
  }
  if (queries.length === 0)
    throw new ValueError(`${fn}: no query node has a neighbour, so there is nothing to rank (a graph without edges, or options.nodes without out-edges)`);
  const block = Math.max(1, Math.floor(blockEntries / n));
  let rankSum = 0,
    pairs = 0,
    apSum = 0;
  const isNb = new Int32Array(n).fill(-1);
  for (let b0 = 0; b0 < queries.length; b0 += block) {
    const rows = queries.slice(b0, b0 + block);
    const d = dist(take(embeddings, rows), embeddings);
    if (!isTensor(d) || d.rank !== 2 || d.shape[0] !== rows.length || d.shape[1] !== n) {
      throw new ShapeError(
        `${fn}: distance(x [${rows.length}, D], y [${n}, D]) must return a [${rows.length}, ${n}] tensor, got ${isTensor(d) ? fmtShape(d.shape) : describe(d)}`,
      );
    }
    const D = dataOf(d);
    for (let r = 0; r < rows.length; r++) {
      const u = rows[r];
      const off = r * n;
      const nb = neighbours.subarray(start[u], start[u + 1]);
      const k = nb.length;
      const nd = new Float64Array(k);
      for (let i = 0; i < k; i++) {
        const x = D[off + nb[i]];
        if (Number.isNaN(x)) throw new ValueError(`${fn}: the distance between nodes ${u} and ${nb[i]} is NaN; check the embeddings (rows outside the ball?)`);
        nd[i] = x;
        isNb[nb[i]] = u;
      }
      nd.sort();
      // cnt[p]: non-neighbours j with exactly p neighbour distances < d_j (they rank before neighbours p, p+1, …)
      const cnt = new Float64Array(k + 1);
      for (let j = 0; j < n; j++) {
        if (j === u || isNb[j] === u) continue;
        const x = D[off + j];
        if (Number.isNaN(x)) throw new ValueError(`${fn}: the distance between nodes ${u} and ${j} is NaN; check the embeddings (rows outside the ball?)`);
        let lo = 0,
          hi = k;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (nd[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        cnt[lo]++;
      }
      let before = 0,
        ap = 0;
      for (let i = 0; i < k; i++) {
        before += cnt[i];
        rankSum += before + 1;
        ap += (i + 1) / (before + i + 1);
      }
      pairs += k;
      apSum += ap / k;
    }
  }
  const m = queries.length;
  return Object.freeze({ meanRank: rankSum / pairs, map: apSum / m, numNodes: m, numPairs: pairs });
}
