/**
 * Retrieval metrics with pytorch-metric-learning's `AccuracyCalculator`
 * semantics (docs/math.md §6; Musgrave et al., "A Metric Learning
 * Reality Check", ECCV 2020):
 *
 * - every item is a query against all the others; the query itself is never
 *   one of its neighbours;
 * - a query whose class has no other member ("lone query") is excluded from
 *   every average, since it can never retrieve a relevant item;
 * - `R` of a query is the number of other items of its class;
 * - Recall@K: the fraction of queries with at least one relevant item among
 *   their K nearest neighbours;
 * - precision@1: the fraction of queries whose nearest neighbour is relevant
 *   (equal to Recall@1);
 * - R-precision: the mean over queries of (relevant items among the R nearest) / R;
 * - MAP@R: the mean over queries of `(1/R) Σ_{i ≤ R} P(i)·rel(i)`, where
 *   `P(i)` is the precision among the i nearest and `rel(i)` is 1 if the
 *   i-th neighbour is relevant;
 * - NMI of k-means clusters (k = number of classes) against the labels.
 *
 * Averages are over queries (PML's default `avg_of_avgs = False`). Neighbours
 * at exactly equal distances are ranked by ascending row index (PML leaves
 * that order to faiss). {@link retrievalMetrics} computes everything from one
 * pass over the distance matrix.
 */
import { ValueError, optionsOf } from '../errors.ts';
import type { PRNGKey } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { nmiOfDense } from './clustering.ts';
import { denseLabels, type ClassLabels, type DenseLabels } from './labels.ts';
import { checkDistance, checkEmbeddings, neighbourLists, type Distance, type NeighbourLists } from './neighbours.ts';

/** Options of {@link retrievalMetrics}. */
export interface RetrievalMetricsOptions {
  /** the K of Recall@K (default `[1]`); each an integer ≥ 1; values above N − 1 act as N − 1 */
  readonly ks?: readonly number[];
  /** how closeness is measured (default `'cosine'`) */
  readonly distance?: Distance;
  /**
   * PRNG key of the k-means++ seeding for NMI. NMI is computed only when a key
   * is given (it is the one randomised metric). With `'cosine'` the k-means
   * runs on L2-normalised embeddings, otherwise on the raw ones.
   */
  readonly key?: PRNGKey;
}

/** Every retrieval metric of one evaluation. */
export interface RetrievalMetrics {
  /** the K values of `recallAtK`, as given */
  readonly ks: readonly number[];
  /** Recall@K for each K of `ks` */
  readonly recallAtK: readonly number[];
  /** precision@1 */
  readonly precisionAt1: number;
  /** R-precision */
  readonly rPrecision: number;
  /** MAP@R */
  readonly mapAtR: number;
  /** NMI of k-means clusters against the labels (present only when a key was given) */
  readonly nmi?: number;
  /** number of queries averaged over (items whose class has another member) */
  readonly queries: number;
}

function checkKs(fn: string, ks: unknown): readonly number[] {
  if (!Array.isArray(ks)) throw new ValueError(`${fn}: ks must be an array of integers ≥ 1, got ${typeof ks}`);
  for (const k of ks) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
      throw new ValueError(`${fn}: every K must be an integer ≥ 1, got ${String(k)} in [${ks.join(', ')}]`);
    }
  }
  return ks as readonly number[];
}

interface Scores {
  readonly hits: Float64Array; // per K: number of queries with a hit
  p1: number;
  rp: number;
  map: number;
  queries: number;
}

function score(fn: string, lists: NeighbourLists, labels: DenseLabels, ks: readonly number[]): Scores {
  const { n, k: m, indices } = lists;
  const { ids, counts } = labels;
  const s: Scores = { hits: new Float64Array(ks.length), p1: 0, rp: 0, map: 0, queries: 0 };
  for (let q = 0; q < n; q++) {
    const y = ids[q];
    const R = counts[y] - 1;
    if (R === 0) continue;
    s.queries++;
    const base = q * m;
    // rank (0-based) of the first relevant neighbour, or m if none is kept
    let first = m;
    let rel = 0;
    let ap = 0;
    for (let j = 0; j < m; j++) {
      if (j >= R && first < m) break;
      if (ids[indices[base + j]] !== y) continue;
      if (first === m) first = j;
      if (j < R) {
        rel++;
        ap += rel / (j + 1);
      }
    }
    for (let t = 0; t < ks.length; t++) if (first < ks[t]) s.hits[t]++;
    if (first === 0) s.p1++;
    s.rp += rel / R;
    s.map += ap / R;
  }
  if (s.queries === 0) {
    throw new ValueError(
      `${fn}: no query has another item of its class (${n} items, ${labels.classes.length} classes); retrieval metrics need at least one class with two or more items`,
    );
  }
  return s;
}

