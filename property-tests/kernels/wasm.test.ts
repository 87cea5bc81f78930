/**
 * The `wasm` backend (kernels/wasm): the WebAssembly binary writer, and the
 * parity of the generated SIMD matmul with an exact float64 product.
 *
 * If this engine cannot run WebAssembly SIMD, the parity tests are skipped
 * with the reason printed (never passed silently); on Node ≥ 16 it runs.
 *
 * Tolerance (u = 2⁻²⁴, the float32 unit roundoff): inputs are float32 values
 * seen identically by both sides; the kernel sums each length-K dot product
 * in float32 (in k order inside a KC block, block by block through C) and
 * stores it, so |err| ≤ (K+1)·u/(1−(K+1)·u)·Σ_k|a_ik||b_kj| (Higham, Thm 3.5,
 * valid for any summation order); we assert |err| ≤ (K+2)·u·Σ|a||b|, plus
 * 1e-38 for products that underflow.
 *
 * Besides the default register/cache blocking, small blockings (KC = 8 or 16,
 * unroll 2 or 4) are run so that several k blocks, the unrolled main loop and
 * its remainder are all exercised on small, cheap shapes.
 */
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { createWasmKernels, probeWasm, type WasmKernelSet } from '../../kernels/wasm/index.ts';
import { DEFAULT_GEMM, gemmModule, type GemmParams } from '../../kernels/wasm/gemm-module.ts';
import { assemble, Code, I32, sleb, uleb } from '../../kernels/wasm/encode.ts';
import { wasmApi } from '../../kernels/wasm/api.ts';
import { startGemmPool } from '../../kernels/wasm/threads.ts';
import { matmul as jsMatmul, type MatmulArgs } from '../../kernels/js/matmul.ts';
import { broadcastShape } from '../../lib/index.ts';

const U = 2 ** -24;

describe('WebAssembly binary writer', () => {
  it('encodes LEB128 as the specification examples', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(() => uleb(-1)).toThrow(RangeError);
    expect(() => uleb(1.5)).toThrow(RangeError);
  });

  it('assembles a module that validates and runs (i32 arithmetic and a loop)', () => {
    // sumTo(n) = 0 + 1 + … + (n−1), with a do-while loop
    const c = new Code();
    c.block().get(0).eqz().brIf(0).loop();
    c.get(2).get(1).add().set(2).get(1).i32(1).add().tee(1).get(0).ltU().brIf(0);
    c.end().end().get(2);
    const bytes = assemble({ module: 'env', name: 'memory', minPages: 1, maxPages: 1, shared: false }, [
      { name: 'sumTo', params: [I32], results: [I32], locals: [I32, I32], code: c },
    ]);
    const api = wasmApi();
    expect(api.validate(bytes)).toBe(true);
    const mem = new api.Memory({ initial: 1, maximum: 1 });
    const sumTo = new api.Instance(new api.Module(bytes), { env: { memory: mem } }).exports.sumTo as (n: number) => number;
    expect(sumTo(0)).toBe(0);
    expect(sumTo(10)).toBe(45);
    expect(sumTo(1000)).toBe(499500);
  });

  it('rejects invalid kernel parameters', () => {
    expect(() => gemmModule({ MR: 4, NR: 6, KC: 8, U: 1 }, { minPages: 1, maxPages: 2, shared: false })).toThrow(RangeError);
    expect(() => gemmModule({ MR: 4, NR: 8, KC: 8, U: 3 }, { minPages: 1, maxPages: 2, shared: false })).toThrow(RangeError);
  });
});

const probe = probeWasm();
if (!probe.ok) console.log(`[wasm parity] SKIPPING the wasm backend: ${probe.reason}`);
const describeWasm = probe.ok ? describe : describe.skip;

/** float32 data from a small LCG (shapes come from fast-check, values are cheap). */
function f32Array(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.fround((s / 2 ** 32) * 8 - 4);
  }
  return out;
}

