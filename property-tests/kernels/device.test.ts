/**
 * The device backend `gpujs-headlessgl` (Node: the native `gl` package under
 * Xvfb, Mesa rendering in software here): tensors live in textures and ops
 * pass them along without readback.
 *
 * - **Kernel parity**: every device kernel against the js kernel in float64 on
 *   random shapes (fast-check), under float32 bounds stated per family:
 *   data movement is exact; +, −, ·, / within 4 ulp of the exact result;
 *   reductions within n·u·Σ|x| (the float32 summation bound); matmul within
 *   K·u·Σ|a||b| (the same per entry); transcendental maps within 64 ulp plus
 *   an absolute 2⁻²⁰ (GLSL ES 3 allows 3 + 2|x| ulp for exp, we compose a few).
 * - **Index arithmetic** past 2²¹ elements, where float32 division alone can
 *   misplace an index: exact.
 * - **A CHEST training step** (valueAndGrad + Riemannian Adam) matches js and
 *   keeps to the transfer targets: one readback per step (the loss), the
 *   parameters never uploaded after the first step, uploads per step only
 *   for batch-derived data.
 * - **Memory over 1,000 steps** with no `dispose`: live device tensors and GL
 *   textures constant from step 100 to step 1,000; garbage made outside any
 *   transformation is bounded by the budget (spilled).
 * - Default selection passes over the software renderer with its reason.
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import * as g from '../../lib/index.ts';
import { TensorData, ReleasedDataError } from '../../kernels/data.ts';
import { jsKernels } from '../../kernels/js/index.ts';
import { probeDeviceMode, type DeviceProbe } from '../../kernels/gpu/device/probe.ts';
import type { DeviceBackend } from '../../kernels/gpu/device/index.ts';
import type { BinaryOp, UnaryOp } from '../../kernels/js/index.ts';
import { dataRef } from '../../lib/tensor/tensor.ts';
import { displayForHeadlessGl } from '../../tools/xvfb.ts';

const U = 2 ** -24;

const display = await displayForHeadlessGl();
afterAll(() => display.started?.stop());
let probe: DeviceProbe | undefined;
let reason: string | null = display.reason ?? null;
if (reason === null) {
  probe = probeDeviceMode('headlessgl', 'test-device');
  if (!probe.ok) reason = probe.reason;
}
console.log(reason === null ? `[device] running on gpujs-headlessgl (${display.note})` : `[device] SKIPPING gpujs-headlessgl: ${reason}`);
const dev = (): DeviceBackend => (probe as { backend: DeviceBackend }).backend;

/** Deterministic float32 values in [lo, hi). */
function values(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(lo + ((hi - lo) * s) / 2 ** 32);
  });
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const f64 = (x: Float32Array | Float64Array): Float64Array => Float64Array.from(x);
const onDevice = (x: Float32Array | Float64Array): TensorData => TensorData.fromHost(x instanceof Float32Array ? x : Float32Array.from(x));

/** Device result `d` read back, checked entrywise against `ref` with per-entry bound `tol(i)`. */
function expectClose(d: TensorData, ref: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  expect(d.onHost, `${what}: the result stays on the device until read`).toBe(false);
  const got = d.host();
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i] - ref[i]);
    if (!(err <= tol(i)) && !(Number.isNaN(got[i]) && Number.isNaN(ref[i]))) {
      throw new Error(`${what}: entry ${i} is ${got[i]}, reference ${ref[i]} (error ${err} > bound ${tol(i)})`);
    }
  }
}

const shapeArb = (maxRank: number, maxDim: number): fc.Arbitrary<number[]> => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxRank });

/** A shape broadcastable to `shape`: each axis kept or set to 1, leading axes possibly dropped. */
const broadcastOf = (shape: readonly number[]): fc.Arbitrary<number[]> =>
  fc.tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }))
    .map(([drop, ones]) => shape.map((n, i) => (ones[i] ? 1 : n)).slice(drop));

