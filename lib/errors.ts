/**
 * Typed errors for programmer mistakes. Every message names the function that
 * rejected its input, the shapes or values it saw, and what it expected.
 */

/** Base class of every error this library throws on purpose. */
export class GyrogradError extends Error {
  /** `'GyrogradError'`, so that messages and `err.name` show the class. */
  override name = 'GyrogradError';
}

/** Shapes that do not fit: broadcasting, matmul dimensions, reshape sizes, … */
export class ShapeError extends GyrogradError {
  /** `'ShapeError'`, so that messages and `err.name` show the class. */
  override name = 'ShapeError';
}

/** An axis outside `[-rank, rank)` or repeated where axes must be distinct. */
export class AxisError extends ShapeError {
  /** `'AxisError'`, so that messages and `err.name` show the class. */
  override name = 'AxisError';
}

/** A dtype that is not supported here. */
export class DTypeError extends GyrogradError {
  /** `'DTypeError'`, so that messages and `err.name` show the class. */
  override name = 'DTypeError';
}

/** A value outside its domain: NaN when finite values were required, an index out of range, … */
export class ValueError extends GyrogradError {
  /** `'ValueError'`, so that messages and `err.name` show the class. */
  override name = 'ValueError';
}

/** A point outside a manifold's domain where only points of it are allowed (e.g. outside the Poincaré ball). */
export class DomainError extends ValueError {
  /** `'DomainError'`, so that messages and `err.name` show the class. */
  override name = 'DomainError';
}

/** An argument of the wrong kind (not a tensor, not a tree of tensors, a bad option). */
export class ArgumentError extends GyrogradError {
  /** `'ArgumentError'`, so that messages and `err.name` show the class. */
  override name = 'ArgumentError';
}

/** Misuse of a transformation such as `grad` (non-scalar output, bad argnums, …). */
export class GradError extends GyrogradError {
  /** `'GradError'`, so that messages and `err.name` show the class. */
  override name = 'GradError';
}

/** Formats a shape as `[2, 3]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
