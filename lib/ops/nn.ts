/**
 * Neural-network helpers built from other ops (so differentiable to any
 * order): `softmax`, `logSoftmax`, `normalize`.
 */
import { div, exp, isFinite, maximum, sub, where } from './elementwise.ts';
import { logSumExp, max, norm, sum } from './reduce.ts';
import { strip } from '../autodiff/primitive.ts';
import { normalizeAxis } from '../tensor/shape.ts';
import { checkTensor } from './util.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** softmax along `axis` (default the last), computed stably. */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkTensor('softmax', x);
  const a = normalizeAxis('softmax', axis, x.rank, x.shape);
  // exp(x − m) / Σ exp(x − m) with a constant m = max: accurate to a few ulps, also in float32
  const m0 = max(strip(x), a, true);
  const e = exp(sub(x, where(isFinite(m0), m0, 0)));
  return div(e, sum(e, a, true));
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
