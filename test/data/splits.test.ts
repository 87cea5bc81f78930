/**
 * The DML class split and class-balanced batches: hand cases, invariants
 * under fast-check (disjoint classes, complete coverage; P distinct classes ×
 * K items of each per batch, without repeats when a class is big enough),
 * determinism in the key, and errors.
 */
import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { ValueError, prngKey } from '../../lib/index.ts';
import { classBalancedBatches, dmlSplit } from '../../lib/data/index.ts';

describe('dmlSplit', () => {
  test('first half of the sorted class ids for training, the rest for testing', () => {
    const labels = [7, 1, 3, 1, 9, 7, 3, 5];
    const s = dmlSplit(labels); // classes 1 3 5 7 9 → train 1 3 5, test 7 9
    expect(Array.from(s.trainClasses)).toEqual([1, 3, 5]);
    expect(Array.from(s.testClasses)).toEqual([7, 9]);
    expect(Array.from(s.train)).toEqual([1, 2, 3, 6, 7]);
    expect(Array.from(s.test)).toEqual([0, 4, 5]);
  });
  test('an even number of classes splits in two equal halves (CUB-200: 100 / 100)', () => {
    const labels = Int32Array.from({ length: 2000 }, (_, i) => 1 + (i % 200));
    const s = dmlSplit(labels);
    expect(s.trainClasses.length).toBe(100);
    expect(s.trainClasses[99]).toBe(100);
    expect(s.testClasses[0]).toBe(101);
    expect(s.train.length).toBe(1000);
  });
  test('trainClasses overrides the half', () => {
    expect(Array.from(dmlSplit([0, 1, 2, 3], { trainClasses: 1 }).test)).toEqual([1, 2, 3]);
  });
  propTest.prop([fc.array(fc.integer({ min: -5, max: 20 }), { minLength: 2, maxLength: 80 })])(
    'a partition of the items by class; every train class is below every test class',
    (labels) => {
      fc.pre(new Set(labels).size >= 2);
      const s = dmlSplit(labels);
      expect(s.train.length + s.test.length).toBe(labels.length);
      expect(new Set([...s.train, ...s.test]).size).toBe(labels.length);
      const tr = new Set(Array.from(s.train, (i) => labels[i]));
      const te = new Set(Array.from(s.test, (i) => labels[i]));
      for (const c of tr) expect(te.has(c)).toBe(false);
      expect(Math.max(...tr)).toBeLessThan(Math.min(...te));
      expect(tr.size).toBe(Math.ceil((tr.size + te.size) / 2));
    },
  );
  test('errors', () => {
    expect(() => dmlSplit([3, 3, 3])).toThrow(/at least 2 classes/);
    expect(() => dmlSplit([0, 1], { trainClasses: 2 })).toThrow(ValueError);
    expect(() => dmlSplit([0, 0.5])).toThrow(ValueError);
  });
});

describe('classBalancedBatches', () => {
  const labels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 4, 4, 4, 4]);
  test('P classes × K items each, class-major', () => {
    const batches = classBalancedBatches(prngKey(0), labels, { classesPerBatch: 3, samplesPerClass: 2, batches: 5 });
    expect(batches.length).toBe(5);
    for (const b of batches) {
      expect(b.length).toBe(6);
      const cls = Array.from(b, (i) => labels[i]);
      expect(cls[0]).toBe(cls[1]);
      expect(cls[2]).toBe(cls[3]);
      expect(cls[4]).toBe(cls[5]);
      expect(new Set(cls).size).toBe(3);
    }
  });
  test('deterministic in the key; batch b does not depend on how many are drawn', () => {
    const o = { classesPerBatch: 2, samplesPerClass: 3, batches: 4 };
    const a = classBalancedBatches(prngKey(1), labels, o).map((b) => Array.from(b));
    expect(classBalancedBatches(prngKey(1), labels, o).map((b) => Array.from(b))).toEqual(a);
    expect(classBalancedBatches(prngKey(1), labels, { ...o, batches: 2 }).map((b) => Array.from(b))).toEqual(a.slice(0, 2));
    expect(classBalancedBatches(prngKey(2), labels, o).map((b) => Array.from(b))).not.toEqual(a);
  });
  test('a class with too few items is sampled with replacement; big ones without', () => {
    const batches = classBalancedBatches(prngKey(3), labels, { classesPerBatch: 5, samplesPerClass: 4, batches: 3 });
    for (const b of batches) {
      for (let p = 0; p < 5; p++) {
        const items = Array.from(b.subarray(p * 4, p * 4 + 4));
        const c = labels[items[0]];
        for (const i of items) expect(labels[i]).toBe(c);
        if (c === 0 || c === 4) expect(new Set(items).size).toBe(4);
        if (c === 3) expect(items).toEqual([9, 9, 9, 9]);
      }
    }
  });
  test('every class is drawn over many batches (uniform choice of classes)', () => {
    const seen = new Map<number, number>();
    for (const b of classBalancedBatches(prngKey(4), labels, { classesPerBatch: 2, samplesPerClass: 1, batches: 500 })) {
      for (const i of b) seen.set(labels[i], (seen.get(labels[i]) ?? 0) + 1);
    }
    // each class is in a batch with probability 2/5: 200 of 500 expected, SE √(500·0.4·0.6) ≈ 11
    for (let c = 0; c < 5; c++) expect(Math.abs((seen.get(c) ?? 0) - 200)).toBeLessThan(5 * 11);
  });
  propTest.prop([
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 60 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 0, max: 1000 }),
  ])('invariants on random labels', (ls, P0, K, seed) => {
    const C = new Set(ls).size;
    const P = Math.min(P0, C);
    const batches = classBalancedBatches(prngKey(seed), ls, { classesPerBatch: P, samplesPerClass: K, batches: 3 });
    for (const b of batches) {
      expect(b.length).toBe(P * K);
      const classes = new Set<number>();
      for (let p = 0; p < P; p++) {
        const items = Array.from(b.subarray(p * K, (p + 1) * K));
        const c = ls[items[0]];
        classes.add(c);
        for (const i of items) {
          expect(i >= 0 && i < ls.length).toBe(true);
          expect(ls[i]).toBe(c);
        }
        if (ls.filter((y) => y === c).length >= K) expect(new Set(items).size).toBe(K);
      }
      expect(classes.size).toBe(P);
    }
  });
  test('errors', () => {
    const o = { classesPerBatch: 2, samplesPerClass: 2, batches: 1 };
    expect(() => classBalancedBatches(prngKey(0), labels, { ...o, classesPerBatch: 6 })).toThrow(/classesPerBatch 6 exceeds the 5 classes/);
    expect(() => classBalancedBatches(prngKey(0), labels, { ...o, samplesPerClass: 0 })).toThrow(ValueError);
    expect(() => classBalancedBatches(prngKey(0), labels, { ...o, batches: -1 })).toThrow(ValueError);
    expect(() => classBalancedBatches(prngKey(0), labels, { ...o, classesPerBatch: 1.5 })).toThrow(ValueError);
    expect(classBalancedBatches(prngKey(0), labels, { ...o, batches: 0 })).toEqual([]);
  });
});
