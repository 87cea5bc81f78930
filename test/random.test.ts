/**
 * Randomness: Threefry-2x32 known answers, determinism of keys, key
 * derivation (split / foldIn), and statistical checks of the samplers.
 *
 * Every statistical bound below is stated in standard errors (SE) of the
 * estimated quantity under the null hypothesis that the sampler is correct.
 * The samplers are deterministic functions of their key, so these tests never
 * flake; a bound of 5 SE would be exceeded by a correct sampler with
 * probability below 1e-6 for any fixed key.
 */
import { describe, expect, test } from 'vitest';
import { ValueError, foldIn, permutation, prngKey, randomInt, randomNormal, randomUniform, split, threefry2x32, toArray, type PRNGKey } from '../lib/index.ts';

const keyId = (k: PRNGKey): string => `${k.words[0]}:${k.words[1]}`;

function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Sample (n − 1) variance. */
function varianceOf(xs: ArrayLike<number>): number {
  const m = meanOf(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / (xs.length - 1);
}

/** k-th central moment divided by variance^(k/2). */
function standardizedMoment(xs: ArrayLike<number>, k: number): number {
  const m = meanOf(xs);
  let s2 = 0;
  let sk = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i] - m;
    s2 += d * d;
    sk += d ** k;
  }
  s2 /= xs.length;
  sk /= xs.length;
  return sk / s2 ** (k / 2);
}

