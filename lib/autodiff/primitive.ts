/**
 * Primitives and `bind`: the one place where tracing happens.
 *
 * A primitive is an op's forward computation (on plain tensors, through the
 * kernel registry) plus its rules written with ops: the vector-Jacobian
 * product (reverse mode), the Jacobian-vector product (forward mode) and the
 * batching rule (`vmap`). `bind` applies a primitive to possibly-traced inputs
 * in the style of HIPS autograd: it finds the innermost live trace among the
 * inputs, unwraps that level, applies the primitive one level down
 * (recursively), and records the result at that level. A reverse-mode trace
 * records the VJP; a forward-mode or batching trace (lib/autodiff/jvp.ts,
 * vmap.ts) registers a {@link TraceHandler} that processes the primitive with
 * its JVP or batching rule. Because the rules are built from ops, the rules
 * of an inner transform are themselves traced by the outer ones: that is what
 * makes `grad(grad(f))`, `jvp(grad(f))` and `vmap(grad(f))` work. No global
 * tape exists; each trace's graph lives only in the boxes of its tensors.
 *
 * Library primitives are made with {@link definePrimitive}, whose argument
 * type ({@link PrimitiveDef}) makes every rule a required field: a primitive
 * added without its VJP, JVP and batching rule does not compile.
 */
import { boxOf, boxed, type Box, type Tensor, type Trace } from '../tensor/tensor.ts';

/** VJP rule: output cotangent → input cotangents (`undefined` = zero / not needed). */
export type VjpRule<A> = (
  g: Tensor,
  inputs: readonly Tensor[],
  out: Tensor,
  attrs: A,
  needs: readonly boolean[],
  /** what {@link Primitive.forwardSaving} kept, when it ran for this application (else undefined) */
  saved?: unknown,
) => readonly (Tensor | undefined)[];

/**
 * JVP rule: input tangents → output tangent. `tangents[i]` is undefined where
 * input `i` is not perturbed (a symbolic zero); the result is undefined for a
 * zero tangent. Rules are written with ops, on the unwrapped primals.
 */
export type JvpRule<A> = (primals: readonly Tensor[], tangents: readonly (Tensor | undefined)[], out: Tensor, attrs: A) => Tensor | undefined;

/**
 * Batching rule: `xs[i]` carries a leading batch axis of length `size` where
 * `batched[i]`, and has the per-example shape otherwise; `attrs` are the
 * per-example attributes. Returns the output with a leading batch axis.
 */
export type BatchRule<A> = (xs: readonly Tensor[], batched: readonly boolean[], attrs: A, size: number) => Tensor;

/**
 * How a primitive is differentiated in forward mode:
 * - a {@link JvpRule};
 * - `'composite'`: re-evaluate {@link Primitive.composite} on the traced inputs (fused ops);
 * - `'zero'`: piecewise constant (comparisons, sign, index computations);
 * - `'transposeVjp'`: derived from the VJP, which is linear in its cotangent, by
 *   transposing it with a reverse pass (the fallback for `customGrad`).
 */
export type JvpSpec<A> = JvpRule<A> | 'composite' | 'zero' | 'transposeVjp';

/**
 * How a primitive is batched by `vmap`:
 * - a {@link BatchRule};
 * - `'composite'`: re-evaluate {@link Primitive.composite} on the batched inputs (fused ops);
 * - `'loop'`: apply the primitive to each example and stack the results (the
 *   documented fallback, correct for every primitive, one call per example).
 */
export type BatchSpec<A> = BatchRule<A> | 'composite' | 'loop';

/** An op's forward computation on untraced tensors and its rules. */
export interface Primitive<A> {
  readonly name: string;
  /** Computes the output from untraced inputs. */
  readonly forward: (inputs: readonly Tensor[], attrs: A) => Tensor;
  /** Absent for ops whose output is piecewise constant (comparisons, sign, …). */
  readonly vjp?: VjpRule<A>;
  /**
   * Forward-mode rule. Absent (user primitives such as `customGrad`):
   * `'transposeVjp'` when a VJP exists, else `'zero'`.
   */
  readonly jvp?: JvpSpec<A>;
  /** Batching rule. Absent (user primitives such as `customGrad`): `'loop'`. */
  readonly batch?: BatchSpec<A>;
  /** The op as a composite of other ops, for the `'composite'` rules (fused ops). */
  readonly composite?: (inputs: readonly Tensor[], attrs: A) => Tensor;
  /**
   * Optional: the forward computation that also returns intermediates for the
   * VJP (e.g. a Gram matrix the backward would otherwise recompute). It runs
   * instead of `forward` only when the op is recorded on a trace and its
   * inputs are untraced one level down; what it keeps lives as long as that
   * trace's record.
   */
  readonly forwardSaving?: (inputs: readonly Tensor[], attrs: A) => { out: Tensor; saved: unknown };
}

/**
 * A library primitive's definition: every rule is a required field, so the
 * type checker keeps the rule table complete (`vjp: undefined` states a zero
 * derivative explicitly; `batch: 'loop'` states the documented fallback).
 */
export interface PrimitiveDef<A> extends Primitive<A> {
  readonly vjp: VjpRule<A> | undefined;
  readonly jvp: JvpSpec<A>;
  readonly batch: BatchSpec<A>;
}

/** One registered primitive's rule kinds, for the rule-table count. */
export interface PrimitiveInfo {
  readonly name: string;
  /** `'rule'` (its own VJP) or `'none'` (piecewise constant: zero) */
  readonly vjp: 'rule' | 'none';
  /** `'rule'` or the named fallback */
  readonly jvp: 'rule' | 'composite' | 'zero' | 'transposeVjp';
  /** `'rule'` or the named fallback */
  readonly batch: 'rule' | 'composite' | 'loop';
}

