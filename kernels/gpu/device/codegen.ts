/**
 * Source generation for the device kernels: every device tensor is a flat
 * float32 texture of its row-major values, every kernel has a flat output
 * `[n]` (one thread per output entry, `this.thread.x`), and a kernel maps
 * its flat output index to input offsets with shapes and strides baked into
 * the generated source as literals (one compiled kernel per signature).
 *
 * GL computes the index arithmetic in float32, whose division is not
 * correctly rounded (GLSL ES allows 2.5 ulp), so `floor(i / s)` can be off
 * by one next to a multiple of s. {@link divmodSrc} corrects the quotient
 * with exact integer products (every index is below 2²⁴, where float32
 * integers are exact).
 */
import { stridesOf } from '../../types.ts';

/**
 * A float literal for generated source (integers get a `.0`, so GLSL sees a
 * float). Finite values only: WGSL rejects `1.0 / 0.0` as a constant, so
 * kernels express infinities otherwise (no bound, the first element).
 */
export function lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`device kernel source: non-finite literal ${v}`);
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * Lines that split the index held in variable `rem` by the literal `s`:
 * declares `q` = ⌊rem / s⌋ (exactly) and leaves `rem` = rem − q·s.
 */
export function divmodSrc(q: string, rem: string, s: number): string {
  if (s === 1) return `const ${q} = ${rem};\n${rem} = 0.0;\n`;
  const S = lit(s);
  return (
    `let ${q} = Math.floor((${rem} + 0.5) / ${S});\n` +
    `if (${q} * ${S} > ${rem}) { ${q} = ${q} - 1.0; }\n` +
    `if ((${q} + 1.0) * ${S} <= ${rem}) { ${q} = ${q} + 1.0; }\n` +
    `${rem} = ${rem} - ${q} * ${S};\n`
  );
}

export { stridesOf };

/**
 * Lines that turn the flat index `idx` (an expression) over `shape` into
 * offsets: declares `offs[j]` = Σ_k i_k·strides[j][k] for every operand j,
 * and, when `axisVars` is given, `axisVars[k]` = i_k for the axes it names.
 * Its own variables are suffixed with `tag` (distinct per call in one kernel),
 * so the same signature always generates the same source.
 */
export function offsetsSrc(
  idx: string,
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offs: readonly string[],
  axisVars: readonly (string | undefined)[] = [],
  tag = '0',
): string {
  const id = tag;
  const rem = `rem${id}`;
  let src = `let ${rem} = ${idx};\n`;
  for (const o of offs) src += `let ${o} = 0.0;\n`;
  const ostr = stridesOf(shape);
  for (let k = 0; k < shape.length; k++) {
    const named = axisVars[k];
    if (shape[k] === 1) {
      if (named !== undefined) src += `const ${named} = 0.0;\n`;
      continue;
    }
    const q = named ?? `q${id}_${k}`;
    src += divmodSrc(q, rem, ostr[k]);
    strides.forEach((s, j) => {
      if (s[k] !== 0) src += `${offs[j]} = ${offs[j]} + ${q} * ${lit(s[k])};\n`;
    });
  }
  return src;
}

/** A gpu.js kernel function source with arguments `args` and body `body`. */
export function kernelSrc(args: readonly string[], body: string): string {
  return `function (${args.join(', ')}) {\n${body}}`;
}
