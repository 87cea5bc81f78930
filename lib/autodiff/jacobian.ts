/**
 * Whole Jacobians and Hessians: `jacfwd` (forward mode: one `jvp` per input
 * coordinate, all of them at once under `vmap`), `jacrev` (reverse mode: one
 * backward pass per output coordinate, all at once under `vmap`) and
 * `hessian = jacfwd(jacrev(f))` (forward over reverse).
 *
 * The Jacobian of an output leaf `[...outShape]` with respect to an input
 * leaf `[...inShape]` has shape `[...outShape, ...inShape]`. With one selected
 * argument (`argnums` a number) the result has that argument's structure
 * (a tensor for a tensor argument); with `argnums` an array it is a tuple of
 * those; and when `f` returns a tree, each output leaf is replaced by that
 * structure (as JAX does).
 */
import { GradError, describeKind, fmtShape, requireFunction } from '../errors.ts';
import { eye, zeros } from '../tensor/create.ts';
import { Tensor } from '../tensor/tensor.ts';
import { reshape, transpose } from '../ops/shape.ts';
import { vjp } from './grad.ts';
import { jvp, outputLeaves } from './jvp.ts';
import { treeLeaves, type Tree } from './tree.ts';
import { vmap } from './vmap.ts';

/** Which arguments a Jacobian is taken with respect to: one index, or several (then a tuple of blocks). */
export type Argnums = number | readonly number[];

/**
 * The Jacobian of a tensor-valued function: the selected argument's structure
 * (a tensor for a tensor argument, each leaf `[...outShape, ...leafShape]`),
 * or a tuple of those when `argnums` is an array.
 */
export type JacobianOf<A extends readonly unknown[], N> = N extends number
  ? A[N]
  : N extends readonly number[]
    ? { -readonly [I in keyof N]: N[I] extends number ? A[N[I]] : never }
    : never;

/**
 * The Jacobian of a tree-valued function: the output tree `R` with each
 * tensor leaf replaced by `J`, the Jacobian structure of a tensor-valued
 * function ({@link JacobianOf}). An output typed `unknown` gives `unknown`.
 */
export type TreeJacobianOf<R, J> = unknown extends R
  ? unknown
  : R extends Tensor
    ? J
    : R extends readonly unknown[]
      ? { -readonly [K in keyof R]: TreeJacobianOf<R[K], J> }
      : R extends object
        ? { -readonly [K in keyof R]: TreeJacobianOf<R[K], J> }
        : never;

/**
 * The Hessian of a scalar function: for one tensor argument a tensor
 * `[...s, ...s]`; for `argnums` an array, the blocks `H[i][j]` (nested tuples).
 */
export type HessianOf<A extends readonly unknown[], N> = N extends number
  ? A[N] extends Tensor
    ? Tensor
    : unknown
  : N extends readonly number[]
    ? { -readonly [I in keyof N]: { -readonly [J in keyof N]: A[N[I] & number] extends Tensor ? Tensor : unknown } }
    : never;

function selected(fn: string, argnums: Argnums, nargs: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : Array.isArray(argnums) ? [...argnums] : undefined;
  if (list === undefined || !list.every((a) => Number.isInteger(a) && a >= 0 && a < nargs)) {
    throw new GradError(`${fn}: argnums ${describeKind(argnums)} is out of range for a call with ${nargs} argument(s); expected integers in [0, ${nargs - 1}]`);
  }
  return list;
}

/** Rebuilds the structure of `tree` with arbitrary values in place of its leaves (in treeLeaves order). */
function rebuild(tree: unknown, values: readonly unknown[]): unknown {
  let i = 0;
  const go = (t: unknown): unknown => {
    if (t instanceof Tensor) return values[i++];
    if (Array.isArray(t)) return t.map(go);
    const o = t as Record<string, unknown>;
    const r: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) r[k] = go(o[k]);
    return r;
  };
  return go(tree);
}

/** The identity basis of a leaf's coordinates: `[n, ...shape]`. */
function basis(x: Tensor): Tensor {
  return reshape(eye(x.size, x.size, x.dtype), [x.size, ...x.shape]);
}

