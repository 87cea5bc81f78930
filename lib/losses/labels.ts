/**
 * Integer class labels: validation against a batch size and a class count.
 */
import { ArgumentError, ShapeError, ValueError } from '../errors.ts';

/** Class labels of a batch: an Int32Array or an array of integers. */
export type Labels = Int32Array | readonly number[];

/** Validates `labels` (length `batch`, integers in `[0, numClasses)`), returning an Int32Array copy. */
export function checkLabels(fn: string, labels: Labels, batch: number, numClasses: number): Int32Array {
  if (!(labels instanceof Int32Array) && !Array.isArray(labels)) {
    throw new ArgumentError(`${fn}: labels must be an Int32Array or an array of integers, got ${typeof labels}`);
  }
  if (labels.length !== batch) {
    throw new ShapeError(`${fn}: got ${labels.length} labels for a batch of ${batch}; expected one label per row`);
  }
  const out = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new ValueError(`${fn}: label ${y} at position ${i} is out of range; expected an integer in [0, ${numClasses - 1}] (${numClasses} classes)`);
    }
    out[i] = y;
  }
  return out;
}
