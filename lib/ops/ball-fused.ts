/**
 * Fast paths of two fused row-wise ops of the Poincaré ball (curvature −c),
 * for `fusedOp` (lib/ops/fused.ts). Their composite definitions are the ops
 * formulas in lib/manifolds/poincare.ts, which builds the fused ops:
 *
 *  - `toPoincare`: inputs `[x [..., D], c []]`, y = project(expmap0(clip_r(x)))
 *    row by row (kernels/js/ball.ts: a sweep over the rows per stage);
 *  - `lcaDepth`: inputs `[a [..., D], b [..., D], c []]` of one shape, the LCA
 *    depth `[...]` of each row pair.
 *
 * The curvature is an input tensor: the fast backward covers x (a, b) only;
 * when c itself is differentiated (`needs` of c) the composite's VJP is used.
 * The forward kernels repeat the composite's operations and roundings, so the
 * values (and clamp decisions) are the composite's, bitwise; the backward
 * kernels apply its chain rule in float64. See kernels/js/ball.ts.
 */
import { kernel } from '../../kernels/registry.ts';
import type { LcaResiduals } from '../../kernels/types.ts';
import { dataOf, dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import type { FusedImpl } from './fused/define.ts';

/** Attributes of the fused `toPoincare`: the clip radius and the constants of the composite. */
export interface ToPoincareAttrs {
  /** clip radius r of clip_r */
  readonly clipR: number;
  /** project's boundary margin ε (maxNorm = (1 − ε)/√c) for the dtype */
  readonly eps: number;
  /** the floor of the row norms (MIN_NORM) */
  readonly minNorm: number;
}

/** Attributes of the fused `lcaDepth`. */
export interface LcaDepthAttrs {
  /** the floor of the norms, and the ‖a − b‖ below which a pair counts as identical (MIN_NORM) */
  readonly minNorm: number;
}

/** Number of rows and row length of a `[..., D]` tensor. */
function rowsOf(x: Tensor): [number, number] {
  const D = x.shape[x.rank - 1];
  let n = 1;
  for (let i = 0; i < x.rank - 1; i++) n *= x.shape[i];
  return [n, D];
}

/** The fast path of `toPoincare([x, c], attrs)`. */
export const toPoincareImpl: FusedImpl<ToPoincareAttrs> = {
  kernels: ['toPoincareForward', 'toPoincareBackward'],
  forward: ([x, c], { clipR, eps, minNorm }) => {
    const [n, D] = rowsOf(x);
    const y = kernel('toPoincareForward', x.dtype)(dataRef(x), n, D, clipR, dataOf(c)[0], eps, minNorm, x.dtype);
    return fromData(y, x.shape);
  },
  backward: (g, [x, c], _out, { clipR, eps, minNorm }, needs) => {
    if (needs[1]) return undefined; // a traced curvature: use the composite
    if (!needs[0]) return [undefined, undefined];
    const [n, D] = rowsOf(x);
    const dx = kernel('toPoincareBackward', x.dtype)(dataRef(g), dataRef(x), n, D, clipR, dataOf(c)[0], eps, minNorm, x.dtype);
    return [fromData(dx, x.shape), undefined];
  },
};

/** The fast path of `lcaDepth([a, b, c], attrs)`; a and b have one shape `[..., D]`. */
export const lcaDepthImpl: FusedImpl<LcaDepthAttrs, LcaResiduals> = {
  kernels: ['lcaDepthForward', 'lcaDepthBackward'],
  forward: ([a, b, c], { minNorm }, save) => {
    const [n, D] = rowsOf(a);
    // while recording, the norms and unit vectors the backward needs are kept rather than recomputed
    const keep: LcaResiduals | undefined = save ? {} : undefined;
    const d = kernel('lcaDepthForward', a.dtype)(dataRef(a), dataRef(b), n, D, dataOf(c)[0], minNorm, a.dtype, keep);
    if (save && keep) save(keep);
    return fromData(d, a.shape.slice(0, -1));
  },
  backward: (g, [a, b, c], _out, { minNorm }, needs, saved) => {
    if (needs[2]) return undefined; // a traced curvature: use the composite
    const [n, D] = rowsOf(a);
    const { da, db } = kernel('lcaDepthBackward', a.dtype)(dataRef(g), dataRef(a), dataRef(b), n, D, dataOf(c)[0], minNorm, needs[0], needs[1], a.dtype, saved);
    return [da && fromData(da, a.shape), db && fromData(db, b.shape), undefined];
  },
};
