/**
 * Reference elementwise kernels on typed arrays: unary maps, broadcasting
 * binary and ternary maps, casts and broadcasts.
 *
 * Arithmetic is done in JavaScript doubles; results are rounded once when they
 * are stored into float32 storage. Loops are specialised per operation (see
 * `codegen.ts`), and broadcasting collapses the shapes to the fewest axes, so
 * the inner loop is always a contiguous or constant run.
 */
import { alloc, sizeOf, stridesOf, type DType, type Storage } from '../types.ts';
import { mapLoop, zipLoop } from './codegen.ts';

/** Names of the unary maps the js backend implements. */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'expm1'
  | 'sqrt'
  | 'rsqrt'
  | 'square'
  | 'reciprocal'
  | 'tanh'
  | 'atanh'
  | 'atan'
  | 'cos'
  | 'sin'
  | 'sinh'
  | 'cosh'
  | 'asinh'
  | 'acosh'
  | 'sigmoid'
  | 'relu'
  | 'softplus'
  | 'sign'
  | 'isFinite'
  | 'step'
  | 'clamp'
  | 'clampMask';

/** Names of the binary maps the js backend implements. */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'atan2'
  | 'equal'
  | 'notEqual'
  | 'less'
  | 'lessEqual'
  | 'greater'
  | 'greaterEqual'
  | 'maxMask'
  | 'minMask';

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Each unary map as a JavaScript expression of `x` (and `p0`, `p1`), plus the same map as a function. */
const UNARY: Record<UnaryOp, [string, (x: number, p0: number, p1: number) => number]> = {
  neg: ['-x', (x) => -x],
  abs: ['Math.abs(x)', Math.abs],
  exp: ['Math.exp(x)', Math.exp],
  log: ['Math.log(x)', Math.log],
  log1p: ['Math.log1p(x)', Math.log1p],
  expm1: ['Math.expm1(x)', Math.expm1],
  sqrt: ['Math.sqrt(x)', Math.sqrt],
  rsqrt: ['1 / Math.sqrt(x)', (x) => 1 / Math.sqrt(x)],
  square: ['x * x', (x) => x * x],
  reciprocal: ['1 / x', (x) => 1 / x],
  tanh: ['Math.tanh(x)', Math.tanh],
  atanh: ['Math.atanh(x)', Math.atanh],
  atan: ['Math.atan(x)', Math.atan],
  cos: ['Math.cos(x)', Math.cos],
  sin: ['Math.sin(x)', Math.sin],
  sinh: ['Math.sinh(x)', Math.sinh],
  cosh: ['Math.cosh(x)', Math.cosh],
  asinh: ['Math.asinh(x)', Math.asinh],
  acosh: ['Math.acosh(x)', Math.acosh],
  // stable forms: no overflow for large |x|
  sigmoid: ['(x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))', sigmoid],
  relu: ['(x > 0 || x !== x ? x : 0)', (x) => (x > 0 || Number.isNaN(x) ? x : 0)],
  softplus: ['(x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)))', softplus],
  sign: ['(x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x)', (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x)],
  isFinite: ['(x - x === 0 ? 1 : 0)', (x) => (Number.isFinite(x) ? 1 : 0)],
  step: ['(x > 0 ? 1 : 0)', (x) => (x > 0 ? 1 : 0)],
  clamp: ['(x < p0 ? p0 : x > p1 ? p1 : x)', (x, p0, p1) => (x < p0 ? p0 : x > p1 ? p1 : x)],
  clampMask: ['(x >= p0 && x <= p1 ? 1 : 0)', (x, p0, p1) => (x >= p0 && x <= p1 ? 1 : 0)],
};

/** Each binary map as a JavaScript expression of `a` and `b`, plus the same map as a function. */
const BINARY: Record<BinaryOp, [string, (a: number, b: number) => number]> = {
  add: ['a + b', (a, b) => a + b],
  sub: ['a - b', (a, b) => a - b],
  mul: ['a * b', (a, b) => a * b],
  div: ['a / b', (a, b) => a / b],
  pow: ['Math.pow(a, b)', Math.pow],
  // NaN in `a` propagates; NaN in `b` fails the comparison and propagates too
  maximum: ['(a >= b || a !== a ? a : b)', (a, b) => (a >= b || Number.isNaN(a) ? a : b)],
  minimum: ['(a <= b || a !== a ? a : b)', (a, b) => (a <= b || Number.isNaN(a) ? a : b)],
  atan2: ['Math.atan2(a, b)', Math.atan2],
  equal: ['(a === b ? 1 : 0)', (a, b) => (a === b ? 1 : 0)],
  notEqual: ['(a !== b ? 1 : 0)', (a, b) => (a !== b ? 1 : 0)],
  less: ['(a < b ? 1 : 0)', (a, b) => (a < b ? 1 : 0)],
  lessEqual: ['(a <= b ? 1 : 0)', (a, b) => (a <= b ? 1 : 0)],
  greater: ['(a > b ? 1 : 0)', (a, b) => (a > b ? 1 : 0)],
  greaterEqual: ['(a >= b ? 1 : 0)', (a, b) => (a >= b ? 1 : 0)],
  // subgradient share of `a` in max(a, b) / min(a, b): 1, 0, or 1/2 at a tie
  maxMask: ['(a > b ? 1 : a < b ? 0 : 0.5)', (a, b) => (a > b ? 1 : a < b ? 0 : 0.5)],
  minMask: ['(a < b ? 1 : a > b ? 0 : 0.5)', (a, b) => (a < b ? 1 : a > b ? 0 : 0.5)],
};

