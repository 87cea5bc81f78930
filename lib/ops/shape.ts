/**
 * Shape ops: `reshape`, `transpose`/`permute`, `expandDims`, `squeeze`,
 * `flatten`, `concat`, `stack`, `slice`. Reshape shares storage (tensors are
 * immutable, so sharing is safe); the others copy through kernels.
 */
import { kernel } from '../../kernels/registry.ts';
import { sizeOf } from '../../kernels/types.ts';
import { bind, definePrimitive, type PrimitiveDef } from '../autodiff/primitive.ts';
import { zeros } from '../tensor/create.ts';
import { ArgumentError, AxisError, ShapeError, fmtShape } from '../errors.ts';
import { checkShape, normalizeAxes, normalizeAxis, requireNumberArray, shapesEqual } from '../tensor/shape.ts';
import { dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import { cast } from './cast.ts';
import { checkTensor, promote } from './util.ts';

const reshapeP: PrimitiveDef<readonly number[]> = definePrimitive<readonly number[]>({
  name: 'reshape',
  forward: ([x], shape) => fromData(dataRef(x), shape),
  vjp: (g, [x]) => [reshape(g, x.shape)],
  jvp: (_x, [t], _o, shape) => t && bind(reshapeP, [t], shape),
  batch: ([x], _b, shape, size) => bind(reshapeP, [x], [size, ...shape]),
});

/** `x` with a new shape of the same size; one axis may be `-1` (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x);
  requireNumberArray('reshape', shape, 'shape');
  const s = shape.slice();
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    if (s.indexOf(-1, infer + 1) >= 0) throw new ShapeError(`reshape: at most one axis may be -1, got ${fmtShape(shape)}`);
    const rest = s.reduce((p, d, i) => (i === infer ? p : p * d), 1);
    if (rest === 0 || x.size % rest !== 0) {
      throw new ShapeError(`reshape: cannot reshape a tensor with shape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
    }
    s[infer] = x.size / rest;
  }
  checkShape('reshape', s);
  if (sizeOf(s) !== x.size) {
    throw new ShapeError(
      `reshape: cannot reshape a tensor with shape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)} (${sizeOf(s)} elements); expected equal sizes`,
    );
  }
  if (shapesEqual(s, x.shape)) return x;
  return bind(reshapeP, [x], s);
}

/** `x` flattened to one axis. */
export function flatten(x: Tensor): Tensor {
  checkTensor('flatten', x);
  return reshape(x, [x.size]);
}

const transposeP: PrimitiveDef<readonly number[]> = definePrimitive<readonly number[]>({
  name: 'transpose',
  forward: ([x], perm) =>
    fromData(
      kernel('transpose', x.dtype)(dataRef(x), x.shape, perm, x.dtype),
      perm.map((p) => x.shape[p]),
    ),
  vjp: (g, _x, _o, perm) => {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [transpose(g, inv)];
  },
  jvp: (_x, [t], _o, perm) => t && bind(transposeP, [t], perm),
  // the batch axis stays first
  batch: ([x], _b, perm) => bind(transposeP, [x], [0, ...perm.map((p) => p + 1)]),
});

/**
 * Permutes the axes: output axis `i` is input axis `perm[i]`. Without `perm`
 * the axes are reversed (a matrix transpose for rank 2).
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkTensor('transpose', x);
  const r = x.rank;
  if (perm !== undefined) requireNumberArray('transpose', perm, 'perm', AxisError);
  const p = perm !== undefined ? perm.map((a) => normalizeAxis('transpose', a, r, x.shape)) : Array.from({ length: r }, (_, i) => r - 1 - i);
  if (p.length !== r || new Set(p).size !== r) {
    throw new AxisError(`transpose: perm [${perm?.join(', ')}] is not a permutation of the ${r} axes of a tensor with shape ${fmtShape(x.shape)}`);
  }
  if (p.every((a, i) => a === i)) return x;
  return bind(transposeP, [x], p);
}

/** Alias of {@link transpose} with a required permutation. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  return transpose(x, perm);
}

/** `x` with a new axis of length 1 inserted at `axis` (in `[-rank-1, rank]`). */
export function expandDims(x: Tensor, axis: number): Tensor {
  checkTensor('expandDims', x);
  if (!Number.isInteger(axis) || axis < -x.rank - 1 || axis > x.rank) {
    throw new AxisError(
      `expandDims: axis ${axis} is out of range for a tensor with shape ${fmtShape(x.shape)}; expected an integer in [${-x.rank - 1}, ${x.rank}]`,
    );
  }
  const a = axis < 0 ? axis + x.rank + 1 : axis;
  const s = x.shape.slice();
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** `x` without the given length-1 axes (all of them if `axis` is omitted). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor('squeeze', x);
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.rank, x.shape);
  for (const a of axes) {
    if (x.shape[a] !== 1) {
      throw new ShapeError(`squeeze: axis ${a} of a tensor with shape ${fmtShape(x.shape)} has length ${x.shape[a]}; expected length 1`);
    }
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

interface SliceAttrs {
  readonly begin: readonly number[];
  readonly size: readonly number[];
}

const sliceP: PrimitiveDef<SliceAttrs> = definePrimitive<SliceAttrs>({
  name: 'slice',
  forward: ([x], { begin, size }) => fromData(kernel('slice', x.dtype)(dataRef(x), x.shape, begin, size, x.dtype), size),
  vjp: (g, [x], _o, { begin }) => [padSlice(g, x.shape, begin)],
  jvp: (_x, [t], _o, attrs) => t && bind(sliceP, [t], attrs),
  batch: ([x], _b, { begin, size }, n) => bind(sliceP, [x], { begin: [0, ...begin], size: [n, ...size] }),
});

interface PadSliceAttrs {
  readonly fullShape: readonly number[];
  readonly begin: readonly number[];
}

const padSliceP: PrimitiveDef<PadSliceAttrs> = definePrimitive<PadSliceAttrs>({
  name: 'padSlice',
  forward: ([g], { fullShape, begin }) => fromData(kernel('padSlice', g.dtype)(dataRef(g), g.shape, fullShape, begin, g.dtype), fullShape),
  vjp: (gg, [g], _o, { begin }) => [slice(gg, begin, g.shape)],
  jvp: (_x, [t], _o, attrs) => t && bind(padSliceP, [t], attrs),
  batch: ([g], _b, { fullShape, begin }, n) => bind(padSliceP, [g], { fullShape: [n, ...fullShape], begin: [0, ...begin] }),
});

function padSlice(g: Tensor, fullShape: readonly number[], begin: readonly number[]): Tensor {
  return bind(padSliceP, [g], { fullShape, begin });
}

/**
 * The box of `x` starting at `begin` with `size` (tfjs style). Missing trailing
 * entries take whole axes; a size of `-1` runs to the end of its axis.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkTensor('slice', x);
  requireNumberArray('slice', begin, 'begin');
  if (size !== undefined) requireNumberArray('slice', size, 'size');
  const r = x.rank;
  if (begin.length > r || (size && size.length > r)) {
    throw new ShapeError(`slice: begin [${begin.join(', ')}] / size [${size?.join(', ') ?? ''}] have more entries than the rank of shape ${fmtShape(x.shape)}`);
  }
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < r; i++) {
    const bi = begin[i] ?? 0;
    const si0 = size?.[i] ?? -1;
    const si = si0 === -1 ? x.shape[i] - bi : si0;
    if (!Number.isInteger(bi) || !Number.isInteger(si) || bi < 0 || si < 0 || bi + si > x.shape[i]) {
      throw new ShapeError(
        `slice: begin [${begin.join(', ')}] and size [${size?.join(', ') ?? ''}] do not fit inside shape ${fmtShape(x.shape)} (axis ${i}: begin ${bi}, size ${si}, length ${x.shape[i]})`,
      );
    }
    b.push(bi);
    s.push(si);
  }
  if (shapesEqual(s, x.shape)) return x;
  return bind(sliceP, [x], { begin: b, size: s });
}

const concatP: PrimitiveDef<number> = definePrimitive<number>({
  name: 'concat',
  forward: (xs, axis) => {
    const shape = xs[0].shape.slice();
    shape[axis] = xs.reduce((p, t) => p + t.shape[axis], 0);
    const dt = xs[0].dtype;
    return fromData(
      kernel('concat', dt)(
        xs.map(dataRef),
        xs.map((t) => t.shape),
        axis,
        dt,
      ),
      shape,
    );
  },
  vjp: (g, xs, _o, axis, needs) => {
    let off = 0;
    return xs.map((t, i) => {
      const begin = new Array<number>(t.rank).fill(0);
      begin[axis] = off;
      off += t.shape[axis];
      return needs[i] ? slice(g, begin, t.shape) : undefined;
    });
  },
  // linear in every input: the tangents (zeros where unperturbed) concatenated the same way
  jvp: (xs, ts, _o, axis) =>
    ts.every((t) => t === undefined)
      ? undefined
      : bind(
          concatP,
          xs.map((x, i) => ts[i] ?? zeros(x.shape, x.dtype)),
          axis,
        ),
  // along axis + 1; an unbatched input is repeated along the batch axis (n copies, as a broadcast would)
  batch: (xs, bs, axis, n) =>
    bind(
      concatP,
      xs.map((x, i) => (bs[i] ? x : repeatLeading(x, n))),
      axis + 1,
    ),
});

/** `x` with a new leading axis of `n` copies (concat of views; this module sits below broadcastTo). */
function repeatLeading(x: Tensor, n: number): Tensor {
  const one = reshape(x, [1, ...x.shape]);
  return n === 1 ? one : bind(concatP, new Array<Tensor>(n).fill(one), 0);
}

/** Joins tensors along an existing axis; shapes must agree elsewhere. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs as unknown) || xs.length === 0) throw new ArgumentError('concat: expected a non-empty array of tensors');
  xs.forEach((t, i) => checkTensor('concat', t, `xs[${i}]`));
  const r = xs[0].rank;
  if (r === 0) throw new ShapeError('concat: cannot concatenate scalars (shape []); use stack');
  const a = normalizeAxis('concat', axis, r, xs[0].shape);
  for (const t of xs) {
    if (t.rank !== r || t.shape.some((d, i) => i !== a && d !== xs[0].shape[i])) {
      throw new ShapeError(`concat: shapes ${xs.map((u) => fmtShape(u.shape)).join(', ')} differ off axis ${a}; expected equal lengths on every other axis`);
    }
  }
  if (xs.length === 1) return xs[0];
  const dt = xs.reduce((d, t) => promote(d, t.dtype), xs[0].dtype);
  return bind(
    concatP,
    xs.map((t) => cast(t, dt)),
    a,
  );
}

/** Stacks equal-shape tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs as unknown) || xs.length === 0) throw new ArgumentError('stack: expected a non-empty array of tensors');
  xs.forEach((t, i) => checkTensor('stack', t, `xs[${i}]`));
  for (const t of xs) {
    if (!shapesEqual(t.shape, xs[0].shape)) {
      throw new ShapeError(`stack: shapes ${xs.map((u) => fmtShape(u.shape)).join(', ')} differ; expected equal shapes`);
    }
  }
  const a = normalizeAxis('stack', axis, xs[0].rank + 1, xs[0].shape);
  const ex = xs.map((t) => expandDims(t, a));
  return ex.length === 1 ? ex[0] : concat(ex, a);
}
