/**
 * The error value of the feature loaders: every parser returns
 * `Either<FeatureLoadError, …>` instead of throwing on untrusted data.
 */
import { ValueError } from '../errors.ts';

/**
 * What was wrong with the input:
 * - `'syntax'`: not parseable (bad JSON, a CSV field that is not a number, a bad `.npy` header);
 * - `'shape'`: wrong rank, ragged rows, features and labels of different lengths, truncated data;
 * - `'empty'`: no rows or no feature columns;
 * - `'nonFinite'`: a NaN or infinite feature (or one that overflows the requested dtype);
 * - `'labels'`: a missing, non-integer, negative or too large label;
 * - `'dtype'`: an unsupported `.npy` dtype or bad magic / version / memory order;
 * - `'io'`: the file could not be read (Node loader only).
 */
export type FeatureLoadErrorKind = 'syntax' | 'shape' | 'empty' | 'nonFinite' | 'labels' | 'dtype' | 'io';

/**
 * A feature file that could not be loaded. It is an Error (a {@link ValueError})
 * so it can be thrown, but the loaders return it in an `Either` `Left`.
 */
export class FeatureLoadError extends ValueError {
  /** `'FeatureLoadError'`, so that messages and `err.name` show the class. */
  override name = 'FeatureLoadError';
  /** the category of the problem */
  readonly kind: FeatureLoadErrorKind;

  /** @param kind the category; @param message what was wrong and where (row, column, byte offset, …). */
  constructor(kind: FeatureLoadErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}
