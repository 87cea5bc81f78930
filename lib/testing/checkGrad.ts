/**
 * `checkGrad`: compares reverse-mode gradients with central finite
 * differences in float64. Exported for users, who will want to check their
 * own functions the way the library checks its ops.
 */
import { grad } from '../autodiff/grad.ts';
import { treeLeaves, treeMap, treeUnflatten, type Tree } from '../autodiff/tree.ts';
import { ArgumentError, ValueError, describe, optionsOf, requireFunction } from '../errors.ts';
import { item, tensor, toArray } from '../tensor/create.ts';
import { cast } from '../ops/cast.ts';
import { Tensor } from '../tensor/tensor.ts';

/** Options of {@link checkGrad}. */
export interface CheckGradOptions {
  /** relative finite-difference step: h = eps·max(1, |x|) (default 1e-6) */
  readonly eps?: number;
  /** relative tolerance (default 1e-5) */
  readonly rtol?: number;
  /** absolute tolerance (default 1e-7) */
  readonly atol?: number;
  /**
   * which arguments to check (default: every argument that holds a tensor,
   * which must then be a tensor or a tree of tensors only; other arguments —
   * labels, options, index arrays — are passed to `f` unchanged and never
   * differentiated). Must not be empty.
   */
  readonly argnums?: readonly number[];
}

/** One disagreement found by {@link checkGrad}. */
export interface GradMismatch {
  /** position of the argument in `args` */
  readonly arg: number;
  /** index of the tensor among the argument's leaves (`treeLeaves` order; 0 for a plain tensor) */
  readonly leaf: number;
  /** flat (row-major) index of the entry within that tensor */
  readonly index: number;
  /** the entry of the reverse-mode gradient */
  readonly analytic: number;
  /** the central-difference estimate of the same entry */
  readonly numeric: number;
}

/** The result of {@link checkGrad}. */
export interface CheckGradResult {
  /** true when every checked entry is within tolerance (no mismatches) */
  readonly ok: boolean;
  /** largest |analytic − numeric| / (atol + rtol·max(|analytic|, |numeric|)); ≤ 1 passes */
  readonly worst: number;
  /** every entry outside tolerance (or NaN), in checking order */
  readonly mismatches: readonly GradMismatch[];
  /** a readable summary for test failures */
  readonly message: string;
}

/** Whether `a` is a tensor or a non-empty tree of tensors (a differentiable argument). */
function isTensorTree(a: unknown): boolean {
  if (a instanceof Tensor) return true;
  if (a === null || typeof a !== 'object' || ArrayBuffer.isView(a)) return false;
  try {
    return treeLeaves(a as Tree, 'checkGrad').length > 0;
  } catch {
    return false;
  }
}

/** Whether `a` holds a tensor anywhere: a tensor, or a (nested) array / object with one inside. */
function containsTensor(a: unknown, depth = 0): boolean {
  if (a instanceof Tensor) return true;
  if (depth > 100 || a === null || typeof a !== 'object' || ArrayBuffer.isView(a)) return false;
  return (Array.isArray(a) ? a : Object.values(a as Record<string, unknown>)).some((v) => containsTensor(v, depth + 1));
}

/**
 * Checks the gradient of a scalar function of tensors (or trees) against
 * central differences `(f(x+h) − f(x−h)) / 2h`. The checked arguments are
 * cast to float64 first; arguments that are not tensors or trees of tensors
 * (labels, options, index arrays) are passed to `f` unchanged, and by default
 * only the tensor arguments are checked. An entry passes when
 * `|analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|)`.
 * @throws ArgumentError naming `checkGrad` when `f` is not a function, `args`
 *   is not an array, no argument holds a tensor, an argument to check (named
 *   in `argnums`, or by default any holding a tensor) is not a tensor or tree
 *   of tensors only, or `f` does not return a one-element tensor
 * @throws ValueError for a bad option (eps, rtol, atol, argnums out of range or empty)
 */
