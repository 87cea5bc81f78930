/**
 * Data splits and batch samplers for deep metric learning:
 * - {@link dmlSplit}: the standard zero-shot split by class (CUB-200, Cars-196,
 *   SOP protocol): train on the first half of the classes, test on the other,
 *   unseen half;
 * - {@link classBalancedBatches}: seeded P×K batches (P classes, K samples of
 *   each), as pytorch-metric-learning's `MPerClassSampler`.
 */
import { ValueError, optionsOf } from '../errors.ts';
import { denseLabels, type ClassLabels } from '../metrics/labels.ts';
import { foldIn, permutation, randomInt, split, type PRNGKey } from '../tensor/random.ts';

/** Options of {@link dmlSplit}. */
export interface DmlSplitOptions {
  /** number of (smallest) class ids used for training; default `ceil(C / 2)` */
  readonly trainClasses?: number;
}

/** A split of item indices by class. */
export interface DmlSplit {
  /** indices (ascending) of the items of the training classes */
  readonly train: Int32Array;
  /** indices (ascending) of the items of the test classes */
  readonly test: Int32Array;
  /** the training class ids, ascending */
  readonly trainClasses: Int32Array;
  /** the test class ids, ascending */
  readonly testClasses: Int32Array;
}

/**
 * The standard deep-metric-learning split: the distinct class ids are sorted,
 * the first half (`ceil(C / 2)` by default, e.g. classes 1–100 of CUB-200) are
 * the training classes and the rest the unseen test classes.
 *
 * @param labels integer class ids of every item.
 * @param options `trainClasses`: how many classes to train on (1 … C − 1).
 * @throws ValueError for fewer than two classes or a bad `trainClasses`.
 */
export function dmlSplit(labels: ClassLabels, options?: DmlSplitOptions): DmlSplit {
  const fn = 'dmlSplit';
  const { ids, classes } = denseLabels(fn, labels);
  const C = classes.length;
  if (C < 2) throw new ValueError(`${fn}: need at least 2 classes to split, got ${C}`);
  const t = optionsOf(fn, options).trainClasses ?? Math.ceil(C / 2);
  if (!Number.isInteger(t) || t < 1 || t >= C) throw new ValueError(`${fn}: trainClasses must be an integer in [1, ${C - 1}], got ${t}`);
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < ids.length; i++) (ids[i] < t ? train : test).push(i);
  return {
    train: Int32Array.from(train),
    test: Int32Array.from(test),
    trainClasses: classes.slice(0, t),
    testClasses: classes.slice(t),
  };
}

/** Options of {@link classBalancedBatches}. */
export interface ClassBalancedBatchesOptions {
  /** P: distinct classes per batch (1 … number of classes) */
  readonly classesPerBatch: number;
  /** K: samples of each class per batch (≥ 1) */
  readonly samplesPerClass: number;
  /** number of batches (≥ 0) */
  readonly batches: number;
}

/**
 * Seeded class-balanced batches of item indices. Batch `b` uses the key
 * `foldIn(key, b)` (so batch `b` does not depend on how many batches are
 * drawn): it picks `classesPerBatch` distinct classes uniformly at random, and
 * `samplesPerClass` items of each, without replacement when the class has
 * enough items and with replacement otherwise. Each batch is class-major
 * (the K items of its first class, then of the second, …).
 *
 * @param key PRNG key.
 * @param labels integer class ids of the items to sample from.
 * @param options `classesPerBatch` (P), `samplesPerClass` (K), `batches`.
 * @returns `batches` Int32Arrays of `P·K` indices into `labels`.
 * @throws ValueError for options out of range or P above the number of classes.
 */
export function classBalancedBatches(key: PRNGKey, labels: ClassLabels, options: ClassBalancedBatchesOptions): Int32Array[] {
  const fn = 'classBalancedBatches';
  const { ids, classes, counts } = denseLabels(fn, labels);
  const C = classes.length;
  const { classesPerBatch: P, samplesPerClass: K, batches } = optionsOf(fn, options, '{ classesPerBatch, samplesPerClass, batches }');
  if (!Number.isInteger(P) || P < 1) throw new ValueError(`${fn}: classesPerBatch must be an integer ≥ 1, got ${P}`);
  if (!Number.isInteger(K) || K < 1) throw new ValueError(`${fn}: samplesPerClass must be an integer ≥ 1, got ${K}`);
  if (!Number.isInteger(batches) || batches < 0) throw new ValueError(`${fn}: batches must be a non-negative integer, got ${batches}`);
  if (P > C) throw new ValueError(`${fn}: classesPerBatch ${P} exceeds the ${C} classes in labels`);
  // items of each class, ascending
  const members: Int32Array[] = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(C);
  for (let i = 0; i < ids.length; i++) members[ids[i]][fill[ids[i]]++] = i;
  const out: Int32Array[] = [];
  for (let b = 0; b < batches; b++) {
    const keys = split(foldIn(key, b), P + 1);
    const chosen = permutation(keys[0], C);
    const batch = new Int32Array(P * K);
    for (let p = 0; p < P; p++) {
      const m = members[chosen[p]];
      const pick = m.length >= K ? permutation(keys[p + 1], m.length).subarray(0, K) : randomInt(keys[p + 1], K, 0, m.length);
      for (let j = 0; j < K; j++) batch[p * K + j] = m[pick[j]];
    }
    out.push(batch);
  }
  return out;
}
