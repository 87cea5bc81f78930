/**
 * Kernels that keep forward intermediates for their backward (`save`): the
 * forward that keeps gives the same values as the one that does not, and the
 * backward from what it kept equals the recomputing backward bit for bit
 * (toPoincare; lcaDepth and SoftTriple are checked in property-tests/fused.test.ts).
 */
import { expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { toPoincareBackward, toPoincareForward } from '../../kernels/js/ball/toPoincare.ts';

test.prop(
  [
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 9 }),
    fc.constantFrom('float32' as const, 'float64' as const),
    fc.constantFrom(0.05, 1, 30), // scale of the rows: inside the clip radius, around it, far outside (the projections apply)
    fc.boolean(), // a zero row (switches the norms to their scaled method)
    fc.integer({ min: 1, max: 1000 }),
  ],
  { numRuns: 60 },
)(
  'toPoincare: the forward that keeps gives the same values, and the backward from what it kept equals the recomputing one, bit for bit',
  (rows, D, dtype, scale, zero, seed) => {
    let s = seed;
    const next = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32 - 0.5) * scale;
    };
    const mk = (n: number): Float32Array | Float64Array =>
      dtype === 'float32' ? Float32Array.from({ length: n }, next) : Float64Array.from({ length: n }, next);
    const x = mk(rows * D),
      g = mk(rows * D);
    if (zero) x.fill(0, 0, D);
    const args = { x, rows, D, clipR: 2.3, c: 0.8, eps: dtype === 'float32' ? 4e-3 : 1e-5, minNorm: 1e-15, dtype };
    const kept = toPoincareForward({ ...args, save: true });
    const plain = toPoincareForward(args);
    expect(Array.from(kept.out)).toEqual(Array.from(plain.out));
    expect(kept.saved).toBeDefined();
    expect(plain.saved).toBeUndefined();
    const xBefore = Array.from(x);
    const withKept = toPoincareBackward({ ...args, g, saved: kept.saved });
    const recomputed = toPoincareBackward({ ...args, g });
    expect(Array.from(withKept)).toEqual(Array.from(recomputed));
    expect(Array.from(withKept).every(Number.isFinite)).toBe(true);
    expect(Array.from(x)).toEqual(xBefore); // inputs untouched
  },
);
