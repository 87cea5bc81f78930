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
 * - every other kernel (Poincaré backward, pairwise squared Euclidean and
 *   cosine forward and backward, softmax and its backward, logSumExp): the
 *   bound is derived per entry by replaying the kernel's float32 operation
 *   sequence in running-error arithmetic (./f32-error.ts states the error
 *   model: +−× correctly rounded, ÷ 2.5 ULP, √ 4.5 ULP, exp (3 + 2|x|) ULP,
 *   log 3 ULP, subnormals flushed), including the sequential float32
 *   accumulation of every loop and row/column sum.
 * - the assertion that gpu.js ran also checks the engine gpu.js reports for
 *   the kernel's last call (`cpu`, `webasm`, or `gpu` for headlessgl), so a
 *   silent degradation inside gpu.js is caught.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { createGpuKernels, GPU_MODES, type GpuKernelSet, type GpuMode } from '../../kernels/gpu/index.ts';
import { matmul as jsMatmul } from '../../kernels/js/matmul.ts';
import { poincarePairwiseBackward as jsPoincareBackward, poincarePairwiseForward as jsPoincare } from '../../kernels/js/poincare.ts';
import { pairwiseCosineBackward as jsCosBackward, pairwiseCosineForward as jsCos, pairwiseSqEuclideanForward as jsSqE } from '../../kernels/js/pairwise.ts';
import { logSumExpRows as jsLse, softmaxRows as jsSoftmax, softmaxRowsBackward as jsSoftmaxBackward } from '../../kernels/js/rows.ts';
import type { GpuKernelName } from '../../kernels/gpu/index.ts';
import * as E from './f32-error.ts';
import { gpuModeAvailability } from './gpu-modes.ts';

const U = 2 ** -24;

// --- availability per mode (an Xvfb is started for headlessgl when needed) ---
const availability = await gpuModeAvailability('gpu parity');

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
  aBatch: number[];
  bBatch: number[];
  batch: number[];
  M: number;
  K: number;
  N: number;
  tA: boolean;
  tB: boolean;
  seed: number;
}
const mmCase: fc.Arbitrary<MMCase> = fc
  .record({
    M: dim,
    K: dim,
    N: dim,
    tA: fc.boolean(),
    tB: fc.boolean(),
    seed: fc.nat(),
    batchKind: fc.constantFrom('none', 'same', 'bcastA', 'bcastB', 'outer'),
  })
  .map(({ batchKind, ...r }) => {
    const shapes: Record<string, [number[], number[], number[]]> = {
      none: [[], [], []],
      same: [[3], [3], [3]],
      bcastA: [[1], [2], [2]],
      bcastB: [[2, 3], [3], [2, 3]],
      outer: [
        [2, 1],
        [1, 3],
        [2, 3],
      ],
    };
    const [aBatch, bBatch, batch] = shapes[batchKind];
    return { ...r, aBatch, bBatch, batch };
  });

function checkMatmul(set: GpuKernelSet, c: MMCase): void {
  const { M, K, N, tA, tB } = c;
  const aShape = [...c.aBatch, ...(tA ? [K, M] : [M, K])];
  const bShape = [...c.bBatch, ...(tB ? [N, K] : [K, N])];
  const a = f32Array(
    aShape.reduce((p, q) => p * q, 1),
    c.seed,
  );
  const b = f32Array(
    bShape.reduce((p, q) => p * q, 1),
    c.seed ^ 0x9e3779b9,
  );
  const base = { aShape, bShape, transposeA: tA, transposeB: tB, batchShape: c.batch };
  const calls = set.stats.matmul;
  const got = set.kernels.matmul({ ...base, a, b, dtype: 'float32' });
  expect(set.stats.matmul).toBe(calls + 1); // gpu.js ran, not the js fallback
  const want = jsMatmul({ ...base, a: Float64Array.from(a), b: Float64Array.from(b), dtype: 'float64' });
  const absA = Float64Array.from(a, Math.abs),
    absB = Float64Array.from(b, Math.abs);
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
  const Ah = 1 + 2 * c * Math.abs(xy) + c * y2,
    Bh = 1 + c * x2;
  const A = 1 - 2 * c * xy + c * y2,
    B = 1 - c * x2;
  const num2 = Math.max(A * A * x2 - 2 * A * B * xy + B * B * y2, 1e-30);
  const den = 1 - 2 * c * xy + c * c * x2 * y2;
  const m = Math.sqrt(num2) / den;
  const dNum = 16 * U * (Ah * Ah * x2 + 2 * Ah * Bh * Math.abs(xy) + Bh * Bh * y2);
  const dDen = 8 * U * (1 + 2 * c * Math.abs(xy) + c * c * x2 * y2);
  const dm = Math.min(Math.sqrt(dNum), dNum / Math.sqrt(num2)) / den + (m * dDen) / den + 4 * U * m;
  const mm = m + dm;
  return (2 * dm) / (1 - c * mm * mm) + 8 * U * (d + 1 / Math.sqrt(c));
}

