/**
 * Fused kernels for the pairwise Poincaré distance (curvature −c):
 * the elementwise part of d_ij = (2/√c)·artanh(√c‖−x_i ⊕ y_j‖) written in
 * terms of the Gram matrix ⟨x_i, y_j⟩ and the squared norms, in one pass
 * over `[N, M]`, and its backward pass (the partials with respect to the Gram
 * entries and to the squared norms), also in one pass. The matmuls around
 * them are done by the caller.
 *
 * Clamps match the composite definition exactly: ‖num‖² ≥ 1e-30,
 * denominator ≥ 1e-15, artanh argument in [−1+ε, 1−ε] with a straight-through
 * gradient evaluated at the clamped point.
 */
import { alloc, type DType, type Storage } from '../types.ts';

const MIN = 1e-15;
const MIN2 = MIN * MIN;

/** Shared per-entry quantities. */
function entry(xy: number, x2: number, y2: number, c: number) {
  const A = 1 - 2 * c * xy + c * y2;
  const B = 1 - c * x2;
  const num2 = A * A * x2 - 2 * A * B * xy + B * B * y2;
  const den = 1 - 2 * c * xy + c * c * x2 * y2;
  return { A, B, num2, den };
}

/** d[N, M] from xy[N, M], x2[N], y2[M]. */
export function poincarePairwiseForward(xy: Storage, x2: Storage, y2: Storage, N: number, M: number, c: number, eps: number, dtype: DType): Storage {
  const out = alloc(dtype, N * M);
  const sc = Math.sqrt(c);
  const k = 2 / sc;
  for (let i = 0; i < N; i++) {
    const a2 = x2[i];
    for (let j = 0, o = i * M; j < M; j++, o++) {
      const { num2, den } = entry(xy[o], a2, y2[j], c);
      const m = Math.sqrt(num2 > MIN2 ? num2 : MIN2) / (den > MIN ? den : MIN);
      let u = sc * m;
      if (u > 1 - eps) u = 1 - eps;
      else if (u < -1 + eps) u = -1 + eps;
      out[o] = k * 0.5 * Math.log((1 + u) / (1 - u));
    }
  }
  return out;
}

/** Subgradient share of a in max(a, b), as the op layer's `maximum`. */
function share(a: number, b: number): number {
  return a > b ? 1 : a < b ? 0 : 0.5;
}

/**
 * Backward of {@link poincarePairwiseForward} for the cotangent g[N, M]:
 * dxy[N, M] = g·∂d/∂xy, rx[N] = Σ_j g·∂d/∂x2, ry[M] = Σ_i g·∂d/∂y2.
 * dxy is stored in `dxyType` (each entry computed in float64 and rounded once,
 * as a later cast would round it: the caller that wants float32 needs no
 * float64 copy); the sums are float64.
 */
export function poincarePairwiseBackward(
  g: Storage,
  xy: Storage,
  x2: Storage,
  y2: Storage,
  N: number,
  M: number,
  c: number,
  eps: number,
  dxyType: DType = 'float64',
): { dxy: Storage; rx: Float64Array; ry: Float64Array } {
  const dxy = alloc(dxyType, N * M);
  const rx = new Float64Array(N);
  const ry = new Float64Array(M);
  const sc = Math.sqrt(c);
  const c2 = c * c;
  for (let i = 0; i < N; i++) {
    const a2 = x2[i];
    let accX = 0;
    for (let j = 0, o = i * M; j < M; j++, o++) {
      const p = xy[o];
      const b2 = y2[j];
      const { A, B, num2, den } = entry(p, a2, b2, c);
      const numC = num2 > MIN2 ? num2 : MIN2;
      const denC = den > MIN ? den : MIN;
      const s = Math.sqrt(numC);
      let u = (sc * s) / denC;
      if (u > 1 - eps) u = 1 - eps;
      else if (u < -1 + eps) u = -1 + eps;
      // d = (2/√c)·artanh(√c·m): ∂d/∂m = 2 / (1 − û²)
      const gm = (g[o] * 2) / (1 - u * u);
      const gnum = (gm * share(num2, MIN2)) / (2 * s * denC);
      const gden = (-gm * share(den, MIN) * s) / (denC * denC);
      dxy[o] = gnum * (-4 * c * A * a2 - 2 * A * B + 4 * c * B * p) + gden * (-2 * c);
      accX += gnum * (A * A + 2 * c * A * p - 2 * c * B * b2) + gden * c2 * b2;
      ry[j] += gnum * (2 * c * A * a2 - 2 * c * B * p + B * B) + gden * c2 * a2;
    }
    rx[i] = accX;
  }
  return { dxy, rx, ry };
}