/**
 * Applies a unary map. `p0`/`p1` are the bounds for `clamp` (value) and
 * `clampMask` (1 inside `[p0, p1]`, else 0).
 */
export function unary(op: UnaryOp, x: Storage, dtype: DType, p0 = 0, p1 = 0): Storage {
  const out = alloc(dtype, x.length);
  const [expr, f] = UNARY[op];
  mapLoop(expr, f)(x, out, x.length, p0, p1);
  return out;
}

/** Strides of an input of `shape` read at the positions of `outShape` (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length;
  const off = r - shape.length;
  const own = stridesOf(shape);
  const s = new Array<number>(r).fill(0);
  for (let j = off; j < r; j++) {
    const i = j - off;
    s[j] = shape[i] === 1 ? 0 : own[i];
  }
  return s;
}

/**
 * Collapses a broadcast to the fewest axes: drops length-1 axes and merges
 * neighbours that are contiguous for every input. Returns the collapsed
 * shape and, per input, its strides on those axes.
 */
export function collapse(outShape: readonly number[], strides: readonly (readonly number[])[]): [number[], number[][]] {
  const shape: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let ax = 0; ax < outShape.length; ax++) {
    const d = outShape[ax];
    if (d === 1) continue;
    const last = shape.length - 1;
    if (last >= 0 && strides.every((s, t) => st[t][last] === s[ax] * d)) {
      shape[last] *= d;
      strides.forEach((s, t) => (st[t][last] = s[ax]));
    } else {
      shape.push(d);
      strides.forEach((s, t) => st[t].push(s[ax]));
    }
  }
  return [shape, st];
}

/**
 * Calls `row(offsets, o, n)` for each contiguous run of the collapsed output:
 * `o` is the output offset, `offsets[t]` input t's offset, `n` the run length.
 */
function forEachRun(shape: readonly number[], strides: readonly (readonly number[])[], row: (offs: readonly number[], o: number, n: number) => void): void {
  const r = shape.length;
  const k = strides.length;
  const offs = new Array<number>(k).fill(0);
  if (r === 0) {
    row(offs, 0, 1);
    return;
  }
  const inner = shape[r - 1];
  const rows = sizeOf(shape) / inner;
  const idx = new Array<number>(r).fill(0);
  for (let q = 0, o = 0; q < rows; q++, o += inner) {
    row(offs, o, inner);
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax]++;
      for (let t = 0; t < k; t++) offs[t] += strides[t][ax];
      if (idx[ax] < shape[ax]) break;
      for (let t = 0; t < k; t++) offs[t] -= strides[t][ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

/** Broadcasting binary map. The caller computes `outShape` with NumPy rules. */
export function binary(
  op: BinaryOp,
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  outShape: readonly number[],
  dtype: DType,
): Storage {
  const n = sizeOf(outShape);
  const out = alloc(dtype, n);
  if (n === 0) return out;
  const [expr, f] = BINARY[op];
  const loop = zipLoop(expr, f);
  if (a.length === n && b.length === n) {
    loop(a, 0, 1, b, 0, 1, out, 0, n);
    return out;
  }
  const [shape, [sa, sb]] = collapse(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const last = shape.length - 1;
  const ia = last >= 0 ? sa[last] : 0,
    ib = last >= 0 ? sb[last] : 0;
  forEachRun(shape, [sa, sb], (offs, o, len) => loop(a, offs[0], ia, b, offs[1], ib, out, o, len));
  return out;
}

/** Broadcasting select: `cond != 0 ? a : b`. */
export function where(
  cond: Storage,
  cShape: readonly number[],
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  outShape: readonly number[],
  dtype: DType,
): Storage {
  const out = alloc(dtype, sizeOf(outShape));
  if (out.length === 0) return out;
  const [shape, [sc, sa, sb]] = collapse(outShape, [
    broadcastStrides(cShape, outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ]);
  const last = shape.length - 1;
  const jc = last >= 0 ? sc[last] : 0,
    ja = last >= 0 ? sa[last] : 0,
    jb = last >= 0 ? sb[last] : 0;
  forEachRun(shape, [sc, sa, sb], (offs, o, len) => {
    let ic = offs[0],
      ia = offs[1],
      ib = offs[2];
    for (let i = 0; i < len; i++, ic += jc, ia += ja, ib += jb) out[o + i] = cond[ic] !== 0 ? a[ia] : b[ib];
  });
  return out;
}

/** Materialises a broadcast of `x` to `outShape`. */
export function broadcastTo(x: Storage, shape: readonly number[], outShape: readonly number[], dtype: DType): Storage {
  const out = alloc(dtype, sizeOf(outShape));
  if (out.length === 0) return out;
  if (x.length === 1) {
    out.fill(x[0]);
    return out;
  }
  const [cshape, [sx]] = collapse(outShape, [broadcastStrides(shape, outShape)]);
  const last = cshape.length - 1;
  const jx = sx[last];
  forEachRun(cshape, [sx], (offs, o, len) => {
    if (jx === 1) out.set(x.subarray(offs[0], offs[0] + len), o);
    else out.fill(x[offs[0]], o, o + len);
  });
  return out;
}

/** Converts storage to another dtype. */
export function cast(x: Storage, dtype: DType): Storage {
  return dtype === 'float64' ? Float64Array.from(x) : Float32Array.from(x);
}
