/**
 * Reference elementwise kernels on typed arrays: unary maps, broadcasting
 * binary and ternary maps, casts and broadcasts.
 *
 * Arithmetic is done in JavaScript doubles; results are rounded once when they
 * are stored into float32 storage.
 */
import { alloc, sizeOf, stridesOf, type DType, type Storage } from '../types.ts';

/** Names of the unary maps the js backend implements. */
export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'rsqrt' | 'square'
  | 'reciprocal' | 'tanh' | 'atanh' | 'atan' | 'cos' | 'sin' | 'sinh' | 'cosh' | 'asinh'
  | 'acosh' | 'sigmoid' | 'relu' | 'softplus' | 'sign' | 'isFinite' | 'step' | 'clamp'
  | 'clampMask';

/** Names of the binary maps the js backend implements. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'atan2'
  | 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual'
  | 'maxMask' | 'minMask';

function softplus(x: number): number {
  // log(1 + e^x) without overflow for large x and without cancellation for very negative x.
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

const UNARY: Record<Exclude<UnaryOp, 'clamp' | 'clampMask'>, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  tanh: Math.tanh,
  atanh: Math.atanh,
  atan: Math.atan,
  cos: Math.cos,
  sin: Math.sin,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  sigmoid,
  relu: (x) => (x > 0 ? x : 0),
  softplus,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
  step: (x) => (x > 0 ? 1 : 0),
};

/**
 * Applies a unary map. `p0`/`p1` are the bounds for `clamp` (value) and
 * `clampMask` (1 inside `[p0, p1]`, else 0).
 */
export function unary(op: UnaryOp, x: Storage, dtype: DType, p0 = 0, p1 = 0): Storage {
  const n = x.length;
  const out = alloc(dtype, n);
  if (op === 'clamp') {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      out[i] = v < p0 ? p0 : v > p1 ? p1 : v;
    }
    return out;
  }
  if (op === 'clampMask') {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      out[i] = v >= p0 && v <= p1 ? 1 : 0;
    }
    return out;
  }
  const f = UNARY[op];
  for (let i = 0; i < n; i++) out[i] = f(x[i]);
  return out;
}

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  atan2: Math.atan2,
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  // Subgradient share of `a` in max(a, b) / min(a, b): 1, 0, or 1/2 at a tie.
  maxMask: (a, b) => (a > b ? 1 : a < b ? 0 : 0.5),
  minMask: (a, b) => (a < b ? 1 : a > b ? 0 : 0.5),
};

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
 * Visits every position of `outShape` in row-major order and calls
 * `body(outIndex, offsets...)` through a strided walk; used by the broadcasting kernels.
 */
function stridedWalk(
  outShape: readonly number[],
  strides: readonly (readonly number[])[],
  body: (o: number, offs: Int32Array | number[]) => void,
): void {
  const r = outShape.length;
  const n = sizeOf(outShape);
  const k = strides.length;
  const offs = new Array<number>(k).fill(0);
  if (r === 0) {
    if (n === 1) body(0, offs);
    return;
  }
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < n; o++) {
    body(o, offs);
    // increment the multi-index and the offsets
    for (let ax = r - 1; ax >= 0; ax--) {
      idx[ax]++;
      for (let t = 0; t < k; t++) offs[t] += strides[t][ax];
      if (idx[ax] < outShape[ax]) break;
      for (let t = 0; t < k; t++) offs[t] -= strides[t][ax] * outShape[ax];
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
  const f = BINARY[op];
  if (a.length === n && b.length === n) {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
    else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
    else for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return out;
  }
  if (b.length === 1 && a.length === n) {
    const bv = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], bv);
    return out;
  }
  if (a.length === 1 && b.length === n) {
    const av = a[0];
    for (let i = 0; i < n; i++) out[i] = f(av, b[i]);
    return out;
  }
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  stridedWalk(outShape, [sa, sb], (o, offs) => {
    out[o] = f(a[offs[0]], b[offs[1]]);
  });
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
  const sc = broadcastStrides(cShape, outShape);
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  stridedWalk(outShape, [sc, sa, sb], (o, offs) => {
    out[o] = cond[offs[0]] !== 0 ? a[offs[1]] : b[offs[2]];
  });
  return out;
}

/** Materialises a broadcast of `x` to `outShape`. */
export function broadcastTo(x: Storage, shape: readonly number[], outShape: readonly number[], dtype: DType): Storage {
  const out = alloc(dtype, sizeOf(outShape));
  if (x.length === 1) {
    out.fill(x[0]);
    return out;
  }
  const sx = broadcastStrides(shape, outShape);
  stridedWalk(outShape, [sx], (o, offs) => {
    out[o] = x[offs[0]];
  });
  return out;
}

/** Converts storage to another dtype. */
export function cast(x: Storage, dtype: DType): Storage {
  return dtype === 'float64' ? Float64Array.from(x) : Float32Array.from(x);
}
