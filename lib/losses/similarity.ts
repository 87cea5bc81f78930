/**
 * Pluggable similarity functions between a batch of embeddings `[B, D]` and
 * a set of proxies `[P, D]`, returning `[B, P]`: the "s" that proxy losses
 * such as SoftTriple and ProxyAnchor consume.
 */
import { ArgumentError, ShapeError, describe, fmtShape, requireMethods } from '../errors.ts';
import { isTensor, type Tensor } from '../tensor/tensor.ts';
import { neg } from '../ops/elementwise.ts';
import { matmul } from '../ops/linalg.ts';
import { pairwiseCosine } from '../ops/fused/pairwiseCosine.ts';
import { checkTensor } from '../ops/util.ts';
import type { PoincareBall } from '../manifolds/poincare.ts';

/** A similarity between rows of `x [B, D]` and rows of `w [P, D]`, shape `[B, P]` (larger = more similar). */
export type Similarity = (x: Tensor, w: Tensor) => Tensor;

/** Checks two row matrices with the same feature size. */
export function checkPair(fn: string, x: Tensor, w: Tensor, xn = 'x', wn = 'w'): void {
  checkTensor(fn, x, xn);
  checkTensor(fn, w, wn);
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[1]) {
    throw new ShapeError(`${fn}: expected ${xn} [B, D] and ${wn} [P, D] with the same D, got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`);
  }
}

/**
 * Cosine similarity: both sides L2-normalised (as PyTorch's F.normalize), then x·wᵀ
 * (the fused {@link pairwiseCosine} op).
 */
export const cosineSimilarity: Similarity = (x, w) => {
  checkPair('cosineSimilarity', x, w);
  return pairwiseCosine(x, w);
};

/** Dot-product similarity x·wᵀ. */
export const dotSimilarity: Similarity = (x, w) => {
  checkPair('dotSimilarity', x, w);
  return matmul(x, w, { transposeB: true });
};

/** Negative Poincaré distance −d_c(x, w) between points of `ball` (Hyp-ViT's similarity). */
export function negPoincareDistance(ball: PoincareBall): Similarity {
  requireMethods('negPoincareDistance', ball, 'a Poincaré ball (poincareBall({ c }))', ['pairwiseDist']);
  return (x, w) => {
    checkPair('negPoincareDistance', x, w);
    return neg(ball.pairwiseDist(x, w));
  };
}

/** The `similarity` option of a proxy loss: a function, or the default cosine similarity. @internal */
export function checkSimilarityOption(fn: string, sim: unknown): Similarity {
  if (sim === undefined) return cosineSimilarity;
  if (typeof sim !== 'function') {
    throw new ArgumentError(`${fn}: option similarity must be a function (x [B, D], w [P, D]) => [B, P] such as cosineSimilarity, got ${describe(sim)}`);
  }
  return sim as Similarity;
}

/** `sim(x, w)`, checked to be a `[B, P]` tensor. @internal */
export function similarityOf(fn: string, sim: Similarity, x: Tensor, w: Tensor): Tensor {
  const s: unknown = sim(x, w);
  if (!isTensor(s) || s.rank !== 2 || s.shape[0] !== x.shape[0] || s.shape[1] !== w.shape[0]) {
    throw new ShapeError(`${fn}: similarity(x, w) must return a [${x.shape[0]}, ${w.shape[0]}] Tensor, got ${describe(s)}`);
  }
  return s;
}
