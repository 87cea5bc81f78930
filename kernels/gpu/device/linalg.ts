/**
 * Device batched matmul with broadcast batch axes and either operand
 * transposed: one thread per output entry (batch, row, column) runs the
 * length-K dot product with the strides of op(A) and op(B); the batch
 * offsets of A and B come from the batch index through broadcast strides.
 */
import type { TensorData } from '../../data.ts';
import { broadcastStrides } from '../../js/elementwise.ts';
import { matmulDims } from '../../js/matmul.ts';
import type { DType } from '../../types.ts';
import { kernelSrc, lit, offsetsSrc } from './codegen.ts';
import type { DeviceContext } from './context.ts';

/** Arguments of the device matmul (the js kernel's, on TensorData). */
export interface DeviceMatmulArgs {
  a: TensorData;
  aShape: readonly number[];
  b: TensorData;
  bShape: readonly number[];
  transposeA: boolean;
  transposeB: boolean;
  batchShape: readonly number[];
  dtype: DType;
}

/** The device matmul. */
export function makeMatmul(ctx: DeviceContext): (args: DeviceMatmulArgs) => TensorData {
  return (args) => {
    const { aShape, bShape, transposeA, transposeB, batchShape } = args;
    const { M, K, N, batch } = matmulDims({ ...args, a: new Float32Array(0), b: new Float32Array(0) });
    // batch strides: each operand's batch axes broadcast to batchShape, in units of whole matrices
    const aBatch = broadcastStrides(aShape.slice(0, -2), batchShape).map((s) => s * M * K);
    const bBatch = broadcastStrides(bShape.slice(0, -2), batchShape).map((s) => s * K * N);
    const ars = transposeA ? 1 : K,
      acs = transposeA ? M : 1;
    const brs = transposeB ? 1 : N,
      bcs = transposeB ? K : 1;
    const outShape = [...batchShape, M, N];
    const aStr = [...aBatch, ars, 0];
    const bStr = [...bBatch, 0, bcs];
    let src = offsetsSrc('this.thread.x', outShape, [aStr, bStr], ['ai0', 'bi0']);
    src += `let s = 0.0;\nfor (let k = 0; k < ${K}; k++) {\n` + `s += a[ai0 + k * ${lit(acs)}] * b[bi0 + k * ${lit(brs)}];\n}\nreturn s;\n`;
    return ctx.run('mm', kernelSrc(['a', 'b'], src), batch * M * N, [args.a, args.b]);
  };
}
