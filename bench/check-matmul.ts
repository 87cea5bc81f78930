/**
 * Self-check of the js matmul kernel against a naive float64 triple loop:
 * odd and degenerate shapes (1, 3, 17, non-square, K = 0), batched with
 * broadcast batch axes, transposeA / transposeB, float32 and float64, both
 * the direct (small) and the packed (large) paths, non-finite values, and the
 * exported `gemm`. Run with `npx tsx bench/check-matmul.ts`; exits 1 on a mismatch.
 */
import { gemm, matmul as matmulKernel } from '../kernels/js/matmul.ts';
import { broadcastShape, matmul, tensor, toTypedArray } from '../lib/index.ts';
import { mulberry32 } from './util.ts';

type DT = 'float32' | 'float64';
const rng = mulberry32(12345);
let checks = 0,
  failures = 0;

function fail(msg: string): void {
  failures++;
  if (failures <= 20) console.error('MISMATCH ' + msg);
}

function randArray(n: number, dtype: DT): Float32Array | Float64Array {
  const x = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 2 * rng() - 1;
  return x;
}

const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Naive reference: returns [values, Σ|a·b| per output] in float64. */
function naive(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  tA: boolean,
  tB: boolean,
): { out: Float64Array; abs: Float64Array; shape: number[] } {
  const ra = aShape.length,
    rb = bShape.length;
  const M = tA ? aShape[ra - 1] : aShape[ra - 2],
    K = tA ? aShape[ra - 2] : aShape[ra - 1];
  const N = tB ? bShape[rb - 2] : bShape[rb - 1];
  const aB = aShape.slice(0, -2),
    bB = bShape.slice(0, -2);
  const batch = broadcastShape(aB, bB);
  const nb = prod(batch);
  const out = new Float64Array(nb * M * N),
    abs = new Float64Array(nb * M * N);
  const idx = (shape: number[], full: number[]): number => {
    // flat batch index into an operand whose batch `shape` broadcasts to `batch`
    let o = 0;
    const off = batch.length - shape.length;
    for (let d = 0; d < shape.length; d++) o = o * shape[d] + (shape[d] === 1 ? 0 : full[d + off]);
    return o;
  };
  for (let t = 0; t < nb; t++) {
    const full: number[] = [];
    let rem = t;
    for (let d = batch.length - 1; d >= 0; d--) {
      full[d] = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
    }
    const ao = idx(aB, full) * M * K,
      bo = idx(bB, full) * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0,
          sa = 0;
        for (let k = 0; k < K; k++) {
          const av = tA ? a[ao + k * M + i] : a[ao + i * K + k];
          const bv = tB ? b[bo + j * K + k] : b[bo + k * N + j];
          s += av * bv;
          sa += Math.abs(av * bv);
        }
        out[t * M * N + i * N + j] = s;
        abs[t * M * N + i * N + j] = sa;
      }
    }
  }
  return { out, abs, shape: [...batch, M, N] };
}

function compare(label: string, got: ArrayLike<number>, ref: { out: Float64Array; abs: Float64Array }, dtype: DT): void {
  checks++;
  if (got.length !== ref.out.length) {
    fail(`${label}: length ${got.length} vs ${ref.out.length}`);
    return;
  }
  for (let i = 0; i < got.length; i++) {
    const g = got[i],
      r = ref.out[i];
    let ok: boolean;
    if (!Number.isFinite(r)) ok = Object.is(g, r) || (Number.isNaN(g) && Number.isNaN(r));
    else {
      const tol = (dtype === 'float32' ? 6e-8 * Math.abs(r) : 0) + 1e-13 * ref.abs[i] + 1e-300;
      ok = Math.abs(g - r) <= tol;
    }
    if (!ok) {
      fail(`${label}: element ${i} got ${g} expected ${r}`);
      return;
    }
  }
}

function shapeOf(batch: number[], rows: number, cols: number, t: boolean): number[] {
  return t ? [...batch, cols, rows] : [...batch, rows, cols];
}

function caseKernel(M: number, K: number, N: number, aBatch: number[], bBatch: number[], tA: boolean, tB: boolean, dtype: DT): void {
  const aShape = shapeOf(aBatch, M, K, tA),
    bShape = shapeOf(bBatch, K, N, tB);
  const a = randArray(prod(aShape), dtype),
    b = randArray(prod(bShape), dtype);
  const ref = naive(a, aShape, b, bShape, tA, tB);
  const batchShape = ref.shape.slice(0, -2);
  const got = matmulKernel({ a, aShape, b, bShape, transposeA: tA, transposeB: tB, batchShape, dtype });
  const label = `kernel ${dtype} a${JSON.stringify(aShape)}${tA ? 'ᵀ' : ''} b${JSON.stringify(bShape)}${tB ? 'ᵀ' : ''}`;
  if (!(dtype === 'float32' ? got instanceof Float32Array : got instanceof Float64Array)) fail(`${label}: wrong storage type`);
  compare(label, got, ref, dtype);
}

