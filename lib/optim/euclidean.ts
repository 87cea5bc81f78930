/**
 * Euclidean optimizers as pure `init` / `update` pairs over parameter trees
 * (optax style): `sgd` (momentum, Nesterov), `adam` and `adamw`; gradient
 * clipping by global norm; and per-group optimizers (`partition`), so that
 * e.g. proxies get a larger learning rate than the network in one line.
 */
import { ArgumentError, ValueError, describe, optionsOf } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { item, zerosLike } from '../tensor/create.ts';
import { add, div, maximum, mul, sqrt, square, sub } from '../ops/elementwise.ts';
import { sum } from '../ops/broadcast.ts';
import { treeLeaves, treeUnflatten, type Tree } from '../autodiff/tree.ts';
import { checkOptimizer, checkState, scopedOptimizer, type Optimizer } from './optimizer.ts';
import { scoped } from '../tensor/scope.ts';
import { asSchedule, type LearningRate } from './schedules.ts';
import { replaceRows, rowsOf, sparseRows } from './sparse.ts';
import { rowSparse } from '../tensor/row-sparse.ts';

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** learning rate, or a schedule of the step number (1-based) */
  readonly lr: LearningRate;
  /** momentum coefficient in [0, 1) (default 0) */
  readonly momentum?: number;
  /** Nesterov momentum (default false) */
  readonly nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0) */
  readonly weightDecay?: number;
}

/** State of {@link sgd}. */
export interface SgdState {
  /** number of updates taken so far (0 after `init`) */
  readonly step: number;
  /** momentum buffer per parameter leaf (`treeLeaves` order; zeros when momentum is 0) */
  readonly velocity: readonly Tensor[];
}

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, PyTorch's formulation.
 *
 * A row-sparse gradient (the gradient of a table read with `take`) updates
 * only the rows it touches, and only their momentum: O(rows touched), not
 * O(table size), and untouched rows keep their momentum without moving.
 */
export function sgd(options: SgdOptions): Optimizer<SgdState> {
  optionsOf('sgd', options, '{ lr }');
  const lr = asSchedule('sgd', options.lr);
  const mu = options.momentum ?? 0;
  const wd = options.weightDecay ?? 0;
  if (typeof mu !== 'number' || !(mu >= 0 && mu < 1)) throw new ValueError(`sgd: momentum must be in [0, 1), got ${describe(mu)}`);
  if (typeof wd !== 'number' || !(wd >= 0 && Number.isFinite(wd))) throw new ValueError(`sgd: weightDecay must be a finite number ≥ 0, got ${describe(wd)}`);
  if (options.nesterov && mu === 0) throw new ValueError('sgd: nesterov needs momentum > 0');
  return scopedOptimizer({
    init: (params) => Object.freeze({ step: 0, velocity: Object.freeze(treeLeaves(params).map(zerosLike)) }),
    update: <P extends Tree>(grads: P, state: SgdState, params: P): [P, SgdState] => {
      const xs = treeLeaves(params);
      const gs = leavesLike('sgd', grads, xs);
      checkState('sgd', state, ['velocity'], xs.length);
      const t = state.step + 1;
      const a = lr(t);
      const vel: Tensor[] = [];
      const out = xs.map((x, i) => {
        const sp = sparseRows(gs[i]);
        if (sp !== undefined) {
          // row-sparse gradient: only the touched rows (and their momentum) change
          const xr = rowsOf(x, sp.indices);
          let g = wd ? add(sp.rows, mul(xr, wd)) : sp.rows;
          if (mu > 0) {
            const v = add(mul(rowsOf(state.velocity[i], sp.indices), mu), g);
            vel.push(replaceRows(state.velocity[i], sp.indices, v));
            g = options.nesterov ? add(g, mul(v, mu)) : v;
          } else vel.push(state.velocity[i]);
          return replaceRows(x, sp.indices, sub(xr, mul(g, a)));
        }
        let g = wd ? add(gs[i], mul(x, wd)) : gs[i];
        if (mu > 0) {
          const v = t === 1 ? g : add(mul(state.velocity[i], mu), g);
          vel.push(v);
          g = options.nesterov ? add(g, mul(v, mu)) : v;
        } else vel.push(state.velocity[i]);
        return sub(x, mul(g, a));
      });
      return [treeUnflatten(params, out), Object.freeze({ step: t, velocity: Object.freeze(vel) })];
    },
  });
}

