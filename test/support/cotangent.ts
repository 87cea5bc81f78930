/**
 * Shared by the gradient-check suites: a fixed, non-trivial cotangent, which
 * turns any op into a scalar test function ⟨op(x), W⟩ whose gradient is the
 * op's VJP applied to W.
 */
import * as g from '../../lib/index.ts';
import type { Tensor } from '../../lib/index.ts';

/** W of `shape` (float64): sin(1.7·i + 0.3) + 0.5 at flat index i — no zero, no symmetry. */
export function weights(shape: readonly number[]): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return g.tensor(
    Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.3) + 0.5),
    shape,
    'float64',
  );
}

/** ⟨y, W⟩ with W = {@link weights} of y's shape. */
export function dotWeights(y: Tensor): Tensor {
  return g.sum(g.mul(y, weights(y.shape)));
}
