/**
 * Row-wise softmax, its backward and logSumExp over the last axis of a
 * `[rows, n]` array on gpu.js (see kernels/js/rows.ts), max-shifted:
 *
 * - logSumExpRows: one kernel, one thread per row: max, Σ exp(x − m), m + log.
 * - softmaxRows: a row-statistics kernel `[rows][2]` (m, Σ exp(x − m)), then
 *   one elementwise kernel exp(x − m)/Σ (subtract, exp, divide fused).
 * - softmaxRowsBackward: a row-dot kernel Σ_j g·s, then one elementwise
 *   kernel s·(g − Σ).
 *
 * On headlessgl the row statistics stay on the device (pipelined textures)
 * between the two kernels. Rows holding ±∞ or NaN run on js, which
 * implements the composite's conventions for them (−∞ masks, NaN).
 */
import { logSumExpRows as jsLse, softmaxRows as jsSoftmax, softmaxRowsBackward as jsSoftmaxBackward } from '../js/rows.ts';
import type { DType } from '../types.ts';
import { allBelow, f32, MAX_ELEMENTS, readback, type KernelContext } from './common.ts';

const LSE_SRC = `function (x) {
  const o = this.thread.x * this.constants.n;
  let m = x[o];
  for (let j = 1; j < this.constants.n; j++) {
    m = Math.max(m, x[o + j]);
  }
  let s = 0;
  for (let j = 0; j < this.constants.n; j++) {
    s += Math.exp(x[o + j] - m);
  }
  return Math.log(s) + m;
}`;

const STATS_SRC = `function (x) {
  const o = this.thread.y * this.constants.n;
  let m = x[o];
  for (let j = 1; j < this.constants.n; j++) {
    m = Math.max(m, x[o + j]);
  }
  if (this.thread.x === 0) {
    return m;
  }
  let s = 0;
  for (let j = 0; j < this.constants.n; j++) {
    s += Math.exp(x[o + j] - m);
  }
  return s;
}`;

const SOFTMAX_SRC = `function (x, st) {
  const i = this.thread.y;
  return Math.exp(x[i * this.constants.n + this.thread.x] - st[i][0]) / st[i][1];
}`;

const ROW_DOT_SRC = `function (g, s) {
  const o = this.thread.x * this.constants.n;
  let d = 0;
  for (let j = 0; j < this.constants.n; j++) {
    d += g[o + j] * s[o + j];
  }
  return d;
}`;

const SOFTMAX_BACKWARD_SRC = `function (g, s, d) {
  const o = this.thread.y * this.constants.n + this.thread.x;
  return s[o] * (g[o] - d[this.thread.y]);
}`;

// the js kernels' signatures
type Rows = typeof jsSoftmax;
type RowsBackward = typeof jsSoftmaxBackward;

function rowsOk(ctx: KernelContext, rows: number, n: number, dtype: DType): boolean {
  return dtype === 'float32' && rows * n >= ctx.minWork && rows > 0 && n > 0 && rows * n <= MAX_ELEMENTS && ctx.fits2d(n, rows);
}

/** The gpu.js logSumExp over rows of a kernel set. */
export function makeLogSumExpRows(ctx: KernelContext): Rows {
  return (x, rows, n, dtype) => {
    if (!rowsOk(ctx, rows, n, dtype) || !allBelow(x, Infinity)) {
      ctx.fallback();
      return jsLse(x, rows, n, dtype);
    }
    const k = ctx.kernel(`lse:${rows}:${n}`, LSE_SRC, { output: [rows], constants: { n } });
    const out = readback(k(f32(x)), rows);
    ctx.ran('logSumExpRows', k);
    return out;
  };
}

/** The gpu.js softmax over rows of a kernel set. */
export function makeSoftmaxRows(ctx: KernelContext): Rows {
  return (x, rows, n, dtype) => {
    if (!rowsOk(ctx, rows, n, dtype) || !allBelow(x, Infinity)) {
      ctx.fallback();
      return jsSoftmax(x, rows, n, dtype);
    }
    const stats = ctx.kernel(`smst:${rows}:${n}`, STATS_SRC, { output: [2, rows], constants: { n }, pipeline: ctx.pipeline });
    const sm = ctx.kernel(`sm:${rows}:${n}`, SOFTMAX_SRC, { output: [n, rows], constants: { n } });
    const xf = f32(x);
    const out = readback(sm(xf, stats(xf)), rows * n);
    ctx.ran('softmaxRows', stats, sm);
    return out;
  };
}

/** The gpu.js softmax backward over rows of a kernel set. */
export function makeSoftmaxRowsBackward(ctx: KernelContext): RowsBackward {
  return (g, s, rows, n, dtype) => {
    if (!rowsOk(ctx, rows, n, dtype)) {
      ctx.fallback();
      return jsSoftmaxBackward(g, s, rows, n, dtype);
    }
    const dot = ctx.kernel(`smdot:${rows}:${n}`, ROW_DOT_SRC, { output: [rows], constants: { n }, pipeline: ctx.pipeline });
    const bw = ctx.kernel(`smb:${rows}:${n}`, SOFTMAX_BACKWARD_SRC, { output: [n, rows], constants: { n } });
    const gf = f32(g),
      sf = f32(s);
    const out = readback(bw(gf, sf, dot(gf, sf)), rows * n);
    ctx.ran('softmaxRowsBackward', dot, bw);
    return out;
  };
}
