/**
 * Exact k-nearest-neighbour lists for retrieval metrics: the `[N, N]` distance
 * matrix is computed in row blocks (never held whole), and each row keeps only
 * its `m` nearest other rows in a bounded max-heap, so memory stays
 * `O(block · N + N · m)` and time `O(N² D / 2 + N² log m)` (built-in
 * distances compute each pair once, from the upper triangle).
 *
 * Built-in distances (`'cosine'`, `'euclidean'`) are computed in float64 from
 * a Gram matrix (`matmul`), whatever the embeddings' dtype, so rankings do not
 * depend on the float32 backend. A custom distance function is called on row
 * blocks `(x[i0:i1], x)` in the embeddings' own dtype.
 *
 * Ordering: a query is never its own neighbour (it is excluded by index, so
 * duplicates of the query still count as neighbours); neighbours at equal
 * distance are ordered by ascending row index.
 */
import { ArgumentError, ShapeError, ValueError, fmtShape } from '../errors.ts';
import { matmul } from '../ops/linalg.ts';
import { dataOf, fromStorage, isTensor, requireTensor, type Tensor } from '../tensor/tensor.ts';

/**
 * How retrieval measures closeness:
 * - `'cosine'`: `1 − cos(x, y)` (rows are L2-normalised; a zero row is at distance 1 from everything);
 * - `'euclidean'`: `‖x − y‖`;
 * - a function `(x, y) => [N, M]` distance tensor for `x: [N, D]`, `y: [M, D]`
 *   (e.g. `ball.pairwiseDist`). It must act row-wise (row `i` of the result
 *   depends on row `i` of `x` only), since it is called on blocks of rows.
 */
export type Distance = 'cosine' | 'euclidean' | ((x: Tensor, y: Tensor) => Tensor);

/** The `k` nearest other rows of every row, row-major `[N, k]`. */
export interface NeighbourLists {
  /** number of rows (queries) */
  readonly n: number;
  /** neighbours kept per row */
  readonly k: number;
  /** `indices[i·k + j]`: row index of the `j`-th nearest neighbour of row `i` */
  readonly indices: Int32Array;
  /** `distances[i·k + j]`: its distance (for `'euclidean'` the true distance, for `'cosine'` `1 − cos`) */
  readonly distances: Float64Array;
}

/** About this many distance-matrix entries per block (32 MiB of float64). */
const BLOCK_ENTRIES = 1 << 22;

/** Validates a distance option. @internal */
export function checkDistance(fn: string, distance: unknown): asserts distance is Distance {
  if (distance !== 'cosine' && distance !== 'euclidean' && typeof distance !== 'function') {
    throw new ArgumentError(
      `${fn}: distance must be 'cosine', 'euclidean' or a function (x, y) => [N, M] distance tensor, got ${JSON.stringify(distance) ?? typeof distance}`,
    );
  }
}

/** Validates `[N, D]` embeddings with N ≥ 2 and D ≥ 1. @internal */
export function checkEmbeddings(fn: string, embeddings: unknown): asserts embeddings is Tensor {
  requireTensor(fn, embeddings, 'embeddings');
  if (embeddings.rank !== 2 || embeddings.shape[1] < 1) {
    throw new ShapeError(`${fn}: embeddings must be a [N, D] tensor with D ≥ 1, got shape ${fmtShape(embeddings.shape)}`);
  }
  if (embeddings.shape[0] < 2) {
    throw new ValueError(`${fn}: need at least 2 embeddings to retrieve neighbours, got ${embeddings.shape[0]}`);
  }
}

/** The rows of `x` as a fresh float64 array, checking that every value is finite. */
function float64Rows(fn: string, x: Tensor): Float64Array {
  const d = dataOf(x);
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) {
      const D = x.shape[1];
      throw new ValueError(`${fn}: embedding value ${v} at row ${Math.floor(i / D)}, column ${i % D} is not finite; expected finite embeddings`);
    }
    out[i] = v;
  }
  return out;
}

