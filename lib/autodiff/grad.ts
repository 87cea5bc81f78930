/**
 * JAX-style reverse-mode transformations: `grad`, `valueAndGrad`, `vjp`, `hvp`.
 *
 * Each call of a transformed function opens its own trace, marks its inputs
 * as leaves of that trace, runs the function, and walks the recorded graph
 * backwards. The graph lives only in the traced tensors' boxes, so nested
 * and repeated calls are independent and nothing is left behind.
 */
import { GradError, ShapeError, describeKind, fmtShape, requireFunction } from '../errors.ts';
import { onesLike, zerosLike } from '../tensor/create.ts';
import { scoped } from '../tensor/scope.ts';
import { requireTensor, Tensor } from '../tensor/tensor.ts';
import { addRowSparse } from '../tensor/row-sparse.ts';
import { add, mul } from '../ops/elementwise.ts';
import { cast } from '../ops/cast.ts';
import { sum } from '../ops/broadcast.ts';
import { backward, live0, unwrapTrace, vjpWith, type Accumulator } from './backward.ts';
import { leaf, newTrace, strip } from './primitive.ts';
import { treeLeaves, treeMap, treeUnflatten, type Tree } from './tree.ts';

/**
 * Cotangents reaching one tensor are summed by the `add` op (two row-sparse
 * cotangents of `take` by concatenating their rows, so a table's gradient
 * stays O(rows touched)), converted by `cast`: the one accumulator of every
 * backward pass that ops run in (grad, vjp, fused ops' composite VJPs, jvp's
 * transposed VJPs). @internal
 */
export const COTANGENT_OPS: Accumulator = { add: (a, b) => addRowSparse(a, b) ?? add(a, b), cast };

/** Rejects argnums that are neither an integer nor an array of integers (ranges are checked per call). */
function checkArgnumsKind(fn: string, argnums: unknown): void {
  if (argnums === undefined || typeof argnums === 'number') return;
  if (!Array.isArray(argnums) || !argnums.every((a) => typeof a === 'number')) {
    throw new GradError(`${fn}: argnums must be an integer or an array of integers, got ${describeKind(argnums)}`);
  }
}

function normArgnums(fn: string, argnums: number | readonly number[], nargs: number): number[] {
  checkArgnumsKind(fn, argnums);
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new GradError(
        `${fn}: argnums ${JSON.stringify(argnums)} is out of range for a call with ${nargs} argument(s); expected integers in [0, ${nargs - 1}]`,
      );
    }
  }
  return list;
}

function checkScalarOutput(fn: string, out: unknown): asserts out is Tensor {
  if (!(out instanceof Tensor)) {
    throw new GradError(`${fn}: the function must return a scalar Tensor, got ${describeKind(out)}`);
  }
  if (out.size !== 1) {
    throw new GradError(
      `${fn}: the function must return a scalar (one-element) Tensor, got shape ${fmtShape(out.shape)}; reduce it first, e.g. with sum or mean, or use vjp`,
    );
  }
}

function valueAndGradCall(fn: string, f: (...args: never[]) => Tensor, argnums: number | readonly number[], args: readonly unknown[]): [Tensor, unknown] {
  // a device scope: intermediates of the forward and backward pass free their device memory on return
  return scoped(() => valueAndGradTraced(fn, f, argnums, args));
}

function valueAndGradTraced(fn: string, f: (...args: never[]) => Tensor, argnums: number | readonly number[], args: readonly unknown[]): [Tensor, unknown] {
  const nums = normArgnums(fn, argnums, args.length);
  const trace = newTrace();
  const traced = args.slice();
  const leavesOf = new Map<number, Tensor[]>();
  for (const i of new Set(nums)) {
    treeLeaves(args[i] as Tree, `${fn} (argument ${i})`);
    const boxedTree = treeMap((x) => leaf(x, trace), args[i] as Tree);
    traced[i] = boxedTree;
    leavesOf.set(i, treeLeaves(boxedTree));
  }
  let out: unknown;
  try {
    out = (f as (...a: unknown[]) => unknown)(...traced);
  } finally {
    trace.done = true;
  }
  checkScalarOutput(fn, out);
  const grads = backward(live0(out, trace), onesLike(strip(out)), trace, COTANGENT_OPS);
  const gradOf = (i: number): unknown =>
    treeUnflatten(
      args[i] as Tree,
      leavesOf.get(i)!.map((l) => grads.get(l) ?? zerosLike(l)),
    );
  const g = typeof argnums === 'number' ? gradOf(argnums) : nums.map(gradOf);
  return [unwrapTrace(out, trace), g];
}

/** The gradient of the selected arguments: one tree, or a tuple when `argnums` is an array. */
type GradOf<A extends readonly unknown[], N> = N extends number
  ? A[N]
  : N extends readonly number[]
    ? { -readonly [I in keyof N]: N[I] extends number ? A[N[I]] : never }
    : never;

/**
 * `grad(f, argnums = 0)`: a function of the same arguments returning the
 * gradient of the scalar `f` with respect to argument `argnums` (a tensor or
 * a tree of tensors, with the same structure), or a tuple of gradients when
 * `argnums` is an array. Works to any order: `grad(grad(f))`.
 */
export function grad<A extends readonly unknown[], const N extends number | readonly number[] = 0>(
  f: (...args: A) => Tensor,
  argnums?: N,
): (...args: A) => GradOf<A, N> {
  requireFunction('grad', f, 'f');
  checkArgnumsKind('grad', argnums);
  return (...args: A) => valueAndGradCall('grad', f as never, argnums ?? 0, args)[1] as GradOf<A, N>;
}

/** Like {@link grad}, returning `[value, gradient]`. */
export function valueAndGrad<A extends readonly unknown[], const N extends number | readonly number[] = 0>(
  f: (...args: A) => Tensor,
  argnums?: N,
): (...args: A) => [Tensor, GradOf<A, N>] {
  requireFunction('valueAndGrad', f, 'f');
  checkArgnumsKind('valueAndGrad', argnums);
  return (...args: A) => valueAndGradCall('valueAndGrad', f as never, argnums ?? 0, args) as [Tensor, GradOf<A, N>];
}

/**
 * Reverse-mode vector-Jacobian product: returns `[f(...primals), vjpFn]` where
 * `vjpFn(cotangent)` gives the cotangent of every primal (a tuple with the
 * structure of the arguments). `f` may return a tensor of any shape.
 */
export function vjp<A extends readonly Tree[]>(f: (...args: A) => Tensor, ...primals: A): [Tensor, (cotangent: Tensor) => { -readonly [I in keyof A]: A[I] }] {
  return vjpWith(COTANGENT_OPS, f, primals);
}

/**
 * Hessian-vector product `H(x)·v` of a scalar function of one tensor,
 * computed as the gradient of `⟨∇f(x), v⟩` (reverse over reverse).
 */
export function hvp(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  requireFunction('hvp', f, 'f');
  requireTensor('hvp', x, 'x');
  if (!(v instanceof Tensor) || v.rank !== x.rank || v.shape.some((d, i) => d !== x.shape[i])) {
    throw new ShapeError(`hvp: v must have the shape of x ${fmtShape(x.shape)}, got ${v instanceof Tensor ? fmtShape(v.shape) : typeof v}`);
  }
  return grad((y: Tensor) => sum(mul(grad(f)(y), v)))(x);
}
