/**
 * The fused `softmax`: over the last axis, the row kernels `softmaxRows` /
 * `softmaxRowsBackward` forward and backward; over other axes, and for
 * higher-order derivatives, the composite defined here.
 */
import { kernel } from '../../../kernels/registry.ts';
import { strip } from '../../autodiff/primitive.ts';
import { normalizeAxis } from '../../tensor/shape.ts';
import { dataRef, fromData, type Tensor } from '../../tensor/tensor.ts';
import { sum } from '../broadcast.ts';
import { div, equal, exp, isFinite, sub, where } from '../elementwise.ts';
import { max } from '../reduce.ts';
import { checkTensor } from '../util.ts';
import { fusedOp } from './define.ts';

function softmaxComposite(x: Tensor, a: number): Tensor {
  // exp(x − m) / Σ exp(x − m) with a constant m = max: accurate to a few ulps, also in float32
  const m0 = max(strip(x), a, true);
  const e = exp(sub(x, where(isFinite(m0), m0, 0)));
  const s = sum(e, a, true);
  // a row that is all −∞ (fully masked) has Σ = 0: its softmax is 0 (and so is its gradient), never 0/0
  return div(e, where(equal(strip(s), 0), 1, s));
}

/** Rows and row length of a tensor reduced over its last axis. */
function rowsOf(x: Tensor): [number, number] {
  const n = x.shape[x.rank - 1];
  return [n === 0 ? 0 : x.size / n, n];
}

/** The fused softmax over the last axis. */
const softmaxLast = fusedOp<undefined>('softmax', ([x]) => softmaxComposite(x, x.rank - 1), {
  kernels: ['softmaxRows', 'softmaxRowsBackward'],
  forward: ([x]) => {
    const [rows, n] = rowsOf(x);
    return fromData(kernel('softmaxRows', x.dtype)(dataRef(x), rows, n, x.dtype), x.shape);
  },
  backward: (g, [x], out) => {
    const [rows, n] = rowsOf(x);
    return [fromData(kernel('softmaxRowsBackward', x.dtype)(dataRef(g), dataRef(out), rows, n, x.dtype), x.shape)];
  },
});

/**
 * softmax along `axis` (default the last), computed stably. A row that is all
 * −∞ (fully masked) gives zeros, with zero gradient (never 0/0).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkTensor('softmax', x);
  const a = normalizeAxis('softmax', axis, x.rank, x.shape);
  // the fused row kernel on the last axis; an empty last axis keeps the composite (and its error)
  if (a === x.rank - 1 && x.shape[a] > 0) return softmaxLast([x], undefined);
  return softmaxComposite(x, a);
}