/** Options of {@link adam} and {@link adamw}. */
export interface AdamOptions {
  /** learning rate, or a schedule of the step number (1-based) */
  readonly lr: LearningRate;
  /** moment decay rates (default [0.9, 0.999]) */
  readonly betas?: readonly [number, number];
  /** denominator offset (default 1e-8) */
  readonly eps?: number;
  /** weight decay: L2 in the gradient for adam, decoupled for adamw (default 0 / 0.01) */
  readonly weightDecay?: number;
}

/** State of {@link adam} and {@link adamw}. */
export interface AdamState {
  /** number of updates taken so far (0 after `init`) */
  readonly step: number;
  /** first-moment estimate per parameter leaf (`treeLeaves` order), before bias correction */
  readonly m: readonly Tensor[];
  /** second-moment estimate per parameter leaf, before bias correction */
  readonly v: readonly Tensor[];
}

function adamLike(fn: string, options: AdamOptions, decoupled: boolean): Optimizer<AdamState> {
  optionsOf(fn, options, '{ lr }');
  const lr = asSchedule(fn, options.lr);
  const [b1, b2] = checkBetas(fn, options.betas);
  const eps = options.eps ?? 1e-8;
  const wd = options.weightDecay ?? (decoupled ? 0.01 : 0);
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new ValueError(`${fn}: betas must be in [0, 1), got [${b1}, ${b2}]`);
  if (typeof eps !== 'number' || !(eps > 0)) throw new ValueError(`${fn}: eps must be positive, got ${describe(eps)}`);
  if (typeof wd !== 'number' || !(wd >= 0 && Number.isFinite(wd))) throw new ValueError(`${fn}: weightDecay must be a finite number ≥ 0, got ${describe(wd)}`);
  return scopedOptimizer({
    init: (params) => {
      const z = Object.freeze(treeLeaves(params).map(zerosLike));
      return Object.freeze({ step: 0, m: z, v: z });
    },
    update: <P extends Tree>(grads: P, state: AdamState, params: P): [P, AdamState] => {
      const xs = treeLeaves(params);
      const gs = leavesLike(fn, grads, xs);
      checkState(fn, state, ['m', 'v'], xs.length);
      const t = state.step + 1;
      const a = lr(t);
      const bc1 = 1 - b1 ** t,
        bc2 = 1 - b2 ** t;
      const ms: Tensor[] = [],
        vs: Tensor[] = [];
      const out = xs.map((x, i) => {
        const sp = sparseRows(gs[i]);
        if (sp !== undefined) {
          // row-sparse gradient (PyTorch's SparseAdam): only the touched rows and their moments change
          const ix = sp.indices;
          const xr = rowsOf(x, ix);
          const g = !decoupled && wd ? add(sp.rows, mul(xr, wd)) : sp.rows;
          const m = add(mul(rowsOf(state.m[i], ix), b1), mul(g, 1 - b1));
          const v = add(mul(rowsOf(state.v[i], ix), b2), mul(square(g), 1 - b2));
          ms.push(replaceRows(state.m[i], ix, m));
          vs.push(replaceRows(state.v[i], ix, v));
          const stepDir = div(div(m, bc1), add(sqrt(div(v, bc2)), eps));
          const x1 = decoupled && wd ? mul(xr, 1 - a * wd) : xr;
          return replaceRows(x, ix, sub(x1, mul(stepDir, a)));
        }
        const g = !decoupled && wd ? add(gs[i], mul(x, wd)) : gs[i];
        const m = add(mul(state.m[i], b1), mul(g, 1 - b1));
        const v = add(mul(state.v[i], b2), mul(square(g), 1 - b2));
        ms.push(m);
        vs.push(v);
        const stepDir = div(div(m, bc1), add(sqrt(div(v, bc2)), eps));
        const x1 = decoupled && wd ? mul(x, 1 - a * wd) : x;
        return sub(x1, mul(stepDir, a));
      });
      return [treeUnflatten(params, out), Object.freeze({ step: t, m: Object.freeze(ms), v: Object.freeze(vs) })];
    },
  });
}

