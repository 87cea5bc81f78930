/**
 * The `js` backend: reference kernels on typed arrays. It implements every
 * kernel, is always available, and is the only backend float64 tensors use.
 */
import { binary, broadcastTo, cast, unary, where } from './elementwise.ts';
import { matmul } from './matmul.ts';
import { reduce } from './reduce.ts';
import { concat, gather, padSlice, scatterAdd, slice, transpose } from './shape.ts';
import { poincarePairwiseBackward, poincarePairwiseForward } from './poincare.ts';
import { lcaDepthBackward, lcaDepthForward } from './ball/lcaDepth.ts';
import { toPoincareBackward, toPoincareForward } from './ball/toPoincare.ts';
import { softTripleBackward, softTripleForward } from './softtriple.ts';
import { pairwiseCosineBackward, pairwiseCosineForward, pairwiseSqEuclideanForward } from './pairwise.ts';
import { logSumExpRows, softmaxRows, softmaxRowsBackward } from './rows.ts';
import { argsortAxis, scatterAddAlongAxis, takeAlongAxis } from './sort.ts';

/** Every kernel of the js backend, by name. */
export const jsKernels = {
  unary,
  binary,
  where,
  broadcastTo,
  cast,
  reduce,
  matmul,
  transpose,
  slice,
  padSlice,
  concat,
  gather,
  scatterAdd,
  poincarePairwiseForward,
  poincarePairwiseBackward,
  toPoincareForward,
  toPoincareBackward,
  lcaDepthForward,
  lcaDepthBackward,
  softTripleForward,
  softTripleBackward,
  pairwiseSqEuclideanForward,
  pairwiseCosineForward,
  pairwiseCosineBackward,
  softmaxRows,
  softmaxRowsBackward,
  logSumExpRows,
  argsortAxis,
  takeAlongAxis,
  scatterAddAlongAxis,
} as const;

export type { UnaryOp, BinaryOp } from './elementwise.ts';
export type { ReduceOp } from './reduce.ts';
export type { MatmulArgs } from './matmul.ts';
