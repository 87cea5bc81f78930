/**
 * The reverse-mode core: the backward pass over one trace's graph (topological
 * order, cotangent accumulation, early release of device memory) and `vjpWith`.
 * It imports no op: the transforms pass in how cotangents are added and cast
 * (an {@link Accumulator}), so lib/ops may build on this module (fused ops
 * take the VJP of their composite definition here) without an import cycle.
 */
import { GradError, ShapeError, describeKind, fmtShape, requireFunction } from '../errors.ts';
import { zerosLike } from '../tensor/create.ts';
import { boxOf, dataRef, Tensor, type TensorData, type Trace } from '../tensor/tensor.ts';
import { creationMark, madeCount, releaseIfNewer, releaseMadeSince } from '../../kernels/data.ts';
import { leaf, newTrace } from './primitive.ts';
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

/**
 * How the backward pass combines cotangents: the sum of two cotangents that
 * reach the same tensor, and a cotangent converted to its input's dtype. The
 * transforms pass the ops in (tfjs passes `add` into its tape the same way),
 * so this core never imports lib/ops and the ops can import the core.
 */
export interface Accumulator {
  readonly add: (a: Tensor, b: Tensor) => Tensor;
  readonly cast: (t: Tensor, dtype: Tensor['dtype']) => Tensor;
}

/** Runs the backward pass of `trace` from `out` with cotangent `seed`; returns the leaves' cotangents. */
export function backward(out: Tensor, seed: Tensor, trace: Trace, acc: Accumulator): Map<Tensor, Tensor> {
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
      if (gj.dtype !== p.dtype) gj = acc.cast(gj, p.dtype);
      const prev = grads.get(p);
      if (prev === undefined) {
        grads.set(p, gj);
        refs.hold(gj);
      } else {
        const total = acc.add(prev, gj);
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

/** `out` with boxes above `trace` removed (they belong to finished inner traces). */
export function live0(out: Tensor, trace: Trace): Tensor {
  let t = out;
  let b = boxOf(t);
  while (b !== undefined && b.trace.id > trace.id) {
    t = b.inner;
    b = boxOf(t);
  }
  return t;
}

/** `out` seen one level below `trace` (its value for outer traces). */
export function unwrapTrace(out: Tensor, trace: Trace): Tensor {
  let t = out;
  let b = boxOf(t);
  while (b !== undefined && b.trace.id >= trace.id) {
    t = b.inner;
    b = boxOf(t);
  }
  return t;
}

/**
 * The reverse-mode vector-Jacobian product with cotangents combined by `acc`
 * (the public `vjp` passes the ops `add` and `cast`): returns
 * `[f(...primals), vjpFn]` where `vjpFn(cotangent)` gives the cotangent of
 * every primal (a tuple with the structure of the arguments).
 */
export function vjpWith<A extends readonly Tree[]>(
  acc: Accumulator,
  f: (...args: A) => Tensor,
  primals: A,
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
    const seed = ct.dtype === o.dtype ? ct : acc.cast(ct, o.dtype);
    const grads = backward(live0(o, trace), seed, trace, acc);
    return primals.map((p, i) =>
      treeUnflatten(
        p,
        treeLeaves(leafTrees[i]).map((l) => grads.get(l) ?? zerosLike(l)),
      ),
    ) as unknown as { -readonly [I in keyof A]: A[I] };
  };
  return [value, fnOut];
}