const registry: PrimitiveInfo[] = [];

/**
 * Registers a library primitive (all rules required) and returns it. Marked
 * free of side effects for bundlers, so a primitive no code uses is dropped
 * with its op (the registry only lists what is loaded).
 */
/* @__NO_SIDE_EFFECTS__ */
export function definePrimitive<A>(def: PrimitiveDef<A>): PrimitiveDef<A> {
  registry.push({
    name: def.name,
    vjp: def.vjp === undefined ? 'none' : 'rule',
    jvp: typeof def.jvp === 'function' ? 'rule' : def.jvp,
    batch: typeof def.batch === 'function' ? 'rule' : def.batch,
  });
  return def;
}

/** Every primitive made with {@link definePrimitive} so far, with the kinds of its rules. */
export function registeredPrimitives(): readonly PrimitiveInfo[] {
  return registry.slice();
}

/**
 * How a forward-mode or batching trace processes primitives (registered by
 * the transform that opens the trace).
 */
export interface TraceHandler {
  /** Applies `p` to `inputs`, of which at least one is boxed at `trace` (all live). */
  process<A>(p: Primitive<A>, inputs: readonly Tensor[], attrs: A, trace: Trace): Tensor;
  /**
   * For traces whose boxes change the value seen by the user (a batching
   * trace hides the batch axis): rebuilds the box of `box` around `inner`, so
   * that {@link strip} keeps this level. Absent: `strip` removes the level.
   */
  rebox?(inner: Tensor, box: Box): Tensor;
}

const handlers = new WeakMap<Trace, TraceHandler>();

/** `t` without boxes of traces that have already finished. */
export function live(t: Tensor): Tensor {
  let b = boxOf(t);
  while (b !== undefined && b.trace.done) {
    t = b.inner;
    b = boxOf(t);
  }
  return t;
}

/**
 * `t` as a constant for every differentiation: reverse-mode and forward-mode
 * boxes are removed; the boxes of batching traces (`vmap`) are kept (rebuilt
 * around the stripped value), since they are part of the value.
 */
export function strip(t: Tensor): Tensor {
  let b = boxOf(t);
  while (b !== undefined) {
    const h = handlers.get(b.trace);
    if (h?.rebox !== undefined && !b.trace.done) return h.rebox(strip(b.inner), b);
    t = b.inner;
    b = boxOf(t);
  }
  return t;
}

/** Applies a primitive to (possibly traced) inputs. */
export function bind<A>(p: Primitive<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const n = inputs.length;
  const xs = new Array<Tensor>(n);
  let top: Trace | undefined;
  for (let i = 0; i < n; i++) {
    const x = live(inputs[i]);
    xs[i] = x;
    const b = boxOf(x);
    if (b !== undefined && (top === undefined || b.trace.id > top.id)) top = b.trace;
  }
  if (top === undefined) return p.forward(xs, attrs);
  const h = handlers.get(top);
  if (h !== undefined) return h.process(p, xs, attrs, top);
  // a reverse-mode trace: a primitive without a VJP is constant at this level
  if (p.vjp === undefined)
    return bind(
      p,
      xs.map((x) => unwrapAt(x, top)),
      attrs,
    );

  const unwrapped = new Array<Tensor>(n);
  const needs = new Array<boolean>(n);
  const parents: Tensor[] = [];
  const parentIndex: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = boxOf(xs[i]);
    if (b !== undefined && b.trace === top) {
      unwrapped[i] = b.inner;
      needs[i] = true;
      parents.push(xs[i]);
      parentIndex.push(i);
    } else {
      unwrapped[i] = xs[i];
      needs[i] = false;
    }
  }
  let out: Tensor;
  let saved: unknown;
  const ws = p.forwardSaving === undefined ? undefined : unwrapped.map(live);
  if (p.forwardSaving !== undefined && ws !== undefined && ws.every((w) => boxOf(w) === undefined)) {
    // the innermost recorded level: keep what the forward offers the VJP
    ({ out, saved } = p.forwardSaving(ws, attrs));
  } else {
    out = bind(p, unwrapped, attrs);
  }
  const rule = p.vjp;
  const box: Box = {
    trace: top,
    inner: out,
    parents,
    vjp: (g) => {
      const gs = rule(g, unwrapped, out, attrs, needs, saved);
      return parentIndex.map((i) => gs[i]);
    },
  };
  return boxed(out, box);
}

let traceCounter = 0;

/** `x` seen one level below `trace` (unchanged when it is not boxed there). */
export function unwrapAt(x: Tensor, trace: Trace): Tensor {
  const b = boxOf(x);
  return b !== undefined && b.trace === trace ? b.inner : x;
}

/**
 * Opens a new trace; inner traces always get larger ids than the traces they
 * run inside. With a handler it is a forward-mode or batching trace, else a
 * reverse-mode one. `opaque` names a transform whose traced values cannot be
 * read inside it (`vmap`).
 */
export function newTrace(handler?: TraceHandler, opaque?: string): Trace {
  traceCounter += 1;
  const t: Trace = opaque === undefined ? { id: traceCounter, done: false } : { id: traceCounter, done: false, opaque };
  if (handler !== undefined) handlers.set(t, handler);
  return t;
}

/** Marks `x` as an input of `trace`. */
export function leaf(x: Tensor, trace: Trace): Tensor {
  const inner = live(x);
  return boxed(inner, { trace, inner, parents: [], vjp: undefined });
}
