/**
 * Reference reduction kernels: sum, max, min and the Euclidean norm over any
 * set of axes. Accumulation is always in float64, whatever the storage dtype.
 *
 * The input is walked once in storage order. Axes are first collapsed into
 * alternating runs of reduced and kept axes; the innermost run is then either
 * folded into one output (a reduced run) or combined elementwise into a
 * contiguous block of outputs (a kept run), both as tight loops.
 */
import { alloc, sizeOf, type DType, type Storage } from '../types.ts';

/** Reductions the js backend implements. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'norm';

type Fold = 'sum' | 'max' | 'min';

/** Fold `x` into `acc` over the given axes (see the module comment). */
function foldInto(op: Fold, x: ArrayLike<number>, shape: readonly number[], reduced: readonly boolean[], acc: Float64Array): void {
  // collapse: drop length-1 axes, merge neighbours with the same flag
  const dims: number[] = [];
  const red: boolean[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    if (red.length && red[red.length - 1] === reduced[i]) dims[dims.length - 1] *= shape[i];
    else {
      dims.push(shape[i]);
      red.push(reduced[i]);
    }
  }
  const n = x.length;
  if (n === 0) return;
  if (dims.length === 0) {
    acc[0] = combine(op, acc[0], x[0]);
    return;
  }
  // output stride of each collapsed axis (0 on reduced axes)
  const r = dims.length;
  const ostr = new Array<number>(r).fill(0);
  for (let i = r - 1, s = 1; i >= 0; i--) {
    if (!red[i]) {
      ostr[i] = s;
      s *= dims[i];
    }
  }
  const inner = dims[r - 1];
  const innerReduced = red[r - 1];
  const runs = n / inner;
  const idx = new Array<number>(r).fill(0);
  let o = 0;
  for (let q = 0, i0 = 0; q < runs; q++, i0 += inner) {
    if (innerReduced) {
      let v = acc[o];
      if (op === 'sum') for (let j = 0; j < inner; j++) v += x[i0 + j];
      else if (op === 'max')
        for (let j = 0; j < inner; j++) {
          const t = x[i0 + j];
          if (t > v || t !== t) v = t;
        }
      else
        for (let j = 0; j < inner; j++) {
          const t = x[i0 + j];
          if (t < v || t !== t) v = t;
        }
      acc[o] = v;
    } else if (op === 'sum') for (let j = 0; j < inner; j++) acc[o + j] += x[i0 + j];
    else if (op === 'max')
      for (let j = 0; j < inner; j++) {
        const t = x[i0 + j];
        if (t > acc[o + j] || t !== t) acc[o + j] = t;
      }
    else
      for (let j = 0; j < inner; j++) {
        const t = x[i0 + j];
        if (t < acc[o + j] || t !== t) acc[o + j] = t;
      }
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax]++;
      o += ostr[ax];
      if (idx[ax] < dims[ax]) break;
      o -= ostr[ax] * dims[ax];
      idx[ax] = 0;
    }
  }
}

function combine(op: Fold, a: number, b: number): number {
  if (op === 'sum') return a + b;
  if (b !== b) return b;
  return op === 'max' ? (b > a ? b : a) : b < a ? b : a;
}

/**
 * Reduces `x` (of `shape`) over the sorted, distinct `axes`. The result has the
 * kept axes' shape in row-major order (the op layer re-inserts size-1 axes for `keepdims`).
 */
export function reduce(op: ReduceOp, x: Storage, shape: readonly number[], axes: readonly number[], dtype: DType): Storage {
  const reduced = shape.map((_, i) => axes.includes(i));
  const m = sizeOf(shape.filter((_, i) => !reduced[i]));
  if (op === 'norm') {
    // One pass of sums of squares; rows whose sum overflowed to ∞ or underflowed
    // to 0 while holding non-zero entries are redone with the scaled two-pass method.
    const sq = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) sq[i] = x[i] * x[i];
    const sumsq = new Float64Array(m);
    foldInto('sum', sq, shape, reduced, sumsq);
    let bad = false;
    for (let o = 0; o < m; o++) if (sumsq[o] === Infinity || sumsq[o] < 1e-290) bad = true;
    const out = alloc(dtype, m);
    if (!bad) {
      for (let o = 0; o < m; o++) out[o] = Math.sqrt(sumsq[o]);
      return out;
    }
    const absX = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) absX[i] = Math.abs(x[i]);
    const scale = new Float64Array(m);
    foldInto('max', absX, shape, reduced, scale);
    const scaled = new Float64Array(x.length);
    spread(scale, shape, reduced, scaled);
    for (let i = 0; i < x.length; i++) {
      const sc = scaled[i];
      const t = sc > 0 && sc !== Infinity ? absX[i] / sc : 0;
      scaled[i] = t * t;
    }
    const ssq = new Float64Array(m);
    foldInto('sum', scaled, shape, reduced, ssq);
    for (let o = 0; o < m; o++) {
      const sc = scale[o];
      out[o] = sc === 0 || sc === Infinity || sc !== sc ? sc : sc * Math.sqrt(ssq[o]);
    }
    return out;
  }
  const acc = new Float64Array(m);
  acc.fill(op === 'max' ? -Infinity : op === 'min' ? Infinity : 0);
  foldInto(op, x, shape, reduced, acc);
  const out = alloc(dtype, m);
  out.set(acc);
  return out;
}

/** Writes into `dst` (input-shaped) the value of `src` (output-shaped) for each input position. */
function spread(src: Float64Array, shape: readonly number[], reduced: readonly boolean[], dst: Float64Array): void {
  const r = shape.length;
  const ostr = new Array<number>(r).fill(0);
  for (let i = r - 1, s = 1; i >= 0; i--) {
    if (!reduced[i]) {
      ostr[i] = s;
      s *= shape[i];
    }
  }
  const idx = new Array<number>(r).fill(0);
  let o = 0;
  for (let i = 0; i < dst.length; i++) {
    dst[i] = src[o];
    for (let ax = r - 1; ax >= 0; ax--) {
      idx[ax]++;
      o += ostr[ax];
      if (idx[ax] < shape[ax]) break;
      o -= ostr[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}