/**
 * Assembles the result: `jac(o, k)` is the Jacobian block of output leaf `o`
 * and input leaf `k` (over the flattened leaves of the selected arguments).
 */
function assemble(out: unknown, args: readonly unknown[], nums: readonly number[], argnums: Argnums, jac: (o: number, k: number) => Tensor): unknown {
  const counts = nums.map((i) => treeLeaves(args[i] as Tree).length);
  const outLeaves = out instanceof Tensor ? [out] : treeLeaves(out as Tree);
  const perOut = outLeaves.map((_, o) => {
    let k = 0;
    const perArg = nums.map((i, j) => {
      const blocks = Array.from({ length: counts[j] }, () => jac(o, k++));
      return args[i] instanceof Tensor ? blocks[0] : rebuild(args[i], blocks);
    });
    return typeof argnums === 'number' ? perArg[0] : perArg;
  });
  return out instanceof Tensor ? perOut[0] : rebuild(out, perOut);
}

/**
 * The Jacobian of `f` with respect to argument(s) `argnums` by forward mode
 * (`jax.jacfwd`): one JVP per input coordinate, batched by `vmap` into one
 * pass. Efficient when inputs are fewer than outputs. Shapes:
 * `[...outShape, ...inShape]` per block (see the module header for trees).
 * @throws GradError when `f` is not a function, argnums is out of range or `f`
 *   does not return tensors
 */
export function jacfwd<A extends readonly unknown[], const N extends Argnums = 0>(f: (...args: A) => Tensor, argnums?: N): (...args: A) => JacobianOf<A, N>;
/** With a tree-valued `f`: each output leaf is replaced by the Jacobian structure of a tensor-valued `f` ({@link TreeJacobianOf}). */
export function jacfwd<A extends readonly unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  argnums?: N,
): (...args: A) => TreeJacobianOf<R, JacobianOf<A, N>>;
export function jacfwd<A extends readonly unknown[]>(f: (...args: A) => unknown, argnums: Argnums = 0): (...args: A) => unknown {
  requireFunction('jacfwd', f, 'f');
  return (...args: A): unknown => {
    const nums = selected('jacfwd', argnums, args.length);
    nums.forEach((i) => treeLeaves(args[i] as Tree, `jacfwd (argument ${i})`));
    const inLeaves = nums.flatMap((i) => treeLeaves(args[i] as Tree).map((x) => ({ arg: i, x })));
    // index of the first leaf of each selected argument among inLeaves
    const offset = new Map<number, number>();
    let at = 0;
    nums.forEach((i) => {
      if (!offset.has(i)) offset.set(i, at);
      at += treeLeaves(args[i] as Tree).length;
    });
    const out = f(...args);
    const outLs = outputLeaves('jacfwd', out);
    // one vmap over the basis of each input leaf: the tangent is a basis vector there, zero elsewhere
    const blocks = inLeaves.map(({ x }, k) => {
      if (x.size === 0 || outLs.every((y) => y.size === 0)) return outLs.map((y) => zeros([...y.shape, ...x.shape], y.dtype));
      const push = (t: Tensor): Tree => {
        const tangents = args.map((a, i) => {
          const off = offset.get(i);
          const leaves = treeLeaves(a as Tree).map((l, kk) => (off !== undefined && off + kk === k ? t : zeros(l.shape, l.dtype)));
          return a instanceof Tensor ? leaves[0] : (rebuild(a, leaves) as Tree);
        });
        const [, tOut] = jvp(f as unknown as (...xs: Tree[]) => unknown, args as unknown as Tree[], tangents);
        return outputLeaves('jacfwd', tOut) as Tree;
      };
      const cols = vmap(push)(basis(x)) as unknown as Tensor[];
      // [n, ...outShape] → [...outShape, ...inShape]
      return cols.map((c, o) => {
        const oshape = outLs[o].shape;
        const r = oshape.length;
        const moved = transpose(c, [...Array.from({ length: r }, (_, i) => i + 1), 0]);
        return reshape(moved, [...oshape, ...x.shape]);
      });
    });
    return assemble(out, args, nums, argnums, (o, k) => blocks[k][o]);
  };
}

