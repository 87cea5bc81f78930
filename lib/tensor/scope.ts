/**
 * Device scopes at the library's transformation boundaries: `scoped(fn)`
 * runs `fn` and frees the device memory of every intermediate it made that
 * is not part of its result (any tensors found in the returned value, arrays
 * and plain objects included). See `deviceScope` in kernels/data.ts.
 */
import { deviceScope, type TensorData } from '../../kernels/data.ts';
import { boxOf, dataRef, Tensor } from './tensor.ts';

function collect(x: unknown, out: TensorData[], seen: Set<unknown>): void {
  if (x instanceof Tensor) {
    out.push(dataRef(x));
    return;
  }
  if (typeof x !== 'object' || x === null || seen.has(x) || ArrayBuffer.isView(x)) return;
  seen.add(x);
  if (Array.isArray(x)) for (const v of x) collect(v, out, seen);
  else if (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null) {
    for (const v of Object.values(x)) collect(v, out, seen);
  }
}

/** The storage cells of the tensors in `x` (a tensor, or arrays / plain objects of them). */
export function dataIn(x: unknown): TensorData[] {
  const out: TensorData[] = [];
  collect(x, out, new Set());
  return out;
}

function tensorsIn(x: unknown, out: Tensor[], seen: Set<unknown>): void {
  if (x instanceof Tensor) {
    out.push(x);
    return;
  }
  if (typeof x !== 'object' || x === null || seen.has(x) || ArrayBuffer.isView(x)) return;
  seen.add(x);
  if (Array.isArray(x)) for (const v of x) tensorsIn(v, out, seen);
  else if (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null) {
    for (const v of Object.values(x)) tensorsIn(v, out, seen);
  }
}

/** Whether some tensor of `x` is traced (an outer trace recorded how it was computed). */
function traced(x: unknown): boolean {
  const ts: Tensor[] = [];
  tensorsIn(x, ts, new Set());
  return ts.some((t) => boxOf(t) !== undefined);
}

/**
 * Runs `fn` in a device scope that keeps the tensors of its result; nothing
 * is released when the result is traced by an outer trace (a `vjp` or `grad`
 * around this call records the computation and will need its values). @internal
 */
export function scoped<T>(fn: () => T): T {
  return deviceScope(fn, dataIn, traced);
}
