/**
 * Helpers of the batching rules (`vmap`): a batched operand carries its batch
 * axis first (the batching trace keeps it there); these line operands up for
 * the broadcasting primitives and give unbatched operands a batch axis where a
 * primitive needs one on every input.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { broadcastTo } from './broadcast.ts';
import { expandDims, reshape } from './shape.ts';

/**
 * A batched operand `[B, ...s]` as `[B, 1, …, 1, ...s]` of rank `1 + rank`
 * (so that it broadcasts, right-aligned, against operands of the per-example
 * output rank `rank`); an unbatched operand is returned as it is.
 */
export function alignBatched(x: Tensor, batched: boolean, rank: number): Tensor {
  if (!batched) return x;
  const s = x.shape.slice(1);
  if (s.length === rank) return x;
  return reshape(x, [x.shape[0], ...new Array<number>(rank - s.length).fill(1), ...s]);
}

/** `x` with a leading batch axis of length `size`: itself when batched, else broadcast. */
export function withBatch(x: Tensor, batched: boolean, size: number): Tensor {
  return batched ? x : broadcastTo(expandDims(x, 0), [size, ...x.shape]);
}
