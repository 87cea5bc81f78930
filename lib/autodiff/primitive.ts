/**
 * Primitives and `bind`: the one place where reverse-mode tracing happens.
 *
 * A primitive is an op's forward computation (on plain tensors, through the
 * kernel registry) plus its vector-Jacobian product written with ops. `bind`
 * applies a primitive to possibly-traced inputs in the style of HIPS autograd:
 * it finds the innermost live trace among the inputs, unwraps that level,
 * applies the primitive one level down (recursively), and records the result
 * at that level together with its VJP. Because VJPs are built from ops, the
 * backward pass of an inner `grad` is itself recorded by the outer traces:
 * that is what makes `grad(grad(f))` work. No global tape exists; each trace's
 * graph lives only in the boxes of its tensors.
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

/** An op's forward computation on untraced tensors and its VJP. */
export interface Primitive<A> {
  readonly name: string;
  /** Computes the output from untraced inputs. */
  readonly forward: (inputs: readonly Tensor[], attrs: A) => Tensor;
  /** Absent for ops whose output is piecewise constant (comparisons, sign, …). */
  readonly vjp?: VjpRule<A>;
  /**
   * Optional: the forward computation that also returns intermediates for the
   * VJP (e.g. a Gram matrix the backward would otherwise recompute). It runs
   * instead of `forward` only when the op is recorded on a trace and its
   * inputs are untraced one level down; what it keeps lives as long as that
   * trace's record.
   */
  readonly forwardSaving?: (inputs: readonly Tensor[], attrs: A) => { out: Tensor; saved: unknown };
}

/** `t` without boxes of traces that have already finished. */
export function live(t: Tensor): Tensor {
  let b = boxOf(t);
  while (b !== undefined && b.trace.done) {
    t = b.inner;
    b = boxOf(t);
  }
  return t;
}

/** `t` with every trace box removed: a constant for every `grad`. */
export function strip(t: Tensor): Tensor {
  let b = boxOf(t);
  while (b !== undefined) {
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
  if (p.vjp === undefined) return p.forward(xs.map(strip), attrs);

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

/** Opens a new trace; inner traces always get larger ids than the traces they run inside. */
export function newTrace(): Trace {
  traceCounter += 1;
  return { id: traceCounter, done: false };
}

/** Marks `x` as an input of `trace`. */
export function leaf(x: Tensor, trace: Trace): Tensor {
  const inner = live(x);
  return boxed(inner, { trace, inner, parents: [], vjp: undefined });
}
