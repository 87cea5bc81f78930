/**
 * Negative sampling for graph embeddings (Nickel & Kiela 2017): for each
 * edge `(u, v)` of a batch, `numNegatives` distinct nodes `n` with `(u, n)`
 * not an edge and `n ≠ u`, drawn from an explicit PRNG key. Nodes are drawn
 * uniformly or by degree (the reference code's "unigram" burn-in
 * distribution: weights `(1 + in-degree)^power`, `power` 0.75 by default)
 * with Vose's alias table, so one draw is O(1) and one membership test
 * O(log degree).
 */
import { ArgumentError, ValueError, describe, optionsOf } from '../errors.ts';
import { threefry2x32, type PRNGKey } from '../tensor/random.ts';
import { checkGraph, sortedHas, type Graph } from './graph.ts';

/** Options of {@link negativeSampler}. */
export interface NegativeSamplerOptions {
  /** negatives per edge (a positive integer; 50 in the paper) */
  readonly numNegatives: number;
  /**
   * `'uniform'` (default) or `'degree'`: node `n` drawn with probability ∝ `(1 + inDegree[n])^power`,
   * the reference code's unigram distribution over hypernym counts (used during its burn-in)
   */
  readonly distribution?: 'uniform' | 'degree';
  /** exponent of the degree weights (default 0.75; 1 samples by degree itself) */
  readonly power?: number;
  /** draws per edge before giving up on distinct negatives (default `10 · numNegatives`, as the reference) */
  readonly maxTries?: number;
}

/** A seeded negative sampler over one graph (see {@link negativeSampler}). */
export interface NegativeSampler {
  /** negatives per edge */
  readonly numNegatives: number;
  /** candidates per edge: `2 + numNegatives` (`u`, `v`, then the negatives) */
  readonly width: number;
  /**
   * For edges `edgeIds` (indices into `graph.edges`), a row-major
   * `[edgeIds.length, 2 + numNegatives]` array: `u, v, n1 … nK` per edge.
   * A pure function of `key` and `edgeIds`.
   */
  sample(key: PRNGKey, edgeIds: Int32Array | readonly number[]): Int32Array;
}

/** A stream of uniform doubles in [0, 1) from a key (a stream distinct from split and the samplers of lib/tensor). */
function uniforms(key: PRNGKey): () => number {
  let i = 0;
  const w = key.words;
  return () => {
    const [a, b] = threefry2x32(w, [i++, 0x6e656773]);
    return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
  };
}

/** Vose's alias table for `weights` (all > 0). */
function aliasTable(weights: Float64Array): { prob: Float64Array; alias: Int32Array } {
  const n = weights.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i];
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = new Float64Array(n);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) {
    scaled[i] = (weights[i] * n) / total;
    (scaled[i] < 1 ? small : large).push(i);
  }
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const i of large) prob[i] = 1;
  for (const i of small) prob[i] = 1;
  return { prob, alias };
}

/**
 * A negative sampler over `graph`. Each edge `(u, v)` gets `numNegatives`
 * distinct nodes `n ≠ u` that are not out-neighbours of `u`. As in the
 * reference code, when `maxTries` draws do not find enough distinct
 * negatives (a node adjacent to almost everything), the ones found are
 * repeated; when they find none, one is drawn uniformly from all of u's
 * non-neighbours (a linear scan), and a node adjacent to every other node is
 * a ValueError.
 *
 * @param graph the graph ({@link graphFromEdges}).
 * @param options numbers of negatives and tries, the distribution.
 * @throws ValueError / ArgumentError for bad options.
 */