describe.skipIf(reason !== null)('gpujs-headlessgl device kernels match the js kernels (float64)', () => {
  const UNARY_DOMAIN: Record<UnaryOp, [number, number]> = {
    neg: [-4, 4], abs: [-4, 4], exp: [-8, 8], log: [0.01, 10], log1p: [-0.9, 10], expm1: [-4, 4], sqrt: [0, 10], rsqrt: [0.01, 10],
    square: [-4, 4], reciprocal: [0.1, 4], tanh: [-10, 10], atanh: [-0.95, 0.95], atan: [-10, 10], cos: [-3, 3], sin: [-3, 3],
    sinh: [-4, 4], cosh: [-4, 4], asinh: [-10, 10], acosh: [1.01, 10], sigmoid: [-20, 20], relu: [-4, 4], softplus: [-20, 20],
    sign: [-4, 4], isFinite: [-4, 4], step: [-4, 4], clamp: [-4, 4], clampMask: [-4, 4],
  };
  const EXACTISH = new Set<UnaryOp>(['neg', 'abs', 'square', 'relu', 'sign', 'isFinite', 'step', 'clamp', 'clampMask', 'reciprocal', 'sqrt', 'rsqrt']);

  fcTest.prop([fc.constantFrom(...(Object.keys(UNARY_DOMAIN) as UnaryOp[])), fc.integer({ min: 1, max: 300 }), fc.integer()], { numRuns: 60 })(
    'unary maps', (op, n, seed) => {
      const [lo, hi] = UNARY_DOMAIN[op];
      const x = values(n, seed, lo, hi);
      const ref = jsKernels.unary(op, f64(x), 'float64', -1, 1.5);
      const out = dev().kernels.unary(op, onDevice(x), 'float32', -1, 1.5);
      // GLSL ES 3.00 / Vulkan precision: atan 4096 ulp, sin/cos absolute 2⁻¹¹; the rest composes exp/log (a few ulp each)
      const rel = EXACTISH.has(op) ? 8 * U : op === 'atan' ? 4096 * 2 * U : 64 * U;
      const abs = EXACTISH.has(op) ? 0 : op === 'sin' || op === 'cos' ? 2 ** -11 : 2 ** -20;
      expectClose(out, ref, (i) => rel * Math.abs(ref[i]) + abs, `unary ${op}`);
    },
  );

  const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'atan2', 'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'maxMask', 'minMask'];
  fcTest.prop([fc.constantFrom(...BINARY), shapeArb(4, 5).chain((s) => fc.tuple(fc.constant(s), broadcastOf(s), broadcastOf(s))), fc.integer()], { numRuns: 80 })(
    'binary maps with broadcasting (and one-element host operands as uniforms)', (op, [out, sa, sb], seed) => {
      const pos = op === 'pow';
      const a = values(size(sa), seed, pos ? 0.1 : -3, 3);
      // integers make ties for the comparisons and masks
      const b = op.includes('qual') || op.includes('Mask') ? values(size(sb), seed + 1, -2, 2).map(Math.round) : values(size(sb), seed + 1, pos ? -2 : 0.25, 3);
      const ref = jsKernels.binary(op, f64(a), sa, f64(b), sb, out, 'float64');
      const res = dev().kernels.binary(op, onDevice(a), sa, onDevice(b), sb, out, 'float32');
      // GLSL ES 3.00 / Vulkan precision: atan 4096 ulp; pow inherits exp2(y·log2 x) (3 + 2|y log2 x| ulp each, composed)
      const rel = op === 'atan2' ? 4096 * 2 * U : op === 'pow' ? 64 * U : 4 * U;
      expectClose(res, ref, (i) => rel * Math.abs(ref[i]) + (op === 'pow' ? 2 ** -20 : 0), `binary ${op} ${JSON.stringify([sa, sb, out])}`);
    },
  );

  fcTest.prop([shapeArb(4, 5).chain((s) => fc.tuple(fc.constant(s), broadcastOf(s), broadcastOf(s), broadcastOf(s))), fc.integer()], { numRuns: 30 })(
    'where and broadcastTo are exact', ([out, sc, sa, sb], seed) => {
      const c = values(size(sc), seed, -1, 1).map((v) => (v > 0 ? 1 : 0));
      const a = values(size(sa), seed + 1), b = values(size(sb), seed + 2);
      const ref = jsKernels.where(f64(c), sc, f64(a), sa, f64(b), sb, out, 'float64');
      expectClose(dev().kernels.where(onDevice(c), sc, onDevice(a), sa, onDevice(b), sb, out, 'float32'), ref, () => 0, 'where');
      const bref = jsKernels.broadcastTo(f64(a), sa, out, 'float64');
      expectClose(dev().kernels.broadcastTo(onDevice(a), sa, out, 'float32'), bref, () => 0, 'broadcastTo');
    },
  );

  fcTest.prop([shapeArb(4, 6).chain((s) => fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i)))), fc.constantFrom('sum', 'max', 'min', 'norm' as const), fc.integer()], { numRuns: 60 })(
    'reductions over any set of axes', ([shape, axes], op, seed) => {
      const x = values(size(shape), seed);
      const ref = jsKernels.reduce(op, f64(x), shape, axes, 'float64');
      const abs = jsKernels.reduce(op === 'norm' ? 'norm' : 'sum', f64(x.map(Math.abs)), shape, axes, 'float64');
      const n = axes.reduce((p, a) => p * shape[a], 1);
      const tol = (i: number): number => (op === 'max' || op === 'min' ? 0 : (n + 12) * U * abs[i] * (op === 'norm' ? 4 : 1));
      expectClose(dev().kernels.reduce(op, onDevice(x), shape, axes, 'float32'), ref, tol, `reduce ${op} ${JSON.stringify([shape, axes])}`);
    },
  );

  fcTest.prop([fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1 << 14, max: 1 << 17 }), fc.constantFrom('sum', 'max', 'min' as const), fc.integer()], { numRuns: 8 })(
    'reductions into few outputs over long runs (two passes)', (m, R, op, seed) => {
      const x = values(m * R, seed);
      const ref = jsKernels.reduce(op, f64(x), [m, R], [1], 'float64');
      const abs = jsKernels.reduce('sum', f64(x.map(Math.abs)), [m, R], [1], 'float64');
      expectClose(dev().kernels.reduce(op, onDevice(x), [m, R], [1], 'float32'), ref, (i) => (op === 'sum' ? (R + 12) * U * abs[i] : 0), `reduce ${op} [${m}, ${R}]`);
    },
  );

  fcTest.prop([fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 40 }), fc.integer()], { numRuns: 30 })(
    'row softmax, its backward and logSumExp', (rows, n, seed) => {
      const x = values(rows * n, seed, -10, 10);
      const gr = values(rows * n, seed + 3);
      const s = jsKernels.softmaxRows(f64(x), rows, n, 'float64');
      const tol = (ref: ArrayLike<number>) => (i: number) => (64 + 4 * n) * U * Math.abs(ref[i]) + 2 ** -22;
      expectClose(dev().kernels.softmaxRows(onDevice(x), rows, n, 'float32'), s, tol(s), 'softmaxRows');
      const lse = jsKernels.logSumExpRows(f64(x), rows, n, 'float64');
      expectClose(dev().kernels.logSumExpRows(onDevice(x), rows, n, 'float32'), lse, tol(lse), 'logSumExpRows');
      const s32 = Float32Array.from(s);
      const bw = jsKernels.softmaxRowsBackward(f64(gr), f64(s32), rows, n, 'float64');
      expectClose(dev().kernels.softmaxRowsBackward(onDevice(gr), onDevice(s32), rows, n, 'float32'), bw, () => (n + 4) * 4 * U, 'softmaxRowsBackward');
    },
  );

  const mmCase = fc.record({
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    M: fc.integer({ min: 1, max: 9 }), K: fc.integer({ min: 1, max: 33 }), N: fc.integer({ min: 1, max: 9 }),
    tA: fc.boolean(), tB: fc.boolean(), dropA: fc.boolean(), bcastB: fc.boolean(), seed: fc.integer(),
  });
  fcTest.prop([mmCase], { numRuns: 40 })('matmul (batched, broadcast, transposed)', (c) => {
    const aBatch = c.dropA ? [] : c.batch;
    const bBatch = c.bcastB ? c.batch.map(() => 1) : c.batch;
    const aShape = [...aBatch, ...(c.tA ? [c.K, c.M] : [c.M, c.K])];
    const bShape = [...bBatch, ...(c.tB ? [c.N, c.K] : [c.K, c.N])];
    const a = values(size(aShape), c.seed), b = values(size(bShape), c.seed + 1);
    const common = { aShape, bShape, transposeA: c.tA, transposeB: c.tB, batchShape: c.batch };
    const ref = jsKernels.matmul({ ...common, a: f64(a), b: f64(b), dtype: 'float64' });
    const absRef = jsKernels.matmul({ ...common, a: f64(a.map(Math.abs)), b: f64(b.map(Math.abs)), dtype: 'float64' });
    const out = dev().kernels.matmul({ ...common, a: onDevice(a), b: onDevice(b), dtype: 'float32' });
    expectClose(out, ref, (i) => (c.K + 2) * U * absRef[i], `matmul ${JSON.stringify(common)}`);
  });

  fcTest.prop([shapeArb(4, 5).chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }))), fc.integer()], { numRuns: 30 })(
    'transpose, slice and padSlice are exact', ([shape, perm], seed) => {
      const x = values(size(shape), seed);
      expectClose(dev().kernels.transpose(onDevice(x), shape, perm, 'float32'), jsKernels.transpose(x, shape, perm, 'float32'), () => 0, 'transpose');
      const begin = shape.map((n, i) => Math.abs(i + seed) % n);
      const sz = shape.map((n, i) => n - begin[i]);
      const sl = jsKernels.slice(x, shape, begin, sz, 'float32');
      expectClose(dev().kernels.slice(onDevice(x), shape, begin, sz, 'float32'), sl, () => 0, 'slice');
      expectClose(dev().kernels.padSlice(onDevice(sl), sz, shape, begin, 'float32'), jsKernels.padSlice(sl, sz, shape, begin, 'float32'), () => 0, 'padSlice');
    },
  );

  fcTest.prop([shapeArb(3, 4), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer()], { numRuns: 30 })(
    'concat (empty pieces included) is exact', (shape, lens, axisSeed, seed) => {
      const axis = axisSeed % shape.length;
      const shapes = lens.map((l) => shape.map((n, i) => (i === axis ? l : n)));
      fc.pre(shapes.some((s) => size(s) > 0));
      const xs = shapes.map((s, t) => values(size(s), seed + t));
      expectClose(dev().kernels.concat(xs.map(onDevice), shapes, axis, 'float32'), jsKernels.concat(xs, shapes, axis, 'float32'), () => 0, `concat ${JSON.stringify(shapes)}`);
    },
  );

  fcTest.prop([shapeArb(3, 5), fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.integer()], { numRuns: 30 })(
    'gather is exact; scatterAdd (duplicate indices) within the summation bound', (shape, axisSeed, raw, seed) => {
      const axis = axisSeed % shape.length;
      const idx = Int32Array.from(raw.map((v) => v % shape[axis]));
      const x = values(size(shape), seed);
      const gathered = jsKernels.gather(x, shape, idx, axis, 'float32');
      expectClose(dev().kernels.gather(onDevice(x), shape, idx, axis, 'float32'), gathered, () => 0, 'gather');
      const ref = jsKernels.scatterAdd(f64(x), shape, idx, f64(gathered), axis, 'float64');
      expectClose(dev().kernels.scatterAdd(onDevice(x), shape, idx, onDevice(gathered), axis, 'float32'), ref, () => (idx.length + 2) * 2 * 4 * U, 'scatterAdd');
    },
  );

  it('index arithmetic past 2²¹ elements is exact (transpose of [2048, 1100], a slice of it)', () => {
    const shape = [2048, 1100];
    const x = Float32Array.from({ length: size(shape) }, (_, i) => i % 65536);
    expectClose(dev().kernels.transpose(onDevice(x), shape, [1, 0], 'float32'), jsKernels.transpose(x, shape, [1, 0], 'float32'), () => 0, 'large transpose');
    expectClose(dev().kernels.slice(onDevice(x), shape, [1023, 7], [1025, 1093], 'float32'), jsKernels.slice(x, shape, [1023, 7], [1025, 1093], 'float32'), () => 0, 'large slice');
  });

  it('empty tensors run on the host and say so (a fallback), never a zero-size texture', () => {
    const before = dev().context.counters.fallbacks;
    const out = dev().kernels.binary('add', onDevice(new Float32Array(0)), [0, 3], onDevice(new Float32Array(3)), [3], [0, 3], 'float32');
    expect(out.length).toBe(0);
    expect(dev().context.counters.fallbacks).toBe(before + 1);
  });
});

