/**
 * The one list of gyrograd's elementwise ops that the test tables are built
 * from — gradient checks, immutability, error paths — so adding an op means
 * adding one row here (a test fails while a public elementwise op is missing
 * from it). Each row says how to call the op and on which values its
 * derivative is a derivative (away from kinks and poles), for anyone
 * property-testing code built on these ops.
 */
import type { Tensor } from '../tensor/tensor.ts';
import * as ew from '../ops/elementwise.ts';
import type { ValueOptions } from './arbitraries.ts';

/** One elementwise op: its public name, how to call it, and where its gradient can be checked. */
export interface ElementwiseOpEntry {
  /** the public name (an export of `gyrograd`) */
  readonly name: string;
  /** the number of tensor operands */
  readonly arity: 1 | 2;
  /** calls the op on tensors */
  readonly fn: (...xs: Tensor[]) => Tensor;
  /**
   * value ranges, one per operand, on which the op is smooth (finite
   * differences are its derivative there); `undefined` for a piecewise-constant
   * op, whose gradient is zero (comparisons, `sign`, `isFinite`)
   */
  readonly smoothOn: readonly ValueOptions[] | undefined;
}

const u = (name: string, fn: (x: Tensor) => Tensor, smoothOn: ValueOptions | undefined): ElementwiseOpEntry => ({
  name,
  arity: 1,
  fn: fn as (...xs: Tensor[]) => Tensor,
  smoothOn: smoothOn && [smoothOn],
});

const b = (name: string, fn: (a: Tensor, b: Tensor) => Tensor, smoothOn: readonly [ValueOptions, ValueOptions] | undefined): ElementwiseOpEntry => ({
  name,
  arity: 2,
  fn: fn as (...xs: Tensor[]) => Tensor,
  smoothOn,
});

/** Every public unary and binary elementwise op (`where` and `clamp` take non-tensor arguments and are tested on their own). */
export const ELEMENTWISE_OPS: readonly ElementwiseOpEntry[] = [
  u('neg', ew.neg, {}),
  u('abs', ew.abs, { awayFrom: [0] }),
  u('exp', ew.exp, {}),
  u('log', ew.log, { min: 0.2, max: 3 }),
  u('log1p', ew.log1p, { min: -0.8, max: 3 }),
  u('expm1', ew.expm1, {}),
  u('sqrt', ew.sqrt, { min: 0.2, max: 3 }),
  u('rsqrt', ew.rsqrt, { min: 0.2, max: 3 }),
  u('square', ew.square, {}),
  u('reciprocal', ew.reciprocal, { min: 0.3, max: 3 }),
  u('tanh', ew.tanh, {}),
  u('atanh', ew.atanh, { min: -0.9, max: 0.9 }),
  u('atan', ew.atan, {}),
  u('cos', ew.cos, {}),
  u('sin', ew.sin, {}),
  u('sinh', ew.sinh, {}),
  u('cosh', ew.cosh, {}),
  u('asinh', ew.asinh, {}),
  u('acosh', ew.acosh, { min: 1.2, max: 3 }),
  u('sigmoid', ew.sigmoid, { min: -6, max: 6 }),
  u('relu', ew.relu, { awayFrom: [0] }),
  u('softplus', ew.softplus, { min: -6, max: 6 }),
  u('sign', ew.sign, undefined),
  u('isFinite', ew.isFinite, undefined),
  b('add', ew.add, [{}, {}]),
  b('sub', ew.sub, [{}, {}]),
  b('mul', ew.mul, [{}, {}]),
  b('div', ew.div, [{}, { min: 0.3, max: 3 }]),
  b('pow', ew.pow, [
    { min: 0.3, max: 2 },
    { min: -2, max: 2 },
  ]),
  b('atan2', ew.atan2, [
    { min: 0.3, max: 2 },
    { min: 0.3, max: 2 },
  ]),
  b('maximum', ew.maximum, [
    { min: 0.6, max: 2 },
    { min: -2, max: 0.4 },
  ]),
  b('minimum', ew.minimum, [
    { min: -2, max: 0.4 },
    { min: 0.6, max: 2 },
  ]),
  b('equal', ew.equal, undefined),
  b('notEqual', ew.notEqual, undefined),
  b('less', ew.less, undefined),
  b('lessEqual', ew.lessEqual, undefined),
  b('greater', ew.greater, undefined),
  b('greaterEqual', ew.greaterEqual, undefined),
];

/** The exports of the elementwise module that are not in {@link ELEMENTWISE_OPS}, and why. */
export const ELEMENTWISE_OPS_EXCLUDED: Readonly<Record<string, string>> = {
  where: 'a condition and two operands (tested on its own)',
  clamp: 'takes bounds as numbers (tested on its own)',
};
