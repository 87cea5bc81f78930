/**
 * Explicit, reproducible randomness in the JAX style: a key is an immutable
 * value, `split` derives independent keys, and every sampler is a pure
 * function of its key. Bits come from the Threefry-2x32 (20 rounds)
 * counter-based generator (Salmon et al., SC'11), so the same key gives the
 * same values on every run and platform.
 */
import { alloc, sizeOf, type DType } from '../../kernels/types.ts';
import { ArgumentError, ValueError, describe } from '../errors.ts';
import { checkDType } from './create.ts';
import { checkShape, checkSize } from './shape.ts';
import { fromStorage, type Tensor } from './tensor.ts';

/** An immutable PRNG key (two 32-bit words). */
export interface PRNGKey {
  /** tag that marks the value as a key */
  readonly kind: 'PRNGKey';
  /** the key's two unsigned 32-bit words (the Threefry-2x32 key) */
  readonly words: readonly [number, number];
}

const ROT = [13, 15, 26, 6, 17, 29, 16, 24];

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Threefry-2x32 with 20 rounds: the block cipher of `counter` under `key`. */
export function threefry2x32(key: readonly [number, number], counter: readonly [number, number]): [number, number] {
  for (const [v, name] of [
    [key, 'key'],
    [counter, 'counter'],
  ] as const) {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
      throw new ArgumentError(`threefry2x32: ${name} must be a pair of unsigned 32-bit integers, got ${describe(v)}`);
    }
  }
  const ks0 = key[0] >>> 0;
  const ks1 = key[1] >>> 0;
  const ks2 = (0x1bd11bda ^ ks0 ^ ks1) >>> 0;
  const ks = [ks0, ks1, ks2];
  let x0 = (counter[0] + ks0) >>> 0;
  let x1 = (counter[1] + ks1) >>> 0;
  for (let block = 0; block < 5; block++) {
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROT[(block % 2) * 4 + r]) ^ x0;
    }
    const s = block + 1;
    x0 = (x0 + ks[s % 3]) >>> 0;
    x1 = (x1 + ks[(s + 1) % 3] + s) >>> 0;
  }
  return [x0, x1];
}

function makeKey(w0: number, w1: number): PRNGKey {
  return Object.freeze({ kind: 'PRNGKey' as const, words: Object.freeze([w0 >>> 0, w1 >>> 0]) as readonly [number, number] });
}

/** Throws an ArgumentError naming `fn` unless `key` is a PRNGKey. @internal */
export function checkKey(fn: string, key: unknown): asserts key is PRNGKey {
  const k = key as PRNGKey;
  if (typeof key !== 'object' || key === null || k.kind !== 'PRNGKey') {
    throw new ArgumentError(`${fn}: expected a PRNGKey made by prngKey(seed) or split(key), got ${key === null ? 'null' : typeof key}`);
  }
}

/** A key from a non-negative integer seed (up to 2⁵³ − 1). */
export function prngKey(seed: number): PRNGKey {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`prngKey: seed must be a non-negative safe integer, got ${seed}`);
  }
  return makeKey(Math.floor(seed / 2 ** 32), seed % 2 ** 32);
}

/** `n` new independent keys derived from `key` (default 2). */
export function split(key: PRNGKey, n = 2): PRNGKey[] {
  checkKey('split', key);
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`split: n must be a positive integer, got ${describe(n)}`);
  checkSize('split', n, [n]);
  const out: PRNGKey[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = threefry2x32(key.words, [i, 0]);
    out.push(makeKey(a, b));
  }
  return out;
}

/** A key derived from `key` and an integer (e.g. a step number). */
export function foldIn(key: PRNGKey, data: number): PRNGKey {
  checkKey('foldIn', key);
  if (!Number.isInteger(data)) throw new ValueError(`foldIn: data must be an integer, got ${data}`);
  const [a, b] = threefry2x32(key.words, [data >>> 0, 0x2545f491]);
  return makeKey(a, b);
}

