/**
 * `vmap`: vectorizing a function over a batch axis.
 *
 * A call opens a batching trace. Inside `f`, a batched argument is a tensor of
 * the per-example shape whose box holds the whole batch, batch axis first
 * (moved there from `inAxes` on entry). Each primitive applied to it is
 * processed by the trace's handler with the primitive's batching rule, which
 * computes every example at once one level down (one kernel call, not one per
 * example). `customGrad` functions (user primitives with a VJP and no
 * batching rule) are batched as JAX batches a `custom_vjp`: their forward and
 * their VJP, both written with ops, run under `vmap` themselves. A primitive
 * with neither (none in the library: `registeredPrimitives()` counts the
 * kinds) falls back to a loop — the primitive per example, then a stack.
 *
 * Rules are written with ops, so `vmap` composes with `grad`, `jvp` and
 * itself: `vmap(grad(f))` gives per-example gradients.
 *
 * Inside `f`, a batched tensor stands for one value per example: reading it
 * (`toArray`, `item`, …) is a ValueError naming the reader (as in JAX, where
 * it cannot be read at all); functions that need concrete indices (`argmax`,
 * `argsort`) throw a GradError there.
 */
import { GradError, ValueError, describeKind, requireFunction } from '../errors.ts';
import { zeros } from '../tensor/create.ts';
import { boxed, boxOf, dataRef, fromData, Tensor, type Box, type Trace } from '../tensor/tensor.ts';
import { broadcastTo } from '../ops/broadcast.ts';
import { concat, expandDims, reshape, slice, transpose } from '../ops/shape.ts';
import { live0 } from './backward.ts';
import { bind, live, newTrace, type Primitive, type TraceHandler } from './primitive.ts';
import { treeLeaves, treeUnflatten, type Tree } from './tree.ts';

/** Axes of {@link vmap}: a number (that axis of every leaf), `null` (not batched), or a tree of those. */
export type InAxes = number | null | readonly InAxes[] | { readonly [key: string]: InAxes };

/** The batched value `v` (batch axis first) seen at `trace` as one example. */
function shell(v: Tensor, trace: Trace): Tensor {
  const box: Box = { trace, inner: v, parents: [], vjp: undefined };
  return boxed(fromData(dataRef(v), v.shape.slice(1)), box);
}

/** Example `b` of a batched value (batch axis first). */
function example(v: Tensor, b: number): Tensor {
  const begin = new Array<number>(v.rank).fill(0);
  begin[0] = b;
  return reshape(slice(v, begin, [1, ...v.shape.slice(1)]), v.shape.slice(1));
}

/**
 * A primitive without a batching rule but with a VJP — a `customGrad`
 * function, whose forward and backward are user code written with ops — as
 * the primitive of its batched self (as JAX batches a `custom_vjp`): the
 * forward is `vmap` of the forward, the VJP `vmap` of the VJP, so the batch
 * runs in one call of each op instead of one call per example. Every input is
 * batched (an unbatched one is broadcast first; its cotangents are then summed
 * by the broadcast's VJP).
 */
const batchedCustom = new WeakMap<object, Primitive<unknown>>();

function batchedSelf<A>(p: Primitive<A>): Primitive<A> {
  const hit = batchedCustom.get(p);
  if (hit !== undefined) return hit as Primitive<A>;
  const rule = p.vjp!;
  const q: Primitive<A> = {
    name: `vmap(${p.name})`,
    forward: (xs, attrs) => vmap((...ys: Tensor[]) => p.forward(ys, attrs))(...xs),
    vjp: (g, xs, out, attrs, needs) =>
      vmap((gg: Tensor, oo: Tensor, ...ys: Tensor[]) => rule(gg, ys, oo, attrs, needs).map((c, i) => c ?? zeros(ys[i].shape, ys[i].dtype)))(g, out, ...xs),
  };
  batchedCustom.set(p, q as Primitive<unknown>);
  return q;
}

/** The documented last fallback: the primitive per example, stacked. */
function loopBatch<A>(p: Primitive<A>, vals: readonly Tensor[], batched: readonly boolean[], attrs: A, size: number): Tensor {
  const outs: Tensor[] = [];
  for (let b = 0; b < size; b++) {
    const y = bind(
      p,
      vals.map((v, i) => (batched[i] ? example(v, b) : v)),
      attrs,
    );
    outs.push(expandDims(y, 0));
  }
  return concat(outs, 0);
}

