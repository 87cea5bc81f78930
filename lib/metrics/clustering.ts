/**
 * Clustering metrics: seeded k-means (k-means++ seeding, Arthur & Vassilvitskii
 * 2007, then Lloyd iterations) and normalised mutual information with
 * scikit-learn's default arithmetic-mean normalisation,
 * `NMI(U, V) = I(U; V) / ((H(U) + H(V)) / 2)`.
 *
 * All randomness comes from the PRNG key passed in, so a clustering is a pure
 * function of its inputs. Arithmetic is float64 throughout.
 */
import { ShapeError, ValueError, fmtShape, optionsOf } from '../errors.ts';
import { matmul } from '../ops/linalg.ts';
import { randomUniform, type PRNGKey } from '../tensor/random.ts';
import { dataOf, fromStorage, requireTensor, type Tensor } from '../tensor/tensor.ts';
import { denseLabels, type ClassLabels, type DenseLabels } from './labels.ts';

/** Options of {@link kmeans}. */
export interface KMeansOptions {
  /** the most Lloyd iterations (default 100); iteration stops earlier once no assignment changes */
  readonly maxIter?: number;
}

/** The result of {@link kmeans}. */
export interface KMeansResult {
  /** cluster of each row, in `[0, k)` */
  readonly assignments: Int32Array;
  /** `[k, D]` cluster centres, in the dtype of the input */
  readonly centroids: Tensor;
  /** sum of squared distances of the rows to their centres */
  readonly inertia: number;
  /** Lloyd iterations run */
  readonly iterations: number;
  /** whether the assignments stopped changing before `maxIter` */
  readonly converged: boolean;
}

/** Options of {@link nmi}. */
export interface NmiOptions {
  /** cluster the L2-normalised rows (the natural choice for cosine embeddings); default false */
  readonly normalize?: boolean;
  /** the most k-means iterations (default 100) */
  readonly maxIter?: number;
}

function finiteRows(fn: string, x: Tensor, normalize: boolean): Float64Array {
  const [N, D] = x.shape;
  const d = dataOf(x);
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new ValueError(`${fn}: value ${d[i]} at row ${Math.floor(i / D)}, column ${i % D} is not finite; expected finite values`);
    }
    out[i] = d[i];
  }
  if (normalize) {
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += out[i * D + j] ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < D; j++) out[i * D + j] *= inv;
    }
  }
  return out;
}

function sqDist(x: Float64Array, i: number, c: Float64Array, j: number, D: number): number {
  let s = 0;
  for (let d = 0; d < D; d++) {
    const t = x[i * D + d] - c[j * D + d];
    s += t * t;
  }
  return s;
}

