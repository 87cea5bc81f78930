/**
 * The optimizer interface (optax style, adapted to manifolds): a pure
 * `init` / `update` pair over parameter trees. Because a Riemannian step is
 * a retraction rather than an addition, `update` returns the new parameters
 * together with the new state instead of additive updates.
 */
import type { Tree } from '../autodiff/tree.ts';

/** A pure optimizer over parameter trees of type `P`, with state `S`. */
export interface Optimizer<S> {
  /** the initial state for `params` */
  init<P extends Tree>(params: P): S;
  /** one step: `[newParams, newState]`; never mutates its arguments */
  update<P extends Tree>(grads: P, state: S, params: P): [P, S];
}