// --- the other kernels: replays of their float32 operation sequences (./f32-error.ts) ---------
const ENGINE: Record<GpuMode, string> = { cpu: 'cpu', webasm: 'webasm', headlessgl: 'gpu' };

/** Runs `call` and checks that it ran on gpu.js (counter moved, engine of the mode). */
function onGpu<T>(set: GpuKernelSet, name: GpuKernelName, call: () => T): T {
  const before = set.stats[name];
  const fallbacks = set.stats.fallbacks;
  const r = call();
  expect(set.stats[name], `${name} ran on gpu.js`).toBe(before + 1);
  expect(set.stats.fallbacks).toBe(fallbacks);
  expect(set.engines[name]).toBe(ENGINE[set.mode]);
  expect(set.gpuMode).toBe(set.mode);
  return r;
}

const f64 = (a: Float32Array): Float64Array => Float64Array.from(a);

function sqEuclideanBound(x: Float32Array, y: Float32Array, D: number, i: number, j: number): E.Ev {
  let s = E.ex(0);
  for (let k = 0; k < D; k++) {
    const t = E.sub(E.ex(x[i * D + k]), E.ex(y[j * D + k]));
    s = E.add(s, E.mul(t, t));
  }
  return s;
}

function cosineBound(x: Float32Array, y: Float32Array, D: number, eps: number, i: number, j: number): E.Ev {
  let s = E.ex(0),
    sa = E.ex(0),
    sb = E.ex(0);
  for (let k = 0; k < D; k++) {
    const a = E.ex(x[i * D + k]),
      b = E.ex(y[j * D + k]);
    s = E.add(s, E.mul(a, b));
    sa = E.add(sa, E.mul(a, a));
    sb = E.add(sb, E.mul(b, b));
  }
  const na = E.max(E.sqrt(sa), E.cst(eps)),
    nb = E.max(E.sqrt(sb), E.cst(eps));
  return E.div(E.div(s, na), nb);
}

/** The three per-entry partials of the Poincaré backward kernel, replayed (kernels/gpu/poincare.ts). */
function poincarePartials(g: number, xy: number, x2: number, y2: number, C: number, EPS: number): [E.Ev, E.Ev, E.Ev] {
  const c = E.cst(C),
    c2 = E.cst(C * C),
    sc = E.cst(Math.sqrt(C)),
    eps = E.cst(EPS);
  const one = E.ex(1),
    two = E.ex(2);
  const p = E.ex(xy),
    a2 = E.ex(x2),
    b2 = E.ex(y2);
  const A = E.add(E.sub(one, E.mul(E.mul(two, c), p)), E.mul(c, b2));
  const B = E.sub(one, E.mul(c, a2));
  const num2 = E.add(E.sub(E.mul(E.mul(A, A), a2), E.mul(E.mul(E.mul(two, A), B), p)), E.mul(E.mul(B, B), b2));
  const den = E.add(E.sub(one, E.mul(E.mul(two, c), p)), E.mul(E.mul(E.mul(c, c), a2), b2));
  // the clamps' subgradient shares must be decided identically on both sides
  if (Math.abs(num2.v - 1e-30) <= num2.e || Math.abs(den.v - 1e-15) <= den.e) throw new Error('undecided clamp: regenerate the points');
  const shN = E.ex(num2.v > 1e-30 ? 1 : 0),
    shD = E.ex(den.v > 1e-15 ? 1 : 0);
  const numC = E.max(num2, E.cst(1e-30)),
    denC = E.max(den, E.cst(1e-15));
  const s = E.sqrt(numC);
  const u = E.min(E.max(E.div(E.mul(sc, s), denC), E.add(E.ex(-1), eps)), E.sub(one, eps));
  const gm = E.div(E.mul(E.ex(g), two), E.sub(one, E.mul(u, u)));
  const gnum = E.div(E.mul(gm, shN), E.mul(E.mul(two, s), denC));
  const gden = E.div(E.neg(E.mul(E.mul(gm, shD), s)), E.mul(denC, denC));
  const twoC = E.mul(two, c);
  const z0 = E.add(
    E.mul(gnum, E.add(E.sub(E.mul(E.mul(E.mul(E.ex(-4), c), A), a2), E.mul(E.mul(two, A), B)), E.mul(E.mul(E.mul(E.ex(4), c), B), p))),
    E.mul(gden, E.mul(E.ex(-2), c)),
  );
  const z1 = E.add(E.mul(gnum, E.sub(E.add(E.mul(A, A), E.mul(E.mul(twoC, A), p)), E.mul(E.mul(twoC, B), b2))), E.mul(E.mul(gden, c2), b2));
  const z2 = E.add(E.mul(gnum, E.add(E.sub(E.mul(E.mul(twoC, A), a2), E.mul(E.mul(twoC, B), p)), E.mul(B, B))), E.mul(E.mul(gden, c2), a2));
  return [z0, z1, z2];
}