/** Neighbours needed: the largest K and the largest R, at most N − 1. */
function neededNeighbours(n: number, labels: DenseLabels, ks: readonly number[], withR: boolean): number {
  let m = 1;
  for (const k of ks) m = Math.max(m, k);
  if (withR) for (const c of labels.counts) m = Math.max(m, c - 1);
  return Math.min(m, n - 1);
}

function evaluate(
  fn: string,
  embeddings: Tensor,
  labels: ClassLabels,
  ks: readonly number[],
  distance: Distance,
  withR: boolean,
): { s: Scores; dense: DenseLabels } {
  checkEmbeddings(fn, embeddings);
  checkDistance(fn, distance);
  const n = embeddings.shape[0];
  const dense = denseLabels(fn, labels, n);
  const lists = neighbourLists(fn, embeddings, neededNeighbours(n, dense, ks, withR), distance);
  return { s: score(fn, lists, dense, ks), dense };
}

/**
 * Recall@K for each K of `ks`: the fraction of queries (lone queries excluded)
 * with at least one item of their class among their K nearest other items.
 *
 * @param embeddings `[N, D]` tensor, N ≥ 2.
 * @param labels N integer class ids.
 * @param ks the K values, integers ≥ 1 (a K above N − 1 acts as N − 1).
 * @param distance `'cosine'` (default), `'euclidean'` or `(x, y) => [N, M]` (e.g. `ball.pairwiseDist`).
 * @returns one recall per K, in the order of `ks`.
 * @throws ShapeError if the labels do not match the rows; ValueError for K < 1, N < 2,
 *   non-finite embeddings or when no class has two items.
 */
export function recallAtK(embeddings: Tensor, labels: ClassLabels, ks: readonly number[], distance: Distance = 'cosine'): number[] {
  const fn = 'recallAtK';
  checkKs(fn, ks);
  if (ks.length === 0) {
    checkEmbeddings(fn, embeddings);
    denseLabels(fn, labels, embeddings.shape[0]);
    return [];
  }
  const { s } = evaluate(fn, embeddings, labels, ks, distance, false);
  return Array.from(s.hits, (h) => h / s.queries);
}

/**
 * Precision@1: the fraction of queries (lone queries excluded) whose nearest
 * other item shares their class.
 *
 * @param distance `'cosine'` (default), `'euclidean'` or a distance function.
 * @throws as {@link recallAtK}.
 */
export function precisionAt1(embeddings: Tensor, labels: ClassLabels, distance: Distance = 'cosine'): number {
  const { s } = evaluate('precisionAt1', embeddings, labels, [1], distance, false);
  return s.p1 / s.queries;
}

/**
 * R-precision: the mean over queries (lone queries excluded) of the fraction
 * of relevant items among the R nearest, R = number of other items of the
 * query's class.
 *
 * @throws as {@link recallAtK}.
 */
export function rPrecision(embeddings: Tensor, labels: ClassLabels, distance: Distance = 'cosine'): number {
  const { s } = evaluate('rPrecision', embeddings, labels, [1], distance, true);
  return s.rp / s.queries;
}

/**
 * MAP@R (Musgrave et al. 2020): the mean over queries (lone queries excluded)
 * of `(1/R) Σ_{i=1..R} P(i)·rel(i)`, with R the number of other items of the
 * query's class, `P(i)` the precision among the i nearest neighbours and
 * `rel(i)` whether the i-th is relevant.
 *
 * @throws as {@link recallAtK}.
 */
export function mapAtR(embeddings: Tensor, labels: ClassLabels, distance: Distance = 'cosine'): number {
  const { s } = evaluate('mapAtR', embeddings, labels, [1], distance, true);
  return s.map / s.queries;
}

/**
 * All retrieval metrics from one pass over the distance matrix (computed in
 * row blocks, each row's neighbour list selected once): Recall@K for every K,
 * precision@1, R-precision, MAP@R, and NMI when `options.key` is given.
 *
 * @param embeddings `[N, D]` tensor, N ≥ 2.
 * @param labels N integer class ids.
 * @param options `ks` (default `[1]`), `distance` (default `'cosine'`), `key` (enables NMI).
 * @throws as {@link recallAtK}.
 */
export function retrievalMetrics(embeddings: Tensor, labels: ClassLabels, options?: RetrievalMetricsOptions): RetrievalMetrics {
  const fn = 'retrievalMetrics';
  options = optionsOf(fn, options);
  const ks = checkKs(fn, options.ks ?? [1]);
  const distance = options.distance ?? 'cosine';
  const { s, dense } = evaluate(fn, embeddings, labels, ks, distance, true);
  const out: RetrievalMetrics = {
    ks: ks.slice(),
    recallAtK: Array.from(s.hits, (h) => h / s.queries),
    precisionAt1: s.p1 / s.queries,
    rPrecision: s.rp / s.queries,
    mapAtR: s.map / s.queries,
    queries: s.queries,
  };
  if (options.key === undefined) return out;
  return { ...out, nmi: nmiOfDense(fn, embeddings, dense, options.key, { normalize: distance === 'cosine' }) };
}