/** Rows per block so that a block holds about `blockEntries` distances. */
function blockRows(N: number, blockEntries: number): number {
  return Math.max(1, Math.min(N, Math.floor(blockEntries / N)));
}

/**
 * The neighbour lists being built: row `q` owns the slots `[q·m, (q+1)·m)` of
 * `hd` / `hi`, used as a bounded max-heap under the order (distance, index)
 * while candidates arrive, then sorted ascending in place.
 */
class Heaps {
  readonly hd: Float64Array;
  readonly hi: Int32Array;
  readonly size: Int32Array;
  constructor(
    readonly n: number,
    readonly m: number,
  ) {
    this.hd = new Float64Array(n * m);
    this.hi = new Int32Array(n * m);
    this.size = new Int32Array(n);
  }

  /** Offers candidate `j` at distance `d` to row `q`. */
  push(q: number, d: number, j: number): void {
    const { hd, hi, m } = this;
    const base = q * m;
    const size = this.size[q];
    if (size < m) {
      // sift up from the new slot
      let c = size;
      while (c > 0) {
        const p = (c - 1) >> 1;
        const dp = hd[base + p];
        if (dp > d || (dp === d && hi[base + p] > j)) break;
        hd[base + c] = dp;
        hi[base + c] = hi[base + p];
        c = p;
      }
      hd[base + c] = d;
      hi[base + c] = j;
      this.size[q] = size + 1;
    } else if (d < hd[base] || (d === hd[base] && j < hi[base])) {
      this.siftDown(base, m, d, j);
    }
  }

  /** Places (d, j) at the root of the heap at `base` with `size` slots and sifts it down. */
  private siftDown(base: number, size: number, d: number, j: number): void {
    const { hd, hi } = this;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= size) break;
      let c = l;
      const r = l + 1;
      if (r < size && (hd[base + r] > hd[base + l] || (hd[base + r] === hd[base + l] && hi[base + r] > hi[base + l]))) c = r;
      const dc = hd[base + c];
      if (dc < d || (dc === d && hi[base + c] < j)) break;
      hd[base + p] = dc;
      hi[base + p] = hi[base + c];
      p = c;
    }
    hd[base + p] = d;
    hi[base + p] = j;
  }

  /** Sorts every row ascending (heapsort in place) and returns the lists. */
  finish(sqrt: boolean): NeighbourLists {
    const { hd, hi, n, m } = this;
    for (let q = 0; q < n; q++) {
      const base = q * m;
      for (let s = this.size[q] - 1; s > 0; s--) {
        const d = hd[base + s];
        const j = hi[base + s];
        hd[base + s] = hd[base];
        hi[base + s] = hi[base];
        this.siftDown(base, s, d, j);
      }
    }
    if (sqrt) for (let e = 0; e < hd.length; e++) hd[e] = Math.sqrt(hd[e]);
    return { n, k: m, indices: hi, distances: hd };
  }
}

/** Neighbour lists under a user distance function, called on row blocks `(x[i0:i1], x)`. */
function customLists(fn: string, embeddings: Tensor, m: number, distance: (x: Tensor, y: Tensor) => Tensor, blockEntries: number): NeighbourLists {
  const [N, D] = embeddings.shape;
  const B = blockRows(N, blockEntries);
  const heaps = new Heaps(N, m);
  const src = dataOf(embeddings);
  for (let i0 = 0; i0 < N; i0 += B) {
    const rows = Math.min(B, N - i0);
    const xb = rows === N ? embeddings : fromStorage(src.slice(i0 * D, (i0 + rows) * D), [rows, D], embeddings.dtype);
    const out: unknown = distance(xb, embeddings);
    if (!isTensor(out) || out.rank !== 2 || out.shape[0] !== rows || out.shape[1] !== N) {
      const got = isTensor(out) ? `shape ${fmtShape(out.shape)}` : out === null ? 'null' : typeof out;
      throw new ShapeError(
        `${fn}: the distance function returned ${got} for x ${fmtShape([rows, D])} and y ${fmtShape([N, D])}; expected a [${rows}, ${N}] tensor`,
      );
    }
    const block = dataOf(out);
    for (let r = 0; r < rows; r++) {
      const q = i0 + r;
      const off = r * N;
      for (let j = 0; j < N; j++) {
        if (j === q) continue;
        const d = block[off + j];
        if (Number.isNaN(d)) {
          throw new ValueError(`${fn}: the distance function returned NaN for rows ${q} and ${j}; expected comparable distances`);
        }
        heaps.push(q, d, j);
      }
    }
  }
  return heaps.finish(false);
}

