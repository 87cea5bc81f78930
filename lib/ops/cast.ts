/**
 * `cast`: converts a tensor to another dtype (differentiable: the gradient is
 * cast back).
 */
import type { DType } from '../../kernels/types.ts';
import { kernel } from '../../kernels/registry.ts';
import { bind, type Primitive } from '../autodiff/primitive.ts';
import { checkDType } from '../tensor/create.ts';
import { dataRef, fromData, requireTensor, type Tensor } from '../tensor/tensor.ts';

const castP: Primitive<DType> = {
  name: 'cast',
  forward: ([x], dtype) => fromData(kernel('cast', dtype)(dataRef(x), dtype), x.shape),
  vjp: (g, [x]) => [cast(g, x.dtype)],
};

/** `x` converted to `dtype` (returned unchanged if it already has it). */
export function cast(x: Tensor, dtype: DType): Tensor {
  requireTensor('cast', x);
  checkDType('cast', dtype);
  if (x.dtype === dtype) return x;
  return bind(castP, [x], dtype);
}
