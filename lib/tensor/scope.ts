/**
 * Device scopes at the library's transformation boundaries: `scoped(fn)`
 * runs `fn` and frees the device memory of every intermediate it made that
 * is not part of its result (any tensors found in the returned value, arrays
 * and plain objects included). See `deviceScope` in kernels/data.ts.
 */
import { deviceScope, type TensorData } from '../../kernels/data.ts';
import { boxOf, dataRef, Tensor } from './tensor.ts';

/** The tensors in `x`: a tensor, or arrays / plain objects of them (each container visited once). */
function tensorsIn(x: unknown, out: Tensor[] = [], seen = new Set<unknown>()): Tensor[] {
  if (x instanceof Tensor) {
    out.push(x);
    return out;
  }
  if (typeof x !== 'object' || x === null || seen.has(x) || ArrayBuffer.isView(x)) return out;
  seen.add(x);
  if (Array.isArray(x)) for (const v of x) tensorsIn(v, out, seen);
  else if (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null) {
    for (const v of Object.values(x)) tensorsIn(v, out, seen);
  }
  return out;
}

/**
 * What a scope keeps of its result: the storage of its tensors, or `'all'`
 * when one is traced (an outer trace recorded how it was computed and its
 * backward pass will need the intermediates).
 */
function keptOf(result: unknown): TensorData[] | 'all' {
  const ts = tensorsIn(result);
  return ts.some((t) => boxOf(t) !== undefined) ? 'all' : ts.map(dataRef);
}

/**
 * Runs `fn` in a device scope that keeps the tensors of its result; nothing
 * is released when the result is traced by an outer trace (a `vjp` or `grad`
 * around this call records the computation and will need its values). @internal
 */
export function scoped<T>(fn: () => T): T {
  return deviceScope(fn, keptOf);
}
