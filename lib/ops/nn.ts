/**
 * Neural-network helpers built from other ops (so differentiable to any
 * order): `softmax`, `logSoftmax`, `normalize`.
 */
import { div, exp, maximum, sub } from './elementwise.ts';
import { logSumExp, norm } from './reduce.ts';
import { checkTensor } from './util.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** softmax along `axis` (default the last), computed stably. */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkTensor('softmax', x);
  return exp(logSoftmax(x, axis));
}

/** log-softmax along `axis` (default the last): `x − logSumExp(x)`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor('logSoftmax', x);
  return sub(x, logSumExp(x, axis, true));
}

/**
 * `x / max(‖x‖, eps)` along `axis` (default the last), as PyTorch's
 * `F.normalize`; finite (zero) output and gradient at a zero vector.
 */
export function normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  checkTensor('normalize', x);
  return div(x, maximum(norm(x, axis, true), eps));
}
