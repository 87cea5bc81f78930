/**
 * A directed graph given by its edge list, with each node's out-neighbours
 * in compressed sparse rows (sorted, deduplicated): what negative sampling
 * and reconstruction metrics need to ask "is (u, v) an edge?" in
 * O(log degree) without an N × N matrix.
 */
import { ArgumentError, ValueError, describe } from '../errors.ts';

/** A directed graph on nodes `0 … numNodes − 1` (make one with {@link graphFromEdges}). */
export interface Graph {
  /** number of nodes */
  readonly numNodes: number;
  /** number of edges as given (duplicates and self-loops included) */
  readonly numEdges: number;
  /** the edges as given, flat `[u0, v0, u1, v1, …]` */
  readonly edges: Int32Array;
  /** CSR row starts of {@link Graph.neighbours} (length `numNodes + 1`) */
  readonly neighbourStart: Int32Array;
  /** out-neighbours of each node, ascending, without duplicates and without the node itself */
  readonly neighbours: Int32Array;
  /** number of edges `(u, v)` ending at each node `v` (as given, duplicates included) */
  readonly inDegree: Int32Array;
  /** the out-neighbours of `u` (a read-only view: do not write to it) */
  neighboursOf(u: number): Int32Array;
  /** whether `(u, v)` is an edge (self-loops are not edges here) */
  hasEdge(u: number, v: number): boolean;
}

/** The edge list argument of {@link graphFromEdges}: flat `[u0, v0, …]` or pairs `[[u0, v0], …]`. */
export type EdgeList = Int32Array | readonly number[] | readonly (readonly [number, number])[];

/** Flat edges from any {@link EdgeList}, checked against `numNodes`. @internal */
export function flatEdges(fn: string, numNodes: number, edges: EdgeList): Int32Array {
  if (!(edges instanceof Int32Array) && !Array.isArray(edges)) {
    throw new ArgumentError(`${fn}: edges must be an Int32Array [u0, v0, u1, v1, …], an array of numbers or an array of [u, v] pairs, got ${describe(edges)}`);
  }
  const list = edges as ArrayLike<unknown>;
  const pairs = list.length > 0 && Array.isArray(list[0]);
  const m = pairs ? list.length : list.length / 2;
  if (!Number.isInteger(m)) throw new ValueError(`${fn}: a flat edge list needs an even length (pairs u, v), got ${list.length} numbers`);
  const out = new Int32Array(2 * m);
  for (let e = 0; e < m; e++) {
    let u: unknown, v: unknown;
    if (pairs) {
      const p = list[e];
      if (!Array.isArray(p) || p.length !== 2) throw new ArgumentError(`${fn}: edge ${e} must be a pair [u, v], got ${describe(p)}`);
      [u, v] = p as unknown[];
    } else {
      u = list[2 * e];
      v = list[2 * e + 1];
    }
    for (const x of [u, v]) {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= numNodes) {
        throw new ValueError(`${fn}: edge ${e} = (${describe(u)}, ${describe(v)}) has an endpoint out of range; expected integers in [0, ${numNodes - 1}]`);
      }
    }
    out[2 * e] = u as number;
    out[2 * e + 1] = v as number;
  }
  return out;
}

/**
 * A {@link Graph} from `numNodes` and its directed edges `(u, v)`. For the
 * WordNet closure, `(u, v)` means "v is an ancestor of u", and u's
 * neighbours are its ancestors (the reference Poincaré-embeddings code's
 * adjacency). Pass `{ symmetric: true }` to add every reverse edge to the
 * neighbour lists. Self-loops `(u, u)` are dropped (from `edges` too, so
 * they are never a positive pair). Linear time plus sorting each neighbour list.
 *
 * @param numNodes the number of nodes (a non-negative integer).
 * @param edges the edges, flat `[u0, v0, …]` or pairs `[[u0, v0], …]`.
 * @param options `symmetric`: neighbours in both directions (default false).
 * @throws ValueError for endpoints outside `[0, numNodes)`.
 */
export function graphFromEdges(numNodes: number, edges: EdgeList, options: { readonly symmetric?: boolean } = {}): Graph {
  const fn = 'graphFromEdges';
  if (!Number.isSafeInteger(numNodes) || numNodes < 0 || numNodes > 2 ** 31 - 1) {
    throw new ValueError(`${fn}: numNodes must be a non-negative integer below 2^31, got ${describe(numNodes)}`);
  }
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${fn}: options must be an object, got ${describe(options)}`);
  const sym = options.symmetric ?? false;
  if (typeof sym !== 'boolean') throw new ArgumentError(`${fn}: option symmetric must be a boolean, got ${describe(sym)}`);
  const all = flatEdges(fn, numNodes, edges);
  // self-loops carry no information (d(u, u) = 0) and are no one's positive pair: dropped everywhere
  let loops = 0;
  for (let e = 0; e < all.length / 2; e++) if (all[2 * e] === all[2 * e + 1]) loops++;
  const flat = loops === 0 ? all : all.filter((_, i, a) => a[i - (i % 2)] !== a[i - (i % 2) + 1]);
  const m = flat.length / 2;
  const inDegree = new Int32Array(numNodes);
  const count = new Int32Array(numNodes + 1);
  for (let e = 0; e < m; e++) {
    const u = flat[2 * e],
      v = flat[2 * e + 1];
    inDegree[v]++;
    if (u === v) continue;
    count[u + 1]++;
    if (sym) count[v + 1]++;
  }
  for (let i = 0; i < numNodes; i++) count[i + 1] += count[i];
  const raw = new Int32Array(count[numNodes]);
  const fill = count.slice(0, numNodes);
  for (let e = 0; e < m; e++) {
    const u = flat[2 * e],
      v = flat[2 * e + 1];
    if (u === v) continue;
    raw[fill[u]++] = v;
    if (sym) raw[fill[v]++] = u;
  }
  // sort and deduplicate each row
  const start = new Int32Array(numNodes + 1);
  let w = 0;
  for (let i = 0; i < numNodes; i++) {
    const row = raw.subarray(count[i], count[i + 1]).sort();
    start[i] = w;
    for (let k = 0; k < row.length; k++) if (k === 0 || row[k] !== row[k - 1]) raw[w++] = row[k];
  }
  start[numNodes] = w;
  const neighbours = raw.slice(0, w);
  const neighboursOf = (u: number): Int32Array => neighbours.subarray(start[u], start[u + 1]);
  return Object.freeze({
    numNodes,
    numEdges: m,
    edges: flat,
    neighbourStart: start,
    neighbours,
    inDegree,
    neighboursOf,
    hasEdge: (u: number, v: number) => sortedHas(neighbours, start[u], start[u + 1], v),
  });
}

/** Whether the ascending run `a[lo:hi]` contains `x` (binary search). @internal */
export function sortedHas(a: Int32Array, lo: number, hi: number, x: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const y = a[mid];
    if (y === x) return true;
    if (y < x) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Throws an ArgumentError naming `fn` unless `g` looks like a {@link Graph}. @internal */
export function checkGraph(fn: string, g: unknown): asserts g is Graph {
  const x = g as Partial<Graph> | null;
  if (
    typeof x !== 'object' ||
    x === null ||
    !(x.neighbours instanceof Int32Array) ||
    !(x.neighbourStart instanceof Int32Array) ||
    typeof x.numNodes !== 'number'
  ) {
    throw new ArgumentError(`${fn}: graph must be a Graph made by graphFromEdges(numNodes, edges), got ${describe(g)}`);
  }
}
