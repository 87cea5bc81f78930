/**
 * The hyperbolic half of CHEST (docs/math.md §3): embeddings and proxies are
 * mapped into the Poincaré ball by `toPoincare` (clip, expmap0, project), the
 * similarity is the negative geodesic distance, and SoftTriple runs on that
 * with its own λ, γ, δ [our defaults: λ_H = 5, γ_H = 0.1, δ_H = 0.01].
 */
import { ValueError, describe, optionsOf, requireMethods } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { poincareBall, type PoincareBall } from '../manifolds/poincare.ts';
import type { Curvature } from '../manifolds/numerics.ts';
import { checkLabels, type Labels } from './labels.ts';
import { checkPair, negPoincareDistance } from './similarity.ts';
import { checkCenters, softTripleNamed } from './softTriple.ts';

/** Options of {@link hyperbolicSoftTriple}. */
export interface HyperbolicSoftTripleOptions {
  /** curvature magnitude c of the ball (default 0.1, Hyp-ViT) */
  readonly c?: Curvature;
  /** feature clipping radius r (default 2.3, Hyp-ViT) */
  readonly clipR?: number;
  /** λ_H (default 5, i.e. Hyp-ViT's temperature 0.2) */
  readonly la?: number;
  /** γ_H (default 0.1) */
  readonly gamma?: number;
  /** δ_H (default 0.01) */
  readonly margin?: number;
  /** K, centers per class (required) */
  readonly centersPerClass: number;
}

/** Maps raw proxy parameters (tangent vectors at 0) into the ball: `project(expmap0(clip_r(v)))`. */
export function hyperbolicProxies(ball: PoincareBall, v: Tensor, clipR = 2.3): Tensor {
  requireMethods('hyperbolicProxies', ball, 'a Poincaré ball (poincareBall({ c }))', ['toPoincare']);
  return ball.toPoincare(v, clipR);
}

/**
 * Hyperbolic SoftTriple on raw features `[B, D]` (the hyperbolic head's
 * output, mapped by `toPoincare`) and raw proxy tangent vectors `[C·K, D]`.
 *
 * `options` is required (`{ centersPerClass }` at least); a missing or
 * non-object `options` is an ArgumentError. The returned loss throws a
 * ShapeError for an empty batch (B = 0: a mean over no rows has no value) and
 * a ValueError for a label that is not an integer in `[0, C)`.
 */
export function hyperbolicSoftTriple(options: HyperbolicSoftTripleOptions): (features: Tensor, proxies: Tensor, labels: Labels) => Tensor {
  optionsOf('hyperbolicSoftTriple', options, '{ centersPerClass }');
  const clipR = options.clipR ?? 2.3;
  if (typeof clipR !== 'number' || !(clipR > 0 && Number.isFinite(clipR)))
    throw new ValueError(`hyperbolicSoftTriple: clipR must be a positive finite number, got ${describe(clipR)}`);
  const st = softTripleNamed('hyperbolicSoftTriple', {
    la: options.la ?? 5,
    gamma: options.gamma ?? 0.1,
    margin: options.margin ?? 0.01,
    centersPerClass: options.centersPerClass,
  });
  // its points come from toPoincare (projected into the ball): no value checks (see chest.ts)
  const ball = poincareBall({ c: options.c ?? 0.1, checkPoints: false });
  const sim = negPoincareDistance(ball);
  return (x, v, labels) => {
    checkPair('hyperbolicSoftTriple', x, v, 'features', 'proxies');
    checkCenters('hyperbolicSoftTriple', v, options.centersPerClass);
    checkLabels('hyperbolicSoftTriple', labels, x.shape[0], v.shape[0] / options.centersPerClass);
    return st(sim(ball.toPoincare(x, clipR), hyperbolicProxies(ball, v, clipR)), labels);
  };
}
