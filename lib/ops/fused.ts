/**
 * Fused ops: a primitive with a fast forward and backward on untraced
 * values (one kernel pass instead of a chain of ops), defined as equal to a
 * composite of ordinary ops. Whenever the backward pass itself is being
 * differentiated (higher order, or a traced parameter the fast path does not
 * cover), the composite's VJP is used instead, so fused ops stay
 * differentiable to any order.
 */
import { vjp } from '../autodiff/grad.ts';
import { bind, live, type Primitive } from '../autodiff/primitive.ts';
import { boxOf, type Tensor } from '../tensor/tensor.ts';

/** The fast path of a fused op, on untraced tensors. */
export interface FusedImpl<A> {
  readonly forward: (inputs: readonly Tensor[], attrs: A) => Tensor;
  /** cotangents of the inputs flagged in `needs`, or undefined to use the composite */
  readonly backward?: (g: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: A, needs: readonly boolean[]) => readonly (Tensor | undefined)[] | undefined;
}

const untraced = (t: Tensor): boolean => boxOf(live(t)) === undefined;

/** Builds an op equal to `composite`, computed by `impl` where it applies. */
export function fusedOp<A>(name: string, composite: (inputs: readonly Tensor[], attrs: A) => Tensor, impl: FusedImpl<A>): (inputs: readonly Tensor[], attrs: A) => Tensor {
  const p: Primitive<A> = {
    name,
    forward: impl.forward,
    vjp: (g, xs, out, attrs, needs) => {
      if (impl.backward && untraced(g) && xs.every(untraced)) {
        const r = impl.backward(g, xs, out, attrs, needs);
        if (r) return r;
      }
      const [, back] = vjp((...ys: Tensor[]) => composite(ys, attrs), ...xs);
      return back(g);
    },
  };
  return (inputs, attrs) => bind(p, inputs, attrs);
}