describe('threefry2x32: known-answer tests (Random123 kat_vectors, 20 rounds)', () => {
  test('key (0, 0), counter (0, 0)', () => {
    expect(threefry2x32([0, 0], [0, 0])).toEqual([0x6b200159, 0x99ba4efe]);
  });

  test('key (0xffffffff, 0xffffffff), counter (0xffffffff, 0xffffffff)', () => {
    expect(threefry2x32([0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toEqual([0x1cb996fc, 0xbb002be7]);
  });

  test('key (0x13198a2e, 0x03707344), counter (0x243f6a88, 0x85a308d3) (digits of pi)', () => {
    expect(threefry2x32([0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3])).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  test('outputs are unsigned 32-bit words and the inputs are not modified', () => {
    const key: [number, number] = [0xdeadbeef, 0x12345678];
    const ctr: [number, number] = [7, 0xffffffff];
    const out = threefry2x32(key, ctr);
    expect(key).toEqual([0xdeadbeef, 0x12345678]);
    expect(ctr).toEqual([7, 0xffffffff]);
    for (const w of out) {
      expect(Number.isInteger(w)).toBe(true);
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThan(2 ** 32);
    }
  });

  test('a one-bit change of the counter changes both output words', () => {
    const a = threefry2x32([1, 2], [0, 0]);
    const b = threefry2x32([1, 2], [1, 0]);
    expect(a[0]).not.toBe(b[0]);
    expect(a[1]).not.toBe(b[1]);
  });
});

describe('prngKey', () => {
  test('is deterministic and immutable', () => {
    const a = prngKey(42);
    const b = prngKey(42);
    expect(a.kind).toBe('PRNGKey');
    expect(a.words).toEqual(b.words);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.words)).toBe(true);
  });

  test('different seeds give different keys, including seeds that differ only above bit 32', () => {
    const ids = [0, 1, 2, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER].map((s) => keyId(prngKey(s)));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('determinism: the same key gives the same values', () => {
  const key = prngKey(123);

  test('randomUniform', () => {
    expect(toArray(randomUniform(key, [50]))).toEqual(toArray(randomUniform(prngKey(123), [50])));
  });

  test('randomNormal', () => {
    expect(toArray(randomNormal(key, [7, 3], 'float64'))).toEqual(toArray(randomNormal(prngKey(123), [7, 3], 'float64')));
  });

  test('randomInt', () => {
    expect(Array.from(randomInt(key, 40, -5, 5))).toEqual(Array.from(randomInt(prngKey(123), 40, -5, 5)));
  });

  test('permutation', () => {
    expect(Array.from(permutation(key, 30))).toEqual(Array.from(permutation(prngKey(123), 30)));
  });

  test('different seeds give different samples', () => {
    expect(toArray(randomUniform(prngKey(1), [20]))).not.toEqual(toArray(randomUniform(prngKey(2), [20])));
    expect(toArray(randomNormal(prngKey(1), [20]))).not.toEqual(toArray(randomNormal(prngKey(2), [20])));
  });
});

describe('split', () => {
  const parent = prngKey(7);

  test('returns 2 keys by default, all distinct from each other and from the parent', () => {
    const ks = split(parent);
    expect(ks).toHaveLength(2);
    const ids = [parent, ...ks].map(keyId);
    expect(new Set(ids).size).toBe(3);
  });

  test('split(key, n) returns n distinct keys, none equal to the parent', () => {
    const ks = split(parent, 16);
    expect(ks).toHaveLength(16);
    const ids = new Set(ks.map(keyId));
    expect(ids.size).toBe(16);
    expect(ids.has(keyId(parent))).toBe(false);
    for (const k of ks) {
      expect(k.kind).toBe('PRNGKey');
      expect(Object.isFrozen(k)).toBe(true);
    }
  });

  test('is deterministic and does not change the parent', () => {
    const before = keyId(parent);
    expect(split(parent, 3).map(keyId)).toEqual(split(prngKey(7), 3).map(keyId));
    expect(keyId(parent)).toBe(before);
  });

  test('child keys sample different values from each other and from the parent', () => {
    const [a, b] = split(parent);
    const sp = toArray(randomUniform(parent, [16], 'float64'));
    const sa = toArray(randomUniform(a, [16], 'float64'));
    const sb = toArray(randomUniform(b, [16], 'float64'));
    expect(sa).not.toEqual(sb);
    expect(sa).not.toEqual(sp);
    expect(sb).not.toEqual(sp);
  });

  test('samples from two child keys are uncorrelated (|r| < 5/sqrt(n))', () => {
    const n = 20000;
    const [a, b] = split(prngKey(99));
    const x = toArray(randomNormal(a, [n], 'float64'));
    const y = toArray(randomNormal(b, [n], 'float64'));
    const mx = meanOf(x);
    const my = meanOf(y);
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) ** 2;
      syy += (y[i] - my) ** 2;
    }
    const r = sxy / Math.sqrt(sxx * syy);
    // Under independence the sample correlation has SE ≈ 1/sqrt(n).
    expect(Math.abs(r)).toBeLessThan(5 / Math.sqrt(n));
  });
});

describe('foldIn', () => {
  const k = prngKey(2024);

  test('is deterministic', () => {
    expect(keyId(foldIn(k, 5))).toBe(keyId(foldIn(prngKey(2024), 5)));
  });

  test('different data give different keys, all different from the parent and its split children', () => {
    const folded = [0, 1, 2, 3, 100, -1, 2 ** 31 - 1].map((d) => keyId(foldIn(k, d)));
    expect(new Set(folded).size).toBe(folded.length);
    const others = new Set([keyId(k), ...split(k, 4).map(keyId)]);
    for (const f of folded) expect(others.has(f)).toBe(false);
  });

  test('the same data folded into different keys gives different keys', () => {
    expect(keyId(foldIn(prngKey(1), 3))).not.toBe(keyId(foldIn(prngKey(2), 3)));
  });

  test('returns a frozen PRNGKey usable by samplers', () => {
    const f = foldIn(k, 9);
    expect(f.kind).toBe('PRNGKey');
    expect(Object.isFrozen(f)).toBe(true);
    expect(toArray(randomUniform(f, [4]))).toHaveLength(4);
  });

  test('rejects non-integer data with a ValueError', () => {
    expect(() => foldIn(k, 1.5)).toThrow(ValueError);
    expect(() => foldIn(k, 1.5)).toThrow(/foldIn.*1\.5/);
  });
});

describe('randomNormal: statistics on 10^5 samples', () => {
  const n = 100_000;

  test('standard normal (float64): mean, std, skewness, kurtosis and P(|x| < 1) within 5 SE', () => {
    const t = randomNormal(prngKey(0), [n], 'float64');
    expect(t.shape).toEqual([n]);
    expect(t.dtype).toBe('float64');
    const x = toArray(t);
    // SE of the mean: 1/sqrt(n) ≈ 0.0032
    expect(Math.abs(meanOf(x))).toBeLessThan(5 / Math.sqrt(n));
    // SE of the sample std of a normal: ≈ 1/sqrt(2n) ≈ 0.0022
    expect(Math.abs(Math.sqrt(varianceOf(x)) - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
    // SE of the sample skewness ≈ sqrt(6/n); of the kurtosis ≈ sqrt(24/n)
    expect(Math.abs(standardizedMoment(x, 3))).toBeLessThan(5 * Math.sqrt(6 / n));
    expect(Math.abs(standardizedMoment(x, 4) - 3)).toBeLessThan(5 * Math.sqrt(24 / n));
    // P(|Z| < 1) = erf(1/sqrt 2) = 0.682689492…; SE of a proportion sqrt(p(1-p)/n)
    const p = 0.6826894921370859;
    const frac = x.filter((v) => Math.abs(v) < 1).length / n;
    expect(Math.abs(frac - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    expect(x.every(Number.isFinite)).toBe(true);
  });

  test('mean 3, std 2 (float32 default dtype): mean and std within 5 SE', () => {
    const t = randomNormal(prngKey(1), [n], undefined, 3, 2);
    expect(t.dtype).toBe('float32');
    const x = toArray(t);
    expect(Math.abs(meanOf(x) - 3)).toBeLessThan((5 * 2) / Math.sqrt(n));
    expect(Math.abs(Math.sqrt(varianceOf(x)) - 2)).toBeLessThan((5 * 2) / Math.sqrt(2 * n));
  });

  test('odd sizes and multi-axis shapes are filled completely', () => {
    const t = randomNormal(prngKey(5), [3, 5], 'float64');
    expect(t.shape).toEqual([3, 5]);
    const x = toArray(t);
    expect(x).toHaveLength(15);
    expect(x.every(Number.isFinite)).toBe(true);
    expect(new Set(x).size).toBe(15);
  });

  test('an empty shape gives an empty tensor', () => {
    expect(toArray(randomNormal(prngKey(0), [0]))).toEqual([]);
    expect(randomNormal(prngKey(0), [2, 0]).shape).toEqual([2, 0]);
  });
});

describe('randomUniform', () => {
  const n = 100_000;

  test('default [0, 1) float32: every value in range, mean and variance within 5 SE', () => {
    const t = randomUniform(prngKey(3), [n]);
    expect(t.dtype).toBe('float32');
    const x = toArray(t);
    for (const v of x) {
      expect(v >= 0 && v < 1).toBe(true);
    }
    // Var U(0,1) = 1/12; SE of the mean sqrt(1/(12n))
    expect(Math.abs(meanOf(x) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / (12 * n)));
    // SE of the sample variance: sqrt((mu4 - sigma^4)/n) with mu4 = 1/80, sigma^4 = 1/144
    expect(Math.abs(varianceOf(x) - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / n));
  });

  test('custom range [-3, 5) float64: in range, mean within 5 SE, chi-square over 16 bins', () => {
    const lo = -3;
    const hi = 5;
    const x = toArray(randomUniform(prngKey(4), [n], 'float64', lo, hi));
    for (const v of x) {
      expect(v >= lo && v < hi).toBe(true);
    }
    const w = hi - lo;
    expect(Math.abs(meanOf(x) - (lo + hi) / 2)).toBeLessThan(5 * w * Math.sqrt(1 / (12 * n)));
    const bins = 16;
    const counts = new Array<number>(bins).fill(0);
    for (const v of x) counts[Math.floor(((v - lo) / w) * bins)]++;
    const e = n / bins;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    // chi-square with 15 degrees of freedom: mean 15, SD sqrt(30)
    expect(chi2).toBeLessThan(15 + 5 * Math.sqrt(30));
  });

  test('float32 samples stay below maxval when maxval is large relative to the width ([1000, 1001))', () => {
    // Near 1001 float32 values are 2^-14 apart, so v = 1000 + u rounds up to 1001
    // for u > 1 - 2^-15 (about 3 in 10^5 samples); such values must not be returned.
    const x = toArray(randomUniform(prngKey(0), [100_000], 'float32', 1000, 1001));
    const bad = x.filter((v) => !(v >= 1000 && v < 1001));
    expect(bad).toEqual([]);
  });

  test('shape is kept', () => {
    const t = randomUniform(prngKey(3), [2, 3, 4]);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.size).toBe(24);
  });
});

describe('randomInt', () => {
  test('values are integers in [low, high) with every value roughly equally frequent (5 SE)', () => {
    const n = 100_000;
    const lo = -4;
    const hi = 6;
    const k = hi - lo;
    const x = randomInt(prngKey(11), n, lo, hi);
    expect(x).toBeInstanceOf(Int32Array);
    expect(x.length).toBe(n);
    const counts = new Array<number>(k).fill(0);
    for (const v of x) {
      expect(Number.isInteger(v) && v >= lo && v < hi).toBe(true);
      counts[v - lo]++;
    }
    const p = 1 / k;
    const se = Math.sqrt(n * p * (1 - p));
    for (const c of counts) expect(Math.abs(c - n * p)).toBeLessThan(5 * se);
  });

  test('a range of one value always gives that value; n = 0 gives an empty array', () => {
    expect(Array.from(randomInt(prngKey(0), 10, 7, 8))).toEqual(new Array(10).fill(7));
    expect(randomInt(prngKey(0), 0, 0, 5).length).toBe(0);
  });

  test('rejects low >= high and non-integers', () => {
    expect(() => randomInt(prngKey(0), 3, 5, 5)).toThrow(ValueError);
    expect(() => randomInt(prngKey(0), 3, 0.5, 5)).toThrow(ValueError);
    expect(() => randomInt(prngKey(0), -1, 0, 5)).toThrow(ValueError);
  });
});

describe('permutation', () => {
  test('is a permutation of 0..n-1 for several n', () => {
    for (const n of [0, 1, 2, 5, 100, 1000]) {
      const p = permutation(prngKey(n), n);
      expect(p).toBeInstanceOf(Int32Array);
      const sorted = Array.from(p).sort((a, b) => a - b);
      expect(sorted).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  test('different keys give different permutations of a long range', () => {
    expect(Array.from(permutation(prngKey(1), 50))).not.toEqual(Array.from(permutation(prngKey(2), 50)));
  });

  test('a long permutation is not the identity', () => {
    const p = Array.from(permutation(prngKey(3), 50));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  test('all 6 permutations of 3 elements are about equally likely over 6000 keys (5 SE)', () => {
    const trials = 6000;
    const base = prngKey(77);
    const counts = new Map<string, number>();
    for (let i = 0; i < trials; i++) {
      const id = Array.from(permutation(foldIn(base, i), 3)).join(',');
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const p = 1 / 6;
    const se = Math.sqrt(trials * p * (1 - p));
    for (const c of counts.values()) expect(Math.abs(c - trials * p)).toBeLessThan(5 * se);
  });
});
