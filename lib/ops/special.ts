/**
 * Special functions with guarded numerics, used by the hyperbolic models:
 * a clamped artanh whose gradient passes straight through the clamp.
 */
import type { DType } from '../../kernels/types.ts';
import { customGrad } from '../autodiff/custom.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { atanh, clamp, div, square, sub } from './elementwise.ts';

/** Clamp of artanh arguments: `[−1 + ε', 1 − ε']`, ε' = 1e-7 (float64) or 1e-5 (float32) [our default]. */
export function artanhEps(dtype: DType): number {
  return dtype === 'float64' ? 1e-7 : 1e-5;
}

/**
 * artanh with its argument clamped into `[−1 + ε', 1 − ε']`. The backward pass
 * is `g / (1 − x̂²)` at the clamped point x̂ (straight through the clamp, as
 * geoopt does): finite, and never zero, so points pushed past the boundary
 * still get a gradient back.
 */
export const artanh: (x: Tensor) => Tensor = customGrad(
  (x: Tensor) => {
    const e = artanhEps(x.dtype);
    return atanh(clamp(x, -1 + e, 1 - e));
  },
  (g, [x]) => {
    const e = artanhEps(x.dtype);
    return [div(g, sub(1, square(clamp(x, -1 + e, 1 - e))))];
  },
  'artanh',
);