// ------------------------------------------------------------------ training on the device

describe.skipIf(reason !== null)('a CHEST training step on gpujs-headlessgl', () => {
  const B = 24, D = 12, C = 12, K = 4, T = 48;
  const [k1, k2, k3, k4] = g.split(g.prngKey(0), 4);
  // batches come from host arrays, as a data loader gives them
  const batchAt = (step: number) => ({
    euclidean: g.tensor(g.toTypedArray(g.randomNormal(g.foldIn(k1, step), [B, D], 'float32')), [B, D]),
    hyperbolic: g.tensor(g.toTypedArray(g.mul(g.randomNormal(g.foldIn(k2, step), [B, D], 'float32'), 0.3)), [B, D]),
  });
  const init = {
    euclideanProxies: g.tensor(g.toTypedArray(g.randomNormal(k3, [C * K, D])), [C * K, D]),
    hyperbolicProxies: g.tensor(g.toTypedArray(g.mul(g.randomNormal(k4, [C * K, D]), 0.2)), [C * K, D]),
  };
  const labels = Int32Array.from({ length: B }, (_, i) => (i * 5) % C);
  const triplets = g.sampleTriplets(g.prngKey(5), C * K, T);
  const loss = g.chest({ centersPerClass: K });
  type P = typeof init;

  function train(backend: string, steps: number): { losses: number[]; params: P; transfers: g.TransferStats[] } {
    return g.withBackend(backend, () => {
      const opt = g.radam({ lr: 0.02 });
      let params = init;
      let state = opt.init(params);
      const losses: number[] = [];
      const transfers: g.TransferStats[] = [];
      for (let s = 0; s < steps; s++) {
        const batch = batchAt(s);
        g.resetTransferStats();
        const [v, gr] = g.valueAndGrad((p: P) => loss({ ...batch, ...p }, labels, triplets))(params);
        [params, state] = opt.update(gr, state, params);
        losses.push(g.item(v));
        transfers.push(g.transferStats());
      }
      return { losses, params, transfers };
    });
  }

  it('matches js, reads back only the loss and never re-uploads the parameters', () => {
    g.setBackend('wasm');
    const ref = train('js', 4);
    const run = train('gpujs-headlessgl', 4);
    for (let s = 0; s < 4; s++) expect(Math.abs(run.losses[s] - ref.losses[s])).toBeLessThan(1e-4 * Math.abs(ref.losses[s]));
    const pj = g.toArray(ref.params.hyperbolicProxies), pd = g.toArray(run.params.hyperbolicProxies);
    for (let i = 0; i < pj.length; i++) expect(Math.abs(pd[i] - pj[i])).toBeLessThan(1e-4);
    // one readback per step: the loss value
    for (const t of run.transfers) expect(t.readbacks).toBe(1);
    expect(run.transfers[0].readbackBytes).toBe(4);
    // after the first step the parameters live on the device: later steps upload only batch-derived data
    const paramBytes = 2 * C * K * D * 4;
    for (const t of run.transfers.slice(1)) {
      expect(t.uploads).toBe(run.transfers[1].uploads);
      expect(t.uploadBytes).toBe(run.transfers[1].uploadBytes);
    }
    expect(run.transfers[0].uploadBytes - run.transfers[1].uploadBytes).toBeGreaterThanOrEqual(paramBytes);
    console.log(`[device] CHEST step on gpujs-headlessgl: ${JSON.stringify(run.transfers[1])} per step (parameters ${paramBytes} B, uploaded in step 1 only)`);
    // the js run made no transfers at all
    for (const t of ref.transfers) expect(t).toEqual({ uploads: 0, readbacks: 0, uploadBytes: 0, readbackBytes: 0 });
  }, 300_000);
});

