/**
 * Moments along axes: `variance` and `std` (two-pass: the mean first, then
 * the mean squared deviation, which is accurate where the one-pass
 * E[x²] − E[x]² cancels). Composites of ops, so differentiable to any order
 * and batchable.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.ts';
import { normalizeAxes } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { sum, type Axis } from './broadcast.ts';
import { div, greater, sqrt, square, sub, where } from './elementwise.ts';
import { mean } from './reduce.ts';
import { checkTensor } from './util.ts';

function varianceOf(fn: string, x: Tensor, axis: Axis, keepdims: boolean, ddof: number): Tensor {
  checkTensor(fn, x);
  const axes = normalizeAxes(fn, axis, x.rank, x.shape);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  if (n === 0) throw new ShapeError(`${fn}: cannot take the ${fn} over an empty axis of shape ${fmtShape(x.shape)}; expected at least one element`);
  if (!Number.isInteger(ddof) || ddof < 0 || ddof >= n) {
    throw new ValueError(`${fn}: ddof must be an integer in [0, ${n - 1}] (fewer than the ${n} reduced elements), got ${String(ddof)}`);
  }
  if (typeof keepdims !== 'boolean') throw new ValueError(`${fn}: keepdims must be a boolean, got ${String(keepdims)}`);
  const d = sub(x, mean(x, axes, true));
  return div(sum(square(d), axes, keepdims), n - ddof);
}

/**
 * Variance over `axis` (all axes if omitted): `Σ (x − mean)² / (n − ddof)`;
 * `ddof = 1` gives the unbiased sample variance.
 * @throws ShapeError for an empty reduction; ValueError unless 0 ≤ ddof < n
 */
export function variance(x: Tensor, axis?: Axis, keepdims = false, ddof = 0): Tensor {
  return varianceOf('variance', x, axis, keepdims, ddof);
}

/**
 * Standard deviation over `axis`: `√variance(x, axis, keepdims, ddof)`.
 * At zero variance (constant lanes) the value is 0 and the gradient is taken
 * as 0 — a subgradient, as `norm` does at 0 — instead of the infinite
 * derivative of √ at 0, so it stays finite.
 * @throws ShapeError for an empty reduction; ValueError unless 0 ≤ ddof < n
 */
export function std(x: Tensor, axis?: Axis, keepdims = false, ddof = 0): Tensor {
  const v = varianceOf('std', x, axis, keepdims, ddof);
  const pos = greater(v, 0);
  return where(pos, sqrt(where(pos, v, 1)), 0);
}
