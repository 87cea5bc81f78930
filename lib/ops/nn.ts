/**
 * Neural-network helpers built from other ops (so differentiable to any
 * order): `softmax`, `logSoftmax`, `normalize`.
 *
 * softmax over the last axis is a fused op (lib/ops/fused.ts): the row-wise
 * kernels `softmaxRows` / `softmaxRowsBackward` (kernels/js/rows.ts, and the
 * active backend's float32 kernels) forward and backward, with the composite
 * below for higher-order derivatives; other axes use the composite directly.
 */
import { kernel } from '../../kernels/registry.ts';
import { div, exp, isFinite, maximum, sub, where } from './elementwise.ts';
import { logSumExp, max, norm, sum } from './reduce.ts';
import { strip } from '../autodiff/primitive.ts';
import { normalizeAxis } from '../tensor/shape.ts';
import { checkTensor } from './util.ts';
import { dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import { fusedOp } from './fused.ts';

function softmaxComposite(x: Tensor, a: number): Tensor {
  // exp(x − m) / Σ exp(x − m) with a constant m = max: accurate to a few ulps, also in float32
  const m0 = max(strip(x), a, true);
  const e = exp(sub(x, where(isFinite(m0), m0, 0)));
  return div(e, sum(e, a, true));
}

/** Rows and row length of a tensor reduced over its last axis. */
function rowsOf(x: Tensor): [number, number] {
  const n = x.shape[x.rank - 1];
  return [n === 0 ? 0 : x.size / n, n];
}

let softmaxLast: ((inputs: readonly Tensor[], attrs: undefined) => Tensor) | undefined;

/** The fused softmax over the last axis (built on first use: this module is part of an import cycle). */
function softmaxLastOp(): (inputs: readonly Tensor[], attrs: undefined) => Tensor {
  return (softmaxLast ??= fusedOp<undefined>('softmax', ([x]) => softmaxComposite(x, x.rank - 1), {
    kernels: ['softmaxRows', 'softmaxRowsBackward'],
    forward: ([x]) => {
      const [rows, n] = rowsOf(x);
      return fromData(kernel('softmaxRows', x.dtype)(dataRef(x), rows, n, x.dtype), x.shape);
    },
    backward: (g, [x], out) => {
      const [rows, n] = rowsOf(x);
      return [fromData(kernel('softmaxRowsBackward', x.dtype)(dataRef(g), dataRef(out), rows, n, x.dtype), x.shape)];
    },
  }));
}

/** softmax along `axis` (default the last), computed stably. */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkTensor('softmax', x);
  const a = normalizeAxis('softmax', axis, x.rank, x.shape);
  // the fused row kernel on the last axis; an empty last axis keeps the composite (and its error)
  if (a === x.rank - 1 && x.shape[a] > 0) return softmaxLastOp()([x], undefined);
  return softmaxComposite(x, a);
}

/** log-softmax along `axis` (default the last): `x − logSumExp(x)`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor('logSoftmax', x);
  return sub(x, logSumExp(x, normalizeAxis('logSoftmax', axis, x.rank, x.shape), true));
}

/**
 * `x / max(‖x‖, eps)` along `axis` (default the last), as PyTorch's
 * `F.normalize`; finite (zero) output and gradient at a zero vector.
 */
export function normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  checkTensor('normalize', x);
  return div(x, maximum(norm(x, normalizeAxis('normalize', axis, x.rank, x.shape), true), eps));
}
