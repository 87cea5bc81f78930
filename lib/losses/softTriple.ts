/**
 * SoftTriple (Qian et al., ICCV 2019) on a class-major similarity matrix,
 * its sparse-centers regularizer, and the Euclidean SoftTriple on raw
 * embeddings and centers (docs/math.md §2). Numerically equal to
 * pytorch-metric-learning's `SoftTripleLoss` + `SparseCentersRegularizer`
 * (weight τ), up to the regularizer's small constant (1e-5 here, as in the
 * original SoftTriple code; pml uses the dtype's smallest normal number).
 */
import { ShapeError, ValueError, describe, fmtShape, optionsOf } from '../errors.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DType } from '../../kernels/types.ts';
import { softTripleFused } from '../ops/fused/softTriple.ts';
import { add, div, minimum, mul, sqrt, sub } from '../ops/elementwise.ts';
import { matmul } from '../ops/linalg.ts';
import { normalize } from '../ops/nn.ts';
import { sum } from '../ops/broadcast.ts';
import { reshape } from '../ops/shape.ts';
import { checkTensor } from '../ops/util.ts';
import { checkLabels, type Labels } from './labels.ts';
import { checkPair, checkSimilarityOption, similarityOf, type Similarity } from './similarity.ts';

/** Options of {@link softTriple}. */
export interface SoftTripleOptions {
  /** λ, the logit scale (default 20) */
  readonly la?: number;
  /** γ, the temperature of the softmax over a class's centers (default 0.1) */
  readonly gamma?: number;
  /** δ, the margin subtracted from the true class's similarity (default 0.01) */
  readonly margin?: number;
  /** K, centers per class (required; the similarity has C·K columns, class-major) */
  readonly centersPerClass: number;
}

function checkK(fn: string, k: unknown): asserts k is number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new ValueError(`${fn}: centersPerClass must be a positive integer, got ${describe(k)}`);
}

/** Checks that `centers [rows, D]` holds C·K rows (C ≥ 1) for `K` centers per class. @internal */
export function checkCenters(fn: string, centers: Tensor, K: number): void {
  if (centers.shape[0] % K !== 0 || centers.shape[0] === 0) {
    throw new ShapeError(`${fn}: centers must be [C·K, D] with K = ${K} centers per class, got ${fmtShape(centers.shape)}`);
  }
}

/**
 * SoftTriple loss of a similarity matrix `sim [B, C·K]` (column `c·K + k` is
 * center k of class c) and labels `[B]`:
 * `S_ic = Σ_k softmax_k(s_ick/γ) s_ick`, loss = mean_i CE(λ(S_i − δ·onehot(y_i)), y_i).
 *
 * `options` is required (`{ centersPerClass }` at least); a missing or
 * non-object `options` is an ArgumentError. The returned loss throws a
 * ShapeError for an empty batch (B = 0: a mean over no rows has no value) and
 * a ValueError for a label that is not an integer in `[0, C)`.
 */
export function softTriple(options: SoftTripleOptions): (sim: Tensor, labels: Labels) => Tensor {
  return softTripleNamed('softTriple', options);
}

/** {@link softTriple} whose errors name `fn` (the public loss built on it). @internal */
export function softTripleNamed(fn: string, options: SoftTripleOptions): (sim: Tensor, labels: Labels) => Tensor {
  optionsOf(fn, options, '{ centersPerClass }');
  const la = options.la ?? 20;
  const gamma = options.gamma ?? 0.1;
  const margin = options.margin ?? 0.01;
  const K = options.centersPerClass;
  checkK(fn, K);
  if (typeof gamma !== 'number' || !(gamma > 0 && Number.isFinite(gamma)))
    throw new ValueError(`${fn}: gamma (γ) must be a positive finite number, got ${describe(gamma)}`);
  if (typeof la !== 'number' || !(la > 0 && Number.isFinite(la))) throw new ValueError(`${fn}: la (λ) must be a positive finite number, got ${describe(la)}`);
  if (typeof margin !== 'number' || !Number.isFinite(margin)) throw new ValueError(`${fn}: margin (δ) must be a finite number, got ${describe(margin)}`);
  return (sim, labels) => {
    checkTensor(fn, sim, 'sim');
    if (sim.rank !== 2 || sim.shape[1] % K !== 0 || sim.shape[1] === 0) {
      throw new ShapeError(`${fn}: sim must be [B, C·K] with K = ${K} centers per class, got ${fmtShape(sim.shape)}`);
    }
    const [B, CK] = sim.shape;
    const y = checkLabels(fn, labels, B, CK / K);
    return softTripleFused([sim], { y, K, la, gamma, margin });
  };
}