/** The moment decay rates `betas` (default [0.9, 0.999]), checked to be a pair of numbers. @internal */
export function checkBetas(fn: string, betas: unknown): readonly [number, number] {
  if (betas === undefined) return [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((b) => typeof b === 'number')) {
    throw new ArgumentError(`${fn}: betas must be a pair of numbers [β1, β2] in [0, 1), got ${describe(betas)}`);
  }
  return betas as unknown as readonly [number, number];
}

/**
 * Adam (Kingma & Ba 2015); `weightDecay` adds an L2 term to the gradient (PyTorch's Adam).
 *
 * A row-sparse gradient (the gradient of a table read with `take`) updates
 * only the touched rows and their moments, as PyTorch's `SparseAdam`: the
 * moments of other rows neither decay nor move them (bias correction uses
 * the global step count). Dense gradients behave as in `Adam`.
 */
export function adam(options: AdamOptions): Optimizer<AdamState> {
  return adamLike('adam', options, false);
}

/**
 * AdamW (Loshchilov & Hutter 2019): decoupled weight decay, default 0.01 (PyTorch's AdamW).
 * With a row-sparse gradient only the touched rows are updated and decayed (see {@link adam}).
 */
export function adamw(options: AdamOptions): Optimizer<AdamState> {
  return adamLike('adamw', options, true);
}

/** The leaves of `grads`, checked to match the parameters' leaf count. @internal */
export function leavesLike(fn: string, grads: Tree, xs: readonly Tensor[]): Tensor[] {
  const gs = treeLeaves(grads, `${fn} (grads)`);
  if (gs.length !== xs.length) throw new ArgumentError(`${fn}: gradients have ${gs.length} leaves but the parameters have ${xs.length}`);
  return gs;
}

/** The global L2 norm of all leaves of a tree, as a number (of a row-sparse gradient: from its touched rows). */
export function globalNorm(tree: Tree): number {
  let s = 0;
  for (const l of treeLeaves(tree, 'globalNorm')) s += item(sum(square(sparseRows(l)?.rows ?? l)));
  return Math.sqrt(s);
}

/** Scales all gradients by `min(1, maxNorm / globalNorm)` (optax's `clip_by_global_norm`). */
export function clipByGlobalNorm<T extends Tree>(grads: T, maxNorm: number): T {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0)) throw new ValueError(`clipByGlobalNorm: maxNorm must be positive, got ${describe(maxNorm)}`);
  const n = globalNorm(grads);
  if (!(n > maxNorm)) return grads;
  const s = maxNorm / n;
  return treeUnflatten(
    grads,
    treeLeaves(grads).map((g) => mapRows(g, (r) => mul(r, s)) ?? mul(g, s)),
  );
}

/**
 * Scales each row of every gradient leaf to L2 norm at most `maxNorm`:
 * row `i` of `g` (its slice along the first axis) becomes
 * `g_i · min(1, maxNorm / ‖g_i‖)`; rows within the bound and zero rows are
 * unchanged. A leaf of rank 0 or 1 is one row. This is the per-row clipping
 * of the reference Poincaré-embeddings code (each embedding row's gradient
 * is bounded on its own, so one exploding row near the ball's boundary does
 * not shrink the steps of all others as {@link clipByGlobalNorm} would).
 * A row-sparse gradient (of a table read with `take`) stays row-sparse: its
 * repeated rows are summed, then clipped.
 *
 * @param grads a gradient tree.
 * @param maxNorm the largest row norm, a positive number (`Infinity`: no clipping).
 * @throws ValueError unless maxNorm is a positive number.
 */
export function clipByRowNorm<T extends Tree>(grads: T, maxNorm: number): T {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0)) throw new ValueError(`clipByRowNorm: maxNorm must be positive, got ${describe(maxNorm)}`);
  return treeUnflatten(
    grads,
    treeLeaves(grads, 'clipByRowNorm').map((g) => (g.rank >= 2 ? mapRows(g, (r) => clipRows(r, maxNorm)) : undefined) ?? clipRows(g, maxNorm)),
  );
}

