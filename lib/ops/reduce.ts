/**
 * Reductions over one, several or all axes (`sum`, `mean`, `max`, `min`,
 * `logSumExp`, `norm`), plus `broadcastTo` and `sumTo`, which are each other's
 * transposes and carry the gradients of broadcasting ops.
 */
import { kernel } from '../../kernels/registry.ts';
import type { ReduceOp } from '../../kernels/js/index.ts';
import { sizeOf } from '../../kernels/types.ts';
import { bind, strip, type Primitive } from '../autodiff/primitive.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { broadcastShapes, checkShape, normalizeAxes, shapesEqual } from '../tensor/shape.ts';
import { dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import { full } from '../tensor/create.ts';
import { add, div, equal, exp, isFinite, log, mul, sub, where } from './elementwise.ts';
import { reshape } from './shape.ts';
import { checkTensor } from './util.ts';
import { fusedOp } from './fused.ts';

/** Axis argument of the reductions: one axis, several, or `undefined` for all. */
export type Axis = number | readonly number[] | undefined;

interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

function keptShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/** g (of the reduced shape) broadcast back to the input shape. */
function expandBack(g: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(g, keptShape(x.shape, axes, true)), x.shape);
}

function reducePrim(op: ReduceOp, vjp: Primitive<ReduceAttrs>['vjp']): Primitive<ReduceAttrs> {
  return {
    name: op,
    forward: ([x], { axes, keepdims }) =>
      fromData(kernel('reduce', x.dtype)(op, dataRef(x), x.shape, axes, x.dtype), keptShape(x.shape, axes, keepdims)),
    vjp,
  };
}

function extremumVjp(g: Tensor, x: Tensor, out: Tensor, axes: readonly number[]): Tensor {
  // The gradient goes to the arg-extrema, shared equally between ties.
  const outK = reshape(out, keptShape(x.shape, axes, true));
  const mask = equal(x, outK);
  const count = sum(mask, axes, true);
  return mul(expandBack(g, x, axes), div(mask, count));
}

const sumP = reducePrim('sum', (g, [x], _o, { axes }) => [expandBack(g, x, axes)]);
const maxP = reducePrim('max', (g, [x], out, { axes }) => [extremumVjp(g, x, out, axes)]);
const minP = reducePrim('min', (g, [x], out, { axes }) => [extremumVjp(g, x, out, axes)]);
const normP = reducePrim('norm', (g, [x], out, { axes }) => {
  // d‖x‖/dx = x/‖x‖, taken as 0 at x = 0 (a subgradient) so that gradients stay finite.
  const n = reshape(out, keptShape(x.shape, axes, true));
  const safe = where(equal(n, 0), 1, n);
  return [mul(expandBack(g, x, axes), div(x, safe))];
});

function reduceWith(fn: string, p: Primitive<ReduceAttrs>, x: Tensor, axis: Axis, keepdims: boolean): Tensor {
  checkTensor(fn, x);
  const axes = normalizeAxes(fn, axis, x.rank, x.shape);
  if ((p === maxP || p === minP) && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${fn}: cannot reduce an empty axis of a tensor with shape ${fmtShape(x.shape)}; expected every reduced axis to have length ≥ 1`);
  }
  return bind(p, [x], { axes, keepdims });
}

/** Sum over `axis` (all axes if omitted). */
export function sum(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return reduceWith('sum', sumP, x, axis, keepdims);
}

/** Mean over `axis` (all axes if omitted). */
export function mean(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  checkTensor('mean', x);
  const axes = normalizeAxes('mean', axis, x.rank, x.shape);
  const count = axes.reduce((p, a) => p * x.shape[a], 1);
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

function logSumExpComposite(x: Tensor, axes: readonly number[]): Tensor {
  const m0 = max(strip(x), axes, true);
  const m = where(isFinite(m0), m0, 0);
  return add(log(sum(exp(sub(x, m)), axes, true)), m);
}

let lseLast: ((inputs: readonly Tensor[], attrs: undefined) => Tensor) | undefined;

/**
 * logSumExp over the last axis (keepdims) as a fused op: the row kernel
 * `logSumExpRows` forward, g·softmax (`softmaxRows`) backward, the composite
 * for higher-order derivatives. Built on first use (this module is part of an import cycle).
 */
function logSumExpLastOp(): (inputs: readonly Tensor[], attrs: undefined) => Tensor {
  return (lseLast ??= fusedOp<undefined>('logSumExp', ([x]) => logSumExpComposite(x, [x.rank - 1]), {
    kernels: ['logSumExpRows', 'softmaxRows'],
    forward: ([x]) => {
      const n = x.shape[x.rank - 1], rows = x.size / n;
      return fromData(kernel('logSumExpRows', x.dtype)(dataRef(x), rows, n, x.dtype), keptShape(x.shape, [x.rank - 1], true));
    },
    backward: (g, [x]) => {
      const n = x.shape[x.rank - 1], rows = x.size / n;
      const s = fromData(kernel('softmaxRows', x.dtype)(dataRef(x), rows, n, x.dtype), x.shape);
      return [mul(g, s)];
    },
  }));
}

/**
 * log Σ exp(x) over `axis`, stabilised by the (constant) maximum; rows that are
 * all −∞ give −∞. Over the last axis alone it runs the fused row kernel.
 */
export function logSumExp(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  checkTensor('logSumExp', x);
  const axes = normalizeAxes('logSumExp', axis, x.rank, x.shape);
  if (axes.some((a) => x.shape[a] === 0)) {
    // log of an empty sum: −∞ (constant)
    const s0 = full(keptShape(x.shape, axes, keepdims), -Infinity, x.dtype);
    return s0;
  }
  const s = axes.length === 1 && axes[0] === x.rank - 1 ? logSumExpLastOp()([x], undefined) : logSumExpComposite(x, axes);
  return keepdims ? s : reshape(s, keptShape(x.shape, axes, false));
}

// ---------------------------------------------------------------- broadcast / sumTo

const broadcastP: Primitive<readonly number[]> = {
  name: 'broadcastTo',
  forward: ([x], shape) => fromData(kernel('broadcastTo', x.dtype)(dataRef(x), x.shape, shape, x.dtype), shape),
  vjp: (g, [x]) => [sumTo(g, x.shape)],
};

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
