/**
 * The demo's statistics, without dependencies: mean ± sample standard
 * deviation, the paired t-test (two-sided p from Student's t distribution via
 * the regularised incomplete beta function) and the exact two-sided sign test.
 */

/** Mean and sample standard deviation (n − 1; 0 for a single value). */
export function meanStd(xs: readonly number[]): [number, number] {
  const n = xs.length;
  const m = xs.reduce((p, q) => p + q, 0) / n;
  const v = n > 1 ? xs.reduce((p, q) => p + (q - m) ** 2, 0) / (n - 1) : 0;
  return [m, Math.sqrt(v)];
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error < 1e-13). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betacf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b), x in [0, 1]. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  return x < (a + 1) / (a + b + 2) ? (Math.exp(lbt) * betacf(a, b, x)) / a : 1 - (Math.exp(lbt) * betacf(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2). */
export function tTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The result of a paired test of `a` against `b` (differences a − b). */
export interface PairedTest {
  /** number of pairs */
  readonly n: number;
  /** mean difference a − b */
  readonly meanDiff: number;
  /** paired t statistic (NaN when all differences are equal and nonzero… or n < 2) */
  readonly t: number;
  /** two-sided p of the paired t-test */
  readonly pT: number;
  /** pairs with a > b, a < b (ties dropped by the sign test) */
  readonly wins: number;
  readonly losses: number;
  /** exact two-sided p of the sign test */
  readonly pSign: number;
}

/** Exact two-sided sign test: p = min(1, 2·P(X ≤ min(w, l))), X ~ Bin(w + l, 1/2). */
export function signTest(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/** Paired t-test and sign test of `a` against `b` (same seeds, same order). */
export function pairedTest(a: readonly number[], b: readonly number[]): PairedTest {
  if (a.length !== b.length) throw new Error(`pairedTest: ${a.length} values against ${b.length}`);
  const d = a.map((v, i) => v - b[i]);
  const n = d.length;
  const [m, s] = meanStd(d);
  const t = n < 2 ? NaN : s === 0 ? (m === 0 ? 0 : Math.sign(m) * Infinity) : m / (s / Math.sqrt(n));
  const wins = d.filter((v) => v > 0).length;
  const losses = d.filter((v) => v < 0).length;
  return { n, meanDiff: m, t, pT: n < 2 ? NaN : tTwoSided(t, n - 1), wins, losses, pSign: signTest(wins, losses) };
}

/** A p-value for the tables: 3 decimals, or 1 significant digit below 0.001 (never "0.000"); "—" for NaN. */
export function fmtP(x: number): string {
  return Number.isNaN(x) ? '—' : x < 0.001 ? x.toExponential(1) : x.toFixed(3);
}
