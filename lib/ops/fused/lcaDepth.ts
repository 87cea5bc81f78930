/**
 * The fused `lcaDepth([a, b, c], attrs)`: the depth of the lowest common
 * ancestor (HypHC) of each row pair of a and b (one shape `[..., D]`) in the
 * ball of curvature −c (a scalar tensor), shape `[...]`. Definition: the
 * composite `lcaDepthK` (lib/manifolds/poincare-math.ts), also the
 * higher-order path and the path when c is differentiated. Fast path: the
 * kernels `lcaDepthForward` / `lcaDepthBackward` (kernels/js/ball/lcaDepth.ts),
 * a few sweeps over the pairs, the backward hand-derived; while recording for
 * a gradient the forward returns the norms and unit vectors the backward
 * needs (`saved`) instead of the backward recomputing them.
 */
import { kernel } from '../../../kernels/registry.ts';
import type { LcaResiduals } from '../../../kernels/types.ts';
import { lcaDepthK } from '../../manifolds/poincare-math.ts';
import { dataOf, dataRef, fromData, type Tensor } from '../../tensor/tensor.ts';
import { sqrt } from '../elementwise.ts';
import { fusedOp } from './define.ts';
import { rowsOf } from './rows.ts';

/** Attributes of the fused `lcaDepth`. */
export interface LcaDepthAttrs {
  /** the floor of the norms, and the ‖a − b‖ below which a pair counts as identical (MIN_NORM) */
  readonly minNorm: number;
}

/** The composite definition of the fused `lcaDepth` (curvature c a scalar tensor of the points' dtype). @internal (tests) */
export function lcaDepthComposite(a: Tensor, b: Tensor, c: Tensor): Tensor {
  return lcaDepthK(a, b, { c, sc: sqrt(c) });
}

/** The fused op: inputs `[a, b, c]`, a and b of one shape. */
export const lcaDepthFused = fusedOp<LcaDepthAttrs, LcaResiduals>('lcaDepth', ([a, b, c]) => lcaDepthComposite(a, b, c), {
  kernels: ['lcaDepthForward', 'lcaDepthBackward'],
  forward: ([a, b, c], { minNorm }, save) => {
    const [rows, D] = rowsOf(a);
    const r = kernel('lcaDepthForward', a.dtype)({ a: dataRef(a), b: dataRef(b), rows, D, c: dataOf(c)[0], minNorm, dtype: a.dtype, save: save !== undefined });
    if (save && r.saved) save(r.saved);
    return fromData(r.out, a.shape.slice(0, -1));
  },
  backward: (g, [a, b, c], _out, { minNorm }, needs, saved) => {
    if (needs[2]) return undefined; // a traced curvature: use the composite
    const [rows, D] = rowsOf(a);
    const { da, db } = kernel(
      'lcaDepthBackward',
      a.dtype,
    )({
      g: dataRef(g),
      a: dataRef(a),
      b: dataRef(b),
      rows,
      D,
      c: dataOf(c)[0],
      minNorm,
      needA: needs[0],
      needB: needs[1],
      dtype: a.dtype,
      saved,
    });
    return [da && fromData(da, a.shape), db && fromData(db, b.shape), undefined];
  },
});
