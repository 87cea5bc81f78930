/**
 * Riemannian optimizers with geoopt's semantics: the Euclidean gradient is
 * turned into a Riemannian one (`egrad2rgrad`), the step follows the
 * exponential map (or a retraction), and moment buffers are parallel
 * transported to the new point. Parameters on no manifold are Euclidean.
 */
import { ArgumentError, ValueError, describe, optionsOf } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { add, div, mul, neg, sqrt, square } from '../ops/elementwise.ts';
import { zerosLike } from '../tensor/create.ts';
import { treeLeaves, treeUnflatten, type Tree } from '../autodiff/tree.ts';
import type { Manifold } from '../manifolds/manifold.ts';
import { euclidean } from '../manifolds/euclidean.ts';
import { checkState, scopedOptimizer, type Optimizer } from './optimizer.ts';
import { asSchedule, type LearningRate } from './schedules.ts';
import { checkBetas, leavesLike } from './euclidean.ts';
import { replaceRows, rowsOf, sparseRows } from './sparse.ts';

/** Which manifold each parameter lives on: one for all, or chosen by leaf index in `treeLeaves` order. */
export type ManifoldChoice = Manifold | ((leafIndex: number, leaf: Tensor) => Manifold);

const flat = euclidean();

const MANIFOLD_METHODS = ['egrad2rgrad', 'expmap', 'retr', 'transp'] as const;

function isManifold(m: unknown): m is Manifold {
  return typeof m === 'object' && m !== null && MANIFOLD_METHODS.every((k) => typeof (m as Record<string, unknown>)[k] === 'function');
}

/** Rejects a `manifold` option that is neither a Manifold nor a function choosing one. */
function checkManifoldChoice(fn: string, choice: unknown): void {
  if (choice !== undefined && typeof choice !== 'function' && !isManifold(choice)) {
    throw new ArgumentError(
      `${fn}: option manifold must be a Manifold (e.g. poincareBall({ c }), with ${MANIFOLD_METHODS.join(', ')}) or a function (leafIndex, leaf) => Manifold, got ${describe(choice)}`,
    );
  }
}

function manifoldsFor(fn: string, choice: ManifoldChoice | undefined, leaves: readonly Tensor[]): Manifold[] {
  if (choice === undefined) return leaves.map(() => flat);
  if (typeof choice === 'function') {
    return leaves.map((l, i) => {
      const m = choice(i, l);
      if (!isManifold(m)) throw new ArgumentError(`${fn}: option manifold(${i}, leaf) must return a Manifold, got ${describe(m)}`);
      return m;
    });
  }
  return leaves.map(() => choice);
}

function checkStepWith(fn: string, how: unknown): 'expmap' | 'retr' {
  if (how === undefined) return 'expmap';
  if (how !== 'expmap' && how !== 'retr') throw new ValueError(`${fn}: option stepWith must be 'expmap' or 'retr', got ${describe(how)}`);
  return how;
}

function step(m: Manifold, x: Tensor, u: Tensor, how: 'expmap' | 'retr'): Tensor {
  return how === 'expmap' ? m.expmap(x, u) : m.retr(x, u);
}

/** Per-coordinate squared Riemannian norm (λ_x² u² on the ball, u² where the metric is the ambient one). */
function componentSq(m: Manifold, x: Tensor, u: Tensor): Tensor {
  return m.componentInner ? m.componentInner(x, u) : square(u);
}

/** Options of {@link rsgd}. */
export interface RsgdOptions {
  /** learning rate, or a schedule of the step number (1-based) */
  readonly lr: LearningRate;
  /** momentum coefficient in [0, 1) (default 0) */
  readonly momentum?: number;
  /** manifold of the parameters (default Euclidean) */
  readonly manifold?: ManifoldChoice;
  /** follow the exponential map (default) or the cheaper retraction */
  readonly stepWith?: 'expmap' | 'retr';
}

/** State of {@link rsgd}. */
export interface RsgdState {
  /** number of updates taken so far (0 after `init`) */
  readonly step: number;
  /** momentum buffer per parameter leaf (`treeLeaves` order), in the tangent space at the current point */
  readonly momentum: readonly Tensor[];
}

/**
 * Riemannian SGD (geoopt's `RiemannianSGD`), with optional transported momentum.
 *
 * A row-sparse gradient (the gradient of a table read with `take`, e.g.
 * Poincaré embeddings) steps only the rows it touches, and transports only
 * their momentum: O(rows touched), not O(table size). This assumes a
 * manifold acting row by row on the last axis, as all of gyrograd's do.
 */
