/**
 * Cumulative sums and products along an axis: `cumsum`, `cumprod`.
 *
 * Both are composites of `slice`, `concat` and one elementwise op per round
 * (a Hillis–Steele inclusive scan: ⌈log₂ n⌉ rounds, O(n log n) work), so they
 * are differentiable to any order and batch under `vmap` through the rules of
 * those primitives. The product's gradient is the chain rule through the
 * products themselves — no division by the input — so it is exact where the
 * input has zeros.
 */
import { full } from '../tensor/create.ts';
import { normalizeAxis } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { add, mul } from './elementwise.ts';
import { concat, slice } from './shape.ts';
import { checkTensor } from './util.ts';

function scan(fn: string, x: Tensor, axis: number, op: (a: Tensor, b: Tensor) => Tensor, identity: number): Tensor {
  checkTensor(fn, x);
  const a = normalizeAxis(fn, axis, x.rank, x.shape);
  const n = x.shape[a];
  let y = x;
  for (let s = 1; s < n; s *= 2) {
    // y_i ← y_i ∘ y_{i−s} (the identity for i < s)
    const padShape = x.shape.slice();
    padShape[a] = s;
    const keep = x.shape.slice();
    keep[a] = n - s;
    const shifted = concat([full(padShape, identity, x.dtype), slice(y, new Array<number>(x.rank).fill(0), keep)], a);
    y = op(y, shifted);
  }
  return y;
}

/**
 * Inclusive cumulative sum along `axis` (default the last): `y_i = Σ_{j≤i} x_j`.
 * @throws AxisError for an axis out of range (a scalar has none)
 */
export function cumsum(x: Tensor, axis = -1): Tensor {
  return scan('cumsum', x, axis, add, 0);
}

/**
 * Inclusive cumulative product along `axis` (default the last):
 * `y_i = Π_{j≤i} x_j`. The gradient is exact with zeros in the input
 * (∂y_i/∂x_k = Π_{j≤i, j≠k} x_j, never computed as y_i / x_k).
 * @throws AxisError for an axis out of range (a scalar has none)
 */
export function cumprod(x: Tensor, axis = -1): Tensor {
  return scan('cumprod', x, axis, mul, 1);
}