export function checkGrad<A extends readonly unknown[]>(f: (...args: A) => Tensor, args: A, options: CheckGradOptions = {}): CheckGradResult {
  requireFunction('checkGrad', f, 'f');
  if (!Array.isArray(args)) throw new ArgumentError(`checkGrad: args must be an array of the arguments of f (tensors or trees), got ${describe(args)}`);
  options = optionsOf('checkGrad', options);
  const fn = f as unknown as (...xs: unknown[]) => Tensor;
  const eps = options.eps ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-7;
  for (const [k, v] of [
    ['eps', eps],
    ['rtol', rtol],
    ['atol', atol],
  ] as const) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v) || (k === 'eps' && v === 0)) {
      throw new ValueError(`checkGrad: option ${k} must be a finite number ${k === 'eps' ? '> 0' : '≥ 0'}, got ${describe(v)}`);
    }
  }
  // by default every argument holding a tensor is checked; one that mixes tensors with other values
  // is an error below (skipping it silently would make the check pass without checking anything)
  const explicit = options.argnums !== undefined;
  const argnums = options.argnums ?? args.flatMap((a, i) => (containsTensor(a) ? [i] : []));
  if (!Array.isArray(argnums) || !argnums.every((a) => Number.isInteger(a) && a >= 0 && a < args.length)) {
    throw new ValueError(`checkGrad: option argnums must be an array of argument indices in [0, ${args.length - 1}], got ${describe(argnums)}`);
  }
  if (argnums.length === 0) {
    if (explicit) throw new ValueError('checkGrad: option argnums is empty; expected at least one argument index (an empty check always passes)');
    throw new ArgumentError(`checkGrad: no argument holds a tensor (got ${args.length} argument(s)); expected at least one Tensor or tree of tensors to check`);
  }
  for (const i of argnums) {
    if (!isTensorTree(args[i])) {
      throw new ArgumentError(
        explicit
          ? `checkGrad: argument ${i} (in argnums) must be a Tensor or a tree of tensors to be checked, got ${describe(args[i])}; leave it out of argnums to pass it unchanged`
          : `checkGrad: argument ${i} mixes tensors with other values (${describe(args[i])}); expected a Tensor or a tree of tensors only — pass the other values as separate arguments, or leave it out with argnums`,
      );
    }
  }
  const x64: unknown[] = args.map((a, i) => (argnums.includes(i) ? treeMap((t) => cast(t, 'float64'), a as Tree) : a));
  const evalAt = (xs: unknown[]): number => {
    const out: unknown = fn(...xs);
    if (!(out instanceof Tensor)) throw new ArgumentError(`checkGrad: f must return a one-element Tensor, got ${describe(out)}`);
    if (out.size !== 1) throw new ArgumentError(`checkGrad: f must return a one-element tensor, got ${out.size} elements`);
    return item(out);
  };
  const mismatches: GradMismatch[] = [];
  let worst = 0;
  for (const arg of argnums) {
    const analytic = treeLeaves(grad((...xs: unknown[]) => fn(...xs), arg)(...x64) as Tree);
    const leaves = treeLeaves(x64[arg] as Tree);
    leaves.forEach((lf, li) => {
      const base = toArray(lf);
      const ga = toArray(analytic[li]);
      for (let k = 0; k < base.length; k++) {
        const h = eps * Math.max(1, Math.abs(base[k]));
        const at = (v: number): number => {
          const vals = base.slice();
          vals[k] = v;
          const newLeaves = leaves.slice();
          newLeaves[li] = tensor(vals, lf.shape, 'float64');
          const xs = x64.slice();
          xs[arg] = treeUnflatten(x64[arg] as Tree, newLeaves);
          return evalAt(xs);
        };
        const numeric = (at(base[k] + h) - at(base[k] - h)) / (2 * h);
        const err = Math.abs(ga[k] - numeric) / (atol + rtol * Math.max(Math.abs(ga[k]), Math.abs(numeric)));
        const bad = !(err <= 1);
        if (bad || Number.isNaN(err)) {
          mismatches.push({ arg, leaf: li, index: k, analytic: ga[k], numeric });
        }
        worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
      }
    });
  }
  const message = mismatches.length
    ? `checkGrad: ${mismatches.length} gradient entries disagree with central differences (rtol ${rtol}, atol ${atol}); first: ` +
      mismatches
        .slice(0, 5)
        .map((m) => `arg ${m.arg} leaf ${m.leaf} [${m.index}]: analytic ${m.analytic}, numeric ${m.numeric}`)
        .join('; ')
    : `checkGrad: all entries agree (worst error ratio ${worst.toPrecision(3)})`;
  return { ok: mismatches.length === 0, worst, mismatches, message };
}
