/**
 * Tensor constructors and readers: `tensor`, `zeros`, `ones`, `full`,
 * `arange`, `linspace`, `eye`, and `toArray`, `toNested`, `item`.
 */
import { alloc, castStorage, sizeOf, type DType } from '../../kernels/types.ts';
import { ArgumentError, DTypeError, ShapeError, ValueError, describe, fmtShape } from '../errors.ts';
import { checkShape, checkSize } from './shape.ts';
import { Tensor, TensorData, checkReadable, dataOf, dataRef, fromData, fromStorage, requireTensor } from './tensor.ts';

/** Values accepted by {@link tensor}: a number, nested number arrays, or a float typed array. */
export type TensorLike = number | NestedArray | Float32Array | Float64Array;
/** Nested arrays of numbers such as `[[1, 2], [3, 4]]`. */
export type NestedArray = readonly (number | NestedArray)[];

/** Options of {@link tensor}. */
export interface TensorOptions {
  /** Throw a ValueError if any value is NaN or ±Infinity. */
  readonly checkFinite?: boolean;
}

/** Throws a DTypeError unless `dtype` is supported. */
export function checkDType(fn: string, dtype: unknown): asserts dtype is DType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`${fn}: unsupported dtype ${JSON.stringify(dtype)}; expected 'float32' or 'float64'`);
  }
}

function inferShape(v: NestedArray): number[] {
  const shape: number[] = [];
  let cur: number | NestedArray = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = (cur as NestedArray)[0];
    if (cur === undefined) break;
  }
  return shape;
}

function flattenInto(fn: string, v: NestedArray, shape: readonly number[], depth: number, out: number[]): void {
  if (v.length !== shape[depth]) {
    throw new ShapeError(
      `${fn}: ragged nested array: an axis-${depth} list has length ${v.length} but the first has ${shape[depth]}; ` +
        `expected a rectangular array of shape ${fmtShape(shape)}`,
    );
  }
  const last = depth === shape.length - 1;
  for (const e of v) {
    if (last) {
      if (typeof e !== 'number') {
        throw new ShapeError(
          `${fn}: ragged nested array: expected numbers at depth ${depth + 1} (shape ${fmtShape(shape)}), got ${Array.isArray(e) ? 'an array' : typeof e}`,
        );
      }
      out.push(e);
    } else {
      if (!Array.isArray(e)) {
        throw new ShapeError(`${fn}: ragged nested array: expected an array at depth ${depth + 1} (shape ${fmtShape(shape)}), got ${typeof e}`);
      }
      flattenInto(fn, e as NestedArray, shape, depth + 1, out);
    }
  }
}

function checkFiniteValues(fn: string, data: ArrayLike<number>, shape: readonly number[]): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new ValueError(
        `${fn}: value ${data[i]} at flat index ${i} of a tensor with shape ${fmtShape(shape)} is not finite; expected finite values (checkFinite)`,
      );
    }
  }
}

/**
 * Makes an immutable tensor.
 *
 * @param values a number, nested arrays of numbers, or a Float32Array / Float64Array (copied).
 * @param shape defaults to the nesting (or `[length]` for flat data, `[]` for a number).
 * @param dtype defaults to the typed array's own dtype, else `'float32'`.
 * @param options `checkFinite: true` rejects NaN and infinities with a ValueError.
 */
export function tensor(values: TensorLike, shape?: readonly number[], dtype?: DType, options?: TensorOptions): Tensor {
  const fn = 'tensor';
  const dt: DType = dtype ?? (values instanceof Float64Array ? 'float64' : 'float32');
  checkDType(fn, dt);
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (values instanceof Float32Array || values instanceof Float64Array) {
    flat = values;
    inferred = [values.length];
  } else if (Array.isArray(values)) {
    inferred = inferShape(values);
    const out: number[] = [];
    if (inferred.length > 0 && !(inferred.length === 1 && inferred[0] === 0)) flattenInto(fn, values, inferred, 0, out);
    flat = out;
  } else {
    throw new ArgumentError(
      `tensor: values must be a number, a nested number array, a Float32Array or a Float64Array; got ${Object.prototype.toString.call(values)}`,
    );
  }
  const sh = shape ?? inferred;
  checkShape(fn, sh);
  if (sizeOf(sh) !== flat.length) {
    throw new ShapeError(`tensor: ${flat.length} values cannot have shape ${fmtShape(sh)} (${sizeOf(sh)} elements); expected the sizes to match`);
  }
  for (let i = 0; i < flat.length; i++) {
    if (typeof flat[i] !== 'number') {
      throw new ArgumentError(`tensor: value at flat index ${i} is ${typeof flat[i]}; expected a number`);
    }
  }
  if (options?.checkFinite) checkFiniteValues(fn, flat, sh);
  return fromStorage(castStorage(flat, dt), sh.slice(), dt);
}