/** k-means on float64 rows (no argument checks). */
function kmeansRows(
  x: Float64Array,
  N: number,
  D: number,
  k: number,
  key: PRNGKey,
  maxIter: number,
): Omit<KMeansResult, 'centroids'> & { centroids: Float64Array } {
  // ---- k-means++ seeding: first centre uniform, then each with probability ∝ squared distance to the nearest centre
  const u = dataOf(randomUniform(key, [k], 'float64'));
  const C = new Float64Array(k * D);
  const minD2 = new Float64Array(N);
  let pick = Math.min(N - 1, Math.floor(u[0] * N));
  C.set(x.subarray(pick * D, (pick + 1) * D), 0);
  for (let i = 0; i < N; i++) minD2[i] = sqDist(x, i, C, 0, D);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < N; i++) total += minD2[i];
    if (total > 0) {
      const target = u[c] * total;
      let acc = 0;
      pick = -1;
      for (let i = 0; i < N; i++) {
        if (minD2[i] <= 0) continue;
        acc += minD2[i];
        pick = i;
        if (acc > target) break;
      }
    } else {
      // every point coincides with a centre already: any choice is as good
      pick = Math.min(N - 1, Math.floor(u[c] * N));
    }
    C.set(x.subarray(pick * D, (pick + 1) * D), c * D);
    for (let i = 0; i < N; i++) {
      const d2 = sqDist(x, i, C, c, D);
      if (d2 < minD2[i]) minD2[i] = d2;
    }
  }

  // ---- Lloyd iterations
  const xT = fromStorage(x, [N, D], 'float64');
  const xsq = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) xsq[i] += x[i * D + d] ** 2;
  const assign = new Int32Array(N).fill(-1);
  const best = new Float64Array(N);
  const counts = new Int32Array(k);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIter) {
    // assignment step: argmin_c ‖x‖² − 2⟨x, c⟩ + ‖c‖² (ties → lowest centre index)
    const csq = new Float64Array(k);
    for (let c = 0; c < k; c++) for (let d = 0; d < D; d++) csq[c] += C[c * D + d] ** 2;
    const g = dataOf(matmul(xT, fromStorage(C.slice(), [k, D], 'float64'), { transposeB: true }));
    let changed = 0;
    for (let i = 0; i < N; i++) {
      let bc = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        const v = csq[c] - 2 * g[i * k + c];
        if (v < bd) {
          bd = v;
          bc = c;
        }
      }
      best[i] = Math.max(0, bd + xsq[i]);
      if (assign[i] !== bc) {
        assign[i] = bc;
        changed++;
      }
    }
    iterations++;
    if (changed === 0) {
      converged = true;
      break;
    }
    // update step: centres are the means of their rows
    counts.fill(0);
    C.fill(0);
    for (let i = 0; i < N; i++) {
      const c = assign[i];
      counts[c]++;
      for (let d = 0; d < D; d++) C[c * D + d] += x[i * D + d];
    }
    // an empty cluster takes the row farthest from its centre (scikit-learn's relocation)
    const taken = new Uint8Array(N);
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) continue;
      let far = -1;
      for (let i = 0; i < N; i++) {
        if (!taken[i] && counts[assign[i]] > 1 && (far < 0 || best[i] > best[far])) far = i;
      }
      if (far < 0) continue;
      taken[far] = 1;
      const from = assign[far];
      counts[from]--;
      for (let d = 0; d < D; d++) C[from * D + d] -= x[far * D + d];
      assign[far] = c;
      counts[c] = 1;
      for (let d = 0; d < D; d++) C[c * D + d] = x[far * D + d];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] > 1) for (let d = 0; d < D; d++) C[c * D + d] /= counts[c];
    }
  }
  let inertia = 0;
  for (let i = 0; i < N; i++) inertia += sqDist(x, i, C, assign[i], D);
  return { assignments: assign, centroids: C, inertia, iterations, converged };
}

/**
 * Seeded k-means: k-means++ seeding from `key`, then Lloyd iterations until
 * no assignment changes (or `maxIter`). An empty cluster is re-seeded with the
 * row farthest from its centre. Deterministic: the same inputs and key give
 * the same clustering.
 *
 * @param x `[N, D]` finite values, N ≥ 1.
 * @param k number of clusters, an integer in `[1, N]`.
 * @param key PRNG key of the seeding.
 * @throws ShapeError for a non-matrix; ValueError for k outside `[1, N]` or non-finite values.
 */
export function kmeans(x: Tensor, k: number, key: PRNGKey, options?: KMeansOptions): KMeansResult {
  const fn = 'kmeans';
  options = optionsOf(fn, options);
  requireTensor(fn, x, 'x');
  if (x.rank !== 2 || x.shape[0] < 1 || x.shape[1] < 1) {
    throw new ShapeError(`${fn}: x must be a non-empty [N, D] tensor, got shape ${fmtShape(x.shape)}`);
  }
  const [N, D] = x.shape;
  if (!Number.isInteger(k) || k < 1 || k > N) throw new ValueError(`${fn}: k must be an integer in [1, ${N}] (the number of rows), got ${k}`);
  const maxIter = checkMaxIter(fn, options.maxIter);
  const r = kmeansRows(finiteRows(fn, x, false), N, D, k, key, maxIter);
  const cent = x.dtype === 'float64' ? r.centroids : Float32Array.from(r.centroids);
  return { ...r, centroids: fromStorage(cent, [k, D], x.dtype) };
}

