/**
 * Device reductions (`reduce`: sum, max, min, norm over any set of axes) and
 * the row-wise softmax family over the last axis (`softmaxRows`,
 * `softmaxRowsBackward`, `logSumExpRows`). One thread per output entry
 * loops over its reduced entries; the axes are collapsed first (neighbouring
 * kept or reduced axes merge), so the loops are as few as the layout allows.
 * `norm` scales by the largest magnitude (two passes), so it neither
 * overflows nor underflows in float32. Row shifts follow the js kernels: a
 * row's maximum, or 0 when it is not finite.
 */
import { TensorData } from '../../data.ts';
import type { DataKernels } from '../../kernel-types.ts';
import { sizeOf } from '../../types.ts';
import { kernelSrc, lit, offsetsSrc, stridesOf } from './codegen.ts';
import type { DeviceContext } from './context.ts';

type Reduce = DataKernels['reduce'];

/** Collapsed layout: kept axes (sizes, input strides) and reduced axes (sizes, input strides). */
function layout(shape: readonly number[], axes: readonly number[]): { kept: [number, number][]; red: [number, number][] } {
  const str = stridesOf(shape);
  const kept: [number, number][] = [];
  const red: [number, number][] = [];
  let prev: 'k' | 'r' | undefined;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const isRed = axes.includes(i);
    const list = isRed ? red : kept;
    const tag = isRed ? 'r' : 'k';
    // merge with the previous axis of the same kind when it is adjacent in memory
    if (prev === tag && list.length > 0 && list[list.length - 1][1] === shape[i] * str[i]) {
      const last = list[list.length - 1];
      list[list.length - 1] = [last[0] * shape[i], str[i]];
    } else list.push([shape[i], str[i]]);
    prev = tag;
  }
  return { kept, red };
}

/** Nested loops over the reduced axes: `open` lines, the input index expression, and `close`. */
function loopsSrc(red: readonly [number, number][], base: string): { open: string; index: string; close: string } {
  let open = '';
  let close = '';
  let index = base;
  red.forEach(([n, s], k) => {
    open += `for (let r${k} = 0; r${k} < ${n}; r${k}++) {\n`;
    close += '}\n';
    index += ` + r${k} * ${lit(s)}`;
  });
  return { open, index, close };
}

/** Reduced lengths from which a reduction into few outputs runs in two passes. */
const SPLIT_MIN = 1 << 14;

/**
 * Sum, max or min of each of `m` contiguous runs of length `R` in two
 * passes: `P` partial results per run (one thread each, over a chunk), then
 * one thread per run over its partials — so a full reduction of a large
 * tensor is not one thread looping over every entry.
 */
function splitReduce(ctx: DeviceContext, op: 'sum' | 'max' | 'min', x: TensorData, m: number, R: number): TensorData {
  const P = Math.min(1024, Math.ceil(Math.sqrt(R)));
  const chunk = Math.ceil(R / P);
  const fold = (acc: string, v: string): string =>
    op === 'sum' ? `${acc} += ${v};` : `const v = ${v};\nif (v ${op === 'max' ? '>' : '<'} ${acc}) { ${acc} = v; }`;
  const first =
    offsetsSrc('this.thread.x', [m, P], [], [], ['o', 'p']) +
    `const start = p * ${lit(chunk)};\nlet acc = x[o * ${lit(R)} + start];\n` +
    (op === 'sum' ? 'acc = 0.0;\n' : '') +
    `for (let r = 0; r < ${chunk}; r++) {\nif (start + r >= ${lit(R)}) { break; }\n${fold('acc', `x[o * ${lit(R)} + start + r]`)}\n}\nreturn acc;\n`;
  const parts = ctx.run(`red1:${op}`, kernelSrc(['x'], first), m * P, [x]);
  const second = `const o = this.thread.x * ${lit(P)};\nlet acc = q[o];\n${op === 'sum' ? 'acc = 0.0;\n' : ''}for (let p = 0; p < ${P}; p++) {\n${fold('acc', 'q[o + p]')}\n}\nreturn acc;\n`;
  return ctx.run(`red2:${op}`, kernelSrc(['q'], second), m, [parts]);
}

