/**
 * Pluggable similarity functions between a batch of embeddings `[B, D]` and
 * a set of proxies `[P, D]`, returning `[B, P]`: the "s" that proxy losses
 * such as SoftTriple and ProxyAnchor consume.
 */
import { ShapeError, fmtShape } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { neg } from '../ops/elementwise.ts';
import { matmul } from '../ops/linalg.ts';
import { pairwiseCosine } from '../ops/pairwise.ts';
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
  return (x, w) => {
    checkPair('negPoincareDistance', x, w);
    return neg(ball.pairwiseDist(x, w));
  };
}