function handlerFor(size: number): TraceHandler {
  return {
    process<A>(p: Primitive<A>, xs: readonly Tensor[], attrs: A, trace: Trace): Tensor {
      const spec = p.batch ?? 'loop';
      if (spec === 'composite') {
        if (p.composite === undefined) throw new GradError(`vmap: primitive ${p.name} asks for its composite definition but has none`);
        return p.composite(xs, attrs);
      }
      const vals = new Array<Tensor>(xs.length);
      const batched = new Array<boolean>(xs.length);
      xs.forEach((x, i) => {
        const b = boxOf(x);
        batched[i] = b !== undefined && b.trace === trace;
        vals[i] = batched[i] ? b!.inner : x;
      });
      const out =
        p.batch === undefined && p.vjp !== undefined
          ? bind(
              batchedSelf(p),
              vals.map((v, i) => (batched[i] ? v : broadcastTo(expandDims(v, 0), [size, ...v.shape]))),
              attrs,
            )
          : spec === 'loop'
            ? loopBatch(p, vals, batched, attrs, size)
            : spec(vals, batched, attrs, size);
      if (out.shape[0] !== size) {
        throw new GradError(`vmap: the batching rule of ${p.name} returned a leading axis of ${out.shape[0]}; expected the batch size ${size}`);
      }
      return shell(out, trace);
    },
    rebox(inner: Tensor, box: Box): Tensor {
      return shell(inner, box.trace);
    },
  };
}

