/**
 * Shape rules: NumPy broadcasting, axis normalisation and shape validation,
 * with errors that name the calling function.
 */
import { AxisError, ShapeError, describe, fmtShape } from '../errors.ts';

/** The NumPy broadcast of two shapes, or a ShapeError naming `fn`. */
export function broadcastShapes(fn: string, a: readonly number[], b: readonly number[]): number[] {
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length; i++)
      if (a[i] !== b[i]) {
        same = false;
        break;
      }
    if (same) return a as number[];
  }
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${fn}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together ` +
          `(axis ${i - r} has sizes ${da} and ${db}; expected equal sizes or one of them 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  checkSize(
    fn,
    out.reduce((p, d) => p * d, 1),
    out,
  );
  return out;
}

/**
 * Throws a ShapeError (or `Err`) naming `fn` unless `v` is an array of numbers
 * (`what` names the argument in the message).
 */
export function requireNumberArray(fn: string, v: unknown, what: string, Err: typeof ShapeError = ShapeError): asserts v is readonly number[] {
  if (!Array.isArray(v)) throw new Err(`${fn}: ${what} must be an array of integers, got ${describe(v)}`);
  for (const e of v) if (typeof e !== 'number') throw new Err(`${fn}: ${what} must be an array of integers, got an entry ${describe(e)}`);
}

/** Normalises one axis into `[0, rank)`; negative axes count from the end. */
export function normalizeAxis(fn: string, axis: number, rank: number, shape?: readonly number[]): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const of = shape ? ` of a tensor with shape ${fmtShape(shape)}` : ` of a rank-${rank} tensor`;
    throw new AxisError(`${fn}: axis ${describe(axis)} is out of range${of}; expected an integer in [${-rank}, ${rank - 1}]`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises `axis` (one, several or undefined = all) into a sorted list of
 * distinct axes in `[0, rank)`.
 */
export function normalizeAxes(fn: string, axis: number | readonly number[] | undefined, rank: number, shape?: readonly number[]): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new AxisError(`${fn}: axis must be an integer, an array of integers or undefined (all axes), got ${describe(axis)}`);
  }
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => normalizeAxis(fn, a, rank, shape));
  const sorted = [...out].sort((p, q) => p - q);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) {
      throw new AxisError(`${fn}: axis ${sorted[i]} is repeated in [${list.map(describe).join(', ')}]; expected distinct axes`);
    }
  }
  return sorted;
}

/**
 * The most elements one tensor may hold: 2³¹ − 1. Kernels index with 32-bit
 * integers and a larger typed array cannot be allocated on most machines, so
 * a shape above it is refused up front with a ShapeError instead of a
 * `RangeError` from the allocation.
 */
export const MAX_TENSOR_SIZE = 2 ** 31 - 1;

/**
 * Throws a ShapeError naming `fn` when `n` elements (of a tensor with `shape`
 * when given, for messages) exceed {@link MAX_TENSOR_SIZE}.
 */
export function checkSize(fn: string, n: number, shape?: readonly number[]): void {
  if (!(n <= MAX_TENSOR_SIZE)) {
    const of = shape ? `shape ${fmtShape(shape)} has ${n} elements` : `${n} elements`;
    throw new ShapeError(`${fn}: ${of}, more than the limit of ${MAX_TENSOR_SIZE} (2³¹ − 1) elements per tensor`);
  }
}

/**
 * Checks that `shape` is a list of non-negative integers holding at most
 * {@link MAX_TENSOR_SIZE} elements.
 */
export function checkShape(fn: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new ShapeError(`${fn}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${fn}: invalid shape [${shape.map(describe).join(', ')}]; expected non-negative integer axis lengths`);
    }
    n *= d;
  }
  checkSize(fn, n, shape);
}

/** Whether two shapes are equal. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The NumPy broadcast of two shapes (a fresh array); throws a ShapeError when
 * they are incompatible.
 */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  checkShape('broadcastShape', a);
  checkShape('broadcastShape', b);
  return broadcastShapes('broadcastShape', a, b).slice();
}
