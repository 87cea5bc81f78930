/**
 * fast-check arbitraries for tensors and shapes, for property-testing user
 * code the way the library tests itself. Part of the `gyrograd/testing`
 * subpath only: the core library never imports fast-check.
 */
import type { Arbitrary } from 'fast-check';
import { fc } from './fast-check.ts';
import type { DType } from '../../kernels/types.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Options of {@link shapeArb}. */
export interface ShapeOptions {
  /** smallest rank (default 0, a scalar) */
  readonly minRank?: number;
  /** largest rank (default 3) */
  readonly maxRank?: number;
  /** smallest axis length (default 1) */
  readonly minDim?: number;
  /** largest axis length (default 4) */
  readonly maxDim?: number;
}

/** Shapes with rank in `[minRank, maxRank]` (default 0–3) and axis lengths in `[minDim, maxDim]` (default 1–4). */
export function shapeArb(o: ShapeOptions = {}): Arbitrary<number[]> {
  return fc.array(fc.integer({ min: o.minDim ?? 1, max: o.maxDim ?? 4 }), { minLength: o.minRank ?? 0, maxLength: o.maxRank ?? 3 });
}

/**
 * `n` shapes that broadcast together, with the broadcast shape first:
 * each operand drops some leading axes and turns some axes into size 1.
 */
export function broadcastableShapesArb(
  n: number,
  o: ShapeOptions = {},
): Arbitrary<{
  /** the shape the operands broadcast to */
  out: number[];
  /** the `n` operand shapes */
  shapes: number[][];
}> {
  return shapeArb(o).chain((out) =>
    fc
      .array(
        fc.record({
          drop: fc.integer({ min: 0, max: out.length }),
          ones: fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
        }),
        { minLength: n, maxLength: n },
      )
      .map((ops) => {
        const shapes = ops.map(({ drop, ones }) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
        // the broadcast of the operands (some axis may have become 1 in every operand)
        const r = Math.max(0, ...shapes.map((s) => s.length));
        const b = Array.from({ length: r }, (_, i) => Math.max(1, ...shapes.map((s) => s[s.length - r + i] ?? 1)));
        return { out: b, shapes };
      }),
  );
}

/** Options of {@link valueArb} and {@link tensorArb}. */
export interface ValueOptions {
  /** smallest value (default −2) */
  readonly min?: number;
  /** largest value (default 2) */
  readonly max?: number;
  /** keep values at least `gap` away from each of these points (kinks, poles) */
  readonly awayFrom?: readonly number[];
  /** distance kept from `awayFrom` points (default 0.05) */
  readonly gap?: number;
}

/** Finite doubles in `[min, max]`, optionally kept away from given points. */
export function valueArb(o: ValueOptions = {}): Arbitrary<number> {
  const min = o.min ?? -2;
  const max = o.max ?? 2;
  const gap = o.gap ?? 0.05;
  const away = o.awayFrom ?? [];
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => {
    for (const k of away) {
      if (Math.abs(v - k) < gap) v = v >= k ? k + gap : k - gap;
    }
    return Math.min(max, Math.max(min, v));
  });
}

/** A tensor of `shape` with values from {@link valueArb}. */
export function tensorArb(shape: readonly number[], o: ValueOptions & { readonly dtype?: DType } = {}): Arbitrary<Tensor> {
  const n = shape.reduce((p, d) => p * d, 1);
  return fc.array(valueArb(o), { minLength: n, maxLength: n }).map((vals) => tensor(vals, shape, o.dtype ?? 'float64'));
}

/** A tensor of a random shape (see {@link shapeArb}) with values from {@link valueArb}. */
export function anyTensorArb(o: ShapeOptions & ValueOptions & { readonly dtype?: DType } = {}): Arbitrary<Tensor> {
  return shapeArb(o).chain((s) => tensorArb(s, o));
}

/** A tensor whose entries are distinct (useful for max / min / sorting properties). */
export function distinctTensorArb(
  shape: readonly number[],
  o: { readonly min?: number; readonly max?: number; readonly dtype?: DType } = {},
): Arbitrary<Tensor> {
  const n = shape.reduce((p, d) => p * d, 1);
  const min = o.min ?? -2;
  const max = o.max ?? 2;
  return fc.uniqueArray(fc.integer({ min: 0, max: 4000 }), { minLength: n, maxLength: n }).map((ks) =>
    tensor(
      ks.map((k) => min + ((max - min) * k) / 4000),
      shape,
      o.dtype ?? 'float64',
    ),
  );
}