describe.skipIf(reason !== null)('device memory without dispose', () => {
  const x = g.tensor(values(8 * 4, 1), [8, 4]);
  const y = g.tensor(values(8 * 6, 2), [8, 6]);
  type W = { w: g.Tensor };
  const f = (q: W): g.Tensor => g.mean(g.square(g.sub(g.tanh(g.matmul(x, q.w, { transposeB: true })), y)));

  it('a synchronous 1,000-step loop stays within the budget: intermediates freed per step, the rest spilled', () => {
    g.withBackend('gpujs-headlessgl', () => {
      const budget = 16 * 1024;
      const base = g.deviceMemoryStats();
      g.setDeviceMemoryBudget(budget);
      try {
        const opt = g.adam({ lr: 0.01 });
        let p: W = { w: g.tensor(values(6 * 4, 3), [6, 4]) };
        let st = opt.init(p);
        let at500 = base, first = NaN, last = NaN, maxBytes = 0;
        for (let s = 1; s <= 1000; s++) {
          const [v, gr] = g.valueAndGrad(f)(p);
          [p, st] = opt.update(gr, st, p);
          maxBytes = Math.max(maxBytes, g.deviceMemoryStats().liveBytes);
          if (s === 1) first = g.item(v);
          if (s === 500) at500 = g.deviceMemoryStats();
          if (s === 1000) last = g.item(v);
        }
        const at1000 = g.deviceMemoryStats();
        expect(last).toBeLessThan(first);
        expect(maxBytes).toBeLessThanOrEqual(budget + 256);
        // steady state: the same live tensors and GL textures at step 500 and step 1000
        expect(at1000.live).toBe(at500.live);
        expect(at1000.glTextures).toBe(at500.glTextures);
        // a step's ~30 intermediates are freed by the scopes; what survives a step (loss, gradients, superseded
        // parameters and moments) is unreachable but cannot be known dead inside one synchronous job, so it spills
        const perStep = (at1000.freed - at500.freed) / 500;
        const spilledPerStep = (at1000.spilled - at500.spilled) / 500;
        expect(perStep).toBeGreaterThan(20);
        expect(spilledPerStep).toBeLessThanOrEqual(6);
        console.log(
          `[device] synchronous 1,000 steps, budget ${budget} B: max live ${maxBytes} B, live tensors ${at500.live} → ${at1000.live}, ` +
            `GL textures ${at500.glTextures} → ${at1000.glTextures}; per step ${perStep} freed, ${spilledPerStep} spilled`,
        );
      } finally {
        g.setDeviceMemoryBudget(512 * 1024 * 1024);
      }
    });
  }, 300_000);

  it('a loop that yields to the event loop lets the garbage collector free the rest: nothing spills', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const previous = g.backend();
    g.setBackend('gpujs-headlessgl');
    try {
      const opt = g.adam({ lr: 0.01 });
      let p: W = { w: g.tensor(values(6 * 4, 3), [6, 4]) };
      let st = opt.init(p);
      const settle = async (): Promise<void> => {
        gc();
        await new Promise((r) => setTimeout(r, 5));
        gc();
        await new Promise((r) => setTimeout(r, 5));
      };
      await settle();
      const start = g.deviceMemoryStats();
      let at100 = start;
      g.resetTransferStats();
      for (let s = 1; s <= 1000; s++) {
        const [, gr] = g.valueAndGrad(f)(p);
        [p, st] = opt.update(gr, st, p);
        if (s % 100 === 0) {
          await settle();
          if (s === 100) at100 = g.deviceMemoryStats();
        }
      }
      await settle();
      const at1000 = g.deviceMemoryStats();
      expect(at1000.live).toBe(at100.live);
      expect(at1000.glTextures).toBe(at100.glTextures);
      expect(at1000.spilled).toBe(start.spilled);
      expect(at1000.collected - at100.collected).toBeGreaterThan(900 * 4);
      expect(g.transferStats().readbacks).toBe(0);
      console.log(`[device] yielding 1,000 steps: live tensors ${at100.live} → ${at1000.live}, GL textures ${at100.glTextures} → ${at1000.glTextures}, collected ${at1000.collected - start.collected}, spilled ${at1000.spilled - start.spilled}`);
    } finally {
      g.setBackend(previous);
    }
  }, 300_000);

  it('device data made outside any transformation stays within the budget (least recently used spill to host)', () => {
    g.withBackend('gpujs-headlessgl', () => {
      const before = g.deviceMemoryStats();
      g.setDeviceMemoryBudget(64 * 1024);
      try {
        let x = g.tensor(values(1024, 4), [1024]);
        const kept: g.Tensor[] = [];
        for (let s = 0; s < 200; s++) {
          x = g.add(g.mul(x, 0.5), 1); // 4 KiB per result, none of them in a scope
          if (s % 50 === 0) kept.push(x);
          expect(g.deviceMemoryStats().liveBytes).toBeLessThanOrEqual(64 * 1024 + before.liveBytes);
        }
        expect(g.deviceMemoryStats().spilled).toBeGreaterThan(before.spilled);
        // spilled values read correctly from their host copies
        const exact = (s: number): number => {
          let v = 0;
          for (let i = 0; i <= s; i++) v = v * 0.5 + 1;
          return v;
        };
        const v0 = values(1024, 4)[0];
        expect(g.toArray(kept[0])[0]).toBeCloseTo(v0 * 0.5 + 1, 5);
        expect(g.toArray(kept[3])[0]).toBeCloseTo(v0 * 0.5 ** 151 + exact(150), 5);
      } finally {
        g.setDeviceMemoryBudget(512 * 1024 * 1024);
      }
    });
  }, 120_000);

  it('an intermediate that escapes valueAndGrad is released: reading it is a typed error', () => {
    g.withBackend('gpujs-headlessgl', () => {
      let leaked: g.Tensor | undefined;
      const x = g.tensor([1, 2, 3]);
      const [v, gr] = g.valueAndGrad((t: g.Tensor) => {
        leaked = g.exp(t);
        return g.sum(leaked);
      })(x);
      expect(g.item(v)).toBeCloseTo(Math.E + Math.E ** 2 + Math.E ** 3, 4);
      expect(g.toArray(gr as g.Tensor)[2]).toBeCloseTo(Math.E ** 3, 4);
      expect(() => g.toArray(leaked!)).toThrow(ReleasedDataError);
      expect(dataRef(gr as g.Tensor).onHost).toBe(true); // read above
    });
  });
});

describe.skipIf(reason !== null)('choosing a backend', () => {
  it('the default passes over headless GL on a software renderer and says why', () => {
    const info = g.backendInfo().find((b) => b.name === 'gpujs-headlessgl')!;
    expect(info.available).toBe(true);
    expect(info.kind).toBe('device');
    expect(info.isDefault).toBe(false);
    expect(info.software).toBe(true);
    expect(info.passedOver).toMatch(/software|not identified/);
    expect(g.defaultBackend()).not.toBe('gpujs-headlessgl');
    console.log(`[device] gpujs-headlessgl passed over: ${info.passedOver}`);
  });
});