const dims = [1, 2, 3, 4, 5, 7, 8, 9, 17, 31, 33, 64, 65];
const batches: [number[], number[]][] = [
  [[], []],
  [[3], []],
  [[], [2]],
  [
    [2, 1, 3],
    [4, 1],
  ],
  [[1], [5]],
  [
    [2, 3],
    [2, 3],
  ],
];
for (const dtype of ['float32', 'float64'] as DT[]) {
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      // every pair of dims from a small set, no batch
      for (const M of [1, 3, 4, 5, 17]) for (const K of [1, 3, 17, 64]) for (const N of [1, 3, 4, 9, 17]) caseKernel(M, K, N, [], [], tA, tB, dtype);
      // random shapes with batch broadcasting
      for (let r = 0; r < 12; r++) {
        const pick = (): number => dims[Math.floor(rng() * dims.length)];
        const [ab, bb] = batches[r % batches.length];
        caseKernel(pick(), pick(), pick(), ab, bb, tA, tB, dtype);
      }
      // packed path with several k-blocks and i-blocks, ragged edges
      caseKernel(70, 300, 45, [], [], tA, tB, dtype);
      caseKernel(130, 520, 67, [2], [1], tA, tB, dtype);
      caseKernel(257, 33, 259, [], [], tA, tB, dtype);
    }
  }
  // K = 0 gives zeros; empty M / N give empty outputs
  caseKernel(5, 0, 6, [2], [], false, false, dtype);
  caseKernel(0, 4, 6, [], [], false, true, dtype);
  caseKernel(5, 4, 0, [], [], true, false, dtype);
  caseKernel(9, 9, 9, [0], [1], false, false, dtype);
}

// non-finite values: NaN / ±Inf propagate into exactly the outputs they touch (padding must not leak)
for (const [M, K, N] of [
  [6, 7, 5],
  [37, 300, 19],
  [2, 2, 2],
]) {
  for (const dtype of ['float32', 'float64'] as DT[]) {
    const a = randArray(M * K, dtype),
      b = randArray(K * N, dtype);
    a[K + 2] = Infinity; // row 1
    b[3 * N + (N - 1)] = NaN; // column N-1
    b[1 * N] = -Infinity; // column 0
    a[(M - 1) * K + 1] = 0; // last row: 0 · -Inf = NaN in column 0
    const ref = naive(a, [M, K], b, [K, N], false, false);
    const got = matmulKernel({ a, aShape: [M, K], b, bShape: [K, N], transposeA: false, transposeB: false, batchShape: [], dtype });
    compare(`non-finite ${dtype} ${M}×${K}×${N}`, got, ref, dtype);
  }
}

// exported gemm: offsets and C += A·B
for (const [M, K, N] of [
  [1, 5, 1],
  [3, 4, 5],
  [17, 33, 9],
  [64, 300, 65],
]) {
  const pad = 7;
  const a = randArray(pad + M * K, 'float64'),
    b = randArray(pad + 3 + K * N, 'float32');
  const c = new Float64Array(M * N);
  for (let i = 0; i < c.length; i++) c[i] = i % 3;
  gemm(a, pad, b, pad + 3, c, M, K, N);
  const ref = naive(a.subarray(pad), [M, K], b.subarray(pad + 3), [K, N], false, false);
  for (let i = 0; i < c.length; i++) ref.out[i] += i % 3;
  compare(`gemm ${M}×${K}×${N}`, c, ref, 'float64');
}

// through the public op (1-D operands, options)
{
  const a = randArray(3 * 17, 'float32'),
    v = randArray(17, 'float32');
  const got = toTypedArray(matmul(tensor(a, [3, 17]), tensor(v, [17])));
  compare('op matrix·vector', got, naive(a, [3, 17], v, [17, 1], false, false), 'float32');
  const A = randArray(2 * 40 * 33, 'float64'),
    B = randArray(35 * 40, 'float64');
  const got2 = toTypedArray(matmul(tensor(A, [2, 40, 33]), tensor(B, [35, 40]), { transposeA: true, transposeB: true }));
  compare('op batched ᵀᵀ', got2, naive(A, [2, 40, 33], B, [35, 40], true, true), 'float64');
}

console.log(`${checks} matmul checks, ${failures} failure(s)`);
if (failures > 0) process.exitCode = 1;
