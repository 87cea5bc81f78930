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

/**
 * A short, never-throwing description of any value for messages: numbers and
 * strings as written, `null`, `undefined`, `a function`, `an array of length n`,
 * `a Tensor [2, 3]`, `an object`, … (unlike `${v}`, safe for symbols and
 * objects without a prototype).
 */
export function describe(v: unknown): string {
  switch (typeof v) {
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'string':
      return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor?.name ?? 'typed array'}`;
  const shape = (v as { shape?: unknown }).shape;
  if (Array.isArray(shape) && typeof (v as { dtype?: unknown }).dtype === 'string') return `a Tensor ${fmtShape(shape as number[])}`;
  return 'an object';
}

/**
 * The options object of `fn`, checked: a plain object (not null, an array or
 * a primitive) or, unless `required` is given, `undefined` (all defaults,
 * returned as `{}`). Anything else is an ArgumentError naming `fn`; `required`
 * lists the options that must be there, for the message (e.g. `'{ lr }'`).
 */
export function optionsOf<T extends object>(fn: string, options: T | undefined, required?: string): T {
  if (options === undefined && required === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const want = required === undefined ? 'an options object or undefined' : `an options object with at least ${required}`;
    throw new ArgumentError(`${fn}: expected ${want}, got ${describeKind(options)}`);
  }
  return options;
}

/** Throws an ArgumentError naming `fn` unless `f` is a function (`what` names the argument). */
export function requireFunction(fn: string, f: unknown, what: string): asserts f is (...args: never[]) => unknown {
  if (typeof f !== 'function') throw new ArgumentError(`${fn}: ${what} must be a function, got ${describeKind(f)}`);
}

/**
 * Throws an ArgumentError naming `fn` unless `obj` is an object with a function
 * under each of `methods` (`what` describes the expected object, e.g.
 * `'a Poincaré ball (poincareBall({ c }))'`).
 */
export function requireMethods(fn: string, obj: unknown, what: string, methods: readonly string[]): void {
  if (typeof obj !== 'object' || obj === null || !methods.every((m) => typeof (obj as Record<string, unknown>)[m] === 'function')) {
    throw new ArgumentError(`${fn}: expected ${what}, got ${describeKind(obj)}`);
  }
}

/** Like {@link describe}, with the kind of a primitive first: `number 3`, `string "a"`, `boolean true`. */
export function describeKind(v: unknown): string {
  const t = typeof v;
  return t === 'number' || t === 'string' || t === 'boolean' || t === 'bigint' ? `${t} ${describe(v)}` : describe(v);
}