/** The device reduction. */
export function makeReduce(ctx: DeviceContext): Reduce {
  return (op, x, shape, axes) => {
    const { kept, red } = layout(shape, axes);
    const m = sizeOf(shape.filter((_, i) => !axes.includes(i)));
    // few outputs over long contiguous runs: two passes
    if (op !== 'norm' && red.length === 1 && red[0][1] === 1 && red[0][0] >= SPLIT_MIN && m * 64 <= red[0][0]) {
      return splitReduce(ctx, op, x, m, red[0][0]);
    }
    let src = offsetsSrc(
      'this.thread.x',
      kept.map(([n]) => n),
      [kept.map(([, s]) => s)],
      ['base'],
    );
    const { open, index, close } = loopsSrc(red, 'base');
    if (op === 'sum') src += `let acc = 0.0;\n${open}acc += x[${index}];\n${close}return acc;\n`;
    else if (op === 'max' || op === 'min') {
      const cmp = op === 'max' ? '>' : '<';
      // start from the first reduced entry (no infinite literal: WGSL rejects 1.0 / 0.0)
      src += `let acc = x[base];\n${open}const v = x[${index}];\nif (v ${cmp} acc) { acc = v; }\n${close}return acc;\n`;
    } else {
      src +=
        `let sc = 0.0;\n${open}sc = Math.max(sc, Math.abs(x[${index}]));\n${close}` +
        `if (sc === 0.0 || sc > 3.4028234663852886e38) { return sc; }\n` +
        `let acc = 0.0;\n${open}const v = x[${index}] / sc;\nacc += v * v;\n${close}return sc * Math.sqrt(acc);\n`;
    }
    return ctx.run(`red:${op}`, kernelSrc(['x'], src), m, [x]);
  };
}

type Rows = DataKernels['softmaxRows'];
type RowsBackward = DataKernels['softmaxRowsBackward'];

/** Statements computing `sh`, the shift of the row starting at `o` (its max, or 0 if not finite). */
function shiftSrc(n: number): string {
  return `let sh = x[o];\nfor (let j = 1; j < ${n}; j++) { sh = Math.max(sh, x[o + j]); }\n` + `if (!(Math.abs(sh) <= 3.4028234663852886e38)) { sh = 0.0; }\n`;
}

/** The device logSumExp over rows. */
export function makeLogSumExpRows(ctx: DeviceContext): Rows {
  return (x, rows, n) => {
    const src = `const o = this.thread.x * ${lit(n)};\n${shiftSrc(n)}let s = 0.0;\nfor (let j = 0; j < ${n}; j++) { s += Math.exp(x[o + j] - sh); }\nreturn Math.log(s) + sh;\n`;
    return ctx.run('lse', kernelSrc(['x'], src), rows, [x]);
  };
}

/** The device softmax over rows: a row-statistics pass [rows·2] (shift, Σ), then one elementwise pass. */
export function makeSoftmaxRows(ctx: DeviceContext): Rows {
  return (x, rows, n) => {
    const stats =
      `const row = Math.floor((this.thread.x + 0.5) / 2.0);\nconst o = row * ${lit(n)};\n${shiftSrc(n)}` +
      `if (this.thread.x - row * 2.0 < 0.5) { return sh; }\nlet s = 0.0;\nfor (let j = 0; j < ${n}; j++) { s += Math.exp(x[o + j] - sh); }\nreturn s;\n`;
    const st = ctx.run('smst', kernelSrc(['x'], stats), 2 * rows, [x]);
    const body = `${offsetsSrc('this.thread.x', [rows, n], [[2, 0]], ['so'])}const sv = st[so + 1.0];\nif (sv == 0.0) { return 0.0; }\nreturn Math.exp(x[this.thread.x] - st[so]) / sv;\n`;
    return ctx.run('sm', kernelSrc(['x', 'st'], body), rows * n, [x, st]);
  };
}

/** The device softmax backward over rows: a row-dot pass Σ g·s, then s·(g − Σ). */
export function makeSoftmaxRowsBackward(ctx: DeviceContext): RowsBackward {
  return (g, s, rows, n) => {
    const dots = `const o = this.thread.x * ${lit(n)};\nlet d = 0.0;\nfor (let j = 0; j < ${n}; j++) { d += g[o + j] * s[o + j]; }\nreturn d;\n`;
    const d = ctx.run('smdot', kernelSrc(['g', 's'], dots), rows, [g, s]);
    const body = `${offsetsSrc('this.thread.x', [rows, n], [[1, 0]], ['r'])}const i = this.thread.x;\nreturn s[i] * (g[i] - d[r]);\n`;
    return ctx.run('smb', kernelSrc(['g', 's', 'd'], body), rows * n, [g, s, d]);
  };
}

export { TensorData };
