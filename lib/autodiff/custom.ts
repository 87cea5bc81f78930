/**
 * User-defined differentiation: `customGrad` (a function with its own VJP)
 * and `stopGradient`. Both sit directly on `bind` and import no op.
 */
import { ArgumentError, GradError, ShapeError, describeKind, fmtShape, requireFunction } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { bind, strip, type Primitive } from './primitive.ts';
import { treeMap, type Tree } from './tree.ts';

/**
 * `t` as a constant: no gradient flows through it, at any order (`jax.lax.stop_gradient`).
 */
export function stopGradient<T extends Tree>(t: T): T {
  return treeMap((x) => strip(x), t);
}

/**
 * Defines a function with a user-supplied VJP (like `jax.custom_vjp`), e.g. a
 * clamped `artanh` whose gradient stays finite.
 *
 * `forward(...inputs)` computes the value (it runs on untraced tensors, so its
 * own ops are never differentiated); `backward(g, inputs, output)` returns one
 * cotangent per input, written with ops, so higher-order gradients
 * differentiate through it.
 */
export function customGrad<A extends readonly Tensor[]>(
  forward: (...inputs: A) => Tensor,
  backward: (g: Tensor, inputs: A, output: Tensor) => readonly (Tensor | undefined)[],
  name = 'customGrad',
): (...inputs: A) => Tensor {
  requireFunction('customGrad', forward, 'forward');
  requireFunction('customGrad', backward, 'backward');
  if (typeof name !== 'string') throw new ArgumentError(`customGrad: name must be a string, got ${describeKind(name)}`);
  const p: Primitive<undefined> = {
    name,
    forward: (xs) => {
      const out = forward(...(xs as unknown as A));
      if (!(out instanceof Tensor)) throw new ArgumentError(`${name}: forward must return a Tensor, got ${describeKind(out)}`);
      return strip(out);
    },
    vjp: (g, xs, out) => {
      const gs = backward(g, xs as unknown as A, out);
      if (!Array.isArray(gs) || gs.length !== xs.length) {
        throw new GradError(
          `${name}: backward must return an array with one cotangent per input (${xs.length}), got ${Array.isArray(gs) ? gs.length : typeof gs}`,
        );
      }
      gs.forEach((gi, i) => {
        if (gi !== undefined && (!(gi instanceof Tensor) || gi.shape.join() !== xs[i].shape.join())) {
          throw new ShapeError(
            `${name}: backward returned a cotangent of shape ${gi instanceof Tensor ? fmtShape(gi.shape) : typeof gi} for input ${i} of shape ${fmtShape(xs[i].shape)}; expected equal shapes`,
          );
        }
      });
      return gs;
    },
  };
  return (...inputs: A) => {
    if (inputs.length === 0) throw new ArgumentError(`${name}: expected at least one input Tensor, got none`);
    inputs.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new ArgumentError(`${name}: input ${i} must be a Tensor, got ${describeKind(x)}`);
    });
    return bind(p, inputs, undefined);
  };
}
