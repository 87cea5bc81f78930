/**
 * Argument checks and coercions shared by the ops.
 */
import type { DType } from '../../kernels/types.ts';
import { ShapeError, fmtShape } from '../errors.ts';
import { checkSize } from '../tensor/shape.ts';
import { scalar } from '../tensor/create.ts';
import { requireTensor, type Tensor } from '../tensor/tensor.ts';
import { cast } from './cast.ts';

/** Throws an ArgumentError unless `x` is a Tensor. */
export function checkTensor(fn: string, x: unknown, name = 'x'): asserts x is Tensor {
  requireTensor(fn, x, name);
}

/** The dtype of an op between two dtypes (float64 wins). */
export function promote(a: DType, b: DType): DType {
  return a === 'float64' || b === 'float64' ? 'float64' : 'float32';
}

/**
 * Turns a (Tensor | number) pair into two tensors of one dtype: numbers take
 * the other operand's dtype, and float32 is promoted to float64 when mixed.
 */
export function coercePair(fn: string, a: Tensor | number, b: Tensor | number): [Tensor, Tensor] {
  const na = typeof a === 'number';
  const nb = typeof b === 'number';
  if (!na) checkTensor(fn, a, 'a');
  if (!nb) checkTensor(fn, b, 'b');
  if (na && nb) return [scalar(a as number), scalar(b as number)];
  if (na) return [scalar(a as number, (b as Tensor).dtype), b as Tensor];
  if (nb) return [a as Tensor, scalar(b as number, (a as Tensor).dtype)];
  const ta = a as Tensor,
    tb = b as Tensor;
  if (ta.dtype === tb.dtype) return [ta, tb];
  return [cast(ta, 'float64'), cast(tb, 'float64')];
}

/** Validates two row matrices with the same D and gives them one dtype. */
export function checkRowPair(fn: string, x: Tensor, y: Tensor): [Tensor, Tensor] {
  checkTensor(fn, x, 'x');
  checkTensor(fn, y, 'y');
  if (x.rank !== 2 || y.rank !== 2 || x.shape[1] !== y.shape[1]) {
    throw new ShapeError(`${fn}: expected x [N, D] and y [M, D] with the same D, got x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)}`);
  }
  checkSize(fn, x.shape[0] * y.shape[0], [x.shape[0], y.shape[0]]);
  return coercePair(fn, x, y);
}
