/**
 * Scalar helpers shared by the fused ball kernels (toPoincare.ts,
 * lcaDepth.ts): rounding as the op layer stores values, the subgradient
 * shares of max/min, the op layer's row norm (with its scaled fallback), dot
 * products, and the backward step through `project`'s selected branch.
 */
import type { Storage } from '../../types.ts';

/** `v` as the op layer stores an op's result in data of this precision. */
export function rd(v: number, f32: boolean): number {
  return f32 ? Math.fround(v) : v;
}

/** Share of the gradient of max(a, b) that goes to a (the op layer's `maxMask`). */
export function maxShare(a: number, b: number): number {
  return a > b ? 1 : a < b ? 0 : 0.5;
}

/** Share of the gradient of min(a, b) that goes to a (the op layer's `minMask`). */
export function minShare(a: number, b: number): number {
  return a < b ? 1 : a > b ? 0 : 0.5;
}

/** max(a, b) as the op layer's `maximum` (a when a ≥ b or a is NaN). */
export function maxOf(a: number, b: number): number {
  return a >= b || a !== a ? a : b;
}

/** Whether a row's sum of squares makes the op layer's `norm` use its scaled method for the whole tensor. */
export function isBad(s: number): boolean {
  return s === Infinity || s < 1e-290;
}

/** ‖x[o .. o + D)‖ by the op layer's scaled two-pass method (max |x_j|, then Σ(|x_j|/max)²). */
export function scaledNorm(x: ArrayLike<number>, o: number, D: number): number {
  let m = -Infinity;
  for (let j = 0; j < D; j++) {
    const t = Math.abs(x[o + j]);
    if (t > m || t !== t) m = t;
  }
  let ss = 0;
  for (let j = 0; j < D; j++) {
    const t = m > 0 && m !== Infinity ? Math.abs(x[o + j]) / m : 0;
    ss += t * t;
  }
  return m === 0 || m === Infinity || m !== m ? m : m * Math.sqrt(ss);
}

/**
 * The op layer's `norm` of the row at offset o (before rounding to the dtype),
 * given its float64 sum of squares `s` (accumulated in index order) and whether
 * the tensor uses the scaled method (`scaled`: some row of it {@link isBad}).
 */
export function normOf(s: number, scaled: boolean, x: ArrayLike<number>, o: number, D: number): number {
  return scaled ? scaledNorm(x, o, D) : Math.sqrt(s);
}

/** ⟨G, u[uo ..]⟩ over D entries, in float64. */
export function dot(G: Float64Array, u: ArrayLike<number>, uo: number, D: number): number {
  let s = 0;
  for (let j = 0; j < D; j++) s += G[j] * u[uo + j];
  return s;
}

/**
 * In place: G ← the cotangent of u (the row at offset o) given the cotangent G
 * of (u/n)·mx, with n = max(n0, MIN) and n0 = ‖u‖ (the selected branch of `project`).
 */
export function projectBack(G: Float64Array, u: Storage, o: number, n0: number, n: number, mx: number, min: number, D: number): void {
  const gn0 = ((-mx * dot(G, u, o, D)) / (n * n)) * maxShare(n0, min); // cotangent of ‖u‖
  const s = mx / n;
  const sn = n0 === 0 ? 1 : n0;
  for (let j = 0; j < D; j++) G[j] = G[j] * s + gn0 * (u[o + j] / sn);
}
