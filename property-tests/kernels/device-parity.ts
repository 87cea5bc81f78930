/**
 * The parity properties of the device kernels, shared by the Node suite
 * (property-tests/kernels/device.test.ts, on gpujs-headlessgl) and the
 * browser suite (test/browser/device.test.ts, on gpujs-webgl2 and
 * gpujs-webgl inside Chromium): every device kernel against the js kernel in
 * float64 on random shapes (fast-check), under float32 bounds stated per
 * family — data movement exact; +, −, ·, / within 4 ulp; reductions within
 * n·u·Σ|x| (the float32 summation bound); matmul within (K+2)·u·Σ|a||b|;
 * transcendental maps within 64 ulp plus 2⁻²⁰ absolute (GLSL ES 3 / Vulkan
 * precision: atan 4096 ulp, sin/cos 2⁻¹¹ absolute). No vitest here: a
 * failure throws, so the properties run anywhere fast-check does.
 */
import fc from 'fast-check';
import { TensorData } from '../../kernels/data.ts';
import { jsKernels } from '../../kernels/js/index.ts';
import type { DeviceBackend } from '../../kernels/gpu/device/index.ts';
import type { BinaryOp, UnaryOp } from '../../kernels/js/index.ts';

/** float32 unit roundoff. */
export const U = 2 ** -24;

/** Throws `msg` unless `cond`. */
function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

/** Deterministic float32 values in [lo, hi). */
export function values(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(lo + ((hi - lo) * s) / 2 ** 32);
  });
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
export const f64 = (x: Float32Array | Float64Array): Float64Array => Float64Array.from(x);
export const onDevice = (x: Float32Array | Float64Array): TensorData => TensorData.fromHost(x instanceof Float32Array ? x : Float32Array.from(x));

/** Device result `d` read back, checked entrywise against `ref` with per-entry bound `tol(i)`. */
function expectClose(d: TensorData, ref: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  check(!d.onHost, `${what}: the result stays on the device until read`);
  const got = d.host();
  check(got.length === ref.length, `${what}: ${got.length} entries, expected ${ref.length}`);
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i] - ref[i]);
    if (!(err <= tol(i)) && !(Number.isNaN(got[i]) && Number.isNaN(ref[i]))) {
      throw new Error(`${what}: entry ${i} is ${got[i]}, reference ${ref[i]} (error ${err} > bound ${tol(i)})`);
    }
  }
}

const shapeArb = (maxRank: number, maxDim: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxRank });

/** A shape broadcastable to `shape`: each axis kept or set to 1, leading axes possibly dropped. */
const broadcastOf = (shape: readonly number[]): fc.Arbitrary<number[]> =>
  fc
    .tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }))
    .map(([drop, ones]) => shape.map((n, i) => (ones[i] ? 1 : n)).slice(drop));

/** One parity property: its name, how many runs, and the property. */
export interface ParityCase {
  readonly name: string;
  readonly numRuns: number;
  readonly property: fc.IProperty<never>;
}