/**
 * The Jacobian of `f` with respect to argument(s) `argnums` by reverse mode
 * (`jax.jacrev`): one VJP per output coordinate, batched by `vmap` over the
 * backward pass. Efficient when outputs are fewer than inputs. Shapes:
 * `[...outShape, ...inShape]` per block.
 * @throws GradError when `f` is not a function, argnums is out of range or `f`
 *   does not return tensors
 */
export function jacrev<A extends readonly unknown[], const N extends Argnums = 0>(f: (...args: A) => Tensor, argnums?: N): (...args: A) => JacobianOf<A, N>;
/** With a tree-valued `f`: each output leaf is replaced by the Jacobian structure of a tensor-valued `f` ({@link TreeJacobianOf}). */
export function jacrev<A extends readonly unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  argnums?: N,
): (...args: A) => TreeJacobianOf<R, JacobianOf<A, N>>;
export function jacrev<A extends readonly unknown[]>(f: (...args: A) => unknown, argnums: Argnums = 0): (...args: A) => unknown {
  requireFunction('jacrev', f, 'f');
  return (...args: A): unknown => {
    const nums = selected('jacrev', argnums, args.length);
    nums.forEach((i) => treeLeaves(args[i] as Tree, `jacrev (argument ${i})`));
    const out = f(...args);
    const outLs = outputLeaves('jacrev', out);
    const inLeaves = nums.flatMap((i) => treeLeaves(args[i] as Tree));
    const blocks = outLs.map((y, o) => {
      const withSel = (...sel: Tree[]): unknown[] => {
        const full = args.slice() as unknown[];
        nums.forEach((i, j) => (full[i] = sel[j]));
        return full;
      };
      const leafOf = (...sel: Tree[]): Tensor => outputLeaves('jacrev', f(...(withSel(...sel) as unknown as A)))[o];
      if (y.size === 0 || inLeaves.every((x) => x.size === 0)) return inLeaves.map((x) => zeros([...y.shape, ...x.shape], x.dtype));
      const [, back] = vjp(leafOf, ...nums.map((i) => args[i] as Tree));
      const rows = vmap((ct: Tensor) => (back(ct) as Tree[]).flatMap((t) => treeLeaves(t)))(basis(y)) as unknown as Tensor[];
      // [m, ...inShape] → [...outShape, ...inShape]
      return rows.map((r, k) => reshape(r, [...y.shape, ...inLeaves[k].shape]));
    });
    return assemble(out, args, nums, argnums, (o, k) => blocks[o][k]);
  };
}

/**
 * The Hessian of a scalar `f` with respect to argument(s) `argnums`, as
 * `jacfwd(jacrev(f, argnums), argnums)` (forward over reverse, as
 * `jax.hessian`): for a tensor argument `[...s]` a tensor `[...s, ...s]`; for
 * `argnums` an array, the blocks `H[i][j]` as nested tuples.
 * @throws GradError when `f` does not return a one-element tensor
 */
export function hessian<A extends readonly unknown[], const N extends Argnums = 0>(f: (...args: A) => Tensor, argnums?: N): (...args: A) => HessianOf<A, N> {
  requireFunction('hessian', f, 'f');
  const scalarF = (...args: A): Tensor => {
    const y: unknown = f(...args);
    if (!(y instanceof Tensor) || y.size !== 1) {
      throw new GradError(
        `hessian: the function must return a one-element Tensor, got ${y instanceof Tensor ? `shape ${fmtShape(y.shape)}` : describeKind(y)}`,
      );
    }
    return y.rank === 0 ? y : reshape(y, []);
  };
  const nums: Argnums = argnums ?? 0;
  return jacfwd((...args: A) => jacrev(scalarF as (...xs: A) => unknown, nums)(...args), nums) as (...args: A) => HessianOf<A, N>;
}
