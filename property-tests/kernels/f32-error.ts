/**
 * Running error analysis (Wilkinson) for the gpu.js parity tests: a kernel's
 * float32 computation is replayed in float64 on values that carry a bound
 * `e` on |float32 result − exact result|, so each test's tolerance is derived
 * from the kernel's own operation sequence, never tuned.
 *
 * Error model per operation, u = 2⁻²⁴ (float32 unit roundoff), following the
 * GLSL ES 3.00 precision table (§4.5.1; WebGL1's GLSL ES 1.00 states none, so
 * we take ES 3.00's as the contract; cpu and webasm compute in float64 or
 * IEEE float32 and are at least this accurate); 1 ULP of a result r is at
 * most 2u·|r|:
 * - a ± b, a·b: correctly rounded, |δ| ≤ u;
 * - a / b: 2.5 ULP, |δ| ≤ 5u;
 * - √a: "inherited from 1/inversesqrt" = 2 ULP + 2.5 ULP, |δ| ≤ 9u (we use 10u);
 * - exp(a): (3 + 2|a|) ULP, |δ| ≤ (6 + 4|a|)u;
 * - log(a): 3 ULP outside [0.5, 2] (|δ| ≤ 6u), absolute error < 2⁻²¹ inside;
 * - max, min: exact;
 * - every result may also be flushed to zero when subnormal (GL has no
 *   denormals): an extra absolute error < 2⁻¹²⁶ per operation.
 * Propagation is first-order-exact: |fl(a∘b) − a∘b| ≤ (propagated input
 * errors, with their products) + κu·(|a∘b| + propagated) + 2⁻¹²⁶.
 */

/** float32 unit roundoff. */
export const U = 2 ** -24;
/** Smallest positive normal float32: the most a flush to zero can lose. */
const TINY = 2 ** -126;

/** A float64 value `v` of a float32 computation, with a bound `e` on the float32 result's error. */
export interface Ev {
  readonly v: number;
  readonly e: number;
}

const round = (v: number, e: number, kappa: number): Ev => ({ v, e: e + kappa * U * (Math.abs(v) + e) + TINY });

/** An exact input (a float32 value seen identically by both sides). */
export const ex = (v: number): Ev => ({ v, e: 0 });
/** A constant baked into the kernel: rounded to float32 on the device. */
export const cst = (v: number): Ev => ({ v, e: Math.abs(Math.fround(v) - v) });

export const add = (a: Ev, b: Ev): Ev => round(a.v + b.v, a.e + b.e, 1);
export const sub = (a: Ev, b: Ev): Ev => round(a.v - b.v, a.e + b.e, 1);
export const mul = (a: Ev, b: Ev): Ev => round(a.v * b.v, Math.abs(a.v) * b.e + Math.abs(b.v) * a.e + a.e * b.e, 1);
export function div(a: Ev, b: Ev): Ev {
  const v = a.v / b.v;
  const lo = Math.abs(b.v) - b.e;
  return round(v, lo > 0 ? (a.e + Math.abs(v) * b.e) / lo : Infinity, 5);
}
export function sqrt(a: Ev): Ev {
  const v = Math.sqrt(Math.max(a.v, 0));
  // |√x − √y| ≤ √|x − y|, and ≤ |x − y|/√x
  return round(v, v > 0 ? Math.min(Math.sqrt(a.e), a.e / v) : Math.sqrt(a.e), 10);
}
export function exp(a: Ev): Ev {
  const v = Math.exp(a.v);
  return round(v, v * Math.expm1(a.e), 6 + 4 * (Math.abs(a.v) + a.e));
}
export function log(a: Ev): Ev {
  const v = Math.log(a.v);
  const prop = a.e < a.v ? -Math.log1p(-a.e / a.v) : Infinity;
  if (a.v >= 0.5 && a.v <= 2) return { v, e: prop + 2 ** -21 + TINY };
  return round(v, prop, 6);
}
export const max = (a: Ev, b: Ev): Ev => ({ v: Math.max(a.v, b.v), e: Math.max(a.e, b.e) });
export const min = (a: Ev, b: Ev): Ev => ({ v: Math.min(a.v, b.v), e: Math.max(a.e, b.e) });
export const neg = (a: Ev): Ev => ({ v: -a.v, e: a.e });

/** Sequential float32 sum of the terms, as a kernel's loop accumulates them. */
export function sumSeq(terms: readonly Ev[]): Ev {
  let s = ex(0);
  for (const t of terms) s = add(s, t);
  return s;
}

/**
 * Checks |got − want| ≤ bound.e·(1 + 2⁻²⁰) for every entry. The float64
 * reference `want` has, by the same analysis with u = 2⁻⁵³, an error ≤ e·2⁻²⁹;
 * the factor covers it and the float64 rounding of the bound itself.
 */
export function expectWithin(what: string, got: ArrayLike<number>, want: ArrayLike<number>, bound: (i: number) => Ev): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const b = bound(i);
    const tol = b.e * (1 + 2 ** -20);
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol)) {
      throw new Error(`${what}[${i}]: gpu ${got[i]} vs f64 ${want[i]}, |err| ${err} > derived bound ${tol} (replayed value ${b.v})`);
    }
  }
}
