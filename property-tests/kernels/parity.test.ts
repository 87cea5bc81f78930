/**
 * Parity of the gpu.js kernels (kernels/gpu) with the float64 js reference,
 * on every gpu.js mode that runs here: `cpu`, `webasm` and `headlessgl`.
 *
 * A mode that cannot run is skipped with the reason printed at collection
 * (never passed silently). For `headlessgl`: if the native `gl` package is
 * installed, no DISPLAY is set and Xvfb exists, an Xvfb is started for this
 * file and stopped afterwards, so a plain `npm test` runs the GL path.
 *
 * Every test asserts that gpu.js really ran (the kernel set's `gpuMode` is
 * the requested mode, and its gpu call counter moved: the size threshold is
 * disabled with `minWork: 0`).
 *
 * Tolerances (u = 2⁻²⁴, the float32 unit roundoff; inputs are float32 values
 * seen identically by both sides, so only the kernel's arithmetic differs):
 * - matmul: a length-k dot product summed sequentially in float32 and rounded
 *   once more on store has |err| ≤ (k+1)·u/(1−(k+1)·u)·Σ|a_i||b_i|
 *   (Higham, Thm 3.5); we assert |err| ≤ (k+2)·u·Σ|a||b| + tiny (denormals).
 * - Poincaré forward: each float32 operation adds ≤ u relative error to its
 *   result. num² = A²x² − 2ABxy + B²y² is a sum of ~10 rounded products of
 *   terms bounded by Â = 1+2c|xy|+c·y², B̂ = 1+c·x², so
 *   δnum ≤ 16u·(Â²x² + 2ÂB̂|xy| + B̂²y²); den has δden ≤ 8u·(1+2c|xy|+c²x²y²).
 *   Since |√(s+δ) − √s| = |δ|/(√(s+δ)+√s) ≤ min(√δ, δ/√s), m = √num²/den has
 *   δm ≤ min(√δnum, δnum/√num²)/den + m·δden/den + 4u·m;
 *   d = (2/√c)·artanh(√c·m) has d′(m) = 2/(1−c·m²), evaluated at m+δm, and the
 *   final log/division adds ≤ 8u·(d + 1/√c). Points are drawn with ‖x‖ ≤ 0.9/√c
 *   so the artanh clamp (1 − ε) is never reached.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { createGpuKernels, GPU_MODES, probeMode, type GpuKernelSet, type GpuMode } from '../../kernels/gpu/index.ts';
import { matmul as jsMatmul } from '../../kernels/js/matmul.ts';
import { poincarePairwiseForward as jsPoincare } from '../../kernels/js/poincare.ts';
import { findXvfb, glInstalled, startXvfb, type XvfbHandle } from '../../tools/xvfb.ts';

const U = 2 ** -24;

// --- environment: Xvfb for headlessgl -------------------------------------
let xvfb: XvfbHandle | undefined;
const gl = glInstalled();
const headlessReason: string | undefined = await (async () => {
  if (!gl.ok) return gl.reason;
  if (process.env.DISPLAY) return undefined;
  const bin = findXvfb();
  if (bin === undefined) return 'no DISPLAY is set and Xvfb is not installed';
  try {
    xvfb = await startXvfb(bin);
    console.log(`[gpu parity] started Xvfb on ${xvfb.display} for headlessgl`);
    return undefined;
  } catch (e) {
    return `could not start Xvfb: ${(e as Error).message}`;
  }
})();
afterAll(() => xvfb?.stop());

// --- availability per mode --------------------------------------------------
const availability = new Map<GpuMode, string | null>();
for (const mode of GPU_MODES) {
  if (mode === 'headlessgl' && headlessReason !== undefined) {
    availability.set(mode, headlessReason);
    continue;
  }
  const r = probeMode(mode);
  if (r.ok) r.set.destroy();
  availability.set(mode, r.ok ? null : r.reason);
}
for (const [mode, reason] of availability) {
  if (reason !== null) console.log(`[gpu parity] SKIPPING gpujs-${mode}: ${reason}`);
  else console.log(`[gpu parity] running on gpujs-${mode}`);
}

// --- generators ---------------------------------------------------------------
const dim = fc.constantFrom(1, 2, 3, 5, 8, 17, 31);
const f32 = fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }).map(Math.fround);

function f32Array(n: number, seed: number): Float32Array {
  // a small deterministic LCG, so shapes come from fast-check and values are cheap
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 8 - 4;
  }
  return out;
}

interface MMCase {
  aBatch: number[]; bBatch: number[]; batch: number[];
  M: number; K: number; N: number; tA: boolean; tB: boolean; seed: number;
}
const mmCase: fc.Arbitrary<MMCase> = fc
  .record({
    M: dim, K: dim, N: dim, tA: fc.boolean(), tB: fc.boolean(), seed: fc.nat(),
    batchKind: fc.constantFrom('none', 'same', 'bcastA', 'bcastB', 'outer'),
  })
  .map(({ batchKind, ...r }) => {
    const shapes: Record<string, [number[], number[], number[]]> = {
      none: [[], [], []],
      same: [[3], [3], [3]],
      bcastA: [[1], [2], [2]],
      bcastB: [[2, 3], [3], [2, 3]],
      outer: [[2, 1], [1, 3], [2, 3]],
    };
    const [aBatch, bBatch, batch] = shapes[batchKind];
    return { ...r, aBatch, bBatch, batch };
  });

function checkMatmul(set: GpuKernelSet, c: MMCase): void {
  const { M, K, N, tA, tB } = c;
  const aShape = [...c.aBatch, ...(tA ? [K, M] : [M, K])];
  const bShape = [...c.bBatch, ...(tB ? [N, K] : [K, N])];
  const a = f32Array(aShape.reduce((p, q) => p * q, 1), c.seed);
  const b = f32Array(bShape.reduce((p, q) => p * q, 1), c.seed ^ 0x9e3779b9);
  const base = { aShape, bShape, transposeA: tA, transposeB: tB, batchShape: c.batch };
  const calls = set.stats.matmul;
  const got = set.kernels.matmul({ ...base, a, b, dtype: 'float32' });
  expect(set.stats.matmul).toBe(calls + 1); // gpu.js ran, not the js fallback
  const want = jsMatmul({ ...base, a: Float64Array.from(a), b: Float64Array.from(b), dtype: 'float64' });
  const absA = Float64Array.from(a, Math.abs), absB = Float64Array.from(b, Math.abs);
  const mag = jsMatmul({ ...base, a: absA, b: absB, dtype: 'float64' }); // Σ|a||b| per entry
  expect(got).toBeInstanceOf(Float32Array);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = (K + 2) * U * mag[i] + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      throw new Error(`entry ${i}: gpu ${got[i]} vs f64 ${want[i]}, |err| ${Math.abs(got[i] - want[i])} > tol ${tol} (K=${K})`);
    }
  }
}

function poincareTol(xy: number, x2: number, y2: number, c: number, d: number): number {
  const Ah = 1 + 2 * c * Math.abs(xy) + c * y2, Bh = 1 + c * x2;
  const A = 1 - 2 * c * xy + c * y2, B = 1 - c * x2;
  const num2 = Math.max(A * A * x2 - 2 * A * B * xy + B * B * y2, 1e-30);
  const den = 1 - 2 * c * xy + c * c * x2 * y2;
  const m = Math.sqrt(num2) / den;
  const dNum = 16 * U * (Ah * Ah * x2 + 2 * Ah * Bh * Math.abs(xy) + Bh * Bh * y2);
  const dDen = 8 * U * (1 + 2 * c * Math.abs(xy) + c * c * x2 * y2);
  const dm = Math.min(Math.sqrt(dNum), dNum / Math.sqrt(num2)) / den + (m * dDen) / den + 4 * U * m;
  const mm = m + dm;
  return (2 * dm) / (1 - c * mm * mm) + 8 * U * (d + 1 / Math.sqrt(c));
}

// --- tests ------------------------------------------------------------------------
for (const mode of GPU_MODES) {
  const reason = availability.get(mode) ?? null;
  describe.skipIf(reason !== null)(`gpujs-${mode} kernels match the float64 reference`, () => {
    let set: GpuKernelSet | undefined;
    const get = (): GpuKernelSet => (set ??= createGpuKernels(mode, { minWork: 0, maxKernels: 8 }));
    afterAll(() => set?.destroy());

    it('runs on the requested gpu.js mode', () => {
      expect(get().gpuMode).toBe(mode);
    });

    fcTest.prop([mmCase], { numRuns: mode === 'headlessgl' ? 25 : 40 })('matmul (batched, broadcast, transposed)', (c) => {
      checkMatmul(get(), c);
      expect(get().gpuMode).toBe(mode);
    });

    it('matmul on a larger non-square product (100×257 · 257×65) and the LRU stays bounded', () => {
      const s = get();
      checkMatmul(s, { aBatch: [], bBatch: [], batch: [], M: 100, K: 257, N: 65, tA: false, tB: true, seed: 7 });
      expect(s.cacheSize()).toBeLessThanOrEqual(8);
    });

    fcTest.prop(
      [fc.record({ N: dim, M: dim, D: fc.constantFrom(1, 2, 3, 17), c: fc.constantFrom(0.5, 1, 2), seed: fc.nat() })],
      { numRuns: mode === 'headlessgl' ? 20 : 30 },
    )('poincarePairwiseForward', ({ N, M, D, c, seed }) => {
      // rows inside the ball of radius 0.9/√c
      const pts = (n: number, s: number): Float64Array => {
        const raw = f32Array(n * D, s);
        const out = new Float64Array(n * D);
        for (let i = 0; i < n; i++) {
          let nrm = 0;
          for (let k = 0; k < D; k++) nrm += raw[i * D + k] ** 2;
          const scale = ((0.9 * ((i % 7) + 1)) / 7 / Math.sqrt(c)) / Math.max(Math.sqrt(nrm), 1e-3);
          for (let k = 0; k < D; k++) out[i * D + k] = Math.fround(raw[i * D + k] * scale);
        }
        return out;
      };
      const x = pts(N, seed), y = pts(M, seed + 1);
      const xy = new Float32Array(N * M), x2 = new Float32Array(N), y2 = new Float32Array(M);
      for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) x2[i] += x[i * D + k] ** 2;
      for (let j = 0; j < M; j++) for (let k = 0; k < D; k++) y2[j] += y[j * D + k] ** 2;
      for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) {
        let s = 0;
        for (let k = 0; k < D; k++) s += x[i * D + k] * y[j * D + k];
        xy[i * M + j] = s;
      }
      const eps = 1e-7;
      const s = get();
      const calls = s.stats.poincarePairwiseForward;
      const got = s.kernels.poincarePairwiseForward(xy, x2, y2, N, M, c, eps, 'float32');
      expect(s.stats.poincarePairwiseForward).toBe(calls + 1);
      expect(s.gpuMode).toBe(mode);
      const want = jsPoincare(Float64Array.from(xy), Float64Array.from(x2), Float64Array.from(y2), N, M, c, eps, 'float64');
      for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) {
        const o = i * M + j;
        const tol = poincareTol(xy[o], x2[i], y2[j], c, want[o]);
        if (!(Math.abs(got[o] - want[o]) <= tol)) {
          throw new Error(`(${i},${j}): gpu ${got[o]} vs f64 ${want[o]}, |err| ${Math.abs(got[o] - want[o])} > tol ${tol}`);
        }
      }
    });
  });
}

describe('gpu.js kernels fall back to js below the size threshold and for float64', () => {
  it('a tiny float32 product and any float64 product run on js', () => {
    const s = createGpuKernels('cpu');
    try {
      const args = { a: new Float32Array([1, 2]), aShape: [1, 2], b: new Float32Array([3, 4]), bShape: [2, 1], transposeA: false, transposeB: false, batchShape: [] as number[] };
      expect(Array.from(s.kernels.matmul({ ...args, dtype: 'float32' }))).toEqual([11]);
      const r64 = s.kernels.matmul({ ...args, a: new Float64Array([1, 2]), b: new Float64Array([3, 4]), dtype: 'float64' });
      expect(r64).toBeInstanceOf(Float64Array);
      expect(s.stats.matmul).toBe(0);
      expect(s.stats.fallbacks).toBe(2);
      expect(s.cacheSize()).toBe(0);
    } finally {
      s.destroy();
    }
  });
});

// keep the f32 arbitrary referenced for future elementwise kernels
void f32;
