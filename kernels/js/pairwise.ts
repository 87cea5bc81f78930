/**
 * Reference kernels for pairwise matrices between the rows of x `[N, D]` and
 * y `[M, D]` (row-major), accumulated in float64 and rounded once on store:
 *
 * - squared Euclidean distances d_ij = Σ_k (x_ik − y_jk)², from the
 *   differences directly (no ‖x‖² + ‖y‖² − 2⟨x, y⟩ cancellation: identical
 *   rows give exactly 0);
 * - cosine similarities c_ij = ⟨x_i, y_j⟩ / (max(‖x_i‖, ε)·max(‖y_j‖, ε)),
 *   computed as the composite `normalize(x)·normalize(y)ᵀ` is: rows are
 *   normalised first (norms scaled against overflow/underflow), then dotted;
 * - the elementwise pass of the cosine backward (the matmuls around it are
 *   done by the caller, see lib/ops/fused/pairwiseCosine.ts).
 */
import { alloc, type DType, type Storage } from '../types.ts';

/** d[N, M] = Σ_k (x_ik − y_jk)². */
export function pairwiseSqEuclideanForward(x: Storage, y: Storage, N: number, M: number, D: number, dtype: DType): Storage {
  const out = alloc(dtype, N * M);
  for (let i = 0; i < N; i++) {
    const xi = i * D;
    for (let j = 0, o = i * M; j < M; j++, o++) {
      const yj = j * D;
      let s = 0;
      for (let k = 0; k < D; k++) {
        const t = x[xi + k] - y[yj + k];
        s += t * t;
      }
      out[o] = s;
    }
  }
  return out;
}

/** Euclidean norm of each of the `n` rows of length D, without overflow or underflow. */
export function rowNorms(x: Storage, n: number, D: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * D;
    let s = 0;
    for (let k = 0; k < D; k++) s += x[o + k] * x[o + k];
    if (s === Infinity || s < 1e-290) {
      // rescale by the largest magnitude (two passes), as the reduce kernel's norm does
      let mx = 0;
      for (let k = 0; k < D; k++) mx = Math.max(mx, Math.abs(x[o + k]));
      if (mx === 0 || mx === Infinity || mx !== mx) {
        out[i] = s === Infinity ? Infinity : Math.sqrt(s);
        continue;
      }
      let t = 0;
      for (let k = 0; k < D; k++) t += (x[o + k] / mx) ** 2;
      out[i] = mx * Math.sqrt(t);
    } else out[i] = Math.sqrt(s);
  }
  return out;
}

/** Rows of x divided by max(‖row‖, eps), in float64. */
export function normalized(x: Storage, n: number, D: number, eps: number): Float64Array {
  const r = rowNorms(x, n, D);
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    const nx = r[i] > eps ? r[i] : eps;
    for (let k = 0, o = i * D; k < D; k++, o++) out[o] = x[o] / nx;
  }
  return out;
}

/** c[N, M] = ⟨x_i, y_j⟩ / (max(‖x_i‖, eps)·max(‖y_j‖, eps)). */
export function pairwiseCosineForward(x: Storage, y: Storage, N: number, M: number, D: number, eps: number, dtype: DType): Storage {
  const xh = normalized(x, N, D, eps);
  const yh = normalized(y, M, D, eps);
  const out = alloc(dtype, N * M);
  for (let i = 0; i < N; i++) {
    const xi = i * D;
    for (let j = 0, o = i * M; j < M; j++, o++) {
      const yj = j * D;
      let s = 0;
      for (let k = 0; k < D; k++) s += xh[xi + k] * yh[yj + k];
      out[o] = s;
    }
  }
  return out;
}

/**
 * Elementwise pass of the cosine backward for the cotangent g[N, M], the
 * forward values cos[N, M] and the clamped norms nx[N] = max(‖x_i‖, ε),
 * ny[M]: dxy = g / (nx_i·ny_j) (divided one factor at a time, so no
 * product of two small norms underflows), rx[N] = Σ_j g·cos, ry[M] = Σ_i g·cos.
 */
export function pairwiseCosineBackward(
  g: Storage,
  cos: Storage,
  nx: Storage,
  ny: Storage,
  N: number,
  M: number,
  dtype: DType,
): { dxy: Storage; rx: Storage; ry: Storage } {
  const dxy = alloc(dtype, N * M);
  const rx = new Float64Array(N);
  const ry = new Float64Array(M);
  for (let i = 0; i < N; i++) {
    const a = nx[i];
    let acc = 0;
    for (let j = 0, o = i * M; j < M; j++, o++) {
      dxy[o] = g[o] / a / ny[j];
      const t = g[o] * cos[o];
      acc += t;
      ry[j] += t;
    }
    rx[i] = acc;
  }
  return { dxy, rx, ry };
}
