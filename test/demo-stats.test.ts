/**
 * The demo's statistics and helpers (examples/chest-demo): Student t and
 * sign-test p-values against textbook values, the paired t statistic, the
 * pair AUC (Mann–Whitney) and the average-linkage dendrogram.
 */
import { describe, expect, it } from 'vitest';
import { averageLinkage } from '../examples/chest-demo/evaluate.ts';
import { pairAuc } from '../examples/chest-demo/plots.ts';
import { incompleteBeta, meanStd, pairedTest, signTest, tTwoSided } from '../examples/chest-demo/stats.ts';

describe('the demo statistics', () => {
  it('Student t two-sided p-values match the tables (t₀.₉₇₅ for df 1, 4, 10)', () => {
    expect(tTwoSided(12.7062, 1)).toBeCloseTo(0.05, 5);
    expect(tTwoSided(2.776445, 4)).toBeCloseTo(0.05, 6);
    expect(tTwoSided(2.228139, 10)).toBeCloseTo(0.05, 6);
    expect(tTwoSided(4.604095, 4)).toBeCloseTo(0.01, 6);
    expect(tTwoSided(0, 5)).toBe(1);
    // I_0.3(2, 3) = Σ_{j=2}^{4} C(4, j) 0.3^j 0.7^(4−j) = 0.3483
    expect(incompleteBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 12);
  });

  it('the sign test is the exact binomial: 5/0 → 1/16, 4/1 → 6/16, ties dropped', () => {
    expect(signTest(5, 0)).toBeCloseTo(1 / 16, 12);
    expect(signTest(4, 1)).toBeCloseTo(6 / 16, 12);
    expect(signTest(3, 3)).toBe(1);
    expect(signTest(0, 0)).toBe(1);
    const t = pairedTest([1, 2, 3, 4, 5, 6], [0.5, 1.8, 3, 3.9, 4.0, 6.2]);
    expect([t.wins, t.losses]).toEqual([4, 1]);
  });

  it('the paired t statistic is mean(d) / (sd(d)/√n)', () => {
    const a = [1, 2, 3, 4, 5];
    const b = [0.5, 1.8, 2.1, 3.9, 4.0];
    const d = a.map((v, i) => v - b[i]);
    const [m, s] = meanStd(d);
    const t = pairedTest(a, b);
    expect(t.t).toBeCloseTo(m / (s / Math.sqrt(5)), 12);
    expect(t.pT).toBeCloseTo(tTwoSided(t.t, 4), 12);
    expect(t.pT).toBeGreaterThan(0.03);
    expect(t.pT).toBeLessThan(0.05);
  });

  it('the pair AUC is the Mann–Whitney probability (ties ½)', () => {
    const rows = (pos: number[], neg: number[]) => [
      ...pos.map((s) => ({ pair: 'positive', similarity: s })),
      ...neg.map((s) => ({ pair: 'negative', similarity: s })),
    ];
    expect(pairAuc(rows([3, 4], [1, 2]))).toBe(1);
    expect(pairAuc(rows([1, 2], [3, 4]))).toBe(0);
    expect(pairAuc(rows([1, 1], [1, 1]))).toBe(0.5);
    // P(pos > neg) over the 2·2 pairs: (3>1, 3>4✗, 2>1, 2>4✗) = 2/4
    expect(pairAuc(rows([3, 2], [1, 4]))).toBe(0.5);
    expect(pairAuc(rows([3, 2, 5], [1, 4]))).toBeCloseTo(4 / 6, 12);
  });

  it('average linkage joins the closest groups first and gives a valid dendrogram', () => {
    // points on a line: {0, 1} close, {10, 11} close, 30 far
    const xs = [0, 1, 10, 11, 30];
    const n = xs.length;
    const d = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = Math.abs(xs[i] - xs[j]);
    const parent = averageLinkage(d, n);
    expect(parent.length).toBe(2 * n - 1);
    expect(parent[0]).toBe(parent[1]);
    expect(parent[2]).toBe(parent[3]);
    expect(parent[0]).not.toBe(parent[2]);
    expect(parent[parent[0]]).toBe(parent[parent[2]]); // the two pairs merge before 30 joins
    expect(parent[4]).toBe(parent[parent[parent[0]]]);
    expect([...parent].filter((p) => p === -1).length).toBe(1);
  });
});