/**
 * Rows of the Poincaré ball of radius ≤ 0.9/√c, float32 values (as the forward test draws them);
 * row i has norm 0.9·radius(i)/√c.
 */
function ballPoints(n: number, D: number, c: number, seed: number, radius: (i: number) => number): Float32Array {
  const raw = f32Array(n * D, seed);
  const out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    let nrm = 0;
    for (let k = 0; k < D; k++) nrm += raw[i * D + k] ** 2;
    const scale = (0.9 * radius(i)) / Math.sqrt(c) / Math.max(Math.sqrt(nrm), 1e-3);
    for (let k = 0; k < D; k++) out[i * D + k] = raw[i * D + k] * scale;
  }
  return out;
}

/** Gram matrix and squared row norms, rounded to float32 (the kernel's inputs). */
function gram(x: Float32Array, y: Float32Array, N: number, M: number, D: number): { xy: Float32Array; x2: Float32Array; y2: Float32Array } {
  const xy = new Float32Array(N * M),
    x2 = new Float32Array(N),
    y2 = new Float32Array(M);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let k = 0; k < D; k++) s += x[i * D + k] ** 2;
    x2[i] = s;
  }
  for (let j = 0; j < M; j++) {
    let s = 0;
    for (let k = 0; k < D; k++) s += y[j * D + k] ** 2;
    y2[j] = s;
  }
  for (let i = 0; i < N; i++)
    for (let j = 0; j < M; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += x[i * D + k] * y[j * D + k];
      xy[i * M + j] = s;
    }
  return { xy, x2, y2 };
}

function checkPoincareBackward(set: GpuKernelSet, N: number, M: number, D: number, c: number, seed: number): void {
  // norms k/7 for x and (2m+1)/11 for y never coincide, so no pair is a coincident point (the
  // distance's kink, where the clamp's subgradient share is not decided by float32 arithmetic)
  const x = ballPoints(N, D, c, seed, (i) => ((i % 7) + 1) / 7),
    y = ballPoints(M, D, c, seed + 1, (j) => (2 * (j % 5) + 1) / 11);
  const { xy, x2, y2 } = gram(x, y, N, M, D);
  const g = f32Array(N * M, seed + 2);
  const eps = 1e-7;
  const got = onGpu(set, 'poincarePairwiseBackward', () => set.kernels.poincarePairwiseBackward(g, xy, x2, y2, N, M, c, eps));
  const want = jsPoincareBackward(f64(g), f64(xy), f64(x2), f64(y2), N, M, c, eps);
  const parts = Array.from({ length: N * M }, (_, o) => poincarePartials(g[o], xy[o], x2[Math.floor(o / M)], y2[o % M], c, eps));
  E.expectWithin('dxy', got.dxy, want.dxy, (o) => parts[o][0]);
  E.expectWithin('rx', got.rx, want.rx, (i) => E.sumSeq(Array.from({ length: M }, (_, j) => parts[i * M + j][1])));
  E.expectWithin('ry', got.ry, want.ry, (j) => E.sumSeq(Array.from({ length: N }, (_, i) => parts[i * M + j][2])));
}

