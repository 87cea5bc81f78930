/**
 * Baseline metric-learning losses for comparison with CHEST, each a pure,
 * differentiable function: ProxyAnchor (Kim et al. 2020), ProxyNCA and the
 * normalized softmax, Hyp-ViT's pairwise hyperbolic contrastive loss
 * (Ermolov et al. 2022), and the batch-hard triplet margin loss.
 */
import { ShapeError, ValueError, describe, fmtShape, optionsOf } from '../errors.ts';
import { eye, tensor } from '../tensor/create.ts';
import { oneHot } from '../ops/indexing.ts';
import { isTensor, type Tensor } from '../tensor/tensor.ts';
import { add, div, exp, log1p, maximum, mul, neg, relu, sqrt, sub, where, greater } from '../ops/elementwise.ts';
import { logSoftmax } from '../ops/nn.ts';
import { max, mean, min } from '../ops/reduce.ts';
import { sum } from '../ops/broadcast.ts';
import { concat } from '../ops/shape.ts';
import { checkTensor } from '../ops/util.ts';
import { poincareBall } from '../manifolds/poincare.ts';
import type { Curvature } from '../manifolds/numerics.ts';
import { checkClassIds, checkLabels, checkNonEmptyBatch, type Labels } from './labels.ts';
import { checkPair, checkSimilarityOption, cosineSimilarity, similarityOf, type Similarity } from './similarity.ts';
import { pairwiseSqEuclidean } from '../ops/fused/pairwiseSqEuclidean.ts';

/**
 * Mean cross-entropy of `logits [B, C]` at integer labels.
 *
 * @throws ShapeError for an empty batch (B = 0: a mean over no rows has no value)
 * @throws ValueError for a label that is not an integer in `[0, C)`
 */
export function crossEntropy(logits: Tensor, labels: Labels): Tensor {
  checkTensor('crossEntropy', logits, 'logits');
  if (logits.rank !== 2) throw new ShapeError(`crossEntropy: logits must be [B, C], got ${fmtShape(logits.shape)}`);
  if (logits.shape[1] === 0) throw new ShapeError(`crossEntropy: logits ${fmtShape(logits.shape)} have no classes; expected C ≥ 1`);
  const y = checkLabels('crossEntropy', labels, logits.shape[0], logits.shape[1]);
  const hot = oneHot(y, logits.shape[1], logits.dtype);
  return mean(neg(sum(mul(logSoftmax(logits, 1), hot), 1)));
}

/** Options of {@link proxyAnchor}. */
export interface ProxyAnchorOptions {
  /** scale α (default 32) */
  readonly alpha?: number;
  /** margin δ (default 0.1) */
  readonly margin?: number;
  /** similarity of embeddings to proxies (default cosine) */
  readonly similarity?: Similarity;
}

/**
 * ProxyAnchor loss on embeddings `[B, D]` and one proxy per class `[C, D]`:
 * `(1/|P⁺|) Σ_{p∈P⁺} log(1 + Σ_{x∈X_p⁺} e^{−α(s(x,p)−δ)}) + (1/C) Σ_p log(1 + Σ_{x∈X_p⁻} e^{α(s(x,p)+δ)})`,
 * where P⁺ are the proxies with a positive in the batch.
 *
 * `options` may be omitted (all defaults); `null` or a non-object is an ArgumentError.
 * The returned loss throws a ShapeError for an empty batch (a mean over no rows has no value).
 */
export function proxyAnchor(options?: ProxyAnchorOptions): (embeddings: Tensor, proxies: Tensor, labels: Labels) => Tensor {
  const o = optionsOf('proxyAnchor', options);
  const alpha = o.alpha ?? 32;
  const delta = o.margin ?? 0.1;
  const simFn = checkSimilarityOption('proxyAnchor', o.similarity);
  if (typeof alpha !== 'number' || !(alpha > 0 && Number.isFinite(alpha)))
    throw new ValueError(`proxyAnchor: alpha must be a positive finite number, got ${describe(alpha)}`);
  if (typeof delta !== 'number' || !Number.isFinite(delta)) throw new ValueError(`proxyAnchor: margin must be a finite number, got ${describe(delta)}`);
  return (x, p, labels) => {
    checkPair('proxyAnchor', x, p, 'embeddings', 'proxies');
    const [B] = x.shape;
    const C = p.shape[0];
    const y = checkLabels('proxyAnchor', labels, B, C);
    const s = similarityOf('proxyAnchor', simFn, x, p);
    const pos = oneHot(y, C, s.dtype);
    const neg1 = sub(1, pos);
    // Masked entries get exponent 0 before exp, so an unused e^{α·…} never overflows into inf·0.
    const posExp = mul(exp(mul(mul(sub(s, delta), -alpha), pos)), pos);
    const negExp = mul(exp(mul(mul(add(s, delta), alpha), neg1)), neg1);
    const hasPos = new Set(y);
    const valid = tensor(
      Array.from({ length: C }, (_, c) => (hasPos.has(c) ? 1 : 0)),
      [C],
      s.dtype,
    );
    const posTerm = div(sum(mul(log1p(sum(posExp, 0)), valid)), Math.max(1, hasPos.size));
    const negTerm = div(sum(log1p(sum(negExp, 0))), C);
    return add(posTerm, negTerm);
  };
}

