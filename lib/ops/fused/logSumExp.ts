/**
 * The fused `logSumExp`: over the last axis alone, one row kernel forward
 * (`logSumExpRows`) and g·softmax (`softmaxRows`) backward; over other axes,
 * and for higher-order derivatives, the composite defined here.
 */
import { kernel } from '../../../kernels/registry.ts';
import { strip } from '../../autodiff/primitive.ts';
import { full } from '../../tensor/create.ts';
import { normalizeAxes } from '../../tensor/shape.ts';
import { dataRef, fromData, type Tensor } from '../../tensor/tensor.ts';
import { keptShape, sum, type Axis } from '../broadcast.ts';
import { add, equal, exp, isFinite, log, mul, sub, where } from '../elementwise.ts';
import { max } from '../reduce.ts';
import { reshape } from '../shape.ts';
import { checkTensor } from '../util.ts';
import { fusedOp } from './define.ts';

function logSumExpComposite(x: Tensor, axes: readonly number[]): Tensor {
  const m0 = max(strip(x), axes, true);
  const m = where(isFinite(m0), m0, 0);
  const s = sum(exp(sub(x, m)), axes, true);
  // a row that is all −∞ (fully masked) sums to 0: its value is −∞ and its gradient 0, never 0/0
  const empty = equal(strip(s), 0);
  return add(where(empty, -Infinity, log(where(empty, 1, s))), m);
}

/**
 * logSumExp over the last axis (keepdims) as a fused op: the row kernel
 * `logSumExpRows` forward, g·softmax (`softmaxRows`) backward, the composite
 * for higher-order derivatives.
 */
const logSumExpLast = fusedOp<undefined>('logSumExp', ([x]) => logSumExpComposite(x, [x.rank - 1]), {
  kernels: ['logSumExpRows', 'softmaxRows'],
  forward: ([x]) => {
    const n = x.shape[x.rank - 1],
      rows = x.size / n;
    return fromData(kernel('logSumExpRows', x.dtype)(dataRef(x), rows, n, x.dtype), keptShape(x.shape, [x.rank - 1], true));
  },
  backward: (g, [x]) => {
    const n = x.shape[x.rank - 1],
      rows = x.size / n;
    const s = fromData(kernel('softmaxRows', x.dtype)(dataRef(x), rows, n, x.dtype), x.shape);
    return [mul(g, s)];
  },
});

/**
 * log Σ exp(x) over `axis`, stabilised by the (constant) maximum; rows that are
 * all −∞ (fully masked) give −∞ with gradient 0. Over the last axis alone it
 * runs the fused row kernel.
 */
export function logSumExp(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  checkTensor('logSumExp', x);
  const axes = normalizeAxes('logSumExp', axis, x.rank, x.shape);
  if (axes.some((a) => x.shape[a] === 0)) {
    // log of an empty sum: −∞ (constant)
    const s0 = full(keptShape(x.shape, axes, keepdims), -Infinity, x.dtype);
    return s0;
  }
  const s = axes.length === 1 && axes[0] === x.rank - 1 ? logSumExpLast([x], undefined) : logSumExpComposite(x, axes);
  return keepdims ? s : reshape(s, keptShape(x.shape, axes, false));
}
