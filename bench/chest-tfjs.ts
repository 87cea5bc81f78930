/**
 * The CHEST loss (docs/math.md §1–§5) written with tfjs-core primitives, the
 * peer of `bench/chest-step.ts`. Run on the tfjs **wasm** backend
 * (`@tensorflow/tfjs-backend-wasm`, XNNPACK + SIMD where available).
 *
 * It computes the same formulas as gyrograd's `chest({ centersPerClass: K })`:
 *
 *  - Euclidean SoftTriple on cosine similarities (λ 20, γ 0.1, δ 0.01) plus
 *    τ = 0.2 × the center regularizer
 *    Σ_c Σ_{k<k'} √(2 + 1e-5 − min(2⟨w_c^k, w_c^k'⟩, 2)) / (C·K·(K−1))
 *    (pytorch-metric-learning's clamp of 2cos at 2);
 *  - hyperbolic SoftTriple (λ 5, γ 0.1, δ 0.01) on s = −d_c(toPoincare(x), toPoincare(v)),
 *    c = 0.1, toPoincare = project(expmap0(clip_2.3(x))), project ε = 1e-3,
 *    artanh argument clamped to ±(1 − 1e-5) (float32), and the pairwise
 *    distance from ‖−x ⊕ y‖ expanded in ‖x‖², ‖y‖² and the Gram matrix x·yᵀ;
 *  - HypHC on the hyperbolic proxies with the closed-form LCA depth of §4,
 *    w_ij = (1 + cos(w^E_i, w^E_j))/2 computed outside the gradient tape
 *    (a constant, like gyrograd's stopGradient), T = 0.05;
 *  - weights 1 / 1 / 0.1.
 *
 * Differences from gyrograd's evaluation order, none of which changes the
 * value beyond float32 rounding: toPoincare of the hyperbolic proxies is
 * computed once and shared by the two hyperbolic terms (gyrograd computes it
 * twice), `project` is applied once (gyrograd's expmap0 projects, then
 * toPoincare projects again), the LCA depth is the §4 closed form (gyrograd
 * evaluates an equivalent cancellation-free identity), and the artanh clamp's
 * gradient is tfjs's ClipByValue gradient (zero outside the clamp; gyrograd
 * passes it straight through). The clamp is inactive on the benchmark's data.
 *
 * Gradients: the Node bundle of tfjs-core registers almost none (see
 * bench/tfjs-gradients.ts), so the ones this loss needs are registered below,
 * transcribed from tfjs-core 4.22 `dist/gradients/*_grad.js`, with two
 * additions: `Greater` (tfjs has none; a comparison's gradient is zero, as in
 * its `GreaterEqual_grad`) and `GatherV2`, whose stock gradient uses
 * `unsortedSegmentSum`, a kernel the wasm backend lacks; here it is
 * `scatterND` (which sums repeated indices), a kernel wasm has.
 *
 * Matrix products go through {@link setMatmulStrategy}: tfjs's stock transposed
 * `matMul` or transposes materialised first (much faster on wasm); the benchmark
 * times both. `tf.oneHot(…, 'float32')` returns zeros on wasm 4.22, so the
 * one-hot labels are built as int32 and cast.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerBenchGradients } from './tfjs-gradients.ts';

const { assertAndGetBroadcastShape, getReductionAxes } = tf.broadcast_util;

/** Sums `res` over the axes broadcasting added to `shape`, then reshapes to it (tfjs's binary-op gradient helper). */
function unbroadcast(res: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = getReductionAxes(shape, outShape);
  return axes.length > 0 ? tf.reshape(tf.sum(res, axes), shape) : tf.reshape(res, shape);
}

/**
 * How matrix products are issued. 'stock': `matMul(a, b, transposeA, transposeB)`, as
 * tfjs's own code and gradients do. 'transposeFirst': transposed operands are materialised
 * with `tf.transpose` first, then multiplied untransposed: the wasm backend's
 * BatchMatMul is about 10× slower with transposeA or transposeB set (only the
 * untransposed case reaches its fast path), so this is the faster way to run the
 * same products there. The benchmark times both.
 */
