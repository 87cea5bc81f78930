/**
 * Integer class labels: validation against a batch size and a class count,
 * shared by every loss that takes labels. Labels are checked before any
 * conversion, so a value such as 2³² is rejected instead of being wrapped to
 * an int32; and an empty batch is refused, because a mean over no rows has no
 * value (the one rule for every loss: a ShapeError naming the loss).
 */
import { ArgumentError, ShapeError, ValueError, describe } from '../errors.ts';

/** Class labels of a batch: an Int32Array or an array of integers. */
export type Labels = Int32Array | readonly number[];

/** Throws an ArgumentError naming `fn` unless `labels` is an Int32Array or an array. */
function checkLabelsKind(fn: string, labels: unknown): asserts labels is Labels {
  if (!(labels instanceof Int32Array) && !Array.isArray(labels)) {
    throw new ArgumentError(`${fn}: labels must be an Int32Array or an array of integers, got ${describe(labels)}`);
  }
}

/**
 * Throws a ShapeError naming `fn` when the batch has no rows: every loss is a
 * mean over the batch, which has no value for an empty one. `shape` (for the
 * message) is the batch input's shape.
 */
export function checkNonEmptyBatch(fn: string, batch: number, what = 'the batch'): void {
  if (batch === 0) {
    throw new ShapeError(`${fn}: ${what} is empty (0 rows); a loss is a mean over the batch, which has no value for no rows — expected at least one row`);
  }
}

/**
 * Validates `labels` (one per row of a non-empty batch of `batch` rows, each a
 * safe integer in `[0, numClasses)`), returning an Int32Array copy.
 * `numClasses` must be at most 2³¹ (it always is for a class count read off a
 * tensor's shape). Throws an ArgumentError for a non-array, a ShapeError for an
 * empty batch or a length mismatch and a ValueError for a label that is not an
 * integer in range.
 */
export function checkLabels(fn: string, labels: Labels, batch: number, numClasses: number): Int32Array {
  checkLabelsKind(fn, labels);
  checkNonEmptyBatch(fn, batch);
  if (labels.length !== batch) {
    throw new ShapeError(`${fn}: got ${labels.length} labels for a batch of ${batch}; expected one label per row`);
  }
  const C = Math.min(numClasses, 2 ** 31);
  const out = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    const y: unknown = labels[i];
    if (typeof y !== 'number' || !Number.isSafeInteger(y) || y < 0 || y >= C) {
      throw new ValueError(`${fn}: label ${describe(y)} at position ${i} is out of range; expected an integer in [0, ${C - 1}] (${C} classes)`);
    }
    out[i] = y;
  }
  return out;
}

/**
 * Validates class ids that only need to be compared (no class count, e.g. the
 * batch-hard triplet loss): one per row of a non-empty batch, each a
 * non-negative safe integer (any size up to 2⁵³ − 1, compared exactly),
 * returned as a Float64Array copy.
 */
export function checkClassIds(fn: string, labels: Labels, batch: number): Float64Array {
  checkLabelsKind(fn, labels);
  checkNonEmptyBatch(fn, batch);
  if (labels.length !== batch) {
    throw new ShapeError(`${fn}: got ${labels.length} labels for a batch of ${batch}; expected one label per row`);
  }
  const out = new Float64Array(batch);
  for (let i = 0; i < batch; i++) {
    const y: unknown = labels[i];
    if (typeof y !== 'number' || !Number.isSafeInteger(y) || y < 0) {
      throw new ValueError(`${fn}: label ${describe(y)} at position ${i} is not a class id; expected a non-negative safe integer (at most 2⁵³ − 1)`);
    }
    out[i] = y;
  }
  return out;
}
