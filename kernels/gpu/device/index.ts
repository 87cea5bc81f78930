/**
 * Device backends on gpu.js's GL modes (`webgl2`, `webgl` in browsers,
 * `headlessgl` in Node): float32 kernels whose inputs and outputs are
 * device-resident {@link TensorData} (one flat texture per tensor), so a
 * chain of ops — a whole training step — runs without host round trips.
 *
 * | kernels | file |
 * |---|---|
 * | unary, binary, where, broadcastTo | elementwise.ts |
 * | reduce, softmaxRows, softmaxRowsBackward, logSumExpRows | reduce.ts |
 * | matmul | linalg.ts |
 * | transpose, slice, padSlice, concat, gather, scatterAdd | layout.ts |
 *
 * These are the primitives every op, manifold function, loss and optimizer
 * of the library is written with; the fused ops (SoftTriple, toPoincare,
 * lcaDepth, the pairwise distances) run their composite definitions on a
 * device backend (lib/ops/fused.ts), so nothing of a CHEST step leaves the
 * device. A call the device cannot take (an empty tensor, more than 2²⁴
 * elements, float64) runs the js kernel on host copies instead — counted as
 * transfers and as a fallback, never silently wrong.
 */
import type { GPU } from 'gpu.js';
import { onHost, TensorData } from '../../data.ts';
import { jsKernels } from '../../js/index.ts';
import type { DataKernels } from '../../kernel-types.ts';
import { createDeviceContext, DeviceLimitError, MAX_DEVICE_ELEMENTS, type DeviceContext, type DeviceContextOptions } from './context.ts';
import { makeBinary, makeBroadcastTo, makeUnary, makeWhere } from './elementwise.ts';
import { makeMatmul } from './linalg.ts';
import { makeConcat, makeGather, makePadSlice, makeScatterAdd, makeSlice, makeTranspose } from './layout.ts';
import { makeLogSumExpRows, makeReduce, makeSoftmaxRows, makeSoftmaxRowsBackward } from './reduce.ts';

export { DEFAULT_BUDGET_BYTES, HARDWARE_BUDGET_BYTES, MAX_DEVICE_ELEMENTS, type DeviceContext, type DeviceCounters } from './context.ts';

/** Names of the kernels a device backend implements. */
export const DEVICE_KERNEL_NAMES = [
  'unary',
  'binary',
  'where',
  'broadcastTo',
  'reduce',
  'softmaxRows',
  'softmaxRowsBackward',
  'logSumExpRows',
  'matmul',
  'transpose',
  'slice',
  'padSlice',
  'concat',
  'gather',
  'scatterAdd',
] as const;
/** A kernel a device backend implements. */
export type DeviceKernelName = (typeof DEVICE_KERNEL_NAMES)[number];

/** The kernels of a device backend, on TensorData. */
export type DeviceKernels = Pick<DataKernels, DeviceKernelName>;

/** The TensorData (also inside arrays and plain objects) among a call's arguments. */
function dataArgs(args: readonly unknown[]): TensorData[] {
  const out: TensorData[] = [];
  for (const a of args) {
    if (a instanceof TensorData) {
      out.push(a);
    } else if (Array.isArray(a)) {
      for (const x of a) if (x instanceof TensorData) out.push(x);
    } else if (typeof a === 'object' && a !== null && !ArrayBuffer.isView(a)) {
      for (const x of Object.values(a)) if (x instanceof TensorData) out.push(x);
    }
  }
  return out;
}

/**
 * Wraps a device kernel: calls with float64 data, an empty tensor or one
 * over {@link MAX_DEVICE_ELEMENTS} run the js kernel on host copies.
 */
function guarded<K extends DeviceKernelName>(ctx: DeviceContext, name: K, device: DeviceKernels[K]): DeviceKernels[K] {
  const host = onHost(jsKernels[name] as (...a: never[]) => unknown) as unknown as (...a: unknown[]) => unknown;
  const dev = device as unknown as (...a: unknown[]) => TensorData;
  return ((...args: unknown[]) => {
    const ds = dataArgs(args);
    const ok =
      ds.length > 0 &&
      ds.every((d) => d.dtype === 'float32' && d.length <= MAX_DEVICE_ELEMENTS) &&
      (name === 'concat' ? ds.some((d) => d.length > 0) : ds.every((d) => d.length > 0));
    if (ok) {
      try {
        return dev(...args);
      } catch (e) {
        if (!(e instanceof DeviceLimitError)) throw e;
      }
    }
    ctx.fellBack();
    return host(...args);
  }) as unknown as DeviceKernels[K];
}

/** A device backend: its kernels, its context (store, counters) and how to destroy it. */
export interface DeviceBackend {
  readonly kernels: DeviceKernels;
  readonly context: DeviceContext;
}

/** Builds the device kernels over a gpu.js GL `GPU`. */
export function createDeviceBackend(
  name: string,
  gpu: GPU,
  opts: DeviceContextOptions = {},
  makeContext: (name: string, gpu: GPU, opts: DeviceContextOptions) => DeviceContext = createDeviceContext,
): DeviceBackend {
  const ctx = makeContext(name, gpu, opts);
  const raw: DeviceKernels = {
    unary: makeUnary(ctx),
    binary: makeBinary(ctx),
    where: makeWhere(ctx),
    broadcastTo: makeBroadcastTo(ctx),
    reduce: makeReduce(ctx),
    softmaxRows: makeSoftmaxRows(ctx),
    softmaxRowsBackward: makeSoftmaxRowsBackward(ctx),
    logSumExpRows: makeLogSumExpRows(ctx),
    matmul: makeMatmul(ctx),
    transpose: makeTranspose(ctx),
    slice: makeSlice(ctx),
    padSlice: makePadSlice(ctx),
    concat: makeConcat(ctx),
    gather: makeGather(ctx),
    scatterAdd: makeScatterAdd(ctx),
  };
  const kernels = {} as Record<DeviceKernelName, unknown>;
  for (const n of DEVICE_KERNEL_NAMES) kernels[n] = guarded(ctx, n, raw[n] as never);
  return { kernels: kernels as DeviceKernels, context: ctx };
}