function checkMaxIter(fn: string, maxIter: number | undefined): number {
  const m = maxIter ?? 100;
  if (!Number.isInteger(m) || m < 1) throw new ValueError(`${fn}: maxIter must be an integer ≥ 1, got ${m}`);
  return m;
}

/**
 * Normalised mutual information between two labelings of the same items,
 * with arithmetic-mean normalisation (scikit-learn's default):
 * `I(A; B) / ((H(A) + H(B)) / 2)`, natural logs. As in scikit-learn, two
 * labelings that each put everything in one class give 1, and any other case
 * with zero mutual information gives 0. Invariant to renaming the classes.
 *
 * @param a N integer class ids.
 * @param b N integer cluster ids.
 * @throws ShapeError if the lengths differ; ValueError for a non-integer id.
 */
export function normalizedMutualInformation(a: ClassLabels, b: ClassLabels): number {
  const fn = 'normalizedMutualInformation';
  const da = denseLabels(fn, a);
  const db = denseLabels(fn, b, a.length);
  return nmiDense(da, db);
}

function entropy(counts: Int32Array, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

function nmiDense(a: DenseLabels, b: DenseLabels): number {
  const n = a.ids.length;
  const ka = a.classes.length;
  const kb = b.classes.length;
  if ((ka === 1 && kb === 1) || (ka === 0 && kb === 0)) return 1;
  const table = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const cell = a.ids[i] * kb + b.ids[i];
    table.set(cell, (table.get(cell) ?? 0) + 1);
  }
  let mi = 0;
  for (const [cell, nij] of table) {
    const ni = a.counts[Math.floor(cell / kb)];
    const nj = b.counts[cell % kb];
    mi += (nij / n) * (Math.log(nij) + Math.log(n) - Math.log(ni) - Math.log(nj));
  }
  if (!(mi > 0)) return 0;
  const norm = (entropy(a.counts, n) + entropy(b.counts, n)) / 2;
  return Math.min(1, mi / norm);
}

/** NMI of k-means clusters (k = number of classes) of the rows against dense labels. @internal */
export function nmiOfDense(fn: string, embeddings: Tensor, labels: DenseLabels, key: PRNGKey, options: NmiOptions = {}): number {
  const [N, D] = embeddings.shape;
  const k = labels.classes.length;
  const maxIter = checkMaxIter(fn, options.maxIter);
  const r = kmeansRows(finiteRows(fn, embeddings, options.normalize ?? false), N, D, k, key, maxIter);
  return nmiDense(labels, denseLabels(fn, r.assignments));
}

/**
 * NMI of a k-means clustering of the embeddings (k = number of distinct
 * labels, k-means++ seeded from `key`) against the labels, with scikit-learn's
 * arithmetic-mean normalisation. Deterministic for a given key.
 *
 * @param embeddings `[N, D]` finite values, N ≥ 1.
 * @param labels N integer class ids.
 * @param key PRNG key of the k-means seeding.
 * @param options `normalize` (cluster L2-normalised rows; default false), `maxIter` (default 100).
 * @throws ShapeError if the labels do not match the rows; ValueError for non-finite values.
 */
export function nmi(embeddings: Tensor, labels: ClassLabels, key: PRNGKey, options?: NmiOptions): number {
  const fn = 'nmi';
  options = optionsOf(fn, options);
  requireTensor(fn, embeddings, 'embeddings');
  if (embeddings.rank !== 2 || embeddings.shape[0] < 1 || embeddings.shape[1] < 1) {
    throw new ShapeError(`${fn}: embeddings must be a non-empty [N, D] tensor, got shape ${fmtShape(embeddings.shape)}`);
  }
  return nmiOfDense(fn, embeddings, denseLabels(fn, labels, embeddings.shape[0]), key, options);
}
