/**
 * Class-label validation shared by the metrics and the data utilities:
 * any integer class ids are accepted and mapped to dense ids `0 … C-1` in
 * ascending order of the original ids. @internal
 */
import { ArgumentError, ShapeError, ValueError } from '../errors.ts';

/** Integer class labels: an Int32Array or an array of integers (any integer ids, not necessarily dense). */
export type ClassLabels = Int32Array | readonly number[];

/** Labels re-indexed densely. @internal */
export interface DenseLabels {
  /** dense class id of each item, in `[0, classes.length)` */
  readonly ids: Int32Array;
  /** the original class id of each dense id, ascending */
  readonly classes: Int32Array;
  /** number of items of each dense class */
  readonly counts: Int32Array;
}

/**
 * Validates `labels` (integers, length `n` when given) and maps them to dense
 * ids. Throws an ArgumentError for a non-array, a ShapeError for a length
 * mismatch and a ValueError for a non-integer label. @internal
 */
export function denseLabels(fn: string, labels: ClassLabels, n?: number): DenseLabels {
  if (!(labels instanceof Int32Array) && !Array.isArray(labels)) {
    const what = labels === null ? 'null' : typeof labels;
    throw new ArgumentError(`${fn}: labels must be an Int32Array or an array of integers, got ${what}`);
  }
  if (n !== undefined && labels.length !== n) {
    throw new ShapeError(`${fn}: got ${labels.length} labels for ${n} embeddings; expected one label per row`);
  }
  const len = labels.length;
  const raw = new Int32Array(len);
  for (let i = 0; i < len; i++) {
    const y = labels[i];
    if (typeof y !== 'number' || !Number.isInteger(y) || y < -(2 ** 31) || y >= 2 ** 31) {
      throw new ValueError(`${fn}: label ${String(y)} at position ${i} is not a 32-bit integer; expected integer class ids`);
    }
    raw[i] = y;
  }
  const classes = Int32Array.from(new Set(raw)).sort();
  const index = new Map<number, number>();
  for (let c = 0; c < classes.length; c++) index.set(classes[c], c);
  const ids = new Int32Array(len);
  const counts = new Int32Array(classes.length);
  for (let i = 0; i < len; i++) {
    const c = index.get(raw[i]) as number;
    ids[i] = c;
    counts[c]++;
  }
  return { ids, classes, counts };
}