/** Options of {@link centerRegularizer}. */
export interface CenterRegularizerOptions {
  /** K, centers per class (required; ≥ 2 for the regularizer to be non-zero) */
  readonly centersPerClass: number;
  /** the small constant inside the square root (default 1e-5) */
  readonly eps?: number;
}

/**
 * SoftTriple's center regularizer on `centers [C·K, D]` (normalised inside):
 * `Σ_c Σ_{k<k'} √(2 + eps − 2⟨w_c^k, w_c^k'⟩) / (C·K·(K−1))`. Zero when K = 1.
 *
 * `options` is required (`{ centersPerClass }` at least); a missing or
 * non-object `options` is an ArgumentError.
 */
export function centerRegularizer(options: CenterRegularizerOptions): (centers: Tensor) => Tensor {
  optionsOf('centerRegularizer', options, '{ centersPerClass }');
  const K = options.centersPerClass;
  checkK('centerRegularizer', K);
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0 && Number.isFinite(eps)))
    throw new ValueError(`centerRegularizer: eps must be a finite number ≥ 0, got ${describe(eps)}`);
  const upper: number[] = [];
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) upper.push(j > i ? 1 : 0);
  // one mask per dtype for the life of the regularizer: on a device backend it is uploaded once, not every step
  const masks = new Map<DType, Tensor>();
  const maskOf = (dt: DType): Tensor => {
    let m = masks.get(dt);
    if (m === undefined) masks.set(dt, (m = tensor(upper, [K, K], dt)));
    return m;
  };
  return (centers) => {
    checkTensor('centerRegularizer', centers, 'centers');
    if (centers.rank !== 2 || centers.shape[0] % K !== 0 || centers.shape[0] === 0) {
      throw new ShapeError(`centerRegularizer: centers must be [C·K, D] with K = ${K}, got ${fmtShape(centers.shape)}`);
    }
    const C = centers.shape[0] / K;
    if (K === 1) return mul(sum(centers), 0);
    const w = reshape(normalize(centers), [C, K, -1]);
    const gram = matmul(w, w, { transposeB: true }); // [C, K, K] within-class cosines
    const d = sqrt(sub(2 + eps, minimum(mul(gram, 2), 2)));
    const mask = maskOf(centers.dtype);
    return div(sum(mul(d, mask)), C * K * (K - 1));
  };
}

/** Options of {@link euclideanSoftTriple}. */
export interface EuclideanSoftTripleOptions extends SoftTripleOptions {
  /** τ, weight of the center regularizer (default 0.2) */
  readonly tau?: number;
  /** similarity of embeddings to centers (default cosine) */
  readonly similarity?: Similarity;
}

/**
 * SoftTriple on raw embeddings `[B, D]` and centers `[C·K, D]` with cosine
 * similarity, plus τ·{@link centerRegularizer} — pytorch-metric-learning's
 * `SoftTripleLoss(weight_regularizer=SparseCentersRegularizer, weight_reg_weight=τ)`.
 *
 * `options` is required (`{ centersPerClass }` at least); a missing or
 * non-object `options`, or a `similarity` that is not a function, is an
 * ArgumentError. The returned loss throws a ShapeError for an empty batch
 * (B = 0: a mean over no rows has no value) and a ValueError for a label that
 * is not an integer in `[0, C)`.
 */
export function euclideanSoftTriple(options: EuclideanSoftTripleOptions): (embeddings: Tensor, centers: Tensor, labels: Labels) => Tensor {
  return euclideanSoftTripleNamed('euclideanSoftTriple', options);
}

/** {@link euclideanSoftTriple} whose errors name `fn`. @internal */
export function euclideanSoftTripleNamed(fn: string, options: EuclideanSoftTripleOptions): (embeddings: Tensor, centers: Tensor, labels: Labels) => Tensor {
  const st = softTripleNamed(fn, options);
  const tau = options.tau ?? 0.2;
  if (typeof tau !== 'number' || !(tau >= 0 && Number.isFinite(tau))) throw new ValueError(`${fn}: tau (τ) must be a finite number ≥ 0, got ${describe(tau)}`);
  const reg = centerRegularizer({ centersPerClass: options.centersPerClass });
  const simFn = checkSimilarityOption(fn, options.similarity);
  const K = options.centersPerClass;
  return (x, w, labels) => {
    checkPair(fn, x, w, 'embeddings', 'centers');
    checkCenters(fn, w, K);
    checkLabels(fn, labels, x.shape[0], w.shape[0] / K);
    const l = st(similarityOf(fn, simFn, x, w), labels);
    return tau === 0 || options.centersPerClass === 1 ? l : add(l, mul(reg(w), tau));
  };
}
