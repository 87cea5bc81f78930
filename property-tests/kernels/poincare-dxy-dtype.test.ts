/**
 * The Poincaré pairwise backward kernel can store its `dxy` partials in the
 * data's dtype (the fused op's fast path asks for float32 data): each entry is
 * the float64 one rounded once, bit for bit what casting the float64 result
 * gives, and the row/column sums are unchanged.
 */
import { expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { poincarePairwiseBackward } from '../../kernels/js/poincare.ts';

test.prop([fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(0.1, 1, 3), fc.integer({ min: 1, max: 10_000 })], { numRuns: 60 })(
  'dxy in float32 = float32 cast of the float64 dxy, bit for bit; rx, ry identical',
  (N, M, c, seed) => {
    let s = seed;
    const next = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const R2 = 1 / c; // squared norms inside the ball of radius 1/√c, some near its boundary
    const x2 = Float32Array.from({ length: N }, () => R2 * (0.5 + next()) * 0.999);
    const y2 = Float32Array.from({ length: M }, () => R2 * (0.5 + next()) * 0.999);
    const xy = Float32Array.from({ length: N * M }, (_, o) => next() * Math.sqrt(x2[Math.floor(o / M)] * y2[o % M]));
    const g = Float32Array.from({ length: N * M }, next);
    const wide = poincarePairwiseBackward(g, xy, x2, y2, N, M, c, 1e-3);
    const narrow = poincarePairwiseBackward(g, xy, x2, y2, N, M, c, 1e-3, 'float32');
    expect(wide.dxy).toBeInstanceOf(Float64Array);
    expect(narrow.dxy).toBeInstanceOf(Float32Array);
    expect(Array.from(narrow.dxy)).toEqual(Array.from(Float32Array.from(wide.dxy)));
    expect(Array.from(narrow.rx)).toEqual(Array.from(wide.rx));
    expect(Array.from(narrow.ry)).toEqual(Array.from(wide.ry));
    expect(Array.from(poincarePairwiseBackward(g, xy, x2, y2, N, M, c, 1e-3, 'float64').dxy)).toEqual(Array.from(wide.dxy));
  },
);
