/**
 * Elementwise ops: unary maps (`exp`, `tanh`, `atanh`, …) and broadcasting
 * binary arithmetic (`add`, `mul`, `pow`, `maximum`, …). Each is a primitive
 * whose VJP is written with ops, so every derivative is differentiable again.
 */
import { kernel } from '../../kernels/registry.ts';
import type { BinaryOp, UnaryOp } from '../../kernels/js/index.ts';
import { bind, definePrimitive, type PrimitiveDef } from '../autodiff/primitive.ts';
import { ValueError } from '../errors.ts';
import { broadcastShapes } from '../tensor/shape.ts';
import { dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import { broadcastTo, sumTo } from './broadcast.ts';
import { alignBatched } from './batching.ts';
import { checkTensor, coercePair } from './util.ts';

// ---------------------------------------------------------------- unary

interface UnaryAttrs {
  readonly lo: number;
  readonly hi: number;
}
const NO_ATTRS: UnaryAttrs = { lo: 0, hi: 0 };

/* @__NO_SIDE_EFFECTS__ */
function unaryPrim(op: UnaryOp, d?: (g: Tensor, x: Tensor, out: Tensor, attrs: UnaryAttrs) => Tensor): PrimitiveDef<UnaryAttrs> {
  const p: PrimitiveDef<UnaryAttrs> = definePrimitive<UnaryAttrs>({
    name: op,
    forward: ([x], attrs) => fromData(kernel('unary', x.dtype)(op, dataRef(x), x.dtype, attrs.lo, attrs.hi), x.shape),
    vjp: d && ((g, [x], out, attrs) => [d(g, x, out, attrs)]),
    // the derivative is pointwise, so the JVP is the VJP's product with the tangent in place of the cotangent
    jvp: d ? ([x], [t], out, attrs) => (t === undefined ? undefined : d(t, x, out, attrs)) : 'zero',
    // pointwise: the same kernel over the batched operand
    batch: ([x], _b, attrs) => bind(p, [x], attrs),
  });
  return p;
}

const P = {
  neg: unaryPrim('neg', (g) => neg(g)),
  abs: unaryPrim('abs', (g, x) => mul(g, sign(x))),
  exp: unaryPrim('exp', (g, _x, out) => mul(g, out)),
  log: unaryPrim('log', (g, x) => div(g, x)),
  log1p: unaryPrim('log1p', (g, x) => div(g, add(x, 1))),
  expm1: unaryPrim('expm1', (g, _x, out) => mul(g, add(out, 1))),
  sqrt: unaryPrim('sqrt', (g, _x, out) => div(g, mul(out, 2))),
  rsqrt: unaryPrim('rsqrt', (g, x, out) => mul(g, mul(div(out, x), -0.5))),
  square: unaryPrim('square', (g, x) => mul(g, mul(x, 2))),
  reciprocal: unaryPrim('reciprocal', (g, _x, out) => neg(mul(g, square(out)))),
  tanh: unaryPrim('tanh', (g, _x, out) => mul(g, sub(1, square(out)))),
  atanh: unaryPrim('atanh', (g, x) => div(g, sub(1, square(x)))),
  atan: unaryPrim('atan', (g, x) => div(g, add(square(x), 1))),
  cos: unaryPrim('cos', (g, x) => neg(mul(g, sin(x)))),
  sin: unaryPrim('sin', (g, x) => mul(g, cos(x))),
  sinh: unaryPrim('sinh', (g, x) => mul(g, cosh(x))),
  cosh: unaryPrim('cosh', (g, x) => mul(g, sinh(x))),
  asinh: unaryPrim('asinh', (g, x) => mul(g, rsqrt(add(square(x), 1)))),
  acosh: unaryPrim('acosh', (g, x) => mul(g, rsqrt(sub(square(x), 1)))),
  sigmoid: unaryPrim('sigmoid', (g, _x, out) => mul(g, mul(out, sub(1, out)))),
  relu: unaryPrim('relu', (g, x) => mul(g, step(x))),
  softplus: unaryPrim('softplus', (g, x) => mul(g, sigmoid(x))),
  clamp: unaryPrim('clamp', (g, x, _out, a) => mul(g, unaryConst('clampMask', x, a))),
  sign: unaryPrim('sign'),
  isFinite: unaryPrim('isFinite'),
  step: unaryPrim('step'),
  clampMask: unaryPrim('clampMask'),
};

function unaryConst(op: 'sign' | 'isFinite' | 'step' | 'clampMask', x: Tensor, attrs: UnaryAttrs = NO_ATTRS): Tensor {
  return bind(P[op], [x], attrs);
}

function un(name: keyof typeof P, x: Tensor): Tensor {
  checkTensor(name, x);
  return bind(P[name], [x], NO_ATTRS);
}

/** −x */
export const neg = (x: Tensor): Tensor => un('neg', x);
/** |x| (gradient `sign(x)`, 0 at 0) */
export const abs = (x: Tensor): Tensor => un('abs', x);
/** eˣ */
export const exp = (x: Tensor): Tensor => un('exp', x);
/** natural logarithm */
export const log = (x: Tensor): Tensor => un('log', x);
/** log(1 + x), accurate for small x */
export const log1p = (x: Tensor): Tensor => un('log1p', x);
/** eˣ − 1, accurate for small x */
export const expm1 = (x: Tensor): Tensor => un('expm1', x);
/** √x */
export const sqrt = (x: Tensor): Tensor => un('sqrt', x);
/** 1/√x */
export const rsqrt = (x: Tensor): Tensor => un('rsqrt', x);
/** x² */
export const square = (x: Tensor): Tensor => un('square', x);
/** 1/x */
export const reciprocal = (x: Tensor): Tensor => un('reciprocal', x);
/** hyperbolic tangent */
export const tanh = (x: Tensor): Tensor => un('tanh', x);
/** inverse hyperbolic tangent (unclamped: ±1 give ±Infinity) */
export const atanh = (x: Tensor): Tensor => un('atanh', x);
/** arctangent */
export const atan = (x: Tensor): Tensor => un('atan', x);
/** cosine */
export const cos = (x: Tensor): Tensor => un('cos', x);
/** sine */
export const sin = (x: Tensor): Tensor => un('sin', x);
/** hyperbolic sine */
export const sinh = (x: Tensor): Tensor => un('sinh', x);
/** hyperbolic cosine */
export const cosh = (x: Tensor): Tensor => un('cosh', x);
/** inverse hyperbolic sine */
export const asinh = (x: Tensor): Tensor => un('asinh', x);
/** inverse hyperbolic cosine (defined for x ≥ 1) */
export const acosh = (x: Tensor): Tensor => un('acosh', x);
/** logistic sigmoid 1/(1 + e⁻ˣ), stable for large |x| */
export const sigmoid = (x: Tensor): Tensor => un('sigmoid', x);
/** max(x, 0) (gradient 0 at 0) */
export const relu = (x: Tensor): Tensor => un('relu', x);
/** log(1 + eˣ), stable for large |x| */
export const softplus = (x: Tensor): Tensor => un('softplus', x);
/** −1, 0 or 1 (no gradient) */
export const sign = (x: Tensor): Tensor => un('sign', x);
/** 1 where x is finite, else 0 (no gradient) */
export const isFinite = (x: Tensor): Tensor => un('isFinite', x);
/** 1 where x > 0, else 0 (no gradient) */
const step = (x: Tensor): Tensor => un('step', x);

/**
 * Clamps `x` into `[min, max]`. The gradient is passed through inside the
 * interval (boundaries included) and is zero outside.
 */
export function clamp(x: Tensor, min: number, max: number): Tensor {
  checkTensor('clamp', x);
  if (!(min <= max)) throw new ValueError(`clamp: expected min ≤ max, got min ${min} and max ${max}`);
  return bind(P.clamp, [x], { lo: min, hi: max });
}

// ---------------------------------------------------------------- binary

interface BinaryAttrs {
  readonly outShape: readonly number[];
}

type BinaryVjp = (g: Tensor, a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => [Tensor | undefined, Tensor | undefined];

/* @__NO_SIDE_EFFECTS__ */
function binaryPrim(op: BinaryOp, d?: BinaryVjp): PrimitiveDef<BinaryAttrs> {
  const p: PrimitiveDef<BinaryAttrs> = definePrimitive<BinaryAttrs>({
    name: op,
    forward: ([a, b], { outShape }) => fromData(kernel('binary', a.dtype)(op, dataRef(a), a.shape, dataRef(b), b.shape, outShape, a.dtype), outShape),
    vjp:
      d &&
      ((g, [a, b], out, _attrs, needs) => {
        const [ga, gb] = d(g, a, b, out, needs);
        return [ga && needs[0] ? sumTo(ga, a.shape) : undefined, gb && needs[1] ? sumTo(gb, b.shape) : undefined];
      }),
    // every VJP above is (cotangent) × (pointwise partial derivative): with the tangent in place of
    // the cotangent it gives ∂a·ta and ∂b·tb, which broadcast to the output
    jvp: d
      ? ([a, b], [ta, tb], out, { outShape }) => {
          const da = ta === undefined ? undefined : d(ta, a, b, out, [true, false])[0];
          const db = tb === undefined ? undefined : d(tb, a, b, out, [false, true])[1];
          const t = da === undefined ? db : db === undefined ? da : add(da, db);
          return t === undefined ? undefined : broadcastTo(t, outShape);
        }
      : 'zero',
    batch: ([a, b], [ba, bb], { outShape }, size) =>
      bind(p, [alignBatched(a, ba, outShape.length), alignBatched(b, bb, outShape.length)], { outShape: [size, ...outShape] }),
  });
  return p;
}

const B = {
  add: binaryPrim('add', (g) => [g, g]),
  sub: binaryPrim('sub', (g, _a, _b, _o, n) => [g, n[1] ? neg(g) : undefined]),
  mul: binaryPrim('mul', (g, a, b, _o, n) => [n[0] ? mul(g, b) : undefined, n[1] ? mul(g, a) : undefined]),
  div: binaryPrim('div', (g, a, b, _o, n) => [n[0] ? div(g, b) : undefined, n[1] ? neg(div(mul(g, a), square(b))) : undefined]),
  pow: binaryPrim('pow', (g, a, b, out, n) => [
    // d/da aᵇ = b·aᵇ⁻¹ ; d/db aᵇ = aᵇ·log a (taken as 0 where a ≤ 0, where aᵇ is not differentiable in b)
    n[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : undefined,
    n[1] ? mul(g, mul(out, where(greater(a, 0), log(where(greater(a, 0), a, 1)), 0))) : undefined,
  ]),
  maximum: binaryPrim('maximum', (g, a, b, _o, n) => {
    const m = binaryConst('maxMask', a, b);
    return [n[0] ? mul(g, m) : undefined, n[1] ? mul(g, sub(1, m)) : undefined];
  }),
  minimum: binaryPrim('minimum', (g, a, b, _o, n) => {
    const m = binaryConst('minMask', a, b);
    return [n[0] ? mul(g, m) : undefined, n[1] ? mul(g, sub(1, m)) : undefined];
  }),
  atan2: binaryPrim('atan2', (g, a, b, _o, n) => {
    const r2 = add(square(a), square(b));
    return [n[0] ? mul(g, div(b, r2)) : undefined, n[1] ? neg(mul(g, div(a, r2))) : undefined];
  }),
  equal: binaryPrim('equal'),
  notEqual: binaryPrim('notEqual'),
  less: binaryPrim('less'),
  lessEqual: binaryPrim('lessEqual'),
  greater: binaryPrim('greater'),
  greaterEqual: binaryPrim('greaterEqual'),
  maxMask: binaryPrim('maxMask'),
  minMask: binaryPrim('minMask'),
};

function binaryConst(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  return bind(B[op], [a, b], { outShape: broadcastShapes(op, a.shape, b.shape) });
}

function bin(op: keyof typeof B, a: Tensor | number, b: Tensor | number): Tensor {
  const [ta, tb] = coercePair(op, a, b);
  return bind(B[op], [ta, tb], { outShape: broadcastShapes(op, ta.shape, tb.shape) });
}

/** a + b (broadcasting; numbers take the tensor's dtype) */
export const add = (a: Tensor | number, b: Tensor | number): Tensor => bin('add', a, b);
/** a − b */
export const sub = (a: Tensor | number, b: Tensor | number): Tensor => bin('sub', a, b);
/** a · b (elementwise) */
export const mul = (a: Tensor | number, b: Tensor | number): Tensor => bin('mul', a, b);
/** a / b */
export const div = (a: Tensor | number, b: Tensor | number): Tensor => bin('div', a, b);
/** aᵇ; the gradient in `b` is taken as 0 where a ≤ 0 */
export const pow = (a: Tensor | number, b: Tensor | number): Tensor => bin('pow', a, b);
/** elementwise maximum (a tie splits the gradient in halves) */
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => bin('maximum', a, b);
/** elementwise minimum (a tie splits the gradient in halves) */
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => bin('minimum', a, b);
/** atan2(a, b): the angle of the point (b, a) */
export const atan2 = (a: Tensor | number, b: Tensor | number): Tensor => bin('atan2', a, b);
/** 1 where a = b, else 0 (no gradient) */
export const equal = (a: Tensor | number, b: Tensor | number): Tensor => bin('equal', a, b);
/** 1 where a ≠ b, else 0 (no gradient) */
export const notEqual = (a: Tensor | number, b: Tensor | number): Tensor => bin('notEqual', a, b);
/** 1 where a < b, else 0 (no gradient) */
export const less = (a: Tensor | number, b: Tensor | number): Tensor => bin('less', a, b);
/** 1 where a ≤ b, else 0 (no gradient) */
export const lessEqual = (a: Tensor | number, b: Tensor | number): Tensor => bin('lessEqual', a, b);
/** 1 where a > b, else 0 (no gradient) */
export const greater = (a: Tensor | number, b: Tensor | number): Tensor => bin('greater', a, b);
/** 1 where a ≥ b, else 0 (no gradient) */
export const greaterEqual = (a: Tensor | number, b: Tensor | number): Tensor => bin('greaterEqual', a, b);

// ---------------------------------------------------------------- where

const whereP: PrimitiveDef<BinaryAttrs> = definePrimitive<BinaryAttrs>({
  name: 'where',
  forward: ([c, a, b], { outShape }) =>
    fromData(kernel('where', a.dtype)(dataRef(c), c.shape, dataRef(a), a.shape, dataRef(b), b.shape, outShape, a.dtype), outShape),
  vjp: (g, [c, a, b], _out, _attrs, needs) => {
    const zero = 0;
    return [undefined, needs[1] ? sumTo(where(c, g, zero), a.shape) : undefined, needs[2] ? sumTo(where(c, zero, g), b.shape) : undefined];
  },
  jvp: ([c], [, ta, tb], _out, { outShape }) => (ta === undefined && tb === undefined ? undefined : broadcastTo(where(c, ta ?? 0, tb ?? 0), outShape)),
  batch: (xs, bs, { outShape }, size) =>
    bind(
      whereP,
      xs.map((x, i) => alignBatched(x, bs[i], outShape.length)),
      { outShape: [size, ...outShape] },
    ),
});

/**
 * `cond ≠ 0 ? a : b`, elementwise with broadcasting over all three. The
 * gradient flows to `a` where `cond` holds and to `b` elsewhere; `cond` gets none.
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor('where', cond, 'cond');
  const [ta, tb] = coercePair('where', a, b);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  return bind(whereP, [cond, ta, tb], { outShape: shape });
}
