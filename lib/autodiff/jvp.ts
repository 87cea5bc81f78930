/**
 * Forward mode: `jvp` (Jacobian-vector products over trees) and `linearize`.
 *
 * A call opens a forward-mode trace whose tensors carry a tangent next to
 * their value (dual numbers). Each primitive applied to them is processed by
 * the trace's handler: the value one level down (`bind`), the tangent by the
 * primitive's JVP rule — written with ops, so the rules of an inner `grad`
 * or `jvp` are themselves traced by the outer transforms (`jvp(grad(f))`,
 * `grad(jvp)`, `jvp(jvp(f))`). A primitive without its own rule
 * (`customGrad`) has its JVP derived from its VJP, which is linear in the
 * cotangent: the JVP is that map's transpose, computed by one reverse pass.
 */
import { GradError, ShapeError, describeKind, fmtShape, requireFunction } from '../errors.ts';
import { zerosLike } from '../tensor/create.ts';
import { boxed, boxOf, Tensor, type Box, type Trace } from '../tensor/tensor.ts';
import { add } from '../ops/elementwise.ts';
import { cast } from '../ops/cast.ts';
import { live0, vjpWith } from './backward.ts';
import { COTANGENT_OPS as OPS } from './grad.ts';
import { bind, live, newTrace, type Primitive, type TraceHandler } from './primitive.ts';
import { sameStructure, treeLeaves, treeUnflatten, type Tree } from './tree.ts';

/** The tangent of each forward-mode box. */
const tangents = new WeakMap<Box, Tensor>();

/** `primal` carrying `tangent` at `trace`. */
function dual(primal: Tensor, tangent: Tensor, trace: Trace): Tensor {
  const box: Box = { trace, inner: primal, parents: [], vjp: undefined };
  tangents.set(box, tangent);
  return boxed(primal, box);
}

/**
 * The JVP of a primitive that has only a VJP: u ↦ vjp(u) is linear, and its
 * transpose applied to each input tangent t_i is J_i·t_i (one reverse pass
 * over the VJP rule per perturbed input).
 */
function transposeVjp<A>(p: Primitive<A>, primals: readonly Tensor[], ts: readonly (Tensor | undefined)[], out: Tensor, attrs: A): Tensor | undefined {
  const rule = p.vjp;
  if (rule === undefined) return undefined;
  const needs = ts.map((t) => t !== undefined);
  let acc: Tensor | undefined;
  ts.forEach((t, i) => {
    if (t === undefined) return;
    const [, back] = vjpWith(
      OPS,
      (u: Tensor) => {
        const gi = rule(u, primals, out, attrs, needs)[i];
        // an input the VJP gives no cotangent has no influence: J_i = 0
        return gi ?? zerosLike(primals[i]);
      },
      [zerosLike(out)],
    );
    const [jt] = back(t);
    acc = acc === undefined ? jt : add(acc, jt);
  });
  return acc;
}

const handler: TraceHandler = {
  process<A>(p: Primitive<A>, xs: readonly Tensor[], attrs: A, trace: Trace): Tensor {
    const spec = p.jvp ?? (p.vjp === undefined ? 'zero' : 'transposeVjp');
    if (spec === 'composite') {
      if (p.composite === undefined) throw new GradError(`jvp: primitive ${p.name} asks for its composite definition but has none`);
      return p.composite(xs, attrs);
    }
    const primals = new Array<Tensor>(xs.length);
    const ts = new Array<Tensor | undefined>(xs.length);
    xs.forEach((x, i) => {
      const b = boxOf(x);
      if (b !== undefined && b.trace === trace) {
        primals[i] = b.inner;
        ts[i] = tangents.get(b);
      } else {
        primals[i] = x;
        ts[i] = undefined;
      }
    });
    const out = bind(p, primals, attrs);
    if (spec === 'zero') return out;
    let t = spec === 'transposeVjp' ? transposeVjp(p, primals, ts, out, attrs) : spec(primals, ts, out, attrs);
    if (t === undefined) return out;
    if (t.size !== out.size) {
      throw new ShapeError(`jvp: the JVP rule of ${p.name} gave a tangent of shape ${fmtShape(t.shape)} for an output of shape ${fmtShape(out.shape)}`);
    }
    if (t.dtype !== out.dtype) t = cast(t, out.dtype);
    return dual(out, t, trace);
  },
};

