/**
 * Alternating-rounds timing shared by the benchmarks: every side is warmed up,
 * then the sides take turns (side 1, side 2, …, side 1, side 2, …) and each
 * side's median over the rounds is reported, so slow drift of a shared machine
 * (other jobs, CPU frequency) affects all sides alike.
 */
import { median } from './util.ts';

/** One contender: `activate` selects its backend (outside the timing), `run` is one timed call. */
export interface Side {
  label: string;
  activate(): void | Promise<void>;
  run(): void;
}

export interface Timed {
  /** median ms per call */
  med: number;
  min: number;
  max: number;
  /** calls per timed sample */
  reps: number;
  /** ms of the first call after activation in warm-up (includes any compile / first-shape cost) */
  first: number;
}

const now = (): number => performance.now();
const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** Times `body` `reps` times in a row; returns ms per call. */
export function timeReps(reps: number, body: () => void): number {
  gc?.();
  const t0 = now();
  for (let r = 0; r < reps; r++) body();
  return (now() - t0) / reps;
}

export interface AlternateOptions {
  rounds: number;
  /** small calls are repeated within a sample until it lasts this long */
  minSampleMs: number;
  /** untimed calls per side before timing (at least this many, and at least minSampleMs of them) */
  warmup: number;
}

/**
 * Warms every side up, then times `rounds` alternating rounds. Returns one
 * {@link Timed} per side, in order.
 */
export async function alternate(sides: readonly Side[], o: AlternateOptions): Promise<Timed[]> {
  const reps: number[] = [];
  const first: number[] = [];
  for (const s of sides) {
    await s.activate();
    const t0 = now();
    let last = 0;
    for (let i = 0; i < o.warmup || now() - t0 < o.minSampleMs; i++) {
      const t = now();
      s.run();
      last = now() - t;
      if (i === 0) first.push(last);
    }
    reps.push(Math.max(1, Math.ceil(o.minSampleMs / Math.max(last, 1e-3))));
  }
  const times: number[][] = sides.map(() => []);
  for (let r = 0; r < o.rounds; r++) {
    for (let i = 0; i < sides.length; i++) {
      await sides[i].activate();
      times[i].push(timeReps(reps[i], sides[i].run));
    }
  }
  return times.map((t, i) => ({ med: median(t), min: Math.min(...t), max: Math.max(...t), reps: reps[i], first: first[i] }));
}
