/**
 * Reductions of a stack of per-entry partials `p[P][N][M]` produced by a
 * fused elementwise kernel (the Poincaré and cosine backward passes): row
 * sums Σ_j p[q][i][j], column sums Σ_i p[q][i][j], and plane q itself.
 *
 * On headlessgl `p` is the producer's output texture (`pipeline: true`): the
 * sums and the plane copy read it on the device and only `[N]`, `[M]` and
 * `[N, M]` results are read back, never the whole stack. On cpu and webasm
 * there is no device memory to pipeline into, so `p` is the producer's
 * nested arrays, passed to the same sum kernels, and a plane is copied out
 * of them directly.
 */
import { readback, type CompiledKernel, type KernelContext } from './common.ts';

const ROW_SUM = `function (p) {
  let s = 0;
  for (let j = 0; j < this.constants.M; j++) {
    s += p[this.constants.q][this.thread.x][j];
  }
  return s;
}`;

const COL_SUM = `function (p) {
  let s = 0;
  for (let i = 0; i < this.constants.N; i++) {
    s += p[this.constants.q][i][this.thread.x];
  }
  return s;
}`;

const PLANE = `function (p) {
  return p[this.constants.q][this.thread.y][this.thread.x];
}`;

/** Row sums `[N]` of plane q of `p [P][N][M]`. */
export function rowSums(ctx: KernelContext, used: CompiledKernel[], p: unknown, P: number, N: number, M: number, q: number): Float32Array {
  const k = ctx.kernel(`rowsum:${P}:${N}:${M}:${q}`, ROW_SUM, { output: [N], constants: { M, q } });
  used.push(k);
  return readback(k(p), N);
}

/** Column sums `[M]` of plane q of `p [P][N][M]`. */
export function colSums(ctx: KernelContext, used: CompiledKernel[], p: unknown, P: number, N: number, M: number, q: number): Float32Array {
  const k = ctx.kernel(`colsum:${P}:${N}:${M}:${q}`, COL_SUM, { output: [M], constants: { N, q } });
  used.push(k);
  return readback(k(p), M);
}

/** Plane q of `p [P][N][M]`, flat `[N·M]`. */
export function plane(ctx: KernelContext, used: CompiledKernel[], p: unknown, P: number, N: number, M: number, q: number): Float32Array {
  if (!ctx.pipeline) return readback((p as unknown[])[q], N * M);
  const k = ctx.kernel(`plane:${P}:${N}:${M}:${q}`, PLANE, { output: [M, N], constants: { q } });
  used.push(k);
  return readback(k(p), N * M);
}
