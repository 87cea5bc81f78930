/**
 * The fused `toPoincare([x, c], attrs)`: y = project(expmap0(clip_r(x))) row
 * by row, for inputs x `[..., D]` and the curvature c (a scalar tensor of x's
 * dtype). Definition: the composite below, from the ball's formulas
 * (lib/manifolds/poincare-math.ts); it is also the higher-order path and the
 * path when c itself is differentiated. Fast path: the row kernels
 * `toPoincareForward` / `toPoincareBackward` (kernels/js/ball/toPoincare.ts),
 * a few sweeps over the rows with no tensor per intermediate; the forward
 * reproduces the composite's values bitwise, the backward applies its chain
 * rule in float64. While recording for a gradient the forward returns the
 * intermediates the backward needs (`saved`) instead of the backward
 * recomputing them.
 */
import type { Kernels } from '../../../kernels/kernel-types.ts';
import { kernel } from '../../../kernels/registry.ts';
import { clipK, expmap0K, projectK } from '../../manifolds/poincare-math.ts';
import { dataOf, dataRef, fromData, type Tensor } from '../../tensor/tensor.ts';
import { sqrt } from '../elementwise.ts';
import { fusedOp } from './define.ts';
import { rowsOf } from './rows.ts';

/** Attributes of the fused `toPoincare`: the clip radius and the constants of the composite. */
export interface ToPoincareAttrs {
  /** clip radius r of clip_r */
  readonly clipR: number;
  /** project's boundary margin ε (maxNorm = (1 − ε)/√c) for the dtype */
  readonly eps: number;
  /** the floor of the row norms (MIN_NORM) */
  readonly minNorm: number;
}

/** The composite definition of the fused `toPoincare` (curvature c a scalar tensor of x's dtype). @internal (tests) */
export function toPoincareComposite(x: Tensor, c: Tensor, clipR: number): Tensor {
  const k = { c, sc: sqrt(c) };
  return projectK(expmap0K(clipK(x, clipR), k), k);
}

/** What the forward keeps for the backward while recording (opaque to the op layer). */
type ToPoincareSaved = NonNullable<ReturnType<Kernels['toPoincareForward']>['saved']>;

/** The fused op: inputs `[x, c]`. */
export const toPoincareFused = fusedOp<ToPoincareAttrs, ToPoincareSaved>('toPoincare', ([x, c], { clipR }) => toPoincareComposite(x, c, clipR), {
  kernels: ['toPoincareForward', 'toPoincareBackward'],
  forward: ([x, c], { clipR, eps, minNorm }, save) => {
    const [rows, D] = rowsOf(x);
    const r = kernel('toPoincareForward', x.dtype)({ x: dataRef(x), rows, D, clipR, c: dataOf(c)[0], eps, minNorm, dtype: x.dtype, save: save !== undefined });
    if (save && r.saved) save(r.saved);
    return fromData(r.out, x.shape);
  },
  backward: (g, [x, c], _out, { clipR, eps, minNorm }, needs, saved) => {
    if (needs[1]) return undefined; // a traced curvature: use the composite
    if (!needs[0]) return [undefined, undefined];
    const [rows, D] = rowsOf(x);
    const dx = kernel('toPoincareBackward', x.dtype)({ g: dataRef(g), x: dataRef(x), rows, D, clipR, c: dataOf(c)[0], eps, minNorm, dtype: x.dtype, saved });
    return [fromData(dx, x.shape), undefined];
  },
});
