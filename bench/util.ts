/**
 * Helpers of the benchmark: a seeded PRNG, statistics, formatting, and the
 * float64 references the benchmark checks both sides against, and the CHEST
 * step's inputs.
 */
import { prngKey, sampleTriplets, type Triplet } from '../lib/index.ts';

/** Seeded PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` float32 values uniform in [-1, 1). */
export function randomFloat32(rng: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * rng() - 1;
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Three significant digits (plain notation). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return x.toFixed(digits);
}

/** max_i |a_i − b_i| / max(|b_i|, tiny); Infinity on a length mismatch or NaN. */
export function checkClose(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30);
    if (!(d <= m)) m = d; // NaN propagates as "not ≤"
  }
  return m;
}

/** Exact-ish (float64) entry (i, j) of A·B for row-major A (m×k) and B (k×n), and Σ|a_ik b_kj|. */
export function referenceMatmulEntry(a: ArrayLike<number>, b: ArrayLike<number>, k: number, n: number, i: number, j: number): [number, number] {
  let s = 0,
    abs = 0;
  for (let t = 0; t < k; t++) {
    const p = a[i * k + t] * b[t * n + j];
    s += p;
    abs += Math.abs(p);
  }
  return [s, abs];
}

export type ChainOp = 'mul' | 'add' | 'tanh' | 'sin';

/** A chain y ← op(y) of elementwise ops on a vector, applied to `x` and summed. */
export interface ChainSpec {
  ops: ChainOp[];
  x: Float32Array;
  /** multiplier of the 'mul' steps */
  c: Float32Array;
  /** addend of the 'add' steps */
  d: Float32Array;
}

/**
 * The cycle mul(c) → add(d) → tanh → sin repeated to `nOps` ops. c ≈ 1 and
 * d ≈ 0 keep the map close to neutral, so that after 10,000 ops the gradient
 * neither vanishes nor explodes and the comparison stays meaningful.
 */
export function buildChain(nOps: number, size: number, seed: number): ChainSpec {
  const rng = mulberry32(seed);
  const cycle: ChainOp[] = ['mul', 'add', 'tanh', 'sin'];
  const ops = Array.from({ length: nOps }, (_, i) => cycle[i % cycle.length]);
  const x = new Float32Array(size),
    c = new Float32Array(size),
    d = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    x[i] = rng() - 0.5;
    c[i] = 1 + 5e-4 * (2 * rng() - 1);
    d[i] = 1e-5 * (2 * rng() - 1);
  }
  return { ops, x, c, d };
}

/** d/dx Σ chain(x) in float64 (forward values kept, then the chain rule backwards). */
export function referenceChainGrad(spec: ChainSpec): Float64Array {
  const n = spec.x.length,
    m = spec.ops.length;
  const g = new Float64Array(n);
  const ys = new Float64Array(m + 1);
  for (let e = 0; e < n; e++) {
    let y = spec.x[e];
    ys[0] = y;
    for (let t = 0; t < m; t++) {
      const op = spec.ops[t];
      y = op === 'mul' ? y * spec.c[e] : op === 'add' ? y + spec.d[e] : op === 'tanh' ? Math.tanh(y) : Math.sin(y);
      ys[t + 1] = y;
    }
    let gy = 1;
    for (let t = m - 1; t >= 0; t--) {
      const op = spec.ops[t];
      if (op === 'mul') gy *= spec.c[e];
      else if (op === 'tanh') gy *= 1 - ys[t + 1] * ys[t + 1];
      else if (op === 'sin') gy *= Math.cos(ys[t]);
    }
    g[e] = gy;
  }
  return g;
}

/** ‖a − b‖ / ‖b‖ (Infinity on a length mismatch). */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  const r = Math.sqrt(num / den);
  return Number.isNaN(r) ? Infinity : r;
}

/** A standard normal sample (Box–Muller). */
function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * `n` points of the Poincaré ball (c = 1) in dimension `d`, row-major float32:
 * expmap0(v) = tanh(‖v‖)·v/‖v‖ of Gaussian directions v whose norms ‖v‖ are
 * uniform in [0.1, artanh(maxNorm)], so every point has norm in [0.0997, maxNorm].
 */
export function ballPoints(rng: () => number, n: number, d: number, maxNorm = 0.9): Float32Array {
  const out = new Float32Array(n * d);
  const v = new Float64Array(d);
  const rMax = Math.atanh(maxNorm);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      v[j] = gaussian(rng);
      s += v[j] * v[j];
    }
    const r = 0.1 + (rMax - 0.1) * rng(); // ‖v‖
    const k = Math.tanh(r) / Math.sqrt(s);
    for (let j = 0; j < d; j++) out[i * d + j] = k * v[j];
  }
  return out;
}

/** Correctness checks of a benchmark: a failed one is printed and counted (the scripts exit 1 then). */
export const checks = {
  failures: 0,
  verify(label: string, ok: boolean, detail: string): void {
    if (!ok) {
      checks.failures++;
      console.error(`CHECK FAILED: ${label}: ${detail}`);
    }
  },
};

/** The host inputs of one CHEST step (bench/chest-step.ts, bench/device-check.ts). */
export interface ChestData {
  e: Float32Array;
  h: Float32Array;
  pe: Float32Array;
  ph: Float32Array;
  labels: Int32Array;
  triplets: Triplet[];
}

/** Rows uniform in [-s_i, s_i)^D with a per-row scale s_i uniform in [lo, hi). */
function scaledRows(rng: () => number, n: number, d: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const s = lo + (hi - lo) * rng();
    for (let j = 0; j < d; j++) out[i * d + j] = s * (2 * rng() - 1);
  }
  return out;
}

/**
 * Deterministic CHEST inputs at sizes B, D, C, K, T. The hyperbolic rows have
 * norms ≈ s·√(D/3): about 0.65–3.9 for the features at D = 128 (some clipped at
 * 2.3), 0.3–2.5 for the proxies, so the clip is active on some rows and not on
 * others; the scales follow D so that this holds at every D.
 */
export function chestData(seed: number, { B, D, C, K, T }: { B: number; D: number; C: number; K: number; T: number }): ChestData {
  const rng = mulberry32(seed);
  const P = C * K;
  const hs = Math.sqrt(128 / D);
  return {
    e: scaledRows(rng, B, D, 0.5, 1),
    h: scaledRows(rng, B, D, 0.1 * hs, 0.6 * hs),
    pe: scaledRows(rng, P, D, 0.5, 1),
    ph: scaledRows(rng, P, D, 0.05 * hs, 0.4 * hs),
    labels: Int32Array.from({ length: B }, () => Math.floor(rng() * C)),
    triplets: sampleTriplets(prngKey(0), P, T),
  };
}
