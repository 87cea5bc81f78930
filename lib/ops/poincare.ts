/**
 * `poincarePairwiseDist(x, y, c)`: all geodesic distances `[N, M]` between the
 * rows of x `[N, D]` and y `[M, D]` in the Poincaré ball of curvature −c, as
 * a fused op: one matmul plus one elementwise pass forward, one elementwise
 * pass plus two matmuls backward; no `[N, M, D]` intermediate.
 *
 * ‖−x ⊕ y‖² = (A²‖x‖² − 2AB⟨x,y⟩ + B²‖y‖²) / (1 − 2c⟨x,y⟩ + c²‖x‖²‖y‖²)², with
 * A = 1 − 2c⟨x,y⟩ + c‖y‖² and B = 1 − c‖x‖².
 */
import { kernel } from '../../kernels/registry.ts';
import type { Tensor, TensorData } from '../tensor/tensor.ts';
import { dataOf, dataRef, fromData, fromStorage } from '../tensor/tensor.ts';
import { castStorage } from '../../kernels/types.ts';
import { add, div, maximum, mul, sqrt, square, sub } from './elementwise.ts';
import { matmul } from './linalg.ts';
import { sum } from './reduce.ts';
import { reshape } from './shape.ts';
import { artanh, artanhEps } from './special.ts';
import { fusedOp } from './fused.ts';

const MIN = 1e-15;

function composite([x, y, c]: readonly Tensor[]): Tensor {
  const x2 = sum(square(x), -1, true); // [N, 1]
  const y2 = reshape(sum(square(y), -1, true), [1, -1]); // [1, M]
  const xy = matmul(x, y, { transposeB: true });
  const A = add(sub(1, mul(mul(c, xy), 2)), mul(c, y2));
  const B = sub(1, mul(c, x2));
  const num2 = add(sub(mul(square(A), x2), mul(mul(mul(A, B), xy), 2)), mul(square(B), y2));
  const den = add(sub(1, mul(mul(c, xy), 2)), mul(square(c), mul(x2, y2)));
  const m = div(sqrt(maximum(num2, MIN * MIN)), maximum(den, MIN));
  const sc = sqrt(c);
  return mul(div(2, sc), artanh(mul(sc, m)));
}

function rowSq(x: Tensor): Tensor {
  return reshape(sum(square(x), -1), [-1]);
}

/** The forward's Gram matrix and squared norms, kept for the backward when recording. */
interface Saved {
  readonly xy: Tensor;
  readonly x2: Tensor;
  readonly y2: Tensor;
}

const op = fusedOp<undefined, Saved>('poincarePairwiseDist', composite, {
  kernels: ['poincarePairwiseForward', 'poincarePairwiseBackward'],
  forward: ([x, y, c], _a, save) => {
    const N = x.shape[0], M = y.shape[0];
    const dt = x.dtype;
    const xy = matmul(x, y, { transposeB: true });
    const x2 = rowSq(x), y2 = rowSq(y);
    const cv = dataOf(c)[0];
    const d = kernel('poincarePairwiseForward', dt)(dataRef(xy), dataRef(x2), dataRef(y2), N, M, cv, artanhEps(dt), dt);
    save?.({ xy, x2, y2 });
    return fromData(d, [N, M]);
  },
  backward: (g, [x, y, c], _out, _a, needs, saved) => {
    if (needs[2]) return undefined; // a traced curvature: use the composite
    const N = x.shape[0], M = y.shape[0];
    const dt = x.dtype;
    const { xy, x2, y2 } = saved ?? { xy: matmul(x, y, { transposeB: true }), x2: rowSq(x), y2: rowSq(y) };
    const { dxy, rx, ry } = kernel('poincarePairwiseBackward', dt)(dataRef(g), dataRef(xy), dataRef(x2), dataRef(y2), N, M, dataOf(c)[0], artanhEps(dt));
    const D = fromStorage(castStorage(dxy.host(), dt), [N, M], dt);
    const col = (v: TensorData, n: number): Tensor => fromStorage(castStorage(v.host().map((t) => 2 * t), dt), [n, 1], dt);
    // ∂/∂x_i = Σ_j D_ij y_j + 2 x_i Σ_j ∂/∂‖x_i‖²  (and symmetrically for y)
    return [
      needs[0] ? add(matmul(D, y), mul(x, col(rx, N))) : undefined,
      needs[1] ? add(matmul(D, x, { transposeA: true }), mul(y, col(ry, M))) : undefined,
      undefined,
    ];
  },
});

/**
 * Pairwise Poincaré distances `[N, M]` between rows of `x [N, D]` and
 * `y [M, D]` for curvature `c` (a scalar tensor of the same dtype; gradients
 * flow to it through the composite definition). Points are not checked here.
 */
export function poincarePairwiseDist(x: Tensor, y: Tensor, c: Tensor): Tensor {
  return op([x, y, c], undefined);
}
