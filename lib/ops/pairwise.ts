/**
 * Pairwise matrices `[N, M]` between the rows of x `[N, D]` and y `[M, D]`,
 * as fused ops (lib/ops/fused.ts): forward, one kernel pass that reads x and y
 * directly (no `[N, M, D]` intermediate) — for the cosine only where a backend
 * has its own kernel (gpu.js); elsewhere two row normalisations and one
 * matmul, which is faster there — and a backward made of two matmuls
 * plus, for the cosine, one elementwise pass; the composite definitions below
 * are used whenever the backward pass is itself differentiated.
 *
 * - `pairwiseSqEuclidean(x, y)_ij = ‖x_i − y_j‖²`;
 *   backward: ∂/∂x = 2(x ⊙ Σ_j G − G·y), ∂/∂y = 2(y ⊙ Σ_i G − Gᵀ·x).
 * - `pairwiseCosine(x, y, ε)_ij = ⟨x_i, y_j⟩ / (max(‖x_i‖, ε)·max(‖y_j‖, ε))`,
 *   i.e. `normalize(x)·normalize(y)ᵀ`; with n_i = max(‖x_i‖, ε), r_i = ‖x_i‖,
 *   H = G / (n nᵀ) and a_i = Σ_j G_ij·C_ij: ∂/∂x = H·y − x ⊙ s_i·a_i/(n_i·r_i),
 *   where s_i ∈ {0, ½, 1} is the share of ‖x_i‖ in the max (0 below ε, and
 *   the term is 0 at x_i = 0); symmetrically for y.
 */
import { kernel, provides } from '../../kernels/registry.ts';
import { castStorage } from '../../kernels/types.ts';
import { ShapeError, ValueError, fmtShape } from '../errors.ts';
import { dataOf, dataRef, fromData, fromStorage, type Tensor } from '../tensor/tensor.ts';
import { add, maximum, mul, sub } from './elementwise.ts';
import { fusedOp } from './fused/define.ts';
import { matmul } from './linalg.ts';
import { normalize } from './nn.ts';
import { norm } from './reduce.ts';
import { sum } from './broadcast.ts';
import { reshape } from './shape.ts';
import { checkSize } from '../tensor/shape.ts';
import { checkTensor, coercePair } from './util.ts';

/** Validates two row matrices with the same D and gives them one dtype. */
function checkRows(fn: string, x: Tensor, y: Tensor): [Tensor, Tensor] {
  checkTensor(fn, x, 'x');
  checkTensor(fn, y, 'y');
  if (x.rank !== 2 || y.rank !== 2 || x.shape[1] !== y.shape[1]) {
    throw new ShapeError(`${fn}: expected x [N, D] and y [M, D] with the same D, got x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)}`);
  }
  checkSize(fn, x.shape[0] * y.shape[0], [x.shape[0], y.shape[0]]);
  return coercePair(fn, x, y);
}

// ---------------------------------------------------------------- squared Euclidean

function sqEuclideanComposite([x, y]: readonly Tensor[]): Tensor {
  // ‖x‖² + ‖y‖² − 2⟨x, y⟩: its derivatives are the exact polynomials, with [N, M] intermediates only
  const x2 = sum(mul(x, x), 1, true); // [N, 1]
  const y2 = reshape(sum(mul(y, y), 1), [1, -1]); // [1, M]
  return sub(add(x2, y2), mul(matmul(x, y, { transposeB: true }), 2));
}

const sqEuclideanOp = fusedOp<undefined>('pairwiseSqEuclidean', sqEuclideanComposite, {
  kernels: ['pairwiseSqEuclideanForward'],
  forward: ([x, y]) => {
    const [N, D] = x.shape, M = y.shape[0];
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
  const [a, b] = checkRows('pairwiseSqEuclidean', x, y);
  return sqEuclideanOp([a, b], undefined);
}

// ---------------------------------------------------------------- cosine

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
  kernels: ['pairwiseCosineBackward'],
  forward: ([x, y], attrs) => {
    const [N, D] = x.shape, M = y.shape[0];
    // A backend with its own fused kernel (gpu.js) runs it; otherwise the composite's form is faster:
    // two row normalisations and one matmul, which runs on the fastest matmul (wasm for float32).
    // The js fused kernel (one loop over D per entry) stays the float64 reference the kernels are tested against.
    if (x.dtype !== 'float32' || !provides('pairwiseCosineForward')) return cosineComposite([x, y], attrs);
    const c = kernel('pairwiseCosineForward', x.dtype)(dataRef(x), dataRef(y), N, M, D, attrs.eps, x.dtype);
    return fromData(c, [N, M]);
  },
  backward: (g, [x, y], out, { eps }, needs) => {
    const N = x.shape[0], M = y.shape[0];
    const dt = x.dtype;
    const rx = norm(x, 1), ry = norm(y, 1);
    const nx = maximum(rx, eps), ny = maximum(ry, eps);
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
 * (so a zero row gives zero similarities and finite gradients), and computed
 * that way (normalise, then one matmul) unless the active backend has its own
 * fused `pairwiseCosineForward` kernel (gpu.js), which then runs; the backward
 * is two matmuls and one fused pass (`pairwiseCosineBackward`). Differentiable
 * to any order.
 * @param eps floor of the row norms (default 1e-12, as PyTorch's `F.normalize`)
 * @throws ShapeError unless x and y are matrices with the same number of columns
 * @throws ValueError unless eps is a positive finite number
 */
export function pairwiseCosine(x: Tensor, y: Tensor, eps = 1e-12): Tensor {
  const [a, b] = checkRows('pairwiseCosine', x, y);
  if (!(typeof eps === 'number' && eps > 0 && Number.isFinite(eps))) {
    throw new ValueError(`pairwiseCosine: eps must be a positive finite number, got ${String(eps)}`);
  }
  return cosineOp([a, b], { eps });
}
