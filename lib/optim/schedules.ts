/**
 * Learning-rate schedules: pure functions of the (1-based) step number.
 */
import { ArgumentError, ValueError, describe } from '../errors.ts';

/** A learning rate as a function of the step number (1, 2, …). */
export type Schedule = (step: number) => number;

/** A learning rate that is a number or a schedule. */
export type LearningRate = number | Schedule;

/** The schedule of a learning rate (checking a constant is positive). */
export function asSchedule(fn: string, lr: LearningRate): Schedule {
  if (typeof lr === 'function') return lr;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr))
    throw new ValueError(`${fn}: lr must be a positive finite number or a schedule, got ${describe(lr)}`);
  return () => lr;
}

/** `lr · rate^(step / every)` (continuous), or stepwise with `staircase`. */
export function exponentialDecay(lr: number, rate: number, every: number, staircase = false): Schedule {
  if (!(rate > 0) || !(every > 0)) throw new ValueError(`exponentialDecay: rate and every must be positive, got ${rate} and ${every}`);
  return (t) => lr * rate ** (staircase ? Math.floor(t / every) : t / every);
}

/** Cosine decay from `lr` to `lr·alpha` over `steps` steps (constant afterwards). */
export function cosineDecay(lr: number, steps: number, alpha = 0): Schedule {
  if (!(steps > 0)) throw new ValueError(`cosineDecay: steps must be positive, got ${steps}`);
  return (t) => {
    const p = Math.min(1, Math.max(0, t / steps));
    return lr * (alpha + (1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * p)));
  };
}

/** Linear warm-up from 0 to `lr` over `warmup` steps, then cosine decay to `lr·alpha` by step `steps`. */
export function warmupCosineDecay(lr: number, warmup: number, steps: number, alpha = 0): Schedule {
  if (!(warmup >= 0) || !(steps > warmup)) throw new ValueError(`warmupCosineDecay: expected 0 ≤ warmup < steps, got ${warmup} and ${steps}`);
  const cos = cosineDecay(lr, steps - warmup, alpha);
  return (t) => (t <= warmup ? (lr * t) / Math.max(1, warmup) : cos(t - warmup));
}

/** Multiplies the rate by `factor` at each of the given step boundaries. */
export function piecewiseConstant(lr: number, boundaries: readonly number[], factor: number): Schedule {
  if (!Array.isArray(boundaries) || !boundaries.every((b) => typeof b === 'number')) {
    throw new ArgumentError(`piecewiseConstant: boundaries must be an array of step numbers, got ${describe(boundaries)}`);
  }
  return (t) => lr * factor ** boundaries.filter((b) => t > b).length;
}