/** Checks `got` against the exact product (float64) under the bound of the header. */
function expectWithinBound(args: MatmulArgs, got: ArrayLike<number>): void {
  const exact = jsMatmul({ ...args, a: Float64Array.from(args.a), b: Float64Array.from(args.b), dtype: 'float64' });
  const scale = jsMatmul({ ...args, a: Float64Array.from(args.a, Math.abs), b: Float64Array.from(args.b, Math.abs), dtype: 'float64' });
  const ra = args.aShape.length;
  const K = args.transposeA ? args.aShape[ra - 2] : args.aShape[ra - 1];
  expect(got.length).toBe(exact.length);
  for (let i = 0; i < exact.length; i++) {
    const err = Math.abs(got[i] - exact[i]);
    if (!(err <= (K + 2) * U * scale[i] + 1e-38)) {
      expect.fail(`entry ${i}: |${got[i]} − ${exact[i]}| = ${err} > (K+2)·u·Σ|a||b| = ${(K + 2) * U * scale[i]} (K = ${K})`);
    }
  }
}

const dim = fc.oneof(fc.constantFrom(1, 3, 4, 5, 8, 9, 17), fc.integer({ min: 1, max: 40 }));
const batchAxes = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 });

/** A broadcast batched matmul problem with random transposes. */
const problem = fc
  .record({
    M: dim,
    K: dim,
    N: dim,
    tA: fc.boolean(),
    tB: fc.boolean(),
    batch: batchAxes,
    aBroadcast: fc.boolean(),
    bBroadcast: fc.boolean(),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map(({ M, K, N, tA, tB, batch, aBroadcast, bBroadcast, seed }) => {
    const aBatch = aBroadcast ? batch.map(() => 1) : batch;
    const bBatch = bBroadcast ? batch.slice(1) : batch;
    const aShape = [...aBatch, ...(tA ? [K, M] : [M, K])];
    const bShape = [...bBatch, ...(tB ? [N, K] : [K, N])];
    const batchShape = broadcastShape(aBatch, bBatch);
    const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
    const args: MatmulArgs = {
      a: f32Array(size(aShape), seed),
      aShape,
      b: f32Array(size(bShape), seed + 7),
      bShape,
      transposeA: tA,
      transposeB: tB,
      batchShape,
      dtype: 'float32',
    };
    return args;
  });

const blockings: GemmParams[] = [DEFAULT_GEMM, { MR: 3, NR: 4, KC: 8, U: 4 }, { MR: 4, NR: 8, KC: 16, U: 2 }];

describeWasm('wasm matmul parity with the exact product', () => {
  for (const gemm of blockings) {
    const set = createWasmKernels({ minWork: 0, minOutput: 0, gemm });
    fcTest.prop([problem], { numRuns: 60 })(`random shapes, transposes and broadcast batches, blocking ${JSON.stringify(gemm)}`, (args) => {
      const before = set.stats.matmul;
      const aCopy = args.a.slice(),
        bCopy = args.b.slice();
      const got = set.kernels.matmul(args);
      expect(set.stats.matmul).toBe(before + 1); // it ran on WebAssembly, not the js fallback
      expect(got).toBeInstanceOf(Float32Array);
      expectWithinBound(args, got);
      expect(args.a).toEqual(aCopy); // inputs untouched
      expect(args.b).toEqual(bCopy);
    });
  }

  it('awkward and large dimensions: 1000 rows, k blocks around KC = 256, non-square', () => {
    const set = createWasmKernels({ minWork: 0, minOutput: 0 });
    const shapes: Array<[number, number, number, boolean, boolean]> = [
      [1000, 3, 17, false, false],
      [17, 255, 9, true, false],
      [9, 256, 33, false, true],
      [33, 257, 5, true, true],
      [7, 513, 1000, false, false],
      [1, 1000, 1, false, false],
      [130, 64, 130, false, true],
    ];
    for (const [M, K, N, tA, tB] of shapes) {
      const args: MatmulArgs = {
        a: f32Array(M * K, M + K),
        aShape: tA ? [K, M] : [M, K],
        b: f32Array(K * N, K + N),
        bShape: tB ? [N, K] : [K, N],
        transposeA: tA,
        transposeB: tB,
        batchShape: [],
        dtype: 'float32',
      };
      const before = set.stats.matmul;
      expectWithinBound(args, set.kernels.matmul(args));
      expect(set.stats.matmul, `${M}×${K}×${N}`).toBe(before + 1);
    }
  });

  it('worker threads: two threads share the row panels of every product; results within the same bound; destroy stops them', () => {
    const set = createWasmKernels({ minWork: 0, minOutput: 0, threads: 2, minThreadWork: 0 });
    expect(set.threads().count).toBe(1); // started lazily
    const shapes: Array<[number, number, number]> = [
      [1, 1, 1],
      [5, 300, 9],
      [64, 64, 64],
      [130, 257, 33],
      [1000, 16, 24],
    ];
    for (const [M, K, N] of shapes) {
      const args: MatmulArgs = {
        a: f32Array(2 * M * K, 3 * M + K),
        aShape: [2, M, K],
        b: f32Array(K * N, K + 5 * N),
        bShape: [K, N],
        transposeA: false,
        transposeB: false,
        batchShape: [2],
        dtype: 'float32',
      };
      expectWithinBound(args, set.kernels.matmul(args));
      // the pool starts with the first product of at least two row panels per thread (M ≥ 13 here)
      if (M < 13) expect(set.threads().count).toBe(1);
    }
    if (typeof process.getBuiltinModule === 'function') {
      expect(set.threads()).toMatchObject({ count: 2, reason: null });
    } else {
      // Node 20.0–20.15: no synchronous way to reach worker_threads from the library
      console.log(`[wasm parity] no worker threads on Node ${process.version}: ${set.threads().reason}`);
      expect(set.threads().count).toBe(1);
    }
    set.destroy();
    expect(set.threads()).toEqual({ count: 1, reason: 'destroyed', workerChunks: 0 });
    const after: MatmulArgs = {
      a: f32Array(64 * 64, 1),
      aShape: [64, 64],
      b: f32Array(64 * 64, 2),
      bShape: [64, 64],
      transposeA: false,
      transposeB: false,
      batchShape: [],
      dtype: 'float32',
    };
    expectWithinBound(after, set.kernels.matmul(after)); // single-threaded after destroy
  });

  it('worker threads alone (the caller only waits) compute every chunk of a product, right', () => {
    const set = createWasmKernels({ minWork: 0, minOutput: 0, threads: 3, minThreadWork: 0, callerWorks: false });
    const args: MatmulArgs = {
      a: f32Array(130 * 70, 11),
      aShape: [130, 70],
      b: f32Array(70 * 50, 12),
      bShape: [70, 50],
      transposeA: false,
      transposeB: false,
      batchShape: [],
      dtype: 'float32',
    };
    expectWithinBound(args, set.kernels.matmul(args));
    // 33 row panels in chunks of ⌈33 / (4·3)⌉ = 3: 11 chunks, all done by the two workers
    expect(set.threads()).toEqual({ count: 3, reason: null, workerChunks: 11 });
    set.destroy();
  });

  it('a worker that cannot instantiate the module, or traps in a product, retires the pool without a hang', () => {
    const api = wasmApi();
    const memory = new api.Memory({ initial: 1, maximum: 2, shared: true });
    // a module that imports a non-shared memory cannot be instantiated on a shared one
    const wrong = new api.Module(gemmModule(DEFAULT_GEMM, { minPages: 1, maxPages: 2, shared: false }));
    expect(startGemmPool(wrong, memory, 1, { timeoutMs: 5000 })).toMatch(/could not instantiate/);
    // a gemm that traps: the workers flag the job, run() reports it, and the pool refuses later jobs
    const c = new Code().unreachable();
    const trapping = new api.Module(
      assemble({ module: 'env', name: 'memory', minPages: 1, maxPages: 2, shared: true }, [
        { name: 'gemm', params: new Array(9).fill(I32), results: [], locals: [], code: c },
      ]),
    );
    const pool = startGemmPool(trapping, memory, 1, { timeoutMs: 5000, callerWorks: false });
    if (typeof pool === 'string') throw new Error(pool);
    const job = { aPtr: 256, bPtr: 256, cPtr: 256, panels: 4, nq: 1, K: 1, Mp: 16, Np: 8 };
    expect(pool.run(() => undefined, job)).toBe(false);
    expect(pool.broken()).toMatch(/failed while computing/);
    expect(pool.run(() => undefined, job)).toBe(false);
    pool.terminate();
  });

  it('memory grows on demand, never shrinks, and results stay right after growth', () => {
    const set = createWasmKernels({ minWork: 0, minOutput: 0 });
    const small = (n: number): MatmulArgs => ({
      a: f32Array(n * n, n),
      aShape: [n, n],
      b: f32Array(n * n, n + 1),
      bShape: [n, n],
      transposeA: false,
      transposeB: false,
      batchShape: [],
      dtype: 'float32',
    });
    expectWithinBound(small(8), set.kernels.matmul(small(8)));
    const m0 = set.memoryBytes();
    expectWithinBound(small(300), set.kernels.matmul(small(300)));
    const m1 = set.memoryBytes();
    expect(m1).toBeGreaterThan(m0);
    expect(m1).toBeGreaterThanOrEqual(4 * 3 * 304 * 300); // packed A, packed B and C of the 300³ product
    expectWithinBound(small(8), set.kernels.matmul(small(8)));
    expect(set.memoryBytes()).toBe(m1);
  });

  it('1,000 products of changing shapes: memory stops at the largest product, the JS heap does not grow', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const set = createWasmKernels({ minWork: 0, minOutput: 0, threads: 2, minThreadWork: 32 * 32 * 32 });
    const shapes = [8, 33, 64, 17, 100];
    const step = (t: number): void => {
      const n = shapes[Math.floor(t / 50) % shapes.length];
      const args: MatmulArgs = {
        a: f32Array(n * n, t + 1),
        aShape: [n, n],
        b: f32Array(n * n, t + 2),
        bShape: [n, n],
        transposeA: t % 2 === 1,
        transposeB: t % 3 === 1,
        batchShape: [],
        dtype: 'float32',
      };
      const out = set.kernels.matmul(args);
      if (t % 97 === 0) expectWithinBound(args, out);
    };
    for (let t = 0; t < 250; t++) step(t); // every shape seen once
    const mem = set.memoryBytes();
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    for (let t = 250; t < 1000; t++) step(t);
    gc();
    const growth = process.memoryUsage().heapUsed - heap0;
    expect(set.memoryBytes()).toBe(mem); // the linear memory only grows for a larger product
    expect(set.stats.matmul).toBe(1000);
    expect(set.threads().count).toBe(typeof process.getBuiltinModule === 'function' ? 2 : 1);
    // each step allocates its inputs and output (≤ 160 KB) and drops them: nothing may accumulate
    expect(growth).toBeLessThan(4 * 2 ** 20);
    set.destroy();
  });

  it('small products (below minWork), float64 and empty products run on js, with js results', () => {
    const set: WasmKernelSet = createWasmKernels({ minWork: 1000 });
    const tiny: MatmulArgs = {
      a: f32Array(6, 3),
      aShape: [2, 3],
      b: f32Array(6, 4),
      bShape: [3, 2],
      transposeA: false,
      transposeB: false,
      batchShape: [],
      dtype: 'float32',
    };
    expect(set.kernels.matmul(tiny)).toEqual(jsMatmul(tiny));
    const f64: MatmulArgs = { ...tiny, a: Float64Array.from(tiny.a), b: Float64Array.from(tiny.b), aShape: [2, 3], dtype: 'float64' };
    const wide = createWasmKernels({ minWork: 0, minOutput: 0 });
    expect(wide.kernels.matmul(f64)).toEqual(jsMatmul(f64));
    const empty: MatmulArgs = { ...tiny, a: new Float32Array(0), aShape: [2, 0], b: new Float32Array(0), bShape: [0, 2] };
    expect(Array.from(wide.kernels.matmul(empty))).toEqual([0, 0, 0, 0]);
    expect(set.stats.matmul).toBe(0);
    expect(set.stats.fallbacks).toBe(1);
    expect(wide.stats.matmul).toBe(0);
    expect(wide.stats.fallbacks).toBe(2);
    // the default thresholds send a dot product (a 1×1 output) to js, a 4×4×4 product to wasm
    const dflt = createWasmKernels();
    const dotArgs: MatmulArgs = { ...tiny, a: f32Array(1000, 5), aShape: [1, 1000], b: f32Array(1000, 6), bShape: [1000, 1] };
    expect(dflt.kernels.matmul(dotArgs)).toEqual(jsMatmul(dotArgs));
    const four: MatmulArgs = { ...tiny, a: f32Array(16, 5), aShape: [4, 4], b: f32Array(16, 6), bShape: [4, 4] };
    expectWithinBound(four, dflt.kernels.matmul(four));
    expect(dflt.stats).toEqual({ matmul: 1, fallbacks: 1 });
  });
});