/**
 * Neighbour lists under `'cosine'` or `'euclidean'`: float64 Gram blocks of
 * the upper triangle only (each pair is computed once and offered to both of
 * its rows), so the cost is about N²D/2 multiply-adds.
 */
function builtinLists(fn: string, embeddings: Tensor, m: number, distance: 'cosine' | 'euclidean', blockEntries: number): NeighbourLists {
  const [N, D] = embeddings.shape;
  const x = float64Rows(fn, embeddings);
  const sq = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += x[i * D + d] * x[i * D + d];
    sq[i] = s;
  }
  const cosine = distance === 'cosine';
  if (cosine) {
    for (let i = 0; i < N; i++) {
      const inv = sq[i] > 0 ? 1 / Math.sqrt(sq[i]) : 0;
      for (let d = 0; d < D; d++) x[i * D + d] *= inv;
    }
  }
  const B = blockRows(N, blockEntries);
  const heaps = new Heaps(N, m);
  for (let i0 = 0; i0 < N; i0 += B) {
    const rows = Math.min(B, N - i0);
    const cols = N - i0; // columns i0 … N−1
    const right = i0 === 0 ? fromStorage(x, [N, D], 'float64') : fromStorage(x.slice(i0 * D), [cols, D], 'float64');
    const left = rows === cols ? right : fromStorage(x.slice(i0 * D, (i0 + rows) * D), [rows, D], 'float64');
    const g = dataOf(matmul(left, right, { transposeB: true }));
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      const si = sq[i];
      const off = r * cols - i0;
      for (let j = i + 1; j < N; j++) {
        let d: number;
        if (cosine) d = 1 - g[off + j];
        else {
          d = si + sq[j] - 2 * g[off + j];
          if (!(d > 0)) d = 0;
        }
        heaps.push(i, d, j);
        heaps.push(j, d, i);
      }
    }
  }
  return heaps.finish(!cosine);
}

/**
 * The `k` nearest neighbours of every row of `[N, D]` embeddings among the
 * other rows, nearest first (a row is never its own neighbour; equal distances
 * are ordered by ascending row index). `k` is clamped to `N − 1`.
 *
 * @param embeddings `[N, D]` with N ≥ 2.
 * @param k neighbours per row, an integer ≥ 1.
 * @param distance `'cosine'` (default), `'euclidean'` or a function `(x, y) => [N, M]`.
 * @throws ShapeError / ValueError / ArgumentError for bad embeddings, `k` or `distance`.
 */
export function knn(embeddings: Tensor, k: number, distance: Distance = 'cosine'): NeighbourLists {
  const fn = 'knn';
  checkEmbeddings(fn, embeddings);
  checkDistance(fn, distance);
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`${fn}: k must be an integer ≥ 1, got ${k}`);
  return neighbourLists(fn, embeddings, Math.min(k, embeddings.shape[0] - 1), distance);
}

/** `knn` without argument checks; `m ≤ N − 1`. @internal */
export function neighbourLists(fn: string, embeddings: Tensor, m: number, distance: Distance, blockEntries = BLOCK_ENTRIES): NeighbourLists {
  return typeof distance === 'function' ? customLists(fn, embeddings, m, distance, blockEntries) : builtinLists(fn, embeddings, m, distance, blockEntries);
}