/**
 * Normalized softmax (a.k.a. NormFace / proxy softmax): cross-entropy of
 * cos(x, p)/T over one proxy per class. Default temperature 0.05.
 *
 * `options` may be omitted (all defaults); `null` or a non-object is an ArgumentError.
 * The returned loss throws a ShapeError for an empty batch (a mean over no rows has no value).
 */
export function normalizedSoftmax(options?: { readonly temperature?: number }): (embeddings: Tensor, proxies: Tensor, labels: Labels) => Tensor {
  const T = optionsOf('normalizedSoftmax', options).temperature ?? 0.05;
  if (typeof T !== 'number' || !(T > 0 && Number.isFinite(T)))
    throw new ValueError(`normalizedSoftmax: temperature must be a positive finite number, got ${describe(T)}`);
  return (x, p, labels) => {
    checkPair('normalizedSoftmax', x, p, 'embeddings', 'proxies');
    checkLabels('normalizedSoftmax', labels, x.shape[0], p.shape[0]);
    return crossEntropy(div(cosineSimilarity(x, p), T), labels);
  };
}

/**
 * ProxyNCA (Movshovitz-Attias et al. 2017, as in pytorch-metric-learning):
 * cross-entropy of −scale·‖x̂ − p̂‖² over one proxy per class, with
 * L2-normalised embeddings and proxies. Default scale 1.
 *
 * `options` may be omitted (all defaults); `null` or a non-object is an ArgumentError.
 * The returned loss throws a ShapeError for an empty batch (a mean over no rows has no value).
 */
export function proxyNCA(options?: { readonly scale?: number }): (embeddings: Tensor, proxies: Tensor, labels: Labels) => Tensor {
  const scale = optionsOf('proxyNCA', options).scale ?? 1;
  if (typeof scale !== 'number' || !(scale > 0 && Number.isFinite(scale)))
    throw new ValueError(`proxyNCA: scale must be a positive finite number, got ${describe(scale)}`);
  return (x, p, labels) => {
    checkPair('proxyNCA', x, p, 'embeddings', 'proxies');
    checkLabels('proxyNCA', labels, x.shape[0], p.shape[0]);
    // ‖x̂ − p̂‖² = 2 − 2 cos for unit vectors
    const d2 = sub(2, mul(cosineSimilarity(x, p), 2));
    return crossEntropy(mul(d2, -scale), labels);
  };
}

/** Options of {@link hypContrastive}. */
export interface HypContrastiveOptions {
  /** curvature magnitude (default 0.1, Hyp-ViT) */
  readonly c?: Curvature;
  /** temperature τ (default 0.2, Hyp-ViT) */
  readonly temperature?: number;
}

/**
 * Hyp-ViT's pairwise hyperbolic contrastive loss on two views `x0, x1 [B, D]`
 * (points of the ball; row i of each view is a positive pair): logits are
 * −d_c/τ to the other view and to the own view (self excluded), averaged over
 * both directions.
 *
 * `options` may be omitted (all defaults); `null` or a non-object is an ArgumentError.
 * The returned loss throws a ShapeError for an empty batch (a mean over no rows has no value).
 */