/** Splits an output leaf into its value and tangent at `trace` (a zero tangent when it does not depend on the inputs). */
function primalTangent(y: Tensor, trace: Trace): [Tensor, Tensor] {
  const t = live0(y, trace);
  const b = boxOf(t);
  if (b !== undefined && b.trace === trace) return [b.inner, tangents.get(b) ?? zerosLike(b.inner)];
  return [t, zerosLike(t)];
}

/**
 * Forward-mode Jacobian-vector product: returns `[f(...primals), J·tangents]`,
 * the output and its directional derivative along `tangents`. `primals` are
 * the arguments of `f` (tensors or trees of tensors); `tangents` has the same
 * structure and shapes (a tangent's dtype is converted to its primal's). `f`
 * may return a tensor or a tree of tensors; both results have its structure.
 * One forward pass, no backward pass; composes with `grad`, `vmap` and
 * itself in any order.
 * @throws GradError when `f` is not a function, `primals`/`tangents` are not
 *   arrays of one length, or `f` returns something other than tensors
 * @throws ShapeError when a tangent's structure or shape differs from its primal's
 */
export function jvp<A extends readonly unknown[], R>(f: (...args: A) => R, primals: A, tangents: { readonly [I in keyof A]: A[I] }): [R, R] {
  requireFunction('jvp', f, 'f');
  if (!Array.isArray(primals) || !Array.isArray(tangents) || primals.length !== tangents.length) {
    throw new GradError(
      `jvp: primals and tangents must be arrays with one entry per argument of f, got ${describeKind(primals)} and ${describeKind(tangents)}`,
    );
  }
  const ps = primals as readonly Tree[];
  const tsIn = tangents as readonly Tree[];
  ps.forEach((p, i) => {
    const pl = treeLeaves(p, `jvp (primal ${i})`);
    const tl = treeLeaves(tsIn[i], `jvp (tangent ${i})`);
    if (!sameStructure(p, tsIn[i])) throw new ShapeError(`jvp: tangent ${i} has a different tree structure from primal ${i}`);
    pl.forEach((x, k) => {
      if (tl[k].rank !== x.rank || tl[k].shape.some((d, j) => d !== x.shape[j])) {
        throw new ShapeError(`jvp: tangent ${i} (leaf ${k}) has shape ${fmtShape(tl[k].shape)}; expected its primal's shape ${fmtShape(x.shape)}`);
      }
    });
  });
  const trace = newTrace(handler);
  const args = ps.map((p, i) => {
    const tl = treeLeaves(tsIn[i]);
    return treeUnflatten(
      p,
      treeLeaves(p).map((x, k) => {
        const px = live(x);
        return dual(px, tl[k].dtype === px.dtype ? tl[k] : cast(tl[k], px.dtype), trace);
      }),
    );
  });
  let out: unknown;
  try {
    out = (f as unknown as (...a: Tree[]) => unknown)(...args);
  } finally {
    trace.done = true;
  }
  const leaves = outputLeaves('jvp', out);
  const pairs = leaves.map((y) => primalTangent(y, trace));
  if (out instanceof Tensor) return [pairs[0][0] as R, pairs[0][1] as R];
  return [
    treeUnflatten(
      out as Tree,
      pairs.map((p) => p[0]),
    ) as R,
    treeUnflatten(
      out as Tree,
      pairs.map((p) => p[1]),
    ) as R,
  ];
}

/** The tensor leaves of a function's output, or a GradError naming `fn` (also used by jacobian.ts). @internal */
export function outputLeaves(fn: string, out: unknown): Tensor[] {
  if (out instanceof Tensor) return [out];
  try {
    return treeLeaves(out as Tree, fn);
  } catch {
    throw new GradError(`${fn}: the function must return a Tensor or a tree of tensors, got ${describeKind(out)}`);
  }
}

/**
 * `[f(...primals), jvpFn]` where `jvpFn(...tangents)` is the linear map
 * t ↦ J·t at `primals` (as `jax.linearize`). The value is computed once;
 * each call of `jvpFn` runs `f` again in forward mode (no partial evaluation),
 * so it costs one forward pass with tangents.
 * @throws GradError when `f` is not a function
 */
export function linearize<A extends readonly unknown[], R>(f: (...args: A) => R, ...primals: A): [R, (...tangents: { readonly [I in keyof A]: A[I] }) => R] {
  requireFunction('linearize', f, 'f');
  primals.forEach((p, i) => treeLeaves(p as Tree, `linearize (argument ${i})`));
  const value = f(...primals);
  outputLeaves('linearize', value);
  return [value, (...ts) => jvp(f, primals, ts)[1]];
}