function checkPairwise(set: GpuKernelSet, N: number, M: number, D: number, scale: number, seed: number, zeroRows: boolean): void {
  const x = f32Array(N * D, seed).map((v) => v * scale),
    y = f32Array(M * D, seed + 1).map((v) => v * scale);
  if (zeroRows) {
    x.fill(0, 0, D); // a zero row: the cosine's clamped norm; identical rows: squared distance 0
    if (N > 1 && M > 0) x.set(y.subarray(0, D), D);
  }
  const eps = 1e-12;
  const d = onGpu(set, 'pairwiseSqEuclideanForward', () => set.kernels.pairwiseSqEuclideanForward(x, y, N, M, D, 'float32'));
  E.expectWithin('sqEuclidean', d, jsSqE(f64(x), f64(y), N, M, D, 'float64'), (o) => sqEuclideanBound(x, y, D, Math.floor(o / M), o % M));
  const c = onGpu(set, 'pairwiseCosineForward', () => set.kernels.pairwiseCosineForward(x, y, N, M, D, eps, 'float32'));
  E.expectWithin('cosine', c, jsCos(f64(x), f64(y), N, M, D, eps, 'float64'), (o) => cosineBound(x, y, D, eps, Math.floor(o / M), o % M));
  // backward pass: g, the forward values and clamped norms as float32 inputs
  const g = f32Array(N * M, seed + 2);
  const cos = Float32Array.from(c);
  const norms = (a: Float32Array, n: number) => Float32Array.from({ length: n }, (_, i) => Math.max(Math.hypot(...a.subarray(i * D, (i + 1) * D)), eps));
  const nx = norms(x, N),
    ny = norms(y, M);
  const got = onGpu(set, 'pairwiseCosineBackward', () => set.kernels.pairwiseCosineBackward(g, cos, nx, ny, N, M, 'float32'));
  const want = jsCosBackward(f64(g), f64(cos), f64(nx), f64(ny), N, M, 'float64');
  const gc = (o: number) => E.mul(E.ex(g[o]), E.ex(cos[o]));
  E.expectWithin('cosine dxy', got.dxy, want.dxy, (o) => E.div(E.div(E.ex(g[o]), E.ex(nx[Math.floor(o / M)])), E.ex(ny[o % M])));
  E.expectWithin('cosine rx', got.rx, want.rx, (i) => E.sumSeq(Array.from({ length: M }, (_, j) => gc(i * M + j))));
  E.expectWithin('cosine ry', got.ry, want.ry, (j) => E.sumSeq(Array.from({ length: N }, (_, i) => gc(i * M + j))));
}

function checkRows(set: GpuKernelSet, rows: number, n: number, scale: number, seed: number): void {
  const x = f32Array(rows * n, seed).map((v) => v * scale);
  const rowMax = (i: number) => Math.max(...x.subarray(i * n, (i + 1) * n));
  const shifted = (i: number, j: number) => E.exp(E.sub(E.ex(x[i * n + j]), E.ex(rowMax(i))));
  const rowSum = (i: number) => E.sumSeq(Array.from({ length: n }, (_, j) => shifted(i, j)));
  const lse = onGpu(set, 'logSumExpRows', () => set.kernels.logSumExpRows(x, rows, n, 'float32'));
  E.expectWithin('logSumExp', lse, jsLse(f64(x), rows, n, 'float64'), (i) => E.add(E.log(rowSum(i)), E.ex(rowMax(i))));
  const sums = Array.from({ length: rows }, (_, i) => rowSum(i));
  const s = onGpu(set, 'softmaxRows', () => set.kernels.softmaxRows(x, rows, n, 'float32'));
  E.expectWithin('softmax', s, jsSoftmax(f64(x), rows, n, 'float64'), (o) => E.div(shifted(Math.floor(o / n), o % n), sums[Math.floor(o / n)]));
  const g = f32Array(rows * n, seed + 3);
  const sf = Float32Array.from(s);
  const gb = onGpu(set, 'softmaxRowsBackward', () => set.kernels.softmaxRowsBackward(g, sf, rows, n, 'float32'));
  const dots = Array.from({ length: rows }, (_, i) => E.sumSeq(Array.from({ length: n }, (_, j) => E.mul(E.ex(g[i * n + j]), E.ex(sf[i * n + j])))));
  E.expectWithin('softmax backward', gb, jsSoftmaxBackward(f64(g), f64(sf), rows, n, 'float64'), (o) =>
    E.mul(E.ex(sf[o]), E.sub(E.ex(g[o]), dots[Math.floor(o / n)])),
  );
}

