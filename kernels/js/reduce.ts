/**
 * Reference reduction kernels: sum, max, min and the Euclidean norm over any
 * set of axes. Accumulation is always in float64, whatever the storage dtype.
 */
import { alloc, sizeOf, stridesOf, type DType, type Storage } from '../types.ts';

/** Reductions the js backend implements. */
export type ReduceOp = 'sum' | 'max' | 'min' | 'norm';

/**
 * Reduces `x` (of `shape`) over the sorted, distinct `axes`. The result has the
 * kept axes' shape in row-major order (the op layer re-inserts size-1 axes for `keepdims`).
 */
export function reduce(op: ReduceOp, x: Storage, shape: readonly number[], axes: readonly number[], dtype: DType): Storage {
  const r = shape.length;
  const reduced = new Array<boolean>(r).fill(false);
  for (const a of axes) reduced[a] = true;
  const keptShape = shape.filter((_, i) => !reduced[i]);
  const m = sizeOf(keptShape);
  const n = x.length;
  const acc = new Float64Array(m);
  const init = op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
  acc.fill(init);

  // Output offset of each input axis (0 on reduced axes).
  const keptStrides = stridesOf(keptShape);
  const ostr = new Array<number>(r).fill(0);
  for (let i = 0, k = 0; i < r; i++) if (!reduced[i]) ostr[i] = keptStrides[k++];

  // Trailing-axes fast path: x viewed as [m, inner] with the reduced axes last.
  let trailing = true;
  for (let i = 0; i < r; i++) if (reduced[i] !== i >= r - axes.length) trailing = false;

  if (op === 'norm') {
    // Scaled two-pass norm: no overflow for huge entries, no underflow for tiny ones.
    const scale = reduce('max', absOf(x), shape, axes, 'float64');
    const sumsq = new Float64Array(m);
    visit(x, shape, ostr, trailing, m, n, (o, v) => {
      const s = scale[o];
      if (s > 0 && s !== Infinity) {
        const t = v / s;
        sumsq[o] += t * t;
      }
    });
    const out = alloc(dtype, m);
    for (let o = 0; o < m; o++) {
      const s = scale[o];
      out[o] = s === 0 || s === Infinity || Number.isNaN(s) ? s : s * Math.sqrt(sumsq[o]);
    }
    return out;
  }

  if (op === 'sum') {
    visit(x, shape, ostr, trailing, m, n, (o, v) => {
      acc[o] += v;
    });
  } else if (op === 'max') {
    visit(x, shape, ostr, trailing, m, n, (o, v) => {
      if (v > acc[o] || Number.isNaN(v)) acc[o] = v;
    });
  } else {
    visit(x, shape, ostr, trailing, m, n, (o, v) => {
      if (v < acc[o] || Number.isNaN(v)) acc[o] = v;
    });
  }
  const out = alloc(dtype, m);
  out.set(acc);
  return out;
}

function absOf(x: Storage): Float64Array {
  const a = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) a[i] = Math.abs(x[i]);
  return a;
}

function visit(
  x: Storage,
  shape: readonly number[],
  ostr: readonly number[],
  trailing: boolean,
  m: number,
  n: number,
  f: (o: number, v: number) => void,
): void {
  if (n === 0) return;
  if (trailing) {
    const inner = n / m;
    for (let o = 0, i = 0; o < m; o++) for (let j = 0; j < inner; j++, i++) f(o, x[i]);
    return;
  }
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  let o = 0;
  for (let i = 0; i < n; i++) {
    f(o, x[i]);
    for (let ax = r - 1; ax >= 0; ax--) {
      idx[ax]++;
      o += ostr[ax];
      if (idx[ax] < shape[ax]) break;
      o -= ostr[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}
