/**
 * `sum`, `broadcastTo` and `sumTo`: broadcasting and summing are each other's
 * transposes, so their VJPs are each other, and every broadcasting op's
 * gradient ends in `sumTo`. They sit below the elementwise ops and the other
 * reductions (which import them), so imports flow one way.
 */
import { kernel } from '../../kernels/registry.ts';
import { sizeOf } from '../../kernels/types.ts';
import { bind, definePrimitive, type PrimitiveDef } from '../autodiff/primitive.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { broadcastShapes, checkShape, normalizeAxes, shapesEqual } from '../tensor/shape.ts';
import { dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import { reshape } from './shape.ts';
import { checkTensor } from './util.ts';

/** Axis argument of the reductions: one axis, several, or `undefined` for all. */
export type Axis = number | readonly number[] | undefined;

/** The attributes of a reduction primitive: the reduced axes and whether they are kept as size 1. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

/** The shape of a reduction's output. */
export function keptShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/** g (of the reduced shape) broadcast back to the input shape. */
export function expandBack(g: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(g, keptShape(x.shape, axes, true)), x.shape);
}

const sumP: PrimitiveDef<ReduceAttrs> = definePrimitive<ReduceAttrs>({
  name: 'sum',
  forward: ([x], { axes, keepdims }) => fromData(kernel('reduce', x.dtype)('sum', dataRef(x), x.shape, axes, x.dtype), keptShape(x.shape, axes, keepdims)),
  vjp: (g, [x], _o, { axes }) => [expandBack(g, x, axes)],
  jvp: (_x, [t], _o, attrs) => t && bind(sumP, [t], attrs),
  batch: ([x], _b, { axes, keepdims }) => bind(sumP, [x], { axes: axes.map((a) => a + 1), keepdims }),
});

/** Sum over `axis` (all axes if omitted). */
export function sum(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  checkTensor('sum', x);
  return bind(sumP, [x], { axes: normalizeAxes('sum', axis, x.rank, x.shape), keepdims });
}

const broadcastP: PrimitiveDef<readonly number[]> = definePrimitive<readonly number[]>({
  name: 'broadcastTo',
  forward: ([x], shape) => fromData(kernel('broadcastTo', x.dtype)(dataRef(x), x.shape, shape, x.dtype), shape),
  vjp: (g, [x]) => [sumTo(g, x.shape)],
  jvp: (_x, [t], _o, shape) => t && bind(broadcastP, [t], shape),
  // [B, ...s] → [B, 1, …, 1, ...s] (right-aligned under the per-example target), then broadcast to [B, ...shape]
  batch: ([x], _b, shape, size) => {
    const s = x.shape.slice(1);
    const lined = s.length === shape.length ? x : reshape(x, [size, ...new Array<number>(shape.length - s.length).fill(1), ...s]);
    return bind(broadcastP, [lined], [size, ...shape]);
  },
});

/** `x` broadcast (NumPy rules) to `shape`. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', x);
  checkShape('broadcastTo', shape);
  if (shapesEqual(x.shape, shape)) return x;
  const b = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(b, shape)) {
    throw new ShapeError(`broadcastTo: a tensor with shape ${fmtShape(x.shape)} cannot be broadcast to ${fmtShape(shape)}`);
  }
  return bind(broadcastP, [x], shape.slice());
}

/**
 * Sums `g` down to `shape`, the transpose of broadcasting `shape` up to
 * `g.shape`: leading axes are summed away and size-1 axes are summed with keepdims.
 */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  checkTensor('sumTo', g, 'g');
  checkShape('sumTo', shape);
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) throw new ShapeError(`sumTo: cannot sum a tensor with shape ${fmtShape(g.shape)} down to the larger rank shape ${fmtShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1 && g.shape[i + lead] !== 1) axes.push(i + lead);
    else if (shape[i] !== g.shape[i + lead]) {
      throw new ShapeError(`sumTo: a tensor with shape ${fmtShape(g.shape)} is not a broadcast of ${fmtShape(shape)}`);
    }
  }
  const s = axes.length ? sum(g, axes) : g;
  return sizeOf(s.shape) === sizeOf(shape) && !shapesEqual(s.shape, shape) ? reshape(s, shape) : s;
}
