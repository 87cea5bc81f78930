/**
 * Reductions over one, several or all axes: `mean`, `max`, `min`, `norm`
 * (`sum`, `broadcastTo` and `sumTo` live one level down in broadcast.ts, the
 * fused `logSumExp` one level up in fused/logSumExp.ts; all are re-exported
 * from lib/index.ts).
 */
import { kernel } from '../../kernels/registry.ts';
import type { ReduceOp } from '../../kernels/js/index.ts';
import { bind, definePrimitive, type JvpRule, type PrimitiveDef } from '../autodiff/primitive.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { normalizeAxes } from '../tensor/shape.ts';
import { dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import { div, equal, mul, where } from './elementwise.ts';
import { expandBack, keptShape, sum, type Axis, type ReduceAttrs } from './broadcast.ts';
import { reshape } from './shape.ts';
import { checkTensor } from './util.ts';

/* @__NO_SIDE_EFFECTS__ */
function reducePrim(op: ReduceOp, vjp: PrimitiveDef<ReduceAttrs>['vjp'], jvp: JvpRule<ReduceAttrs>): PrimitiveDef<ReduceAttrs> {
  const p: PrimitiveDef<ReduceAttrs> = definePrimitive<ReduceAttrs>({
    name: op,
    forward: ([x], { axes, keepdims }) => fromData(kernel('reduce', x.dtype)(op, dataRef(x), x.shape, axes, x.dtype), keptShape(x.shape, axes, keepdims)),
    vjp,
    jvp,
    // the batch axis leads: the reduced axes move up by one
    batch: ([x], _b, { axes, keepdims }) => bind(p, [x], { axes: axes.map((a) => a + 1), keepdims }),
  });
  return p;
}

/** The share of each entry in the extremum over `axes` (1/ties at the arg-extrema, else 0). */
function extremumShare(x: Tensor, out: Tensor, axes: readonly number[]): Tensor {
  const mask = equal(x, reshape(out, keptShape(x.shape, axes, true)));
  return div(mask, sum(mask, axes, true));
}

/** JVP of max / min: the tangent at the arg-extrema, averaged over ties (the VJP's transpose). */
const extremumJvp: JvpRule<ReduceAttrs> = ([x], [t], out, { axes, keepdims }) => t && sum(mul(t, extremumShare(x, out, axes)), axes, keepdims);

function extremumVjp(g: Tensor, x: Tensor, out: Tensor, axes: readonly number[]): Tensor {
  // The gradient goes to the arg-extrema, shared equally between ties.
  return mul(expandBack(g, x, axes), extremumShare(x, out, axes));
}

const maxP = reducePrim('max', (g, [x], out, { axes }) => [extremumVjp(g, x, out, axes)], extremumJvp);
const minP = reducePrim('min', (g, [x], out, { axes }) => [extremumVjp(g, x, out, axes)], extremumJvp);
const normP = reducePrim(
  'norm',
  (g, [x], out, { axes }) => {
    // d‖x‖/dx = x/‖x‖, taken as 0 at x = 0 (a subgradient) so that gradients stay finite.
    const n = reshape(out, keptShape(x.shape, axes, true));
    const safe = where(equal(n, 0), 1, n);
    return [mul(expandBack(g, x, axes), div(x, safe))];
  },
  ([x], [t], out, { axes, keepdims }) => {
    if (t === undefined) return undefined;
    // ⟨x, t⟩/‖x‖ over the axes, 0 where ‖x‖ = 0 (the VJP's subgradient)
    const n = reshape(out, keptShape(x.shape, axes, true));
    const safe = where(equal(n, 0), 1, n);
    return sum(mul(t, div(x, safe)), axes, keepdims);
  },
);

function reduceWith(fn: string, p: PrimitiveDef<ReduceAttrs>, x: Tensor, axis: Axis, keepdims: boolean): Tensor {
  checkTensor(fn, x);
  const axes = normalizeAxes(fn, axis, x.rank, x.shape);
  if ((p === maxP || p === minP) && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${fn}: cannot reduce an empty axis of a tensor with shape ${fmtShape(x.shape)}; expected every reduced axis to have length ≥ 1`);
  }
  return bind(p, [x], { axes, keepdims });
}

/**
 * Mean over `axis` (all axes if omitted).
 * @throws ShapeError when a reduced axis is empty (the mean of nothing; NumPy and JAX return NaN
 *   there, this library refuses a silent NaN — `sum` over an empty axis is 0)
 */
export function mean(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  checkTensor('mean', x);
  const axes = normalizeAxes('mean', axis, x.rank, x.shape);
  const count = axes.reduce((p, a) => p * x.shape[a], 1);
  if (count === 0) {
    throw new ShapeError(
      `mean: cannot average over an empty axis of a tensor with shape ${fmtShape(x.shape)}; expected every averaged axis to have length ≥ 1`,
    );
  }
  return div(sum(x, axes, keepdims), count);
}

/** Maximum over `axis`; the gradient goes to the maximisers (shared equally between ties). */
export function max(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return reduceWith('max', maxP, x, axis, keepdims);
}

/** Minimum over `axis`; the gradient goes to the minimisers (shared equally between ties). */
export function min(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return reduceWith('min', minP, x, axis, keepdims);
}

/**
 * Euclidean (L2) norm over `axis`, computed without overflow for huge entries.
 * Its gradient at a zero vector is taken as 0, so it stays finite.
 */
export function norm(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return reduceWith('norm', normP, x, axis, keepdims);
}