/** The parity properties of device backend `backend`'s kernels. */
export function deviceParityCases(backend: DeviceBackend): ParityCase[] {
  const cases: ParityCase[] = [];
  const prop =
    <T extends unknown[]>(arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }, opts: { numRuns: number }) =>
    (name: string, fn: (...args: T) => void): void => {
      cases.push({
        name,
        numRuns: opts.numRuns,
        property: fc.property(...(arbs as unknown as [fc.Arbitrary<unknown>]), fn as (...a: unknown[]) => void) as unknown as fc.IProperty<never>,
      });
    };
  const it = (name: string, fn: () => void): void => {
    cases.push({ name, numRuns: 1, property: fc.property(fc.constant(0), () => fn()) as unknown as fc.IProperty<never> });
  };
  const UNARY_DOMAIN: Record<UnaryOp, [number, number]> = {
    neg: [-4, 4],
    abs: [-4, 4],
    exp: [-8, 8],
    log: [0.01, 10],
    log1p: [-0.9, 10],
    expm1: [-4, 4],
    sqrt: [0, 10],
    rsqrt: [0.01, 10],
    square: [-4, 4],
    reciprocal: [0.1, 4],
    tanh: [-10, 10],
    atanh: [-0.95, 0.95],
    atan: [-10, 10],
    cos: [-3, 3],
    sin: [-3, 3],
    sinh: [-4, 4],
    cosh: [-4, 4],
    asinh: [-10, 10],
    acosh: [1.01, 10],
    sigmoid: [-20, 20],
    relu: [-4, 4],
    softplus: [-20, 20],
    sign: [-4, 4],
    isFinite: [-4, 4],
    step: [-4, 4],
    clamp: [-4, 4],
    clampMask: [-4, 4],
  };
  const EXACTISH = new Set<UnaryOp>(['neg', 'abs', 'square', 'relu', 'sign', 'isFinite', 'step', 'clamp', 'clampMask', 'reciprocal', 'sqrt', 'rsqrt']);

  prop([fc.constantFrom(...(Object.keys(UNARY_DOMAIN) as UnaryOp[])), fc.integer({ min: 1, max: 300 }), fc.integer()], { numRuns: 60 })(
    'unary maps',
    (op, n, seed) => {
      const [lo, hi] = UNARY_DOMAIN[op];
      const x = values(n, seed, lo, hi);
      const ref = jsKernels.unary(op, f64(x), 'float64', -1, 1.5);
      const out = backend.kernels.unary(op, onDevice(x), 'float32', -1, 1.5);
      // GLSL ES 3.00 / Vulkan precision: atan 4096 ulp, sin/cos absolute 2⁻¹¹; the rest composes exp/log (a few ulp each)
      const rel = EXACTISH.has(op) ? 8 * U : op === 'atan' ? 4096 * 2 * U : 64 * U;
      const abs = EXACTISH.has(op) ? 0 : op === 'sin' || op === 'cos' ? 2 ** -11 : 2 ** -20;
      expectClose(out, ref, (i) => rel * Math.abs(ref[i]) + abs, `unary ${op}`);
    },
  );

  const BINARY: BinaryOp[] = [
    'add',
    'sub',
    'mul',
    'div',
    'pow',
    'maximum',
    'minimum',
    'atan2',
    'equal',
    'notEqual',
    'less',
    'lessEqual',
    'greater',
    'greaterEqual',
    'maxMask',
    'minMask',
  ];
  prop([fc.constantFrom(...BINARY), shapeArb(4, 5).chain((s) => fc.tuple(fc.constant(s), broadcastOf(s), broadcastOf(s))), fc.integer()], { numRuns: 80 })(
    'binary maps with broadcasting (and one-element host operands as uniforms)',
    (op, [out, sa, sb], seed) => {
      const pos = op === 'pow';
      const a = values(size(sa), seed, pos ? 0.1 : -3, 3);
      // integers make ties for the comparisons and masks
      const b = op.includes('qual') || op.includes('Mask') ? values(size(sb), seed + 1, -2, 2).map(Math.round) : values(size(sb), seed + 1, pos ? -2 : 0.25, 3);
      const ref = jsKernels.binary(op, f64(a), sa, f64(b), sb, out, 'float64');
      const res = backend.kernels.binary(op, onDevice(a), sa, onDevice(b), sb, out, 'float32');
      // GLSL ES 3.00 / Vulkan precision: atan 4096 ulp; pow inherits exp2(y·log2 x) (3 + 2|y log2 x| ulp each, composed)
      const rel = op === 'atan2' ? 4096 * 2 * U : op === 'pow' ? 64 * U : 4 * U;
      expectClose(res, ref, (i) => rel * Math.abs(ref[i]) + (op === 'pow' ? 2 ** -20 : 0), `binary ${op} ${JSON.stringify([sa, sb, out])}`);
    },
  );

  prop([shapeArb(4, 5).chain((s) => fc.tuple(fc.constant(s), broadcastOf(s), broadcastOf(s), broadcastOf(s))), fc.integer()], { numRuns: 30 })(
    'where and broadcastTo are exact',
    ([out, sc, sa, sb], seed) => {
      const c = values(size(sc), seed, -1, 1).map((v) => (v > 0 ? 1 : 0));
      const a = values(size(sa), seed + 1),
        b = values(size(sb), seed + 2);
      const ref = jsKernels.where(f64(c), sc, f64(a), sa, f64(b), sb, out, 'float64');
      expectClose(backend.kernels.where(onDevice(c), sc, onDevice(a), sa, onDevice(b), sb, out, 'float32'), ref, () => 0, 'where');
      const bref = jsKernels.broadcastTo(f64(a), sa, out, 'float64');
      expectClose(backend.kernels.broadcastTo(onDevice(a), sa, out, 'float32'), bref, () => 0, 'broadcastTo');
    },
  );

  prop(
    [
      shapeArb(4, 6).chain((s) => fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i)))),
      fc.constantFrom('sum', 'max', 'min', 'norm' as const),
      fc.integer(),
    ],
    { numRuns: 60 },
  )('reductions over any set of axes', ([shape, axes], op, seed) => {
    const x = values(size(shape), seed);
    const ref = jsKernels.reduce(op, f64(x), shape, axes, 'float64');
    const abs = jsKernels.reduce(op === 'norm' ? 'norm' : 'sum', f64(x.map(Math.abs)), shape, axes, 'float64');
    const n = axes.reduce((p, a) => p * shape[a], 1);
    const tol = (i: number): number => (op === 'max' || op === 'min' ? 0 : (n + 12) * U * abs[i] * (op === 'norm' ? 4 : 1));
    expectClose(backend.kernels.reduce(op, onDevice(x), shape, axes, 'float32'), ref, tol, `reduce ${op} ${JSON.stringify([shape, axes])}`);
  });

  prop([fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1 << 14, max: 1 << 17 }), fc.constantFrom('sum', 'max', 'min' as const), fc.integer()], {
    numRuns: 8,
  })('reductions into few outputs over long runs (two passes)', (m, R, op, seed) => {
    const x = values(m * R, seed);
    const ref = jsKernels.reduce(op, f64(x), [m, R], [1], 'float64');
    const abs = jsKernels.reduce('sum', f64(x.map(Math.abs)), [m, R], [1], 'float64');
    expectClose(
      backend.kernels.reduce(op, onDevice(x), [m, R], [1], 'float32'),
      ref,
      (i) => (op === 'sum' ? (R + 12) * U * abs[i] : 0),
      `reduce ${op} [${m}, ${R}]`,
    );
  });

  prop([fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 }), fc.integer()], { numRuns: 30 })(
    'row softmax, its backward and logSumExp',
    (rows, n, seed) => {
      const x = values(rows * n, seed, -10, 10);
      const gr = values(rows * n, seed + 3);
      const s = jsKernels.softmaxRows(f64(x), rows, n, 'float64');
      const tol = (ref: ArrayLike<number>) => (i: number) => (64 + 4 * n) * U * Math.abs(ref[i]) + 2 ** -22;
      expectClose(backend.kernels.softmaxRows(onDevice(x), rows, n, 'float32'), s, tol(s), 'softmaxRows');
      const lse = jsKernels.logSumExpRows(f64(x), rows, n, 'float64');
      expectClose(backend.kernels.logSumExpRows(onDevice(x), rows, n, 'float32'), lse, tol(lse), 'logSumExpRows');
      const s32 = Float32Array.from(s);
      const bw = jsKernels.softmaxRowsBackward(f64(gr), f64(s32), rows, n, 'float64');
      expectClose(backend.kernels.softmaxRowsBackward(onDevice(gr), onDevice(s32), rows, n, 'float32'), bw, () => (n + 4) * 4 * U, 'softmaxRowsBackward');
    },
  );

  const mmCase = fc.record({
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    M: fc.integer({ min: 1, max: 9 }),
    K: fc.integer({ min: 1, max: 33 }),
    N: fc.integer({ min: 1, max: 9 }),
    tA: fc.boolean(),
    tB: fc.boolean(),
    dropA: fc.boolean(),
    bcastB: fc.boolean(),
    seed: fc.integer(),
  });
  prop([mmCase], { numRuns: 40 })('matmul (batched, broadcast, transposed)', (c) => {
    const aBatch = c.dropA ? [] : c.batch;
    const bBatch = c.bcastB ? c.batch.map(() => 1) : c.batch;
    const aShape = [...aBatch, ...(c.tA ? [c.K, c.M] : [c.M, c.K])];
    const bShape = [...bBatch, ...(c.tB ? [c.N, c.K] : [c.K, c.N])];
    const a = values(size(aShape), c.seed),
      b = values(size(bShape), c.seed + 1);
    const common = { aShape, bShape, transposeA: c.tA, transposeB: c.tB, batchShape: c.batch };
    const ref = jsKernels.matmul({ ...common, a: f64(a), b: f64(b), dtype: 'float64' });
    const absRef = jsKernels.matmul({ ...common, a: f64(a.map(Math.abs)), b: f64(b.map(Math.abs)), dtype: 'float64' });
    const out = backend.kernels.matmul({ ...common, a: onDevice(a), b: onDevice(b), dtype: 'float32' });
    expectClose(out, ref, (i) => (c.K + 2) * U * absRef[i], `matmul ${JSON.stringify(common)}`);
  });

  prop(
    [
      shapeArb(4, 5).chain((s) =>
        fc.tuple(
          fc.constant(s),
          fc.shuffledSubarray(
            s.map((_, i) => i),
            { minLength: s.length, maxLength: s.length },
          ),
        ),
      ),
      fc.integer(),
    ],
    { numRuns: 30 },
  )('transpose, slice and padSlice are exact', ([shape, perm], seed) => {
    const x = values(size(shape), seed);
    expectClose(backend.kernels.transpose(onDevice(x), shape, perm, 'float32'), jsKernels.transpose(x, shape, perm, 'float32'), () => 0, 'transpose');
    const begin = shape.map((n, i) => Math.abs(i + seed) % n);
    const sz = shape.map((n, i) => n - begin[i]);
    const sl = jsKernels.slice(x, shape, begin, sz, 'float32');
    expectClose(backend.kernels.slice(onDevice(x), shape, begin, sz, 'float32'), sl, () => 0, 'slice');
    expectClose(backend.kernels.padSlice(onDevice(sl), sz, shape, begin, 'float32'), jsKernels.padSlice(sl, sz, shape, begin, 'float32'), () => 0, 'padSlice');
  });

  prop([shapeArb(3, 4), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer()], { numRuns: 30 })(
    'concat (empty pieces included) is exact',
    (shape, lens, axisSeed, seed) => {
      const axis = axisSeed % shape.length;
      const shapes = lens.map((l) => shape.map((n, i) => (i === axis ? l : n)));
      fc.pre(shapes.some((s) => size(s) > 0));
      const xs = shapes.map((s, t) => values(size(s), seed + t));
      expectClose(
        backend.kernels.concat(xs.map(onDevice), shapes, axis, 'float32'),
        jsKernels.concat(xs, shapes, axis, 'float32'),
        () => 0,
        `concat ${JSON.stringify(shapes)}`,
      );
    },
  );

  prop([shapeArb(3, 5), fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.integer()], { numRuns: 30 })(
    'gather is exact; scatterAdd (duplicate indices) within the summation bound',
    (shape, axisSeed, raw, seed) => {
      const axis = axisSeed % shape.length;
      const idx = Int32Array.from(raw.map((v) => v % shape[axis]));
      const x = values(size(shape), seed);
      const gathered = jsKernels.gather(x, shape, idx, axis, 'float32');
      expectClose(backend.kernels.gather(onDevice(x), shape, idx, axis, 'float32'), gathered, () => 0, 'gather');
      const ref = jsKernels.scatterAdd(f64(x), shape, idx, f64(gathered), axis, 'float64');
      expectClose(
        backend.kernels.scatterAdd(onDevice(x), shape, idx, onDevice(gathered), axis, 'float32'),
        ref,
        () => (idx.length + 2) * 2 * 4 * U,
        'scatterAdd',
      );
    },
  );

  it('index arithmetic past 2²¹ elements is exact (transpose of [2048, 1100], a slice of it)', () => {
    const shape = [2048, 1100];
    const x = Float32Array.from({ length: size(shape) }, (_, i) => i % 65536);
    expectClose(backend.kernels.transpose(onDevice(x), shape, [1, 0], 'float32'), jsKernels.transpose(x, shape, [1, 0], 'float32'), () => 0, 'large transpose');
    expectClose(
      backend.kernels.slice(onDevice(x), shape, [1023, 7], [1025, 1093], 'float32'),
      jsKernels.slice(x, shape, [1023, 7], [1025, 1093], 'float32'),
      () => 0,
      'large slice',
    );
  });

  it('empty tensors run on the host and say so (a fallback), never a zero-size texture', () => {
    const before = backend.context.counters.fallbacks;
    const out = backend.kernels.binary('add', onDevice(new Float32Array(0)), [0, 3], onDevice(new Float32Array(3)), [3], [0, 3], 'float32');
    check(out.length === 0, `an empty result, got ${out.length} entries`);
    check(backend.context.counters.fallbacks === before + 1, 'the call is counted as a host fallback');
  });
  return cases;
}

/**
 * Runs every case with `fc.check` (seeded) and returns the failures as
 * messages (empty when all pass): for the browser page, which has no test runner.
 */
export function runParityCases(cases: readonly ParityCase[], seed: number): { name: string; ok: boolean; message: string }[] {
  return cases.map((c) => {
    const r = fc.check(c.property, { numRuns: c.numRuns, seed });
    return { name: c.name, ok: !r.failed, message: r.failed ? (fc.defaultReportMessage(r) ?? 'failed') : '' };
  });
}
