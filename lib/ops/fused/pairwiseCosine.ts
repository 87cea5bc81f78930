/**
 * The fused `pairwiseCosine(x, y, ε)_ij = ⟨x_i, y_j⟩ / (max(‖x_i‖, ε)·max(‖y_j‖, ε))`,
 * i.e. `normalize(x)·normalize(y)ᵀ`. Forward: the backend's
 * `pairwiseCosineForward` kernel (gpu.js: one pass over x and y; wasm: two
 * row normalisations and its matmul; js: the float64 reference loop).
 * Backward: two matmuls plus one elementwise pass; with n_i = max(‖x_i‖, ε),
 * r_i = ‖x_i‖, H = G / (n nᵀ) and a_i = Σ_j G_ij·C_ij:
 * ∂/∂x = H·y − x ⊙ s_i·a_i/(n_i·r_i), where s_i ∈ {0, ½, 1} is the share of
 * ‖x_i‖ in the max (0 below ε, and the term is 0 at x_i = 0); symmetrically
 * for y. The composite below whenever the backward pass is differentiated.
 */
import { kernel } from '../../../kernels/registry.ts';
import { castStorage } from '../../../kernels/types.ts';
import { ValueError } from '../../errors.ts';
import { dataOf, dataRef, fromData, fromStorage, type Tensor } from '../../tensor/tensor.ts';
import { maximum, mul, sub } from '../elementwise.ts';
import { matmul } from '../linalg.ts';
import { normalize } from '../nn.ts';
import { norm } from '../reduce.ts';
import { checkRowPair } from '../util.ts';
import { fusedOp } from './define.ts';

interface CosineAttrs {
  readonly eps: number;
}

function cosineComposite([x, y]: readonly Tensor[], { eps }: CosineAttrs): Tensor {
  return matmul(normalize(x, -1, eps), normalize(y, -1, eps), { transposeB: true });
}

/** Subgradient share of a in max(a, b), as the op layer's `maximum`. */
function share(a: number, b: number): number {
  return a > b ? 1 : a < b ? 0 : 0.5;
}

/** x ⊙ s_i·a_i/(n_i·r_i) per row (0 where r_i = 0 or below ε), as a column `[n, 1]`. */
function radialCoef(a: ArrayLike<number>, r: ArrayLike<number>, n: ArrayLike<number>, eps: number, rows: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const s = share(r[i], eps);
    out[i] = s === 0 || r[i] === 0 ? 0 : (s * a[i]) / n[i] / r[i];
  }
  return out;
}

const cosineOp = fusedOp<CosineAttrs>('pairwiseCosine', cosineComposite, {
  kernels: ['pairwiseCosineForward', 'pairwiseCosineBackward'],
  forward: ([x, y], attrs) => {
    const [N, D] = x.shape,
      M = y.shape[0];
    const c = kernel('pairwiseCosineForward', x.dtype)(dataRef(x), dataRef(y), N, M, D, attrs.eps, x.dtype);
    return fromData(c, [N, M]);
  },
  backward: (g, [x, y], out, { eps }, needs) => {
    const N = x.shape[0],
      M = y.shape[0];
    const dt = x.dtype;
    const rx = norm(x, 1),
      ry = norm(y, 1);
    const nx = maximum(rx, eps),
      ny = maximum(ry, eps);
    const k = kernel('pairwiseCosineBackward', dt)(dataRef(g), dataRef(out), dataRef(nx), dataRef(ny), N, M, dt);
    const H = fromStorage(castStorage(k.dxy.host(), dt), [N, M], dt);
    const col = (v: Float64Array, n: number): Tensor => fromStorage(castStorage(v, dt), [n, 1], dt);
    return [
      needs[0] ? sub(matmul(H, y), mul(x, col(radialCoef(k.rx.host(), dataOf(rx), dataOf(nx), eps, N), N))) : undefined,
      needs[1] ? sub(matmul(H, x, { transposeA: true }), mul(y, col(radialCoef(k.ry.host(), dataOf(ry), dataOf(ny), eps, M), M))) : undefined,
    ];
  },
});

/**
 * Cosine similarities `⟨x_i, y_j⟩ / (max(‖x_i‖, eps)·max(‖y_j‖, eps))`
 * between the rows of `x [N, D]` and `y [M, D]`, shape `[N, M]`: the same
 * as `matmul(normalize(x, -1, eps), normalize(y, -1, eps), { transposeB: true })`
 * (so a zero row gives zero similarities and finite gradients), computed by
 * the backend's fused `pairwiseCosineForward` kernel; the backward
 * is two matmuls and one fused pass (`pairwiseCosineBackward`). Differentiable
 * to any order.
 * @param eps floor of the row norms (default 1e-12, as PyTorch's `F.normalize`)
 * @throws ShapeError unless x and y are matrices with the same number of columns
 * @throws ValueError unless eps is a positive finite number
 */
export function pairwiseCosine(x: Tensor, y: Tensor, eps = 1e-12): Tensor {
  const [a, b] = checkRowPair('pairwiseCosine', x, y);
  if (!(typeof eps === 'number' && eps > 0 && Number.isFinite(eps))) {
    throw new ValueError(`pairwiseCosine: eps must be a positive finite number, got ${String(eps)}`);
  }
  return cosineOp([a, b], { eps });
}