/** A row-sparse `g` with `f` applied to its coalesced rows (still row-sparse), else undefined. */
function mapRows(g: Tensor, f: (rows: Tensor) => Tensor): Tensor | undefined {
  const sp = sparseRows(g);
  return sp === undefined ? undefined : rowSparse(g.shape, sp.indices, f(sp.rows));
}

/** `g` with each row's L2 norm clipped to `maxNorm` (a dense leaf); `maxNorm = Infinity` leaves it as it is. */
function clipRows(g: Tensor, maxNorm: number): Tensor {
  if (maxNorm === Infinity) return g;
  const axes = g.rank <= 1 ? undefined : Array.from({ length: g.rank - 1 }, (_, i) => i + 1);
  const n = sqrt(sum(square(g), axes, true));
  return mul(g, div(maxNorm, maximum(n, maxNorm)));
}

/** An optimizer that clips each gradient row to L2 norm `maxNorm` ({@link clipByRowNorm}) before `opt` sees it. */
export function withRowClipping<S>(maxNorm: number, opt: Optimizer<S>): Optimizer<S> {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0)) throw new ValueError(`withRowClipping: maxNorm must be positive, got ${describe(maxNorm)}`);
  checkOptimizer('withRowClipping', opt);
  return { init: opt.init, update: (grads, state, params) => scoped(() => opt.update(clipByRowNorm(grads, maxNorm), state, params)) };
}

/** An optimizer that clips the gradients by global norm before `opt` sees them. */
export function withClipping<S>(maxNorm: number, opt: Optimizer<S>): Optimizer<S> {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0)) throw new ValueError(`withClipping: maxNorm must be positive, got ${describe(maxNorm)}`);
  checkOptimizer('withClipping', opt);
  return { init: opt.init, update: (grads, state, params) => scoped(() => opt.update(clipByGlobalNorm(grads, maxNorm), state, params)) };
}

/**
 * One optimizer per top-level key of an object of parameters, e.g.
 * `partition({ net: adamw({ lr: 1e-4 }), proxies: sgd({ lr: 0.1 }) })`.
 * Every key of the parameters must have an optimizer.
 */
export function partition<G extends Record<string, Optimizer<unknown>>>(groups: G): Optimizer<{ readonly [K in keyof G]: unknown }> {
  type S = { readonly [K in keyof G]: unknown };
  optionsOf('partition', groups, '{ group: optimizer, … }');
  const keys = Object.keys(groups);
  for (const k of keys) checkOptimizer('partition', groups[k], `group ${JSON.stringify(k)}`);
  const check = (params: Tree): Record<string, Tree> => {
    if (typeof params !== 'object' || params === null || Array.isArray(params) || !keys.every((k) => k in params)) {
      throw new ArgumentError(`partition: parameters must be an object with the keys ${keys.join(', ')}`);
    }
    const extra = Object.keys(params).filter((k) => !keys.includes(k));
    if (extra.length) throw new ArgumentError(`partition: no optimizer for parameter group(s) ${extra.join(', ')}`);
    return params as unknown as Record<string, Tree>;
  };
  return scopedOptimizer({
    init: (params) => {
      const p = check(params);
      return Object.freeze(Object.fromEntries(keys.map((k) => [k, groups[k].init(p[k])]))) as S;
    },
    update: <P extends Tree>(grads: P, state: S, params: P): [P, S] => {
      const p = check(params);
      const g = check(grads);
      if (typeof state !== 'object' || state === null)
        throw new ArgumentError(`partition: state must be the object returned by init (or by the previous update), got ${describe(state)}`);
      const st = state as Record<string, unknown>;
      const newP: Record<string, Tree> = {};
      const newS: Record<string, unknown> = {};
      for (const k of keys) [newP[k], newS[k]] = groups[k].update(g[k], st[k], p[k]);
      return [newP as unknown as P, Object.freeze(newS) as S];
    },
  });
}
