/**
 * Device kernels for the elementwise family: `unary`, `binary` and `where`
 * with NumPy broadcasting, and `broadcastTo`. One thread per output entry;
 * broadcast operands are read through strides (0 on broadcast axes) baked
 * into the source. A one-element operand that lives on the host (a scalar
 * such as the 2 of `mul(x, 2)`) is passed as a uniform, never uploaded.
 *
 * The maps are written for float32 GL arithmetic: transcendental functions
 * use forms that neither overflow nor cancel (tanh from e^(−2|x|), log1p
 * and expm1 with the classic correction, atanh from log1p), so their error
 * stays within a few float32 ulps of the js kernels'.
 */
import type { BinaryOp, UnaryOp } from '../../js/elementwise.ts';
import { broadcastStrides, collapse } from '../../js/elementwise.ts';
import { TensorData } from '../../data.ts';
import { sizeOf } from '../../types.ts';
import type { DataKernels } from '../../kernel-types.ts';
import { kernelSrc, lit, offsetsSrc } from './codegen.ts';
import type { DeviceArg, DeviceContext } from './context.ts';

/** Statements computing `y` from `x` for the unary maps (bounds of clamp/clampMask as literals, '' for none). */
const UNARY: Record<UnaryOp, (p0: string, p1: string) => string> = {
  neg: () => 'const y = -x;',
  abs: () => 'const y = Math.abs(x);',
  exp: () => 'const y = Math.exp(x);',
  log: () => 'const y = Math.log(x);',
  log1p: () => 'const u = 1.0 + x;\nlet y = x;\nif (u !== 1.0) { y = Math.log(u) * x / (u - 1.0); }',
  expm1: () => 'const u = Math.exp(x);\nlet y = x;\nif (u !== 1.0) { y = u - 1.0; if (y !== -1.0) { y = y * x / Math.log(u); } }\nif (x > 80.0) { y = u; }',
  sqrt: () => 'const y = Math.sqrt(x);',
  rsqrt: () => 'const y = 1.0 / Math.sqrt(x);',
  square: () => 'const y = x * x;',
  reciprocal: () => 'const y = 1.0 / x;',
  tanh: () => 'const t = Math.exp(-2.0 * Math.abs(x));\nlet y = (1.0 - t) / (1.0 + t);\nif (x < 0.0) { y = -y; }',
  atanh: () => 'const w = 2.0 * x / (1.0 - x);\nconst u = 1.0 + w;\nlet y = 0.5 * w;\nif (u !== 1.0) { y = 0.5 * Math.log(u) * w / (u - 1.0); }',
  atan: () => 'const y = Math.atan(x);',
  cos: () => 'const y = Math.cos(x);',
  sin: () => 'const y = Math.sin(x);',
  sinh: () =>
    'const e = Math.exp(Math.abs(x));\nlet y = 0.5 * (e - 1.0 / e);\nif (Math.abs(x) < 0.0001) { y = Math.abs(x) + Math.abs(x) * x * x / 6.0; }\nif (x < 0.0) { y = -y; }',
  cosh: () => 'const e = Math.exp(Math.abs(x));\nconst y = 0.5 * (e + 1.0 / e);',
  asinh: () => {
    return 'const a = Math.abs(x);\nlet y = Math.log(a + Math.sqrt(a * a + 1.0));\nif (a < 0.0001) { y = a - a * a * a / 6.0; }\nif (a > 100000000.0) { y = Math.log(a) + 0.6931471805599453; }\nif (x < 0.0) { y = -y; }';
  },
  acosh: () => 'let y = Math.log(x + Math.sqrt(x * x - 1.0));\nif (x > 100000000.0) { y = Math.log(x) + 0.6931471805599453; }',
  sigmoid: () => 'let y = 0.0;\nif (x >= 0.0) { y = 1.0 / (1.0 + Math.exp(-x)); } else { const e = Math.exp(x); y = e / (1.0 + e); }',
  relu: () => 'let y = 0.0;\nif (x > 0.0) { y = x; }',
  softplus: () =>
    'const ax = Math.abs(x);\nconst t = Math.exp(-ax);\nconst u = 1.0 + t;\nlet l = t;\nif (u !== 1.0) { l = Math.log(u) * t / (u - 1.0); }\nlet y = l;\nif (x > 0.0) { y = x + l; }',
  sign: () => 'let y = 0.0;\nif (x > 0.0) { y = 1.0; }\nif (x < 0.0) { y = -1.0; }',
  isFinite: () => 'let y = 0.0;\nif (Math.abs(x) <= 3.4028234663852886e38) { y = 1.0; }',
  step: () => 'let y = 0.0;\nif (x > 0.0) { y = 1.0; }',
  clamp: (p0, p1) => `let y = x;\n${p0 === '' ? '' : `if (x < ${p0}) { y = ${p0}; }\n`}${p1 === '' ? '' : `if (x > ${p1}) { y = ${p1}; }`}`,
  clampMask: (p0, p1) =>
    `let y = 1.0;\n${p0 === '' ? '' : `if (x < ${p0}) { y = 0.0; }\n`}${p1 === '' ? '' : `if (x > ${p1}) { y = 0.0; }`}\nif (x !== x) { y = 0.0; }`,
};

