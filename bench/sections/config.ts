/**
 * What the sections of bench/run.ts share: the command-line switches, the
 * sizes of the full and the quick run, and small numeric helpers.
 */
import { argList } from '../backends.ts';
import { checks } from '../util.ts';

export const QUICK = process.argv.includes('--quick');
export const SECTIONS = argList('sections') ?? ['matmul', 'chain', 'poincare', 'conv'];

export interface Config {
  sizes: number[];
  /** rounds per matmul size (fewer for the largest, whose slowest sides take seconds per call) */
  matmulRounds: (n: number) => number;
  /** minimum wall time of one timed sample; small products are repeated to reach it */
  minSampleMs: number;
  chainOps: number;
  chainRounds: number;
  poincare: { N: number; M: number; D: number; rounds: number };
  /** the conv2d layers' batch size and timed rounds (few: tfjs-cpu takes seconds per step at batch 120) */
  conv: { batch: number; rounds: number };
}

export const CONFIG: Config = QUICK
  ? {
      sizes: [33, 64],
      matmulRounds: () => 3,
      minSampleMs: 20,
      chainOps: 400,
      chainRounds: 3,
      poincare: { N: 64, M: 50, D: 16, rounds: 3 },
      conv: { batch: 8, rounds: 3 },
    }
  : {
      sizes: [256, 512, 1024],
      matmulRounds: (n) => (n >= 1024 ? 5 : 7),
      minSampleMs: 200,
      chainOps: 10_000,
      chainRounds: 9,
      poincare: { N: 1024, M: 1000, D: 128, rounds: 7 },
      conv: { batch: 120, rounds: 5 },
    };

export const now = (): number => performance.now();

export const { verify } = checks;

export const U32 = 2 ** -24;
/** γ_K = K·u/(1 − K·u): the worst-case relative error bound of a float32 dot product of length K, in any order. */
export const gamma = (K: number): number => (K * U32) / (1 - K * U32);
export const e1 = (x: number): string => x.toExponential(1);