export type MatmulStrategy = 'stock' | 'transposeFirst';
let strategy: MatmulStrategy = 'stock';
export function setMatmulStrategy(s: MatmulStrategy): void {
  strategy = s;
}
/** Swaps the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  return tf.transpose(
    x,
    Array.from({ length: r }, (_, i) => (i < r - 2 ? i : 2 * r - 3 - i)),
  );
}

/** a·b with optional transposes, per the current {@link MatmulStrategy}. */
function mm(a: tf.Tensor, b: tf.Tensor, ta = false, tb = false): tf.Tensor {
  if (strategy === 'stock' || (!ta && !tb)) return tf.matMul(a, b, ta, tb);
  return tf.matMul(ta ? swapLast(a) : a, tb ? swapLast(b) : b);
}

const configs: tf.GradConfig[] = [
  {
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => unbroadcast(dy as tf.Tensor, a.shape, out), b: () => tf.neg(unbroadcast(dy as tf.Tensor, b.shape, out)) };
    },
  },
  {
    kernelName: tf.RealDiv,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const g = dy as tf.Tensor;
      const out = assertAndGetBroadcastShape(a.shape, b.shape);
      const derA = (): tf.Tensor => {
        const res = tf.div(g, tf.cast(b, 'float32'));
        const axes = getReductionAxes(a.shape, out);
        return axes.length > 0 ? tf.reshape(tf.sum(res, axes), a.shape) : res;
      };
      const derB = (): tf.Tensor => {
        let res = tf.mul(g, tf.cast(a, 'float32'));
        const axes = getReductionAxes(b.shape, out);
        if (axes.length > 0) res = tf.reshape(tf.sum(res, axes), b.shape);
        return tf.neg(tf.div(res, tf.cast(tf.square(b), 'float32')));
      };
      return { a: derA, b: derB };
    },
  },
  { kernelName: tf.Neg, gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  { kernelName: tf.Identity, gradFunc: (dy) => ({ x: () => tf.cast(dy as tf.Tensor, 'float32') }) },
  { kernelName: tf.Cast, gradFunc: (dy) => ({ x: () => (dy as tf.Tensor).clone() }) },
  {
    kernelName: tf.Square,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.cast(x, 'float32'), 2)) }),
  },
  {
    kernelName: tf.Sqrt,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt(tf.cast(x, 'float32')), 2)) }),
  },
  { kernelName: tf.Exp, outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy as tf.Tensor, y) }) },
  {
    kernelName: tf.Atanh,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.div(dy as tf.Tensor, tf.sub(tf.scalar(1), tf.square(tf.cast(x, 'float32')))) }),
  },
  {
    kernelName: tf.Atan,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.div(dy as tf.Tensor, tf.add(tf.square(tf.cast(x, 'float32')), 1)) }),
  },
  {
    kernelName: tf.Cos,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(tf.neg(tf.sin(tf.cast(x, 'float32'))), dy as tf.Tensor) }),
  },
  {
    kernelName: tf.Maximum,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => tf.mul(dy as tf.Tensor, tf.cast(tf.greaterEqual(a, b), 'float32')),
      b: () => tf.mul(dy as tf.Tensor, tf.cast(tf.less(a, b), 'float32')),
    }),
  },
  {
    kernelName: tf.Minimum,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => tf.mul(dy as tf.Tensor, tf.cast(tf.lessEqual(a, b), 'float32')),
      b: () => tf.mul(dy as tf.Tensor, tf.cast(tf.greater(a, b), 'float32')),
    }),
  },
  {
    kernelName: tf.ClipByValue,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { clipValueMin, clipValueMax } = attrs as unknown as { clipValueMin: number; clipValueMax: number };
      const g = dy as tf.Tensor;
      return { x: () => tf.where(tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)), g, tf.zerosLike(g)) };
    },
  },
  {
    kernelName: tf.Select,
    inputsToSave: ['condition'],
    gradFunc: (dy, [condition]) => {
      const g = dy as tf.Tensor;
      return {
        condition: () => tf.cast(tf.zerosLike(condition), 'float32'),
        t: () => tf.mul(g, tf.cast(condition, g.dtype)),
        e: () => tf.mul(g, tf.cast(tf.logicalNot(condition), g.dtype)),
      };
    },
  },
  {
    // tfjs has no Greater gradient; a comparison's is zero (as GreaterEqual_grad.js)
    kernelName: tf.Greater,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, [a, b]) => ({ a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) }),
  },
  {
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const g = dy as tf.Tensor;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return { a: () => mm(g, b, false, true), b: () => mm(a, g, true, false) };
      if (!transposeA && transposeB) return { a: () => mm(g, b, false, false), b: () => mm(g, a, true, false) };
      if (transposeA && !transposeB) return { a: () => mm(b, g, false, true), b: () => mm(a, g, false, false) };
      return { a: () => mm(b, g, true, true), b: () => mm(g, a, true, true) };
    },
  },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs) => {
      const { perm } = attrs as unknown as { perm: number[] };
      const undo = perm.map((_, i) => perm.indexOf(i));
      return { x: () => tf.transpose(dy as tf.Tensor, undo) };
    },
  },
  { kernelName: tf.Reshape, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as tf.Tensor, x.shape) }) },
  {
    kernelName: tf.Pack,
    saveAllInputs: true,
    gradFunc: (dy, _saved, attrs) => {
      const { axis } = attrs as unknown as { axis: number };
      return tf.unstack(dy as tf.Tensor, axis).map((t) => () => t) as unknown as ReturnType<tf.GradFunc>;
    },
  },
  {
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => {
      const { dim } = attrs as unknown as { dim: number };
      const dyTimesY = tf.mul(dy as tf.Tensor, y);
      return { logits: () => tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y)) };
    },
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
      let reduceSize = 1;
      const expanded = x.shape.slice();
      for (const a of axes) {
        reduceSize *= x.shape[a];
        expanded[a] = 1;
      }
      return { x: () => tf.div(tf.mul(tf.reshape(dy as tf.Tensor, expanded), tf.ones(x.shape, 'float32')), reduceSize) };
    },
  },
  {
    // tfjs's own GatherV2 gradient needs unsortedSegmentSum, which the wasm backend lacks;
    // for axis 0 that is scatterND of the rows of dy at the indices (repeats are summed).
    kernelName: tf.GatherV2,
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, [x, indices], attrs) => {
      const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
      if (tf.util.parseAxisParam(axis, x.shape)[0] !== 0 || batchDims) throw new Error('bench GatherV2 gradient: axis 0 only');
      const n = indices.size;
      return {
        x: () => tf.scatterND(tf.reshape(indices, [n, 1]), tf.reshape(dy as tf.Tensor, [n, ...x.shape.slice(1)]), x.shape),
        indices: () => indices,
      };
    },
  },
];

