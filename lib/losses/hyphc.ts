/**
 * The HypHC triplet regularizer (Chami et al., NeurIPS 2020; docs/math.md §4)
 * and seeded sampling of index triplets.
 *
 * For a triplet (i, j, k) with similarities w_ij, w_ik, w_jk and LCA depths
 * d(i∨j), d(i∨k), d(j∨k): ℓ = Σw − w · softmax(d / T). The pair whose LCA is
 * deepest should be the most similar one.
 */
import { ArgumentError, ShapeError, ValueError, describe, fmtShape, optionsOf, requireMethods } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { randomInt, split, type PRNGKey } from '../tensor/random.ts';
import { checkSize } from '../tensor/shape.ts';
import { div, mul, sub } from '../ops/elementwise.ts';
import { take } from '../ops/indexing.ts';
import { mean } from '../ops/reduce.ts';
import { sum } from '../ops/broadcast.ts';
import { reshape, stack } from '../ops/shape.ts';
import { softmax } from '../ops/fused/softmax.ts';
import { checkTensor } from '../ops/util.ts';
import type { PoincareBall } from '../manifolds/poincare.ts';

/** An index triplet (i, j, k) of distinct rows. */
export type Triplet = readonly [number, number, number];

/** Options of {@link hyphc}. */
export interface HyphcOptions {
  /** softmax temperature T (default 0.05, HypHC's default) */
  readonly temperature?: number;
}

/** Validates triplets of distinct indices below `n`. */
export function checkTriplets(fn: string, triplets: readonly Triplet[], n: number): void {
  if (!Array.isArray(triplets) || triplets.length === 0) throw new ArgumentError(`${fn}: expected a non-empty array of [i, j, k] triplets`);
  triplets.forEach((t, q) => {
    if (!Array.isArray(t) || t.length !== 3) throw new ArgumentError(`${fn}: triplet ${q} must be [i, j, k], got ${describe(t)}`);
    for (const v of t) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) {
        throw new ValueError(`${fn}: triplet ${q} = [${t.map(describe).join(', ')}] has index ${describe(v)} out of range; expected integers in [0, ${n - 1}]`);
      }
    }
  });
}

/**
 * HypHC loss of `points [P, D]` in `ball` given a similarity matrix `[P, P]`
 * and index triplets; the mean over triplets. Degenerate triplets (repeated
 * indices) and degenerate pairs of points (at the origin, or collinear with
 * it, e.g. coinciding proxies) are allowed: `ball.lcaDepth` gives them depth 0
 * with finite gradients.
 *
 * `options` may be omitted (all defaults); `null` or a non-object is an
 * ArgumentError, and so is a `ball` that is not a Poincaré ball. An empty
 * list of triplets is an ArgumentError (the mean over no triplets has no value).
 */
export function hyphc(options?: HyphcOptions): (ball: PoincareBall, points: Tensor, similarity: Tensor, triplets: readonly Triplet[]) => Tensor {
  const T = optionsOf('hyphc', options).temperature ?? 0.05;
  if (typeof T !== 'number' || !(T > 0 && Number.isFinite(T))) throw new ValueError(`hyphc: temperature must be a positive finite number, got ${describe(T)}`);
  return (ball, points, similarity, triplets) => {
    requireMethods('hyphc', ball, 'a Poincaré ball (poincareBall({ c })) as the first argument', ['lcaDepth']);
    checkTensor('hyphc', points, 'points');
    checkTensor('hyphc', similarity, 'similarity');
    if (points.rank !== 2) throw new ShapeError(`hyphc: points must be [P, D], got ${fmtShape(points.shape)}`);
    const P = points.shape[0];
    if (similarity.rank !== 2 || similarity.shape[0] !== P || similarity.shape[1] !== P) {
      throw new ShapeError(`hyphc: similarity must be [${P}, ${P}] for ${P} points, got ${fmtShape(similarity.shape)}`);
    }
    checkTriplets('hyphc', triplets, P);
    const { I, J, K } = tripletColumns(triplets);
    const flat = reshape(similarity, [-1]);
    const at = (p: readonly number[], q: readonly number[]) =>
      take(
        flat,
        p.map((a, t) => a * P + q[t]),
      );
    return hyphcCore(ball, points, stack([at(I, J), at(I, K), at(J, K)], 1), triplets, T);
  };
}

/** The three index columns of a list of triplets. @internal */
export function tripletColumns(triplets: readonly Triplet[]): { I: number[]; J: number[]; K: number[] } {
  return { I: triplets.map((t) => t[0]), J: triplets.map((t) => t[1]), K: triplets.map((t) => t[2]) };
}

/**
 * The HypHC loss from per-triplet similarities `w [T, 3]` (columns w_ij, w_ik,
 * w_jk) — used by `chest`, which computes only the 3T similarities it needs
 * instead of a `[P, P]` matrix. Triplets are assumed valid. @internal
 */
export function hyphcCore(ball: PoincareBall, points: Tensor, w: Tensor, triplets: readonly Triplet[], temperature: number): Tensor {
  const { I, J, K } = tripletColumns(triplets);
  const xi = take(points, I),
    xj = take(points, J),
    xk = take(points, K);
  const depth = stack([ball.lcaDepth(xi, xj), ball.lcaDepth(xi, xk), ball.lcaDepth(xj, xk)], 1); // [T, 3]
  const wOrd = sum(mul(w, softmax(div(depth, temperature), 1)), 1);
  return mean(sub(sum(w, 1), wOrd));
}

/**
 * `n` triplets of distinct indices in `[0, P)`, drawn with `key` (same key,
 * same triplets). When `P` has at most `n` distinct unordered triplets, all of
 * them are returned instead (i < j < k).
 */
export function sampleTriplets(key: PRNGKey, P: number, n: number): Triplet[] {
  if (typeof P !== 'number' || !Number.isInteger(P) || P < 3) throw new ValueError(`sampleTriplets: need at least 3 distinct points, got P = ${describe(P)}`);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ValueError(`sampleTriplets: n must be a positive integer, got ${describe(n)}`);
  checkSize('sampleTriplets', n, [n, 3]);
  const total = (P * (P - 1) * (P - 2)) / 6;
  if (total <= n) {
    const all: Triplet[] = [];
    for (let i = 0; i < P; i++) for (let j = i + 1; j < P; j++) for (let k = j + 1; k < P; k++) all.push([i, j, k]);
    return all;
  }
  const [k1, k2, k3] = split(key, 3);
  const a = randomInt(k1, n, 0, P);
  const b = randomInt(k2, n, 0, P - 1); // distinct from a by skipping a
  const c = randomInt(k3, n, 0, P - 2); // distinct from a and b by skipping both
  const out: Triplet[] = [];
  for (let q = 0; q < n; q++) {
    const i = a[q];
    const j = b[q] >= i ? b[q] + 1 : b[q];
    const lo = Math.min(i, j),
      hi = Math.max(i, j);
    let k = c[q];
    if (k >= lo) k++;
    if (k >= hi) k++;
    out.push([i, j, k]);
  }
  return out;
}