/** `n` pairs of random 32-bit words from `key` (its sampling stream, distinct from `split`). */
function bits(key: PRNGKey, n: number): Uint32Array {
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [a, b] = threefry2x32(key.words, [i, 1]);
    out[2 * i] = a;
    out[2 * i + 1] = b;
  }
  return out;
}

/** Uniform doubles in [0, 1) with 53 random bits each. */
function uniform01(key: PRNGKey, n: number): Float64Array {
  const w = bits(key, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((w[2 * i] >>> 5) * 67108864 + (w[2 * i + 1] >>> 6)) / 9007199254740992;
  return out;
}

/** Uniform samples in `[minval, maxval)`. */
export function randomUniform(key: PRNGKey, shape: readonly number[], dtype: DType = 'float32', minval = 0, maxval = 1): Tensor {
  checkKey('randomUniform', key);
  checkShape('randomUniform', shape);
  checkDType('randomUniform', dtype);
  if (!(minval < maxval) || !Number.isFinite(minval) || !Number.isFinite(maxval)) {
    throw new ValueError(`randomUniform: expected finite minval < maxval, got ${minval} and ${maxval}`);
  }
  const n = sizeOf(shape);
  const u = uniform01(key, n);
  const d = alloc(dtype, n);
  // the largest storable value below maxval, so rounding never yields maxval itself
  const top = below(maxval, dtype);
  for (let i = 0; i < n; i++) {
    d[i] = minval + (maxval - minval) * u[i];
    if (d[i] >= maxval) d[i] = top;
  }
  return fromStorage(d, shape.slice(), dtype);
}

/** Standard normal samples (Box–Muller on 53-bit uniforms), scaled by `std` and shifted by `mean`. */
export function randomNormal(key: PRNGKey, shape: readonly number[], dtype: DType = 'float32', mean = 0, std = 1): Tensor {
  checkKey('randomNormal', key);
  checkShape('randomNormal', shape);
  checkDType('randomNormal', dtype);
  const n = sizeOf(shape);
  const m = Math.ceil(n / 2);
  const u = uniform01(key, 2 * m);
  const d = alloc(dtype, n);
  for (let i = 0; i < m; i++) {
    const r = Math.sqrt(-2 * Math.log(1 - u[2 * i]));
    const th = 2 * Math.PI * u[2 * i + 1];
    d[2 * i] = mean + std * r * Math.cos(th);
    if (2 * i + 1 < n) d[2 * i + 1] = mean + std * r * Math.sin(th);
  }
  return fromStorage(d, shape.slice(), dtype);
}

/** `n` integers uniform in `[low, high)` (53-bit scaling: relative bias below 2⁻²²). */
export function randomInt(key: PRNGKey, n: number, low: number, high: number): Int32Array {
  checkKey('randomInt', key);
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`randomInt: n must be a non-negative integer, got ${describe(n)}`);
  checkSize('randomInt', n, [n]);
  if (!Number.isInteger(low) || !Number.isInteger(high) || !(low < high) || high - low > 2 ** 31) {
    throw new ValueError(`randomInt: expected integers low < high with high − low ≤ 2³¹, got ${low} and ${high}`);
  }
  const u = uniform01(key, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + Math.floor(u[i] * (high - low));
  return out;
}

/** A uniformly random permutation of `0 … n-1` (Fisher–Yates). */
export function permutation(key: PRNGKey, n: number): Int32Array {
  checkKey('permutation', key);
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`permutation: n must be a non-negative integer, got ${describe(n)}`);
  checkSize('permutation', n, [n]);
  const u = uniform01(key, n);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** The largest value of `dtype` strictly below `v`. */
function below(v: number, dtype: DType): number {
  if (dtype === 'float64') {
    const f = new Float64Array([v]);
    const b = new BigInt64Array(f.buffer);
    b[0] += v > 0 ? -1n : v < 0 ? 1n : 0n;
    return v === 0 ? -Number.MIN_VALUE : f[0];
  }
  const f = new Float32Array([v]);
  if (f[0] < v) return f[0];
  const b = new Int32Array(f.buffer);
  if (v === 0) return -1.401298464324817e-45;
  b[0] += v > 0 ? -1 : 1;
  return f[0];
}