export function rsgd(options: RsgdOptions): Optimizer<RsgdState> {
  optionsOf('rsgd', options, '{ lr }');
  const lr = asSchedule('rsgd', options.lr);
  const mu = options.momentum ?? 0;
  if (typeof mu !== 'number' || !(mu >= 0 && mu < 1)) throw new ValueError(`rsgd: momentum must be in [0, 1), got ${describe(mu)}`);
  checkManifoldChoice('rsgd', options.manifold);
  const how = checkStepWith('rsgd', options.stepWith);
  return scopedOptimizer({
    init: (params) => Object.freeze({ step: 0, momentum: Object.freeze(treeLeaves(params).map(zerosLike)) }),
    update: <P extends Tree>(grads: P, state: RsgdState, params: P): [P, RsgdState] => {
      const xs = treeLeaves(params);
      const gs = leavesLike('rsgd', grads, xs);
      checkState('rsgd', state, ['momentum'], xs.length);
      const ms = manifoldsFor('rsgd', options.manifold, xs);
      const t = state.step + 1;
      const a = lr(t);
      const newX: Tensor[] = [];
      const newM: Tensor[] = [];
      xs.forEach((x, i) => {
        const m = ms[i];
        const sp = sparseRows(gs[i]);
        if (sp !== undefined) {
          // row-sparse gradient: step the touched rows only (the manifold acts row by row)
          const ix = sp.indices;
          const xr = rowsOf(x, ix);
          let d = m.egrad2rgrad(xr, sp.rows);
          if (mu > 0) d = add(mul(rowsOf(state.momentum[i], ix), mu), d);
          const yr = step(m, xr, mul(neg(d), a), how);
          newX.push(replaceRows(x, ix, yr));
          newM.push(mu > 0 ? replaceRows(state.momentum[i], ix, m.transp(xr, yr, d)) : state.momentum[i]);
          return;
        }
        let d = m.egrad2rgrad(x, gs[i]);
        if (mu > 0) d = add(mul(state.momentum[i], mu), d);
        const y = step(m, x, mul(neg(d), a), how);
        newX.push(y);
        newM.push(mu > 0 ? m.transp(x, y, d) : state.momentum[i]);
      });
      return [treeUnflatten(params, newX), Object.freeze({ step: t, momentum: Object.freeze(newM) })];
    },
  });
}

/** Options of {@link radam}. */
export interface RadamOptions {
  /** learning rate, or a schedule of the step number (1-based) */
  readonly lr: LearningRate;
  /** moment decay rates (default [0.9, 0.999]) */
  readonly betas?: readonly [number, number];
  /** denominator offset (default 1e-8) */
  readonly eps?: number;
  /** manifold of the parameters (default Euclidean) */
  readonly manifold?: ManifoldChoice;
  /** follow the exponential map (default) or the cheaper retraction */
  readonly stepWith?: 'expmap' | 'retr';
}

/** State of {@link radam}. */
export interface RadamState {
  /** number of updates taken so far (0 after `init`) */
  readonly step: number;
  /** first moment per parameter leaf (`treeLeaves` order), transported with the point */
  readonly m: readonly Tensor[];
  /** second moment (per-coordinate squared Riemannian norm) per parameter leaf */
  readonly v: readonly Tensor[];
}

/**
 * Riemannian Adam (Bécigneul & Ganea 2019; geoopt's `RiemannianAdam`): the
 * first moment is transported with the point, the second moment accumulates
 * the Riemannian squared norm per coordinate.
 *
 * A row-sparse gradient (the gradient of a table read with `take`) updates
 * only the touched rows and their moments, as geoopt's
 * `SparseRiemannianAdam`: the moments of untouched rows stay as they are
 * (bias correction uses the global step count).
 */
export function radam(options: RadamOptions): Optimizer<RadamState> {
  optionsOf('radam', options, '{ lr }');
  const lr = asSchedule('radam', options.lr);
  const [b1, b2] = checkBetas('radam', options.betas);
  const eps = options.eps ?? 1e-8;
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new ValueError(`radam: betas must be in [0, 1), got [${b1}, ${b2}]`);
  if (typeof eps !== 'number' || !(eps > 0)) throw new ValueError(`radam: eps must be positive, got ${describe(eps)}`);
  checkManifoldChoice('radam', options.manifold);
  const how = checkStepWith('radam', options.stepWith);
  return scopedOptimizer({
    init: (params) => {
      const z = Object.freeze(treeLeaves(params).map(zerosLike));
      return Object.freeze({ step: 0, m: z, v: z });
    },
    update: <P extends Tree>(grads: P, state: RadamState, params: P): [P, RadamState] => {
      const xs = treeLeaves(params);
      const gs = leavesLike('radam', grads, xs);
      checkState('radam', state, ['m', 'v'], xs.length);
      const ms = manifoldsFor('radam', options.manifold, xs);
      const t = state.step + 1;
      const a = lr(t);
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const newX: Tensor[] = [],
        newM: Tensor[] = [],
        newV: Tensor[] = [];
      xs.forEach((x, i) => {
        const man = ms[i];
        const sp = sparseRows(gs[i]);
        if (sp !== undefined) {
          // row-sparse gradient (geoopt's SparseRiemannianAdam): the touched rows and their moments only
          const ix = sp.indices;
          const xr = rowsOf(x, ix);
          const g = man.egrad2rgrad(xr, sp.rows);
          const m1 = add(mul(rowsOf(state.m[i], ix), b1), mul(g, 1 - b1));
          const v1 = add(mul(rowsOf(state.v[i], ix), b2), mul(componentSq(man, xr, g), 1 - b2));
          const dir = div(div(m1, bc1), add(sqrt(div(v1, bc2)), eps));
          const yr = step(man, xr, mul(dir, -a), how);
          newX.push(replaceRows(x, ix, yr));
          newM.push(replaceRows(state.m[i], ix, man.transp(xr, yr, m1)));
          newV.push(replaceRows(state.v[i], ix, v1));
          return;
        }
        const g = man.egrad2rgrad(x, gs[i]);
        const m1 = add(mul(state.m[i], b1), mul(g, 1 - b1));
        const v1 = add(mul(state.v[i], b2), mul(componentSq(man, x, g), 1 - b2));
        const dir = div(div(m1, bc1), add(sqrt(div(v1, bc2)), eps));
        const y = step(man, x, mul(dir, -a), how);
        newX.push(y);
        newM.push(man.transp(x, y, m1));
        newV.push(v1);
      });
      return [treeUnflatten(params, newX), Object.freeze({ step: t, m: Object.freeze(newM), v: Object.freeze(newV) })];
    },
  });
}