export function negativeSampler(graph: Graph, options: NegativeSamplerOptions): NegativeSampler {
  const fn = 'negativeSampler';
  checkGraph(fn, graph);
  optionsOf(fn, options, '{ numNegatives }');
  const k = options.numNegatives;
  if (!Number.isSafeInteger(k) || k < 1) throw new ValueError(`${fn}: numNegatives must be a positive integer, got ${describe(k)}`);
  const dist = options.distribution ?? 'uniform';
  if (dist !== 'uniform' && dist !== 'degree') throw new ValueError(`${fn}: distribution must be 'uniform' or 'degree', got ${describe(dist)}`);
  const power = options.power ?? 0.75;
  if (typeof power !== 'number' || !Number.isFinite(power) || power < 0)
    throw new ValueError(`${fn}: power must be a finite number ≥ 0, got ${describe(power)}`);
  const maxTries = options.maxTries ?? 10 * k;
  if (!Number.isSafeInteger(maxTries) || maxTries < 1) throw new ValueError(`${fn}: maxTries must be a positive integer, got ${describe(maxTries)}`);
  const n = graph.numNodes;
  if (n < 2) throw new ValueError(`${fn}: the graph needs at least 2 nodes to sample negatives, got ${n}`);
  const { neighbours, neighbourStart: start, edges } = graph;
  const numEdges = edges.length / 2;

  let draw: (u01: () => number) => number;
  if (dist === 'uniform') {
    draw = (u01) => Math.floor(u01() * n);
  } else {
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = (1 + graph.inDegree[i]) ** power;
    const { prob, alias } = aliasTable(w);
    draw = (u01) => {
      const x = u01() * n;
      const i = Math.min(n - 1, Math.floor(x));
      return x - i < prob[i] ? i : alias[i];
    };
  }
  // scratch: the row that last took each node (distinct negatives per row in O(1))
  const takenBy = new Int32Array(n).fill(-1);
  let rowStamp = 0;
  const width = 2 + k;

  const sample = (key: PRNGKey, edgeIds: Int32Array | readonly number[]): Int32Array => {
    const sfn = 'negativeSampler.sample';
    if (typeof key !== 'object' || key === null || key.kind !== 'PRNGKey')
      throw new ArgumentError(`${sfn}: key must be a PRNGKey made by prngKey or split, got ${describe(key)}`);
    if (!(edgeIds instanceof Int32Array) && !Array.isArray(edgeIds))
      throw new ArgumentError(`${sfn}: edgeIds must be an Int32Array or an array of edge indices, got ${describe(edgeIds)}`);
    const u01 = uniforms(key);
    const b = edgeIds.length;
    const out = new Int32Array(b * width);
    for (let r = 0; r < b; r++) {
      const e = edgeIds[r];
      if (!Number.isInteger(e) || e < 0 || e >= numEdges)
        throw new ValueError(`${sfn}: edge index ${describe(e)} at position ${r} is out of range; expected an integer in [0, ${numEdges - 1}]`);
      const u = edges[2 * e],
        v = edges[2 * e + 1];
      const o = r * width;
      out[o] = u;
      out[o + 1] = v;
      const stamp = rowStamp++;
      if (rowStamp > 2 ** 30) {
        takenBy.fill(-1);
        rowStamp = 0;
      }
      let found = 0;
      for (let t = 0; t < maxTries && found < k; t++) {
        const c = draw(u01);
        if (c === u || takenBy[c] === stamp || sortedHas(neighbours, start[u], start[u + 1], c)) continue;
        takenBy[c] = stamp;
        out[o + 2 + found++] = c;
      }
      if (found === 0) {
        const deg = start[u + 1] - start[u];
        const free = n - 1 - deg;
        if (free <= 0) throw new ValueError(`${sfn}: node ${u} (edge ${e}) is adjacent to every other node, so it has no negatives`);
        // the j-th non-neighbour of u, j uniform
        let j = Math.floor(u01() * free);
        for (let c = 0; c < n; c++) {
          if (c === u || sortedHas(neighbours, start[u], start[u + 1], c)) continue;
          if (j-- === 0) {
            out[o + 2] = c;
            break;
          }
        }
        found = 1;
      }
      for (let f = found; f < k; f++) out[o + 2 + f] = out[o + 2 + Math.floor(u01() * found)];
    }
    return out;
  };
  return Object.freeze({ numNegatives: k, width, sample });
}
