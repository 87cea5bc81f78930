/**
 * Shape helper of the row-wise fused ops: a `[..., D]` tensor as rows.
 */
import type { Tensor } from '../../tensor/tensor.ts';

/** Number of rows and row length of a `[..., D]` tensor. */
export function rowsOf(x: Tensor): [number, number] {
  const D = x.shape[x.rank - 1];
  let n = 1;
  for (let i = 0; i < x.rank - 1; i++) n *= x.shape[i];
  return [n, D];
}
