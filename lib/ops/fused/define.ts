/**
 * Fused ops: a primitive with a fast forward and backward on untraced
 * values (one kernel pass instead of a chain of ops), defined as equal to a
 * composite of ordinary ops. Whenever the backward pass itself is being
 * differentiated (higher order, or a traced parameter the fast path does not
 * cover), the composite's VJP is used instead, so fused ops stay
 * differentiable to any order.
 */
import { activeImplements, activeIsDevice, type KernelName } from '../../../kernels/registry.ts';
import { vjpWith } from '../../autodiff/backward.ts';
import { COTANGENT_OPS as OPS } from '../../autodiff/grad.ts';
import { bind, definePrimitive, live } from '../../autodiff/primitive.ts';
import { boxOf, type Tensor } from '../../tensor/tensor.ts';

/** The fast path of a fused op, on untraced tensors. */
export interface FusedImpl<A, S = never> {
  /**
   * The kernels the fast path calls. On a device backend (gpu.js GL) that
   * lacks any of them the op runs its composite definition instead, whose
   * primitives keep the values on the device.
   */
  readonly kernels: readonly KernelName[];
  /**
   * The output. `save`, when given, keeps intermediates of type S for the
   * backward (it is given only when the op is being recorded for a gradient).
   */
  readonly forward: (inputs: readonly Tensor[], attrs: A, save?: (s: S) => void) => Tensor;
  /**
   * cotangents of the inputs flagged in `needs`, or undefined to use the
   * composite; `saved` is what the forward saved, or undefined (then recompute)
   */
  readonly backward?: (
    g: Tensor,
    inputs: readonly Tensor[],
    out: Tensor,
    attrs: A,
    needs: readonly boolean[],
    saved: S | undefined,
  ) => readonly (Tensor | undefined)[] | undefined;
}

const untraced = (t: Tensor): boolean => boxOf(live(t)) === undefined;

/** Builds an op equal to `composite`, computed by `impl` where it applies. */
export function fusedOp<A, S = never>(
  name: string,
  composite: (inputs: readonly Tensor[], attrs: A) => Tensor,
  impl: FusedImpl<A, S>,
): (inputs: readonly Tensor[], attrs: A) => Tensor {
  const p = definePrimitive<A>({
    name,
    // forward mode and vmap run the composite definition on the traced inputs (its ops have both rules)
    composite,
    jvp: 'composite',
    batch: 'composite',
    forward: (xs, attrs) => impl.forward(xs, attrs),
    forwardSaving: (xs, attrs) => {
      let saved: S | undefined;
      const out = impl.forward(xs, attrs, (s) => {
        saved = s;
      });
      return { out, saved };
    },
    vjp: (g, xs, out, attrs, needs, saved) => {
      if (impl.backward && untraced(g) && xs.every(untraced)) {
        const r = impl.backward(g, xs, out, attrs, needs, saved as S | undefined);
        if (r) return r;
      }
      const [, back] = vjpWith(OPS, (...ys: Tensor[]) => composite(ys, attrs), [...xs]);
      return back(g);
    },
  });
  return (inputs, attrs) => {
    if (activeIsDevice() && inputs.some((t) => t.dtype === 'float32') && !activeImplements(impl.kernels)) return composite(inputs, attrs);
    return bind(p, inputs, attrs);
  };
}