/** A scalar tensor. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  checkDType('scalar', dtype);
  const d = alloc(dtype, 1);
  d[0] = value;
  return fromStorage(d, [], dtype);
}

/** A tensor of `value` everywhere. */
export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return fullNamed('full', shape, value, dtype);
}

function fullNamed(fn: string, shape: readonly number[], value: number, dtype: DType): Tensor {
  checkShape(fn, shape);
  checkDType(fn, dtype);
  if (typeof value !== 'number') throw new ArgumentError(`${fn}: value must be a number, got ${describe(value)}`);
  // a constant: materialised where first used (a host array, or a fill kernel on a device: no upload)
  return fromData(TensorData.filled(dtype === 'float32' ? Math.fround(value) : value, sizeOf(shape), dtype), shape.slice());
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fullNamed('zeros', shape, 0, dtype);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return fullNamed('ones', shape, 1, dtype);
}

/** Zeros with the shape and dtype of `t`. */
export function zerosLike(t: Tensor): Tensor {
  requireTensor('zerosLike', t, 't');
  return full(t.shape, 0, t.dtype);
}

/** Ones with the shape and dtype of `t`. */
export function onesLike(t: Tensor): Tensor {
  requireTensor('onesLike', t, 't');
  return full(t.shape, 1, t.dtype);
}

/**
 * `[start, start + step, …]` below `stop` (NumPy's `arange`); `arange(n)` is `0 … n-1`.
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  checkDType('arange', dtype);
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) {
    throw new ValueError(`arange: start ${start}, stop ${stop} and step ${step} must be finite with step ≠ 0`);
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkSize('arange', n, [n]);
  const d = alloc(dtype, n);
  for (let i = 0; i < n; i++) d[i] = start + i * step;
  return fromStorage(d, [n], dtype);
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num: number, dtype: DType = 'float32'): Tensor {
  checkDType('linspace', dtype);
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`linspace: num must be a non-negative integer, got ${describe(num)}`);
  checkSize('linspace', num, [num]);
  const d = alloc(dtype, num);
  if (num === 1) d[0] = start;
  for (let i = 0; i < num && num > 1; i++) d[i] = i === num - 1 ? stop : start + ((stop - start) * i) / (num - 1);
  return fromStorage(d, [num], dtype);
}

/** The `n × m` identity matrix (ones on the diagonal). */
export function eye(n: number, m: number = n, dtype: DType = 'float32'): Tensor {
  checkShape('eye', [n, m]);
  checkDType('eye', dtype);
  const d = alloc(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) d[i * m + i] = 1;
  return fromStorage(d, [n, m], dtype);
}

/**
 * The values of `t`, flat in row-major order (a fresh array). Values on a
 * device are read back (once per tensor; see `transferStats`).
 */
export function toArray(t: Tensor): number[] {
  requireTensor('toArray', t, 't');
  checkReadable('toArray', t);
  return Array.from(dataOf(t));
}

/**
 * Like {@link toArray}, resolving once the values are on the host: the
 * reader for backends whose readback is asynchronous, and the portable one
 * (on every other backend it resolves at once).
 */
export async function toArrayAsync(t: Tensor): Promise<number[]> {
  requireTensor('toArrayAsync', t, 't');
  checkReadable('toArrayAsync', t);
  return Array.from(await dataRef(t).hostAsync());
}

/** A fresh typed-array copy of the values of `t`. */
export function toTypedArray(t: Tensor): Float32Array | Float64Array {
  requireTensor('toTypedArray', t, 't');
  checkReadable('toTypedArray', t);
  return dataOf(t).slice();
}

/** The values of `t` as nested arrays following its shape (a number for a scalar). */
export function toNested(t: Tensor): number | NestedArray {
  requireTensor('toNested', t, 't');
  checkReadable('toNested', t);
  const d = dataOf(t);
  const shape = t.shape;
  if (shape.length === 0) return d[0];
  let pos = 0;
  const build = (depth: number): NestedArray => {
    const n = shape[depth];
    const out: (number | NestedArray)[] = new Array(n);
    if (depth === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = d[pos++];
    } else {
      for (let i = 0; i < n; i++) out[i] = build(depth + 1);
    }
    return out;
  };
  return build(0);
}

/** The value of a one-element tensor. */
export function item(t: Tensor): number {
  requireTensor('item', t, 't');
  checkReadable('item', t);
  if (t.size !== 1) {
    throw new ShapeError(`item: expected a tensor with exactly one element, got shape ${fmtShape(t.shape)} (${t.size} elements)`);
  }
  return dataOf(t)[0];
}
