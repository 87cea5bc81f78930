/**
 * Device kernels that move values without arithmetic: `transpose`, `slice`,
 * `padSlice` (a slice's gradient: the values placed into zeros), `concat`,
 * and the indexed pair `gather` / `scatterAdd`. Each thread computes its
 * output entry's source offset from its multi-index (strides baked in).
 *
 * Indices are host `Int32Array`s (the op layer validated them); `gather`
 * uploads them once per call, counted like any upload. `scatterAdd` inverts
 * them on the host (which update rows land on each output row, as a CSR
 * table) so that each thread sums only its own updates, in index order.
 */
import { TensorData } from '../../data.ts';
import type { DataKernels } from '../../kernel-types.ts';
import { sizeOf } from '../../types.ts';
import { kernelSrc, lit, offsetsSrc, stridesOf } from './codegen.ts';
import type { DeviceContext } from './context.ts';

type Transpose = DataKernels['transpose'];
type Slice = DataKernels['slice'];
type PadSlice = DataKernels['padSlice'];
type Concat = DataKernels['concat'];
type Gather = DataKernels['gather'];
type ScatterAdd = DataKernels['scatterAdd'];

/** The device transpose (any axis permutation). */
export function makeTranspose(ctx: DeviceContext): Transpose {
  return (x, shape, perm) => {
    const str = stridesOf(shape);
    const outShape = perm.map((p) => shape[p]);
    const src = offsetsSrc('this.thread.x', outShape, [perm.map((p) => str[p])], ['o']) + 'return x[o];\n';
    return ctx.run('tr', kernelSrc(['x'], src), sizeOf(outShape), [x]);
  };
}

/** The device slice. */
export function makeSlice(ctx: DeviceContext): Slice {
  return (x, shape, begin, size) => {
    const str = stridesOf(shape);
    let base = 0;
    for (let k = 0; k < shape.length; k++) base += begin[k] * str[k];
    const src = offsetsSrc('this.thread.x', size, [str], ['o']) + `return x[o + ${lit(base)}];\n`;
    return ctx.run('slice', kernelSrc(['x'], src), sizeOf(size), [x]);
  };
}

/** The device padSlice: `g [size]` placed at `begin` into zeros of `fullShape`. */
export function makePadSlice(ctx: DeviceContext): PadSlice {
  return (g, size, fullShape, begin) => {
    const gs = stridesOf(size);
    const names = fullShape.map((_, k) => `i${k}`);
    let src = offsetsSrc('this.thread.x', fullShape, [], [], names);
    const inside: string[] = [];
    let off = '0.0';
    fullShape.forEach((n, k) => {
      if (size[k] !== n) inside.push(`i${k} >= ${lit(begin[k])} && i${k} < ${lit(begin[k] + size[k])}`);
      off += ` + (i${k} - ${lit(begin[k])}) * ${lit(gs[k])}`;
    });
    src += inside.length === 0 ? `return g[${off}];\n` : `if (${inside.join(' && ')}) { return g[${off}]; }\nreturn 0.0;\n`;
    return ctx.run('pad', kernelSrc(['g'], src), sizeOf(fullShape), [g]);
  };
}

/** The device concat along `axis` (one source argument per input). */
export function makeConcat(ctx: DeviceContext): Concat {
  return (xs, shapes, axis) => {
    const outShape = shapes[0].slice();
    outShape[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
    const names = outShape.map((_, k) => `i${k}`);
    let src = offsetsSrc('this.thread.x', outShape, [], [], names);
    let start = 0;
    const args: string[] = [];
    xs.forEach((_, t) => {
      const sh = shapes[t];
      const st = stridesOf(sh);
      let off = '0.0';
      sh.forEach((_n, k) => {
        off += ` + ${k === axis ? `(i${k} - ${lit(start)})` : `i${k}`} * ${lit(st[k])}`;
      });
      const end = start + sh[axis];
      if (sh[axis] > 0) src += `if (i${axis} < ${lit(end)}) { return x${t}[${off}]; }\n`;
      args.push(`x${t}`);
      start = end;
    });
    src += 'return 0.0;\n';
    // an empty input is never read: pass a non-empty one in its place
    const filler = xs.find((x) => x.length > 0)!;
    return ctx.run(
      `cat${xs.length}`,
      kernelSrc(args, src),
      sizeOf(outShape),
      xs.map((x) => (x.length > 0 ? x : filler)),
    );
  };
}

/** The device gather along `axis`. */
export function makeGather(ctx: DeviceContext): Gather {
  return (x, shape, indices, axis) => {
    const inner = sizeOf(shape.slice(axis + 1));
    const n = shape[axis];
    const outer = sizeOf(shape.slice(0, axis));
    const m = indices.length;
    const idx = TensorData.fromHost(Float32Array.from(indices));
    const src = offsetsSrc('this.thread.x', [outer, m, inner], [], [], ['o', 't', 'j']) + `return x[(o * ${lit(n)} + idx[t]) * ${lit(inner)} + j];\n`;
    return ctx.run('gather', kernelSrc(['x', 'idx'], src), outer * m * inner, [x, idx]);
  };
}

/** The device scatterAdd along `axis`: out = x, plus each update row added at its index. */
export function makeScatterAdd(ctx: DeviceContext): ScatterAdd {
  return (x, shape, indices, updates, axis) => {
    const inner = sizeOf(shape.slice(axis + 1));
    const n = shape[axis];
    const outer = sizeOf(shape.slice(0, axis));
    const m = indices.length;
    // CSR inverse of the indices: the update rows t landing on row p, in order
    const count = new Int32Array(n);
    for (let t = 0; t < m; t++) count[indices[t]]++;
    const start = new Float32Array(n + 1);
    let maxCount = 0;
    for (let p = 0; p < n; p++) {
      start[p + 1] = start[p] + count[p];
      if (count[p] > maxCount) maxCount = count[p];
    }
    const order = new Float32Array(Math.max(m, 1));
    const fill = Int32Array.from(start.subarray(0, n));
    for (let t = 0; t < m; t++) order[fill[indices[t]]++] = t;
    const src =
      offsetsSrc('this.thread.x', [outer, n, inner], [], [], ['o', 'p', 'j']) +
      `let s = x[this.thread.x];\nconst b = st[p];\nconst c = st[p + 1.0] - b;\n` +
      `for (let r = 0; r < ${Math.max(maxCount, 1)}; r++) {\nif (r >= c) { break; }\n` +
      `s += u[(o * ${lit(m)} + ord[b + r]) * ${lit(inner)} + j];\n}\nreturn s;\n`;
    return ctx.run('scatter', kernelSrc(['x', 'u', 'st', 'ord'], src), outer * n * inner, [
      x,
      updates.length > 0 ? updates : x,
      TensorData.fromHost(start),
      TensorData.fromHost(order),
    ]);
  };
}
