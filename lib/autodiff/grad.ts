/**
 * JAX-style transformations: `grad`, `valueAndGrad`, `vjp`, `hvp`,
 * `stopGradient` and `customGrad`.
 *
 * Each call of a transformed function opens its own trace, marks its inputs
 * as leaves of that trace, runs the function, and walks the recorded graph
 * backwards. The graph lives only in the traced tensors' boxes, so nested
 * and repeated calls are independent and nothing is left behind.
 */
import { ArgumentError, GradError, ShapeError, describeKind, fmtShape, requireFunction } from '../errors.ts';
import { onesLike, zerosLike } from '../tensor/create.ts';
import { scoped } from '../tensor/scope.ts';
import { boxOf, dataRef, requireTensor, Tensor, type TensorData, type Trace } from '../tensor/tensor.ts';
import { creationMark, madeCount, releaseIfNewer, releaseMadeSince } from '../../kernels/data.ts';
import { add, mul } from '../ops/elementwise.ts';
import { cast } from '../ops/cast.ts';
import { sum } from '../ops/reduce.ts';
import { bind, leaf, newTrace, strip, type Primitive } from './primitive.ts';
import { treeLeaves, treeMap, treeUnflatten, type Tree } from './tree.ts';

/** Topological order (inputs first) of the trace-`trace` graph below `out`. */
function topoOrder(out: Tensor, trace: Trace): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([out]);
  const stack: [Tensor, number][] = [[out, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const parents = boxOf(top[0])!.parents;
    if (top[1] < parents.length) {
      const p = parents[top[1]++];
      if (!seen.has(p) && boxOf(p)?.trace === trace) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

/**
 * Frees the device copies of cotangents once the backward pass has consumed
 * them (outermost `valueAndGrad` only): a cotangent made during the backward
 * pass, not boxed by an outer trace, and no longer referenced by any pending
 * cotangent (reshape shares storage, so counts are per storage cell) is
 * released. Forward values are older than the mark and never touched.
 */
class CotangentRefs {
  readonly #mark = creationMark();
  readonly #refs = new Map<TensorData, number>();

  hold(t: Tensor): void {
    if (this.#mark === undefined) return;
    const d = dataRef(t);
    this.#refs.set(d, (this.#refs.get(d) ?? 0) + 1);
  }

  drop(t: Tensor): void {
    if (this.#mark === undefined) return;
    const d = dataRef(t);
    const n = (this.#refs.get(d) ?? 0) - 1;
    if (n > 0) {
      this.#refs.set(d, n);
      return;
    }
    this.#refs.delete(d);
    this.release(t);
  }

  /** Releases `t` if nothing pending refers to its storage (a cotangent that was never held, e.g. a summand). */
  release(t: Tensor): void {
    if (this.#mark === undefined || this.#recorded || boxOf(t) !== undefined) return;
    const d = dataRef(t);
    if (!this.#refs.has(d)) releaseIfNewer(d, this.#mark);
  }

  /** A mark before one node's VJP, or undefined when temporaries must be kept (disabled, or an outer trace records). */
  markNode(g: Tensor): number | undefined {
    if (this.#mark === undefined || this.#recorded || boxOf(g) !== undefined) return undefined;
    return madeCount();
  }

  #recorded = false;

  /**
   * Looks at one node's cotangents before anything is released: traced ones
   * mean an outer trace records this backward pass, and its ops captured
   * their inputs (cotangents included, traced or not) — from then on nothing
   * is released early.
   */
  observe(gs: readonly (Tensor | undefined)[]): void {
    if (gs.some((t) => t !== undefined && boxOf(t) !== undefined)) this.#recorded = true;
  }

  /**
   * After one node's VJP: frees the temporaries it made (everything since
   * `mark` that no pending cotangent holds), unless its cotangents are boxed
   * by an outer trace (then this and every later node keep theirs: an outer
   * backward pass will need them).
   */
  sweep(mark: number | undefined): void {
    if (mark === undefined || this.#recorded) return;
    releaseMadeSince(mark, (d) => this.#refs.has(d));
  }
}

/** Runs the backward pass of `trace` from `out` with cotangent `seed`; returns the leaves' cotangents. */
function backward(out: Tensor, seed: Tensor, trace: Trace): Map<Tensor, Tensor> {
  const grads = new Map<Tensor, Tensor>();
  const b = boxOf(out);
  if (b === undefined || b.trace !== trace) return grads;
  const order = topoOrder(out, trace);
  const refs = new CotangentRefs();
  grads.set(out, seed);
  refs.hold(seed);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    const box = boxOf(node)!;
    if (box.vjp === undefined) continue; // a leaf: keep its cotangent
    const g = grads.get(node);
    grads.delete(node);
    if (g === undefined) continue;
    const nodeMark = refs.markNode(g);
    const gs = box.vjp(g);
    refs.observe(gs);
    for (let j = 0; j < box.parents.length; j++) {
      let gj = gs[j];
      if (gj === undefined) continue;
      const p = box.parents[j];
      if (gj.size !== p.size) {
        throw new ShapeError(`grad: a VJP produced a cotangent of shape ${fmtShape(gj.shape)} for an input of shape ${fmtShape(p.shape)}`);
      }
      if (gj.dtype !== p.dtype) gj = cast(gj, p.dtype);
      const prev = grads.get(p);
      if (prev === undefined) {
        grads.set(p, gj);
        refs.hold(gj);
      } else {
        const total = add(prev, gj);
        grads.set(p, total);
        refs.hold(total);
        refs.drop(prev);
        refs.release(gj);
      }
    }
    refs.drop(g);
    refs.sweep(nodeMark);
  }
  return grads;
}

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
      throw new GradError(`${fn}: argnums ${JSON.stringify(argnums)} is out of range for a call with ${nargs} argument(s); expected integers in [0, ${nargs - 1}]`);
    }
  }
  return list;
}

function checkScalarOutput(fn: string, out: unknown): asserts out is Tensor {
  if (!(out instanceof Tensor)) {
    throw new GradError(`${fn}: the function must return a scalar Tensor, got ${describeKind(out)}`);
  }
  if (out.size !== 1) {
    throw new GradError(`${fn}: the function must return a scalar (one-element) Tensor, got shape ${fmtShape(out.shape)}; reduce it first, e.g. with sum or mean, or use vjp`);
  }
}

function valueAndGradCall(
  fn: string,
  f: (...args: never[]) => Tensor,
  argnums: number | readonly number[],
  args: readonly unknown[],
): [Tensor, unknown] {
  // a device scope: intermediates of the forward and backward pass free their device memory on return
  return scoped(() => valueAndGradTraced(fn, f, argnums, args));
}

function valueAndGradTraced(
  fn: string,
  f: (...args: never[]) => Tensor,
  argnums: number | readonly number[],
  args: readonly unknown[],
): [Tensor, unknown] {
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
  const grads = backward(live0(out, trace), onesLike(strip(out)), trace);
  const gradOf = (i: number): unknown =>
    treeUnflatten(
      args[i] as Tree,
      leavesOf.get(i)!.map((l) => grads.get(l) ?? zerosLike(l)),
    );
  const g = typeof argnums === 'number' ? gradOf(argnums) : nums.map(gradOf);
  return [unwrapTrace(out, trace), g];
}

/** `out` with boxes above `trace` removed (they belong to finished inner traces). */
function live0(out: Tensor, trace: Trace): Tensor {
  let t = out;
  let b = boxOf(t);
  while (b !== undefined && b.trace.id > trace.id) {
    t = b.inner;
    b = boxOf(t);
  }
  return t;
}

/** `out` seen one level below `trace` (its value for outer traces). */
function unwrapTrace(out: Tensor, trace: Trace): Tensor {
  let t = out;
  let b = boxOf(t);
  while (b !== undefined && b.trace.id >= trace.id) {
    t = b.inner;
    b = boxOf(t);
  }
  return t;
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
export function vjp<A extends readonly Tree[]>(
  f: (...args: A) => Tensor,
  ...primals: A
): [Tensor, (cotangent: Tensor) => { -readonly [I in keyof A]: A[I] }] {
  requireFunction('vjp', f, 'f');
  primals.forEach((p, i) => treeLeaves(p, `vjp (argument ${i})`));
  const trace = newTrace();
  const leafTrees = primals.map((p) => treeMap((x) => leaf(x, trace), p));
  let out: unknown;
  try {
    out = (f as unknown as (...a: unknown[]) => unknown)(...leafTrees);
  } finally {
    trace.done = true;
  }
  if (!(out instanceof Tensor)) throw new GradError(`vjp: the function must return a Tensor, got ${describeKind(out)}`);
  const o = out;
  const value = unwrapTrace(o, trace);
  const fnOut = (ct: Tensor): { -readonly [I in keyof A]: A[I] } => {
    if (!(ct instanceof Tensor) || ct.size !== o.size || ct.rank !== o.rank || ct.shape.some((d, i) => d !== o.shape[i])) {
      throw new ShapeError(`vjp: cotangent must be a Tensor of the output's shape ${fmtShape(o.shape)}, got ${describeKind(ct)}`);
    }
    const seed = ct.dtype === o.dtype ? ct : cast(ct, o.dtype);
    const grads = backward(live0(o, trace), seed, trace);
    return primals.map((p, i) =>
      treeUnflatten(p, treeLeaves(leafTrees[i]).map((l) => grads.get(l) ?? zerosLike(l))),
    ) as unknown as { -readonly [I in keyof A]: A[I] };
  };
  return [value, fnOut];
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
        throw new GradError(`${name}: backward must return an array with one cotangent per input (${xs.length}), got ${Array.isArray(gs) ? gs.length : typeof gs}`);
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
