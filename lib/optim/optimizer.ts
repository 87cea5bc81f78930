/**
 * The optimizer interface (optax style, adapted to manifolds): a pure
 * `init` / `update` pair over parameter trees. Because a Riemannian step is
 * a retraction rather than an addition, `update` returns the new parameters
 * together with the new state instead of additive updates.
 */
import type { Tree } from '../autodiff/tree.ts';
import { scoped } from '../tensor/scope.ts';

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
