/**
 * The fused `pairwiseSqEuclidean(x, y)_ij = ‖x_i − y_j‖²` between the rows of
 * x `[N, D]` and y `[M, D]`: forward one kernel pass that reads x and y
 * directly (no `[N, M, D]` intermediate); backward two matmuls,
 * ∂/∂x = 2(x ⊙ Σ_j G − G·y), ∂/∂y = 2(y ⊙ Σ_i G − Gᵀ·x); the composite below
 * whenever the backward pass is itself differentiated.
 */
import { kernel } from '../../../kernels/registry.ts';
import { dataRef, fromData, type Tensor } from '../../tensor/tensor.ts';
import { sum } from '../broadcast.ts';
import { add, mul, sub } from '../elementwise.ts';
import { matmul } from '../linalg.ts';
import { reshape } from '../shape.ts';
import { checkRowPair } from '../util.ts';
import { fusedOp } from './define.ts';

function sqEuclideanComposite([x, y]: readonly Tensor[]): Tensor {
  // ‖x‖² + ‖y‖² − 2⟨x, y⟩: its derivatives are the exact polynomials, with [N, M] intermediates only
  const x2 = sum(mul(x, x), 1, true); // [N, 1]
  const y2 = reshape(sum(mul(y, y), 1), [1, -1]); // [1, M]
  return sub(add(x2, y2), mul(matmul(x, y, { transposeB: true }), 2));
}

const sqEuclideanOp = fusedOp<undefined>('pairwiseSqEuclidean', sqEuclideanComposite, {
  kernels: ['pairwiseSqEuclideanForward'],
  forward: ([x, y]) => {
    const [N, D] = x.shape,
      M = y.shape[0];
    const d = kernel('pairwiseSqEuclideanForward', x.dtype)(dataRef(x), dataRef(y), N, M, D, x.dtype);
    return fromData(d, [N, M]);
  },
  backward: (g, [x, y], _out, _a, needs) => [
    needs[0] ? mul(sub(mul(x, sum(g, 1, true)), matmul(g, y)), 2) : undefined,
    needs[1] ? mul(sub(mul(y, reshape(sum(g, 0), [-1, 1])), matmul(g, x, { transposeA: true })), 2) : undefined,
  ],
});

/**
 * Squared Euclidean distances `‖x_i − y_j‖²` between the rows of `x [N, D]`
 * and `y [M, D]`, shape `[N, M]`. Computed from the differences (identical
 * rows give exactly 0, never a small negative number), without an
 * `[N, M, D]` intermediate; differentiable to any order. float32 work runs
 * on the active backend's `pairwiseSqEuclideanForward` kernel when it has one.
 * @throws ShapeError unless x and y are matrices with the same number of columns
 */
export function pairwiseSqEuclidean(x: Tensor, y: Tensor): Tensor {
  const [a, b] = checkRowPair('pairwiseSqEuclidean', x, y);
  return sqEuclideanOp([a, b], undefined);
}