/** Statements computing `y` from `a` and `b` for the binary maps. */
const BINARY: Record<BinaryOp, string> = {
  add: 'const y = a + b;',
  sub: 'const y = a - b;',
  mul: 'const y = a * b;',
  div: 'const y = a / b;',
  pow: 'const y = Math.pow(a, b);',
  maximum: 'let y = b;\nif (a >= b) { y = a; }',
  minimum: 'let y = b;\nif (a <= b) { y = a; }',
  atan2: 'const y = Math.atan2(a, b);',
  equal: 'let y = 0.0;\nif (a === b) { y = 1.0; }',
  notEqual: 'let y = 0.0;\nif (a !== b) { y = 1.0; }',
  less: 'let y = 0.0;\nif (a < b) { y = 1.0; }',
  lessEqual: 'let y = 0.0;\nif (a <= b) { y = 1.0; }',
  greater: 'let y = 0.0;\nif (a > b) { y = 1.0; }',
  greaterEqual: 'let y = 0.0;\nif (a >= b) { y = 1.0; }',
  maxMask: 'let y = 0.5;\nif (a > b) { y = 1.0; }\nif (a < b) { y = 0.0; }',
  minMask: 'let y = 0.5;\nif (a < b) { y = 1.0; }\nif (a > b) { y = 0.0; }',
};

/** A one-element host operand becomes a uniform; anything else is read from its texture. */
export function asUniform(d: TensorData): number | undefined {
  return d.length === 1 && d.onHost ? d.host()[0] : undefined;
}

/**
 * An operand `name` broadcast to the output: the source statement that
 * reads it (`const name = …;`) and its argument, given the offsets code.
 */
interface Operand {
  readonly arg: DeviceArg;
  readonly read: string;
  /** strides into the collapsed output shape, or undefined for a uniform */
  readonly strides: number[] | undefined;
}

/**
 * Builds a kernel over `outShape` from operands broadcast to it and a body
 * computing `y` from the operand variables; returns the device result.
 */
export function broadcastKernel(
  ctx: DeviceContext,
  key: string,
  operands: readonly { name: string; data: TensorData; shape: readonly number[] }[],
  outShape: readonly number[],
  body: string,
): TensorData {
  const n = sizeOf(outShape);
  const uniforms = operands.map((o) => asUniform(o.data));
  const dense = operands.filter((_, i) => uniforms[i] === undefined);
  const [shape, strides] = collapse(
    outShape,
    dense.map((o) => broadcastStrides(o.shape, outShape)),
  );
  const ops: Operand[] = [];
  let di = 0;
  operands.forEach((o, i) => {
    const u = uniforms[i];
    if (u !== undefined) ops.push({ arg: u, read: `const ${o.name} = ${o.name}_u;`, strides: undefined });
    else {
      const s = strides[di++];
      // as many entries as the output: read in place, no offsets
      const contiguous = sizeOf(o.shape) === n;
      ops.push({
        arg: o.data,
        read: contiguous ? `const ${o.name} = ${o.name}_t[this.thread.x];` : `const ${o.name} = ${o.name}_t[off_${o.name}];`,
        strides: contiguous ? undefined : s,
      });
    }
  });
  const needOffsets = ops.map((o, i) => ({ o, i })).filter(({ o }) => o.strides !== undefined);
  let src = '';
  if (needOffsets.length > 0) {
    src += offsetsSrc(
      'this.thread.x',
      shape,
      needOffsets.map(({ o }) => o.strides!),
      needOffsets.map(({ i }) => `off_${operands[i].name}`),
    );
  }
  for (const o of ops) src += o.read + '\n';
  src += body + '\nreturn y;\n';
  const args = operands.map((o, i) => (typeof ops[i].arg === 'number' ? `${o.name}_u` : `${o.name}_t`));
  // a uniform's value is an argument, not part of the source: the kernel is shared across values
  const sig = ops.map((o) => (typeof o.arg === 'number' ? 'u' : 't')).join('');
  return ctx.run(
    `${key}:${sig}`,
    kernelSrc(args, src),
    n,
    ops.map((o) => o.arg),
  );
}

// the kernels' signatures on TensorData, from the kernel table
type Unary = DataKernels['unary'];
type Binary = DataKernels['binary'];
type Where = DataKernels['where'];
type BroadcastTo = DataKernels['broadcastTo'];

/** The device unary map. */
export function makeUnary(ctx: DeviceContext): Unary {
  return (op, x, _dtype, p0 = 0, p1 = 0) => {
    // an infinite bound is no bound (no infinite literals: WGSL rejects them)
    const bound = (p: number): string => (Number.isFinite(p) ? lit(p) : '');
    const body = UNARY[op](bound(p0), bound(p1));
    return broadcastKernel(ctx, `un:${op}`, [{ name: 'x', data: x, shape: [x.length] }], [x.length], body);
  };
}

/** The device broadcasting binary map. */
export function makeBinary(ctx: DeviceContext): Binary {
  return (op, a, aShape, b, bShape, outShape) =>
    broadcastKernel(
      ctx,
      `bin:${op}`,
      [
        { name: 'a', data: a, shape: aShape },
        { name: 'b', data: b, shape: bShape },
      ],
      outShape,
      BINARY[op],
    );
}

/** The device broadcasting select. */
export function makeWhere(ctx: DeviceContext): Where {
  return (c, cShape, a, aShape, b, bShape, outShape) =>
    broadcastKernel(
      ctx,
      'where',
      [
        { name: 'c', data: c, shape: cShape },
        { name: 'a', data: a, shape: aShape },
        { name: 'b', data: b, shape: bShape },
      ],
      outShape,
      'let y = b;\nif (c !== 0.0) { y = a; }',
    );
}

/** The device broadcast. */
export function makeBroadcastTo(ctx: DeviceContext): BroadcastTo {
  return (x, shape, outShape) => broadcastKernel(ctx, 'bcast', [{ name: 'x', data: x, shape }], outShape, 'const y = x;');
}
