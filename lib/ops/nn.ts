/**
 * Neural-network helpers built from other ops (so differentiable to any
 * order): `logSoftmax`, `normalize` (the fused `softmax` is in fused/softmax.ts).
 */
import { div, equal, maximum, sub, where } from './elementwise.ts';
import { strip } from '../autodiff/primitive.ts';
import { norm } from './reduce.ts';
import { logSumExp } from './fused/logSumExp.ts';
import { normalizeAxis } from '../tensor/shape.ts';
import { checkTensor } from './util.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * log-softmax along `axis` (default the last): `x − logSumExp(x)`. A row that
 * is all −∞ (fully masked) gives −∞ everywhere, with zero gradient.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor('logSoftmax', x);
  const lse = logSumExp(x, normalizeAxis('logSoftmax', axis, x.rank, x.shape), true);
  // a row that is all −∞ (fully masked): −∞ everywhere (softmax 0), gradient 0, never −∞ − (−∞)
  return where(equal(strip(lse), -Infinity), -Infinity, sub(x, lse));
}

/**
 * `x / max(‖x‖, eps)` along `axis` (default the last), as PyTorch's
 * `F.normalize`; finite (zero) output and gradient at a zero vector.
 */
export function normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  checkTensor('normalize', x);
  return div(x, maximum(norm(x, normalizeAxis('normalize', axis, x.rank, x.shape), true), eps));
}