/** Registers every gradient the CHEST peer needs (those missing in the Node bundle). */
export function registerChestGradients(): void {
  registerBenchGradients(); // Multiply, Add, Tanh, Sin, Sum
  for (const c of configs) {
    if (tf.getGradient(c.kernelName) === undefined) tf.registerGradient(c);
  }
}

/** Selects the wasm backend (wasm files from node_modules), registers the gradients; returns the wasm flavour in use. */
export async function setupTfWasm(): Promise<string> {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(dist + path.sep);
  await import('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'wasm') throw new Error(`tfjs backend is ${tf.getBackend()}, expected wasm`);
  registerChestGradients();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : 'single-threaded'}`;
}

// ------------------------------------------------------------------ the loss

/** The constants of CHEST (docs/math.md defaults). */
export interface TfChestConfig {
  C: number;
  K: number;
  c: number;
  clipR: number;
  temperature: number;
  euclidean: { la: number; gamma: number; margin: number; tau: number };
  hyperbolic: { la: number; gamma: number; margin: number };
  weights: { euclidean: number; hyperbolic: number; hyphc: number };
}

export const DEFAULTS = {
  c: 0.1,
  clipR: 2.3,
  temperature: 0.05,
  euclidean: { la: 20, gamma: 0.1, margin: 0.01, tau: 0.2 },
  hyperbolic: { la: 5, gamma: 0.1, margin: 0.01 },
  weights: { euclidean: 1, hyperbolic: 1, hyphc: 0.1 },
} as const;

const MIN_NORM = 1e-15;
const PROJ_EPS = 1e-3; // float32
const ATANH_EPS = 1e-5; // float32

/** Per-step constants built from plain JS inputs (labels, triplets); none is differentiated. */
interface StepConsts {
  hot: tf.Tensor2D; // [B, C] one-hot labels
  mask: tf.Tensor2D; // [K, K], 1 above the diagonal
  I: tf.Tensor1D;
  J: tf.Tensor1D;
  Kx: tf.Tensor1D;
}

const rowNorm = (x: tf.Tensor): tf.Tensor => tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), MIN_NORM);
const rowSq = (x: tf.Tensor): tf.Tensor => tf.sum(tf.square(x), -1, true);
const normalize = (x: tf.Tensor): tf.Tensor => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), 1e-12));
const artanh = (x: tf.Tensor): tf.Tensor => tf.atanh(tf.clipByValue(x, -1 + ATANH_EPS, 1 - ATANH_EPS));

/** toPoincare(x) = project(expmap0(clip_r(x))), row-wise on [N, D]. */
function toPoincare(x: tf.Tensor, cfg: TfChestConfig): tf.Tensor {
  const sc = Math.sqrt(cfg.c);
  const clipped = tf.mul(x, tf.minimum(tf.div(cfg.clipR, rowNorm(x)), 1));
  const n = rowNorm(clipped);
  const scn = tf.mul(n, sc);
  const e = tf.mul(tf.div(tf.tanh(scn), scn), clipped);
  const ne = rowNorm(e);
  const maxNorm = (1 - PROJ_EPS) / sc;
  // rescale rows with norm above maxNorm onto it (a [N, 1] select, so no broadcast in `where`)
  const scale = tf.where(tf.greater(ne, maxNorm), tf.div(maxNorm, ne), tf.ones(ne.shape));
  return tf.mul(e, scale);
}

/** d_c(x_i, y_j) for all pairs, [N, M], with ‖−x ⊕ y‖ expanded via x·yᵀ (also the peer of bench/run.ts's Poincaré benchmark). */
export function pairwiseDist(x: tf.Tensor, y: tf.Tensor, cfg: Pick<TfChestConfig, 'c'>): tf.Tensor {
  const c = cfg.c,
    sc = Math.sqrt(c);
  const x2 = rowSq(x); // [N, 1]
  const y2 = tf.reshape(rowSq(y), [1, -1]); // [1, M]
  const xy = mm(x, y, false, true); // [N, M]
  const A = tf.add(tf.sub(1, tf.mul(xy, 2 * c)), tf.mul(y2, c)); // 1 − 2c⟨x,y⟩ + c‖y‖²
  const B = tf.sub(1, tf.mul(x2, c)); // 1 − c‖x‖²
  const num2 = tf.add(tf.sub(tf.mul(tf.square(A), x2), tf.mul(tf.mul(tf.mul(A, B), xy), 2)), tf.mul(tf.square(B), y2));
  const den = tf.add(tf.sub(1, tf.mul(xy, 2 * c)), tf.mul(tf.mul(x2, y2), c * c));
  const m = tf.div(tf.sqrt(tf.maximum(num2, MIN_NORM * MIN_NORM)), tf.maximum(den, MIN_NORM));
  return tf.mul(artanh(tf.mul(m, sc)), 2 / sc);
}

/** SoftTriple of sim [B, C·K] (class-major) with one-hot labels [B, C]. */
function softTriple(sim: tf.Tensor, hot: tf.Tensor, p: { la: number; gamma: number; margin: number }, C: number, K: number): tf.Tensor {
  const B = sim.shape[0];
  const s = tf.reshape(sim, [B, C, K]);
  const prob = tf.softmax(tf.div(s, p.gamma)); // over k
  const S = tf.sum(tf.mul(prob, s), 2); // [B, C]
  const logits = tf.mul(tf.sub(S, tf.mul(hot, p.margin)), p.la);
  return tf.mean(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), hot), 1)));
}

/** Σ_c Σ_{k<k'} √(2 + 1e-5 − min(2⟨w_c^k, w_c^k'⟩, 2)) / (C·K·(K−1)) on normalised centers. */
function centerRegularizer(centers: tf.Tensor, mask: tf.Tensor, C: number, K: number): tf.Tensor {
  const w = tf.reshape(normalize(centers), [C, K, -1]);
  const gram = mm(w, w, false, true); // [C, K, K]
  const d = tf.sqrt(tf.sub(2 + 1e-5, tf.minimum(tf.mul(gram, 2), 2)));
  return tf.div(tf.sum(tf.mul(d, mask)), C * K * (K - 1));
}

/** LCA depth d_o(a ∨ b), [T], by the closed form of docs/math.md §4 (r = 1/c). */
function lcaDepth(a: tf.Tensor, b: tf.Tensor, cfg: TfChestConfig): tf.Tensor {
  const c = cfg.c,
    sc = Math.sqrt(c),
    r = 1 / c;
  const na = rowNorm(a),
    nb = rowNorm(b); // [T, 1]
  const na2 = tf.square(na),
    nb2 = tf.square(nb);
  const cosT = tf.div(tf.sum(tf.mul(a, b), -1, true), tf.mul(na, nb));
  const sinT = tf.sqrt(tf.maximum(tf.sub(1, tf.square(cosT)), MIN_NORM));
  const ratio = tf.div(tf.mul(na, tf.add(nb2, r)), tf.mul(nb, tf.add(na2, r)));
  const alpha = tf.atan(tf.div(tf.sub(ratio, cosT), sinT));
  const R = tf.sqrt(tf.sub(tf.square(tf.div(tf.add(na2, r), tf.mul(tf.mul(na, 2), tf.cos(alpha)))), r));
  const p = tf.sub(tf.sqrt(tf.add(tf.square(R), r)), R);
  return tf.reshape(tf.mul(artanh(tf.mul(p, sc)), 2 / sc), [-1]);
}

/** w [T, 3] = (w_ij, w_ik, w_jk) of (1 + cos(w^E_i, w^E_j))/2; computed off the gradient tape (a constant). */
function hyphcWeights(pe: tf.Tensor, I: Int32Array, J: Int32Array, Kx: Int32Array): tf.Tensor {
  return tf.tidy(() => {
    const P = pe.shape[0];
    const pn = normalize(pe);
    const flat = tf.reshape(tf.div(tf.add(mm(pn, pn, false, true), 1), 2), [-1]);
    const at = (u: Int32Array, v: Int32Array) =>
      tf.gather(
        flat,
        tf.tensor1d(
          u.map((a, q) => a * P + v[q]),
          'int32',
        ),
      );
    return tf.stack([at(I, J), at(I, Kx), at(J, Kx)], 1);
  });
}

export interface TfChestTerms {
  euclidean: tf.Tensor;
  hyperbolic: tf.Tensor;
  hyphc: tf.Tensor;
  total: tf.Tensor;
}

/** The three CHEST terms and their weighted total on inputs [e, h, pe, ph]. */
function chestTerms(e: tf.Tensor, h: tf.Tensor, pe: tf.Tensor, ph: tf.Tensor, w: tf.Tensor, k: StepConsts, cfg: TfChestConfig): TfChestTerms {
  const { C, K } = cfg;
  const sE = mm(normalize(e), normalize(pe), false, true);
  const euclidean = tf.add(softTriple(sE, k.hot, cfg.euclidean, C, K), tf.mul(centerRegularizer(pe, k.mask, C, K), cfg.euclidean.tau));
  const hp = toPoincare(ph, cfg); // shared by both hyperbolic terms
  const sH = tf.neg(pairwiseDist(toPoincare(h, cfg), hp, cfg));
  const hyperbolic = softTriple(sH, k.hot, cfg.hyperbolic, C, K);
  const xi = tf.gather(hp, k.I),
    xj = tf.gather(hp, k.J),
    xk = tf.gather(hp, k.Kx);
  const depth = tf.stack([lcaDepth(xi, xj, cfg), lcaDepth(xi, xk, cfg), lcaDepth(xj, xk, cfg)], 1); // [T, 3]
  const wOrd = tf.sum(tf.mul(w, tf.softmax(tf.div(depth, cfg.temperature))), 1);
  const hyphc = tf.mean(tf.sub(tf.sum(w, 1), wOrd));
  const total = tf.add(tf.add(tf.mul(euclidean, cfg.weights.euclidean), tf.mul(hyperbolic, cfg.weights.hyperbolic)), tf.mul(hyphc, cfg.weights.hyphc));
  return { euclidean, hyperbolic, hyphc, total };
}

function stepConsts(labels: Int32Array, triplets: readonly (readonly [number, number, number])[], cfg: TfChestConfig) {
  const { C, K } = cfg;
  const upper = new Float32Array(K * K);
  for (let i = 0; i < K; i++) for (let j = i + 1; j < K; j++) upper[i * K + j] = 1;
  const I = Int32Array.from(triplets, (t) => t[0]);
  const J = Int32Array.from(triplets, (t) => t[1]);
  const Kx = Int32Array.from(triplets, (t) => t[2]);
  const lab = tf.tensor1d(labels, 'int32');
  // tf.oneHot(…, 'float32') returns all zeros on the wasm backend (tfjs 4.22); build int32, then cast
  const hotInt = tf.oneHot(lab, C);
  const k: StepConsts = {
    hot: tf.cast(hotInt, 'float32') as tf.Tensor2D,
    mask: tf.tensor2d(upper, [K, K], 'float32'),
    I: tf.tensor1d(I, 'int32'),
    J: tf.tensor1d(J, 'int32'),
    Kx: tf.tensor1d(Kx, 'int32'),
  };
  lab.dispose();
  hotInt.dispose();
  return { k, I, J, Kx };
}

function disposeConsts(k: StepConsts): void {
  for (const t of Object.values(k)) t.dispose();
}

/** The four input tensors of one step, in the order [euclidean, hyperbolic, euclideanProxies, hyperbolicProxies]. */
export type TfInputs = [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];

export interface TfStepResult {
  value: number;
  /** gradients w.r.t. the four inputs, read back into JS */
  grads: Float32Array[];
}

/**
 * One forward + backward step from plain JS labels and triplets, reading the
 * value and the four gradients back. `mode`: 'explicit' disposes the step's
 * tensors by hand (`tf.valueAndGrads` already frees the tape's intermediates,
 * and the HypHC weights' few intermediates are freed by a small tidy);
 * 'tidy' wraps the whole step in one `tf.tidy`.
 */
export function tfChestStep(
  inputs: TfInputs,
  labels: Int32Array,
  triplets: readonly (readonly [number, number, number])[],
  cfg: TfChestConfig,
  mode: 'explicit' | 'tidy',
): TfStepResult {
  const run = (): { value: tf.Tensor; grads: tf.Tensor[]; k: StepConsts; w: tf.Tensor } => {
    const { k, I, J, Kx } = stepConsts(labels, triplets, cfg);
    const w = hyphcWeights(inputs[2], I, J, Kx);
    const f = (e: tf.Tensor, h: tf.Tensor, pe: tf.Tensor, ph: tf.Tensor): tf.Scalar => chestTerms(e, h, pe, ph, w, k, cfg).total as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(f as (...xs: tf.Tensor[]) => tf.Scalar)(inputs);
    return { value, grads, k, w };
  };
  if (mode === 'tidy') {
    const out = tf.tidy(() => {
      const r = run();
      return [r.value, ...r.grads];
    });
    const res = { value: out[0].dataSync()[0], grads: out.slice(1).map((g) => g.dataSync() as Float32Array) };
    for (const t of out) t.dispose();
    return res;
  }
  const r = run();
  const res = { value: r.value.dataSync()[0], grads: r.grads.map((g) => g.dataSync() as Float32Array) };
  r.value.dispose();
  for (const g of r.grads) g.dispose();
  disposeConsts(r.k);
  r.w.dispose();
  return res;
}

/** The three terms and the total (forward only), as numbers. */
export function tfChestTermValues(
  inputs: TfInputs,
  labels: Int32Array,
  triplets: readonly (readonly [number, number, number])[],
  cfg: TfChestConfig,
): { euclidean: number; hyperbolic: number; hyphc: number; total: number } {
  return tf.tidy(() => {
    const { k, I, J, Kx } = stepConsts(labels, triplets, cfg);
    const t = chestTerms(...inputs, hyphcWeights(inputs[2], I, J, Kx), k, cfg);
    return { euclidean: t.euclidean.dataSync()[0], hyperbolic: t.hyperbolic.dataSync()[0], hyphc: t.hyphc.dataSync()[0], total: t.total.dataSync()[0] };
  });
}