const awkward = fc.constantFrom(1, 2, 3, 5, 17);

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

    it('matmul: all four transpose combinations, each with every batch layout', () => {
      const s = get();
      const layouts: [number[], number[], number[]][] = [
        [[], [], []],
        [[3], [3], [3]],
        [[1], [2], [2]],
        [[2, 3], [3], [2, 3]],
        [
          [2, 1],
          [1, 3],
          [2, 3],
        ],
      ];
      let seed = 11;
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const [aBatch, bBatch, batch] of layouts) {
            checkMatmul(s, { aBatch, bBatch, batch, M: 3, K: 17, N: 2, tA, tB, seed: seed++ });
            expect(s.engines.matmul).toBe(ENGINE[mode]);
          }
    });

    it('matmul with a long inner dimension (K = 1000, kept cheap: 2×1000 · 1000×3)', () => {
      checkMatmul(get(), { aBatch: [], bBatch: [], batch: [], M: 2, K: 1000, N: 3, tA: true, tB: false, seed: 5 });
    });

    fcTest.prop([fc.record({ N: awkward, M: awkward, D: fc.constantFrom(1, 2, 3, 17), c: fc.constantFrom(0.5, 1, 2), seed: fc.nat() })], {
      numRuns: mode === 'headlessgl' ? 15 : 25,
    })('poincarePairwiseBackward (partials kernel feeding the row/column sums)', ({ N, M, D, c, seed }) => {
      checkPoincareBackward(get(), N, M, D, c, seed);
    });

    it('poincarePairwiseBackward with M = 1000 (1 × 1000 pairs)', () => {
      checkPoincareBackward(get(), 1, 1000, 3, 1, 99);
    });

    fcTest.prop(
      [fc.record({ N: awkward, M: awkward, D: fc.constantFrom(1, 3, 17, 64), scale: fc.constantFrom(1e-3, 1, 100), seed: fc.nat(), zeroRows: fc.boolean() })],
      { numRuns: mode === 'headlessgl' ? 15 : 25 },
    )('pairwise squared Euclidean and cosine (forward and cosine backward), zero and identical rows included', ({ N, M, D, scale, seed, zeroRows }) => {
      checkPairwise(get(), N, M, D, scale, seed, zeroRows);
    });

    it('pairwise kernels with D = 1000 (3 × 2 pairs) and with M = 1000 (2 × 1000 pairs, D = 3)', () => {
      checkPairwise(get(), 3, 2, 1000, 1, 17, false);
      checkPairwise(get(), 2, 1000, 3, 1, 18, true);
    });

    fcTest.prop([fc.record({ rows: awkward, n: fc.constantFrom(1, 2, 3, 17, 64), scale: fc.constantFrom(0.1, 1, 20), seed: fc.nat() })], {
      numRuns: mode === 'headlessgl' ? 15 : 25,
    })('softmaxRows, softmaxRowsBackward and logSumExpRows', ({ rows, n, scale, seed }) => {
      checkRows(get(), rows, n, scale, seed);
    });

    it('row kernels with rows of length 1000 (3 rows) and 1000 rows of length 3', () => {
      checkRows(get(), 3, 1000, 5, 21);
      checkRows(get(), 1000, 3, 5, 22);
    });

    it('the LRU stays bounded and destroys what it evicts', () => {
      const s = get();
      expect(s.cacheSize()).toBeLessThanOrEqual(8);
      expect(s.stats.compiled).toBeGreaterThan(8);
      expect(s.stats.evicted).toBe(s.stats.compiled - s.cacheSize());
      expect(s.stats.destroyed).toBe(s.stats.evicted);
    });

    fcTest.prop([fc.record({ N: dim, M: dim, D: fc.constantFrom(1, 2, 3, 17), c: fc.constantFrom(0.5, 1, 2), seed: fc.nat() })], {
      numRuns: mode === 'headlessgl' ? 20 : 30,
    })('poincarePairwiseForward', ({ N, M, D, c, seed }) => {
      // rows inside the ball of radius 0.9/√c
      const pts = (n: number, s: number): Float64Array => {
        const raw = f32Array(n * D, s);
        const out = new Float64Array(n * D);
        for (let i = 0; i < n; i++) {
          let nrm = 0;
          for (let k = 0; k < D; k++) nrm += raw[i * D + k] ** 2;
          const scale = (0.9 * ((i % 7) + 1)) / 7 / Math.sqrt(c) / Math.max(Math.sqrt(nrm), 1e-3);
          for (let k = 0; k < D; k++) out[i * D + k] = Math.fround(raw[i * D + k] * scale);
        }
        return out;
      };
      const x = pts(N, seed),
        y = pts(M, seed + 1);
      const xy = new Float32Array(N * M),
        x2 = new Float32Array(N),
        y2 = new Float32Array(M);
      for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) x2[i] += x[i * D + k] ** 2;
      for (let j = 0; j < M; j++) for (let k = 0; k < D; k++) y2[j] += y[j * D + k] ** 2;
      for (let i = 0; i < N; i++)
        for (let j = 0; j < M; j++) {
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
      for (let i = 0; i < N; i++)
        for (let j = 0; j < M; j++) {
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
      const args = {
        a: new Float32Array([1, 2]),
        aShape: [1, 2],
        b: new Float32Array([3, 4]),
        bShape: [2, 1],
        transposeA: false,
        transposeB: false,
        batchShape: [] as number[],
      };
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
