/**
 * The optimizer interface (optax style, adapted to manifolds): a pure
 * `init` / `update` pair over parameter trees. Because a Riemannian step is
 * a retraction rather than an addition, `update` returns the new parameters
 * together with the new state instead of additive updates.
 */
import type { Tree } from '../autodiff/tree.ts';
import { scoped } from '../tensor/scope.ts';
import { isTensor } from '../tensor/tensor.ts';
import { ArgumentError, describe } from '../errors.ts';

/** A pure optimizer over parameter trees of type `P`, with state `S`. */
export interface Optimizer<S> {
  /** the initial state for `params` */
  init<P extends Tree>(params: P): S;
  /** one step: `[newParams, newState]`; never mutates its arguments */
  update<P extends Tree>(grads: P, state: S, params: P): [P, S];
}

/**
 * `opt` with each update run as a device scope: on a device backend the
 * update's intermediates are freed when it returns; the new parameters and
 * state are kept. @internal
 */
export function scopedOptimizer<S>(opt: Optimizer<S>): Optimizer<S> {
  return {
    init: opt.init,
    update: <P extends Tree>(grads: P, state: S, params: P): [P, S] => scoped(() => opt.update(grads, state, params)),
  };
}

/** Throws an ArgumentError naming `fn` unless `opt` has `init` and `update` functions. @internal */
export function checkOptimizer(fn: string, opt: unknown, what = 'optimizer'): asserts opt is Optimizer<unknown> {
  const o = opt as Partial<Optimizer<unknown>> | null;
  if (typeof o !== 'object' || o === null || typeof o.init !== 'function' || typeof o.update !== 'function') {
    throw new ArgumentError(`${fn}: ${what} must be an optimizer { init, update } (e.g. sgd({ lr })), got ${describe(opt)}`);
  }
}

/**
 * Checks an optimizer state against `n` parameter leaves: an object with a
 * step count and, under each of `buffers`, one Tensor per leaf. @internal
 */
export function checkState(fn: string, state: unknown, buffers: readonly string[], n: number): void {
  const s = state as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null) {
    throw new ArgumentError(`${fn}: state must be the object returned by init (or by the previous update), got ${describe(state)}`);
  }
  if (!Number.isSafeInteger(s.step) || (s.step as number) < 0) {
    throw new ArgumentError(`${fn}: state.step must be a non-negative integer, got ${describe(s.step)}; pass the state returned by init or update`);
  }
  for (const b of buffers) {
    const a = s[b];
    if (!Array.isArray(a) || a.length !== n || !a.every(isTensor)) {
      throw new ArgumentError(
        `${fn}: state.${b} must hold one Tensor per parameter leaf (${n}), got ${describe(a)}; pass the state returned by init or update`,
      );
    }
  }
}