/** The permutation moving axis `from` of a rank-`r` tensor to position `to`. */
function moveAxisPerm(r: number, from: number, to: number): number[] {
  const rest = Array.from({ length: r }, (_, i) => i).filter((i) => i !== from);
  rest.splice(to, 0, from);
  return rest;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** The axis of each leaf of `tree` under the axes spec `spec` (a prefix of the tree: a number or null covers a subtree). */
function axesOfLeaves(fn: string, what: string, tree: unknown, spec: InAxes): (number | null)[] {
  if (spec === null || typeof spec === 'number') {
    if (tree instanceof Tensor) return [spec];
    return treeLeaves(tree as Tree, `${fn} (${what})`).map(() => spec);
  }
  if (tree instanceof Tensor) throw new ValueError(`${fn}: ${what} is a Tensor, but its axes entry is ${describeKind(spec)}; expected a number or null`);
  if (Array.isArray(spec)) {
    if (!Array.isArray(tree) || tree.length !== spec.length) {
      throw new ValueError(`${fn}: the axes entry for ${what} is an array of length ${spec.length}, which does not match ${describeKind(tree)}`);
    }
    return tree.flatMap((t, i) => axesOfLeaves(fn, `${what}[${i}]`, t, spec[i]));
  }
  if (isPlainObject(spec) && isPlainObject(tree)) {
    const keys = Object.keys(tree).sort();
    if (keys.join() !== Object.keys(spec).sort().join()) throw new ValueError(`${fn}: the axes entry for ${what} has keys that differ from the argument's`);
    return keys.flatMap((k) => axesOfLeaves(fn, `${what}.${k}`, tree[k], (spec as Record<string, InAxes>)[k]));
  }
  throw new ValueError(`${fn}: the axes entry for ${what} is ${describeKind(spec)}; expected a number, null or a tree of those matching the argument`);
}

function checkAxesSpec(fn: string, what: string, spec: unknown): asserts spec is InAxes {
  if (spec === null || typeof spec === 'number') return;
  if (Array.isArray(spec)) return spec.forEach((s, i) => checkAxesSpec(fn, `${what}[${i}]`, s));
  if (isPlainObject(spec)) return Object.entries(spec).forEach(([k, s]) => checkAxesSpec(fn, `${what}.${k}`, s));
  throw new ValueError(`${fn}: ${what} must be a number, null or a tree of those, got ${describeKind(spec)}`);
}

function normAxis(fn: string, what: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ValueError(`${fn}: axis ${axis} for ${what} is out of range for rank ${rank}; expected an integer in [${-rank}, ${rank - 1}]`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Vectorizes `f` over a batch axis (as `jax.vmap`): `vmap(f)(xs)` equals
 * stacking `f(x)` over the examples `x` of `xs`, computed with one call of
 * each primitive's batching rule instead of a loop.
 *
 * - `inAxes` (default 0): a number (the batch axis of every tensor argument;
 *   negative counts from the end), `null` (not batched: passed unchanged), or
 *   an array with one entry per argument, each a number, `null` or a tree of
 *   those matching that argument. Arguments that are not tensors or trees
 *   (numbers, label arrays, options) are passed unchanged.
 * - `outAxes` (default 0): where the batch axis goes in each output leaf (a
 *   number, or a tree of numbers / null matching the output; `null` requires
 *   that output to be unbatched). Outputs that do not depend on a batched
 *   argument are broadcast over the batch.
 *
 * Composes with `grad` in both orders (`vmap(grad(f))` gives per-example
 * gradients), with `jvp` and with itself.
 *
 * Inside `f` the batched tensors have the per-example shape but stand for
 * one value per example: reading their values there (`toArray`,
 * `toArrayAsync`, `toTypedArray`, `toNested`, `item`) throws a ValueError, and
 * the functions that need concrete values (`argmax`, `argmin`, `argsort`,
 * `topk(...).indices`, `saveParams`) throw a GradError. Unbatched arguments
 * (`inAxes` null) stay readable.
 * @throws ValueError when `f` reads the values of a batched tensor
 * @throws GradError when `f` is not a function, no argument is batched, the
 *   batched arguments disagree on the batch size, the batch size is 0, or `f`
 *   returns something other than tensors
 * @throws ValueError for axes out of range or axes trees that do not match the arguments
 */
export function vmap<A extends readonly unknown[], R>(f: (...args: A) => R, inAxes: InAxes = 0, outAxes: InAxes = 0): (...args: A) => R {
  requireFunction('vmap', f, 'f');
  checkAxesSpec('vmap', 'inAxes', inAxes);
  checkAxesSpec('vmap', 'outAxes', outAxes);
  return (...args: A): R => {
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new ValueError(
        `vmap: inAxes has ${inAxes.length} entries for a call with ${args.length} argument(s); expected one per argument (or a single number / null)`,
      );
    }
    const isTree = (a: unknown): boolean => {
      if (a instanceof Tensor) return true;
      if (a === null || typeof a !== 'object' || ArrayBuffer.isView(a)) return false;
      try {
        treeLeaves(a as Tree);
        return true;
      } catch {
        return false;
      }
    };
    const specs = args.map((a, i) => {
      const s = Array.isArray(inAxes) ? (inAxes[i] as InAxes) : inAxes;
      if (!isTree(a)) {
        if (s !== null && typeof s !== 'number')
          throw new ValueError(`vmap: argument ${i} is ${describeKind(a)}, not a tensor tree, but its inAxes entry is a tree`);
        return null;
      }
      return axesOfLeaves('vmap', `argument ${i}`, a, s);
    });
    let size: number | undefined;
    args.forEach((a, i) => {
      const ax = specs[i];
      if (ax === null) return;
      treeLeaves(a as Tree).forEach((x, k) => {
        if (ax[k] === null) return;
        const d = x.shape[normAxis('vmap', `argument ${i} (leaf ${k})`, ax[k]!, x.rank)];
        if (size !== undefined && d !== size) {
          throw new GradError(`vmap: batched arguments disagree on the batch size: ${size} and ${d} (argument ${i}, leaf ${k})`);
        }
        size = d;
      });
    });
    if (size === undefined) throw new GradError('vmap: no argument is batched; expected at least one tensor with a batch axis (inAxes not null)');
    if (size === 0) throw new GradError('vmap: the batch size is 0; expected at least one example');
    const B = size;
    const trace = newTrace(handlerFor(B), 'vmap');
    const traced = args.map((a, i) => {
      const ax = specs[i];
      if (ax === null) return a;
      const leaves = treeLeaves(a as Tree).map((x, k) => {
        if (ax[k] === null) return x;
        const axis = normAxis('vmap', `argument ${i}`, ax[k]!, x.rank);
        const lx = live(x);
        return shell(axis === 0 ? lx : transpose(lx, moveAxisPerm(x.rank, axis, 0)), trace);
      });
      return a instanceof Tensor ? leaves[0] : treeUnflatten(a as Tree, leaves);
    });
    let out: unknown;
    try {
      out = (f as unknown as (...xs: unknown[]) => unknown)(...traced);
    } finally {
      trace.done = true;
    }
    let leaves: Tensor[];
    try {
      leaves = out instanceof Tensor ? [out] : treeLeaves(out as Tree, 'vmap');
    } catch {
      throw new GradError(`vmap: the function must return a Tensor or a tree of tensors, got ${describeKind(out)}`);
    }
    const oax = axesOfLeaves('vmap', 'the output', out, outAxes);
    const results = leaves.map((y, k) => {
      const t = live0(y, trace);
      const b = boxOf(t);
      const batched = b !== undefined && b.trace === trace;
      const o = oax[k];
      if (o === null) {
        if (batched) throw new GradError(`vmap: output leaf ${k} depends on the batched arguments but its outAxes entry is null`);
        return t;
      }
      const v = batched ? b!.inner : broadcastTo(expandDims(t, 0), [B, ...t.shape]);
      const axis = normAxis('vmap', `output leaf ${k}`, o, v.rank);
      return axis === 0 ? v : transpose(v, moveAxisPerm(v.rank, 0, axis));
    });
    return (out instanceof Tensor ? results[0] : treeUnflatten(out as Tree, results)) as R;
  };
}
