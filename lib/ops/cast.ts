/**
 * `cast`: converts a tensor to another dtype (differentiable: the gradient is
 * cast back).
 */
import type { DType } from '../../kernels/types.ts';
import { kernel } from '../../kernels/registry.ts';
import { bind, definePrimitive, type PrimitiveDef } from '../autodiff/primitive.ts';
import { checkDType } from '../tensor/create.ts';
import { dataRef, fromData, requireTensor, type Tensor } from '../tensor/tensor.ts';

const castP: PrimitiveDef<DType> = definePrimitive<DType>({
  name: 'cast',
  forward: ([x], dtype) => fromData(kernel('cast', dtype)(dataRef(x), dtype), x.shape),
  vjp: (g, [x]) => [cast(g, x.dtype)],
  jvp: (_x, [t], _o, dtype) => t && cast(t, dtype),
  batch: ([x], _b, dtype) => bind(castP, [x], dtype),
});

/** `x` converted to `dtype` (returned unchanged if it already has it). */
export function cast(x: Tensor, dtype: DType): Tensor {
  requireTensor('cast', x);
  checkDType('cast', dtype);
  if (x.dtype === dtype) return x;
  return bind(castP, [x], dtype);
}
