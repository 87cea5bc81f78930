/**
 * Losses as values, and their algebra: a loss is a plain function returning a
 * scalar tensor; losses over the same arguments form a monoid under
 * (weighted) sum, so composite objectives such as CHEST are built by folding
 * their terms (`concatAll(lossMonoid())([...])`).
 */
import type { Monoid } from 'fp-ts/lib/Monoid.js';
import { concatAll } from 'fp-ts/lib/Monoid.js';
import { ArgumentError, ValueError, describe, requireFunction } from '../errors.ts';
import { scalar } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { add, mul } from '../ops/elementwise.ts';

/** A loss: any function of `A` returning a scalar tensor. */
export type Loss<A extends readonly unknown[]> = (...args: A) => Tensor;

/**
 * The monoid of losses over arguments `A` under pointwise sum: `concat(f, g)`
 * is `(...a) => f(...a) + g(...a)` and `empty` is the zero loss.
 */
export function lossMonoid<A extends readonly unknown[]>(): Monoid<Loss<A>> {
  return {
    concat:
      (f, g) =>
      (...a) =>
        add(f(...a), g(...a)),
    empty: () => scalar(0),
  };
}

/** `w · loss` (a loss again). A weight of 0 skips evaluating the loss. */
export function weighted<A extends readonly unknown[]>(w: number, loss: Loss<A>): Loss<A> {
  if (typeof w !== 'number' || !Number.isFinite(w)) throw new ValueError(`weighted: weight must be a finite number, got ${describe(w)}`);
  requireFunction('weighted', loss, 'loss');
  if (w === 0) return () => scalar(0);
  if (w === 1) return loss;
  return (...a) => mul(loss(...a), w);
}

/** The sum of several losses over the same arguments (`concatAll` of {@link lossMonoid}). */
export function sumLosses<A extends readonly unknown[]>(losses: readonly Loss<A>[]): Loss<A> {
  if (!Array.isArray(losses)) throw new ArgumentError(`sumLosses: losses must be an array of loss functions, got ${describe(losses)}`);
  losses.forEach((l, i) => requireFunction('sumLosses', l, `losses[${i}]`));
  return concatAll(lossMonoid<A>())(losses);
}

/** A loss over `B` from a loss over `A` and a map `B → A` (the monoid's contravariant functor). */
export function contramap<A extends readonly unknown[], B extends readonly unknown[]>(loss: Loss<A>, f: (...b: B) => A): Loss<B> {
  requireFunction('contramap', loss, 'loss');
  requireFunction('contramap', f, 'f');
  return (...b) => {
    const a: unknown = f(...b);
    if (!Array.isArray(a)) throw new ArgumentError(`contramap: f must return the array of the loss's arguments, got ${describe(a)}`);
    return loss(...(a as unknown as A));
  };
}
