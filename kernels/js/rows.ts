/**
 * Reference row-wise kernels over the last axis of a `[rows, n]` row-major
 * array: softmax, its backward, and logSumExp. Numerically stable: each row
 * is shifted by its maximum m (replaced by 0 when m is not finite, as the
 * composite definitions in lib/ops/nn.ts and lib/ops/reduce.ts do, so rows
 * of −∞ give a logSumExp of −∞ and NaN propagates). Accumulation in
 * float64, one rounding on store.
 */
import { alloc, type DType, type Storage } from '../types.ts';

/** The shift of a row: its maximum (NaN if it holds one), or 0 when that is not finite. */
function shiftOf(x: Storage, o: number, n: number): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = x[o + j];
    if (v !== v) return 0; // NaN: any finite shift gives NaN everywhere, as the composite
    if (v > m) m = v;
  }
  return Number.isFinite(m) ? m : 0;
}

/** s[rows, n] = exp(x − m) / Σ_j exp(x − m), row by row. */
export function softmaxRows(x: Storage, rows: number, n: number, dtype: DType): Storage {
  const out = alloc(dtype, rows * n);
  const e = new Float64Array(n);
  for (let i = 0, o = 0; i < rows; i++, o += n) {
    const m = shiftOf(x, o, n);
    let s = 0;
    for (let j = 0; j < n; j++) {
      e[j] = Math.exp(x[o + j] - m);
      s += e[j];
    }
    // a row that is all −∞ (fully masked) sums to 0: its softmax is 0, not 0/0
    for (let j = 0; j < n; j++) out[o + j] = s === 0 ? 0 : e[j] / s;
  }
  return out;
}

/** Backward of {@link softmaxRows} for the cotangent g and the forward values s: s·(g − Σ_j g·s). */
export function softmaxRowsBackward(g: Storage, s: Storage, rows: number, n: number, dtype: DType): Storage {
  const out = alloc(dtype, rows * n);
  for (let i = 0, o = 0; i < rows; i++, o += n) {
    let d = 0;
    for (let j = 0; j < n; j++) d += g[o + j] * s[o + j];
    for (let j = 0; j < n; j++) out[o + j] = s[o + j] * (g[o + j] - d);
  }
  return out;
}

/** l[rows] = m + log Σ_j exp(x − m), row by row. */
export function logSumExpRows(x: Storage, rows: number, n: number, dtype: DType): Storage {
  const out = alloc(dtype, rows);
  for (let i = 0, o = 0; i < rows; i++, o += n) {
    const m = shiftOf(x, o, n);
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[o + j] - m);
    out[i] = Math.log(s) + m;
  }
  return out;
}
