/**
 * The `Tensor` value: an immutable n-dimensional array of float32 or float64.
 *
 * A tensor is a frozen object; its storage is held in a private field and no
 * writable view of it is ever handed out, so a tensor cannot change after it
 * is made. Inside a `grad` trace a tensor also carries a *box* recording how it
 * was computed (see `lib/autodiff`); boxes never change the values.
 */
import type { DType, Storage } from '../../kernels/types.ts';
import { SyncReadError, TensorData } from '../../kernels/data.ts';
import { castStorage, sizeOf } from '../../kernels/types.ts';
import { ArgumentError, ValueError, describeKind, fmtShape } from '../errors.ts';

export type { DType, Storage };
export { TensorData };

/** One transform call's trace. `done` is set once its function has returned. */
export interface Trace {
  readonly id: number;
  done: boolean;
  /**
   * Set by a transform whose traced tensors stand for many values (`vmap`:
   * one per example): reading such a tensor's values inside the call is an
   * error naming the transform, never a silently wrong number.
   */
  readonly opaque?: string;
}

/** The reverse-mode record of a tensor at one trace level. @internal */
export interface Box {
  readonly trace: Trace;
  /** the same value one trace level down (may itself be boxed by an outer trace) */
  readonly inner: Tensor;
  /** inputs at this trace level that the value was computed from */
  readonly parents: readonly Tensor[];
  /** cotangent of the output → cotangents of `parents` (undefined entries mean zero) */
  readonly vjp: ((g: Tensor) => readonly (Tensor | undefined)[]) | undefined;
}

let create: (data: TensorData, shape: readonly number[], dtype: DType, box: Box | undefined) => Tensor;
let readData: (t: Tensor) => TensorData;
let readBox: (t: Tensor) => Box | undefined;

const MAX_PRINT = 64;

/**
 * An immutable n-dimensional array. Make one with {@link tensor} or the other
 * constructors; read it with `toArray`, `toNested` or `item`.
 */
export class Tensor {
  /** Length of each axis; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Number of axes. */
  readonly rank: number;
  readonly #data: TensorData;
  readonly #box: Box | undefined;

  private constructor(data: TensorData, shape: readonly number[], dtype: DType, box: Box | undefined) {
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.dtype = dtype;
    this.size = sizeOf(shape);
    this.rank = shape.length;
    this.#data = data;
    this.#box = box;
    Object.freeze(this);
  }

  static {
    create = (data, shape, dtype, box) => new Tensor(data, shape, dtype, box);
    readData = (t) => t.#data;
    readBox = (t) => t.#box;
  }

  /**
   * A short readable description with (up to 64 of) the values (reads device
   * data back; values that can only be read asynchronously, on WebGPU, are
   * described instead of printed).
   */
  toString(): string {
    let d: Storage;
    try {
      d = this.#data.host();
    } catch (e) {
      if (!(e instanceof SyncReadError)) throw e;
      return `Tensor(${this.dtype}, ${fmtShape(this.shape)}, <on ${this.#data.deviceStore?.name ?? 'a device'}: read it with toArrayAsync>)`;
    }
    const vals: string[] = [];
    for (let i = 0; i < Math.min(d.length, MAX_PRINT); i++) vals.push(String(d[i]));
    const more = d.length > MAX_PRINT ? `, … (${d.length - MAX_PRINT} more)` : '';
    return `Tensor(${this.dtype}, ${fmtShape(this.shape)}, [${vals.join(', ')}${more}])`;
  }

  /** Node's `util.inspect` hook, so tensors print readably in a REPL. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Wraps host storage the caller owns and will never touch again. @internal
 */
export function fromStorage(data: Storage, shape: readonly number[], dtype: DType): Tensor {
  const typed = data instanceof Float64Array === (dtype === 'float64') ? data : castStorage(data, dtype);
  return create(TensorData.fromHost(typed), shape, dtype, undefined);
}

/** Wraps tensor data (host or device) of `shape`; its dtype is the data's. @internal */
export function fromData(data: TensorData, shape: readonly number[]): Tensor {
  return create(data, shape, data.dtype, undefined);
}

/** A tensor with the same value as `inner` recorded at a trace level. @internal */
export function boxed(inner: Tensor, box: Box): Tensor {
  return create(readData(inner), inner.shape, inner.dtype, box);
}

/**
 * The host values of `t` (read only by contract); reads device data back
 * (a counted transfer). Kernels take {@link dataRef} instead. @internal
 */
export function dataOf(t: Tensor): Storage {
  return readData(t).host();
}

/**
 * Throws a ValueError naming `fn` when `t` is traced by a live trace whose
 * values cannot be read (inside `vmap`, a tensor stands for one value per
 * example, so `toArray` or `item` has no single answer). @internal
 */
export function checkReadable(fn: string, t: Tensor): void {
  let b = readBox(t);
  while (b !== undefined) {
    if (!b.trace.done && b.trace.opaque !== undefined) {
      throw new ValueError(
        `${fn}: cannot read the values of a tensor inside ${b.trace.opaque} (it stands for one value per example, shape ${fmtShape(t.shape)} each); return it from the function instead`,
      );
    }
    b = readBox(b.inner);
  }
}

/** The storage cell of `t` (host or device), as kernels take it. @internal */
export function dataRef(t: Tensor): TensorData {
  return readData(t);
}

/** The autodiff box of `t`, if any. @internal */
export function boxOf(t: Tensor): Box | undefined {
  return readBox(t);
}

/** Whether `x` is a Tensor. */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/** Throws an ArgumentError naming `fn` unless `x` is a Tensor. */
export function requireTensor(fn: string, x: unknown, name = 'x'): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new ArgumentError(`${fn}: argument '${name}' must be a Tensor, got ${describeKind(x)}; wrap values with tensor(...)`);
  }
}