export function hypContrastive(options?: HypContrastiveOptions): (x0: Tensor, x1: Tensor) => Tensor {
  const o = optionsOf('hypContrastive', options);
  const tau = o.temperature ?? 0.2;
  if (typeof tau !== 'number' || !(tau > 0 && Number.isFinite(tau)))
    throw new ValueError(`hypContrastive: temperature must be a positive finite number, got ${describe(tau)}`);
  const ball = poincareBall({ c: o.c ?? 0.1 });
  const oneWay = (a: Tensor, b: Tensor): Tensor => {
    const B = a.shape[0];
    const self = eye(B, B, a.dtype);
    const l01 = div(neg(ball.pairwiseDist(a, b)), tau);
    const l00 = where(greater(self, 0), -1e9, div(neg(ball.pairwiseDist(a, a)), tau));
    return crossEntropy(
      concat([l01, l00], 1),
      Array.from({ length: B }, (_, i) => i),
    );
  };
  return (x0, x1) => {
    checkPair('hypContrastive', x0, x1, 'x0', 'x1');
    if (x0.shape[0] !== x1.shape[0])
      throw new ShapeError(`hypContrastive: views must have the same batch size, got ${fmtShape(x0.shape)} and ${fmtShape(x1.shape)}`);
    checkNonEmptyBatch('hypContrastive', x0.shape[0]);
    return div(add(oneWay(x0, x1), oneWay(x1, x0)), 2);
  };
}

/** Options of {@link tripletMargin}. */
export interface TripletMarginOptions {
  /** margin (default 0.2) */
  readonly margin?: number;
  /** 'euclidean' (default), 'cosine' (1 − cos), or a pairwise distance `[B, D] × [B, D] → [B, B]` */
  readonly distance?: 'euclidean' | 'cosine' | ((x: Tensor, y: Tensor) => Tensor);
}

/**
 * Batch-hard triplet margin loss (Hermans et al. 2017): for each anchor with
 * at least one positive and one negative, `relu(max d(a, p) − min d(a, n) + margin)`;
 * the mean over such anchors (0 when a non-empty batch has none). Labels are
 * compared only, so any non-negative safe integers are class ids.
 *
 * `options` may be omitted (all defaults); `null` or a non-object is an ArgumentError.
 * The returned loss throws a ShapeError for an empty batch (a mean over no rows has no value).
 */
export function tripletMargin(options?: TripletMarginOptions): (embeddings: Tensor, labels: Labels) => Tensor {
  const o = optionsOf('tripletMargin', options);
  const margin = o.margin ?? 0.2;
  const dist = o.distance ?? 'euclidean';
  if (typeof margin !== 'number' || !Number.isFinite(margin)) throw new ValueError(`tripletMargin: margin must be a finite number, got ${describe(margin)}`);
  if (typeof dist !== 'function' && dist !== 'euclidean' && dist !== 'cosine') {
    throw new ValueError(`tripletMargin: distance must be 'euclidean', 'cosine' or a function, got ${describe(dist)}`);
  }
  return (x, labels) => {
    checkTensor('tripletMargin', x, 'embeddings');
    if (x.rank !== 2) throw new ShapeError(`tripletMargin: embeddings must be [B, D], got ${fmtShape(x.shape)}`);
    const B = x.shape[0];
    const y = checkClassIds('tripletMargin', labels, B);
    let d: Tensor;
    if (typeof dist === 'function') {
      d = dist(x, x);
      if (!isTensor(d) || d.rank !== 2 || d.shape[0] !== B || d.shape[1] !== B) {
        throw new ShapeError(`tripletMargin: distance(embeddings, embeddings) must return a [${B}, ${B}] Tensor, got ${describe(d)}`);
      }
    } else if (dist === 'cosine') d = sub(1, cosineSimilarity(x, x));
    else {
      d = sqrt(maximum(pairwiseSqEuclidean(x, x), 1e-12));
    }
    const posM: number[] = [],
      negM: number[] = [],
      valid: number[] = [];
    for (let i = 0; i < B; i++) {
      let hasP = false,
        hasN = false;
      for (let j = 0; j < B; j++) {
        const p = i !== j && y[i] === y[j];
        const n = y[i] !== y[j];
        posM.push(p ? 1 : 0);
        negM.push(n ? 1 : 0);
        hasP ||= p;
        hasN ||= n;
      }
      valid.push(hasP && hasN ? 1 : 0);
    }
    const nValid = valid.reduce((p, q) => p + q, 0);
    if (nValid === 0) return mul(sum(x), 0);
    const pm = tensor(posM, [B, B], d.dtype),
      nm = tensor(negM, [B, B], d.dtype);
    const hardPos = max(where(greater(pm, 0), d, -Infinity), 1);
    const hardNeg = min(where(greater(nm, 0), d, Infinity), 1);
    const v = tensor(valid, [B], d.dtype);
    const hp = where(greater(v, 0), hardPos, 0),
      hn = where(greater(v, 0), hardNeg, 0);
    return div(sum(mul(relu(add(sub(hp, hn), margin)), v)), nValid);
  };
}
