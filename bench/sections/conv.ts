/**
 * (d) A float32 2-D convolution layer, forward + backward for a fixed random
 * cotangent, gradients w.r.t. input, kernel and bias: ours (`conv2d.apply`,
 * channels-last, 'valid', under `vjp`) on the default backend against tfjs-core
 * `tf.conv2d` + bias under `tf.valueAndGrads` on tfjs-wasm (and tfjs-cpu in the
 * quick run only: at batch 120 its Conv2DBackpropFilter takes ~9 s a step).
 * The shapes are the CHEST demo's two layers (examples/chest-demo/model.ts).
 *
 * tfjs-core's Node bundle registers no Conv2D gradient; bench/tfjs-gradients.ts
 * supplies one (∂x by tfjs's Conv2DBackpropInput kernel, ∂w by its
 * Conv2DBackpropFilter kernel, or on tfjs-wasm, which lacks that kernel, the
 * same sum written as one forward Conv2D: the input with its batch and channel
 * axes swapped, convolved with the cotangent as a filter dilated by the stride).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend, conv2d, setBackend, tensor, toTypedArray, vjp, type Tensor } from '../../lib/index.ts';
import { route } from '../backends.ts';
import { alternate, type Side } from '../timing.ts';
import { useTf, type TfBackend } from '../tfjs-peers.ts';
import { registerBenchGradients } from '../tfjs-gradients.ts';
import { checks, fmt, mulberry32, randomFloat32, relL2 } from '../util.ts';
import { CONFIG, QUICK, verify, U32, gamma, e1 } from './config.ts';

/** One layer: x [N, H, W, Ci] ∗ w [k, k, Ci, Co] with stride s, 'valid' → y [N, Ho, Wo, Co]. */
interface ConvLayer {
  H: number;
  W: number;
  Ci: number;
  k: number;
  Co: number;
  stride: number;
}

/** The CHEST demo's layers: conv 5×5/1 (1 → 32) on 28×28 digits, conv 3×3/2 (32 → 64) after a 2×2 max pool. */
const LAYERS: ConvLayer[] = [
  { H: 28, W: 28, Ci: 1, k: 5, Co: 32, stride: 1 },
  { H: 12, W: 12, Ci: 32, k: 3, Co: 64, stride: 2 },
];

const outSize = (n: number, k: number, s: number): number => Math.floor((n - k) / s) + 1;

interface ConvData {
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  /** the cotangent of y */
  g: Float32Array;
}

type Out = Float32Array | Float64Array;
interface ConvOut {
  y: Out;
  gx: Out;
  gw: Out;
  gb: Out;
}
const OUTS = ['y', 'gx', 'gw', 'gb'] as const;

interface ConvSide extends Side {
  group: 'ours' | 'tfjs';
  backend: string;
  route: string;
  out(): ConvOut;
  dispose(): void;
}

// ------------------------------------------------------------------ the sides

/** Ours: `conv2d.apply` and its VJP for the cotangent G, w.r.t. x, w and b; everything read back. */
function oursConvSide(name: string, L: ConvLayer, X: Tensor, W: Tensor, B: Tensor, G: Tensor, work: number): ConvSide {
  const f = (x: Tensor, w: Tensor, b: Tensor): Tensor => conv2d.apply({ w, b }, x, { stride: L.stride });
  let out: ConvOut | undefined;
  return {
    label: `ours ${name}`,
    group: 'ours',
    backend: name,
    route: `${route(name, 'matmul', work)} (im2col take + matmul)`,
    activate: () => setBackend(name),
    run: () => {
      const [y, back] = vjp(f, X, W, B);
      const [gx, gw, gb] = back(G);
      out = { y: toTypedArray(y), gx: toTypedArray(gx), gw: toTypedArray(gw), gb: toTypedArray(gb) };
    },
    out: () => out!,
    dispose: () => {},
  };
}

/** tfjs: `tf.conv2d(x, w, s, 'valid') + b`, `tf.valueAndGrads` for the cotangent G; tensors made once on that backend. */
async function tfConvSide(name: TfBackend, L: ConvLayer, N: number, d: ConvData): Promise<ConvSide> {
  await useTf(name);
  const Ho = outSize(L.H, L.k, L.stride),
    Wo = outSize(L.W, L.k, L.stride);
  const tx = tf.tensor4d(d.x, [N, L.H, L.W, L.Ci]),
    tw = tf.tensor4d(d.w, [L.k, L.k, L.Ci, L.Co]),
    tb = tf.tensor1d(d.b),
    tg = tf.tensor4d(d.g, [N, Ho, Wo, L.Co]);
  const vg = tf.valueAndGrads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, L.stride, 'valid'), b));
  let out: ConvOut | undefined;
  return {
    label: `tfjs-${name}`,
    group: 'tfjs',
    backend: name,
    route: name === 'wasm' ? 'Conv2D (XNNPACK), Conv2DBackpropInput; ∂w: dilated Conv2D' : 'JS kernels: Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter',
    activate: () => useTf(name),
    run: () => {
      const { value, grads } = vg([tx, tw, tb], tg);
      const [gx, gw, gb] = grads;
      out = { y: value.dataSync() as Float32Array, gx: gx.dataSync() as Float32Array, gw: gw.dataSync() as Float32Array, gb: gb.dataSync() as Float32Array };
      for (const t of [value, gx, gw, gb]) t.dispose();
    },
    out: () => out!,
    dispose: () => {
      for (const t of [tx, tw, tb, tg]) t.dispose();
    },
  };
}

// ------------------------------------------------------------------ float64 reference

interface ConvRef {
  out: { y: Float64Array; gx: Float64Array; gw: Float64Array; gb: Float64Array };
  /** Σ|terms| of every entry of each output (a float32 sum of K such terms errs by at most γ_K times it) */
  abs: { y: Float64Array; gx: Float64Array; gw: Float64Array; gb: Float64Array };
}

/** The layer's output and its three gradients in float64 by direct loops over (n, oy, ox, ky, kx, ci, co). */
function referenceConv(L: ConvLayer, N: number, d: ConvData): ConvRef {
  const { H, W, Ci, k, Co, stride: s } = L;
  const Ho = outSize(H, k, s),
    Wo = outSize(W, k, s);
  const y = new Float64Array(N * Ho * Wo * Co),
    ay = new Float64Array(y.length);
  const gx = new Float64Array(d.x.length),
    agx = new Float64Array(d.x.length);
  const gw = new Float64Array(d.w.length),
    agw = new Float64Array(d.w.length);
  const gb = new Float64Array(Co),
    agb = new Float64Array(Co);
  const { x, w, b, g } = d;
  for (let n = 0; n < N; n++) {
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        const o = ((n * Ho + oy) * Wo + ox) * Co;
        for (let co = 0; co < Co; co++) {
          y[o + co] = b[co];
          ay[o + co] = Math.abs(b[co]);
          gb[co] += g[o + co];
          agb[co] += Math.abs(g[o + co]);
        }
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const xb = ((n * H + oy * s + ky) * W + ox * s + kx) * Ci;
            const wb = (ky * k + kx) * Ci * Co;
            for (let ci = 0; ci < Ci; ci++) {
              const xv = x[xb + ci];
              const wr = wb + ci * Co;
              let sx = 0,
                ax = 0;
              for (let co = 0; co < Co; co++) {
                const wv = w[wr + co],
                  gv = g[o + co];
                const p = xv * wv,
                  q = gv * wv,
                  r = xv * gv;
                y[o + co] += p;
                ay[o + co] += Math.abs(p);
                sx += q;
                ax += Math.abs(q);
                gw[wr + co] += r;
                agw[wr + co] += Math.abs(r);
              }
              gx[xb + ci] += sx;
              agx[xb + ci] += ax;
            }
          }
        }
      }
    }
  }
  return { out: { y, gx, gw, gb }, abs: { y: ay, gx: agx, gw: agw, gb: agb } };
}

/** max_i |a_i − r_i| / Σ|terms|_i (0 where both are 0); Infinity on a length mismatch or NaN. */
function maxScaledErr(a: Out, r: Float64Array, abs: Float64Array): number {
  if (a.length !== r.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - r[i]) / Math.max(abs[i], 1e-30);
    if (!(e <= m)) m = e;
  }
  return m;
}

// ------------------------------------------------------------------ the section

/** Checks every side against the float64 reference; true when all passed. */
function checkConv(tag: string, L: ConvLayer, N: number, sides: ConvSide[], ref: ConvRef): boolean {
  const failuresBefore = checks.failures;
  const Ho = outSize(L.H, L.k, L.stride),
    Wo = outSize(L.W, L.k, L.stride);
  // terms per entry (upper bounds): y k²·Ci products + the bias; ∂x ≤ k²·Co; ∂w and ∂b N·Ho·Wo
  const K = { y: L.k * L.k * L.Ci + 1, gx: L.k * L.k * L.Co, gw: N * Ho * Wo, gb: N * Ho * Wo };
  console.log('| side | ‖Δy‖/‖y₆₄‖ | ‖Δ∂x‖/‖∂x₆₄‖ | ‖Δ∂w‖/‖∂w₆₄‖ | ‖Δ∂b‖/‖∂b₆₄‖ | max over entries of \\|Δ\\| / ((γ_K + 2u)·Σ\\|terms\\|) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const s of sides) {
    const o = s.out();
    const rel: string[] = [];
    let worst = 0;
    for (const key of OUTS) {
      const r = relL2(o[key], ref.out[key]);
      const bound = gamma(K[key]) + 2 * U32;
      const m = maxScaledErr(o[key], ref.out[key], ref.abs[key]);
      rel.push(e1(r));
      worst = Math.max(worst, m / bound);
      verify(`conv ${tag} ${s.label}: ${key} dtype`, o[key] instanceof Float32Array, `got ${o[key].constructor.name}`);
      verify(`conv ${tag} ${s.label}: ${key} vs float64 (rel L2)`, r <= 1e-4, `‖Δ‖/‖ref‖ = ${e1(r)} > 1e-4`);
      verify(`conv ${tag} ${s.label}: ${key} vs float64 (per entry)`, m <= bound, `max |Δ|/Σ|terms| = ${e1(m)} > γ_K + 2u = ${e1(bound)} (K = ${K[key]})`);
    }
    console.log(`| ${s.label} | ${rel.join(' | ')} | ${fmt(worst)} |`);
  }
  return checks.failures === failuresBefore;
}

async function benchLayer(L: ConvLayer, idx: number, ours: string[]): Promise<void> {
  const N = CONFIG.conv.batch;
  const { H, W, Ci, k, Co, stride } = L;
  const Ho = outSize(H, k, stride),
    Wo = outSize(W, k, stride);
  const tag = `${k}×${k}/${stride}`;
  const rng = mulberry32(5150 + idx);
  const w = randomFloat32(rng, k * k * Ci * Co);
  const sc = 1 / Math.sqrt(k * k * Ci); // weights of the scale of a trained layer's (uniform ±1/√fan-in)
  for (let i = 0; i < w.length; i++) w[i] *= sc;
  const d: ConvData = { x: randomFloat32(rng, N * H * W * Ci), w, b: randomFloat32(rng, Co).map((v) => 0.1 * v), g: randomFloat32(rng, N * Ho * Wo * Co) };
  const X = tensor(d.x, [N, H, W, Ci]),
    Wt = tensor(d.w, [k, k, Ci, Co]),
    B = tensor(d.b, [Co]),
    G = tensor(d.g, [N, Ho, Wo, Co]);
  const work = N * Ho * Wo * k * k * Ci * Co; // multiply-adds of the forward product (∂x and ∂w: as many each)

  const tensorsBefore = tf.memory().numTensors;
  const tfSides = [await tfConvSide('wasm', L, N, d), ...(QUICK ? [await tfConvSide('cpu', L, N, d)] : [])];
  const sides: ConvSide[] = [...ours.map((n) => oursConvSide(n, L, X, Wt, B, G, work)), ...tfSides];
  const leak = (when: string): void => {
    const extra = tf.memory().numTensors - tensorsBefore - 4 * tfSides.length;
    verify(`conv ${tag}: tfjs leaks no tensors${when}`, extra === 0, `${extra} tensors left behind`);
  };

  console.log(`\n### conv ${tag}, ${Ci} → ${Co} channels: x [${N}, ${H}, ${W}, ${Ci}] ∗ w [${k}, ${k}, ${Ci}, ${Co}] + b → y [${N}, ${Ho}, ${Wo}, ${Co}]\n`);
  console.log('x and the cotangent uniform in [-1, 1), w in ±1/√(k²·Ci), b in ±0.1; relative errors against float64 loops:\n');
  for (const s of sides) {
    await s.activate();
    s.run();
  }
  leak('');
  const ok = checkConv(tag, L, N, sides, referenceConv(L, N, d));
  if (!ok) {
    for (const s of sides) s.dispose();
    return;
  }

  const rounds = CONFIG.conv.rounds;
  const timed = await alternate(sides, { rounds, minSampleMs: CONFIG.minSampleMs, warmup: 1 });
  leak(' (timing)');
  for (const s of sides) s.dispose();

  const flop = 3 * 2 * work;
  const oursIdx = sides.flatMap((s, i) => (s.group === 'ours' ? [i] : []));
  const against = (t: number): string => oursIdx.map((j) => `${fmt(t / timed[j].med)}× vs ${sides[j].backend}`).join(' · ');
  console.log(`\nforward + backward, median of ${rounds} alternating rounds (${fmt(flop / 1e6)} MFLOP per step: the product and its two transposes)\n`);
  console.log('| side | route | ms (median) | min–max | GFLOP/s | tfjs ms / ours ms |');
  console.log('|---|---|---:|---:|---:|---:|');
  sides.forEach((s, i) => {
    const t = timed[i];
    const ratio = s.group === 'tfjs' ? against(t.med) : '';
    console.log(`| ${s.label} | ${s.route} | ${fmt(t.med)} | ${fmt(t.min)}–${fmt(t.max)} | ${fmt(flop / (t.med * 1e6))} | ${ratio} |`);
  });
  const ratios = tfSides.map((s) => `${s.label} ${against(timed[sides.indexOf(s)].med)}`).join('; ');
  console.log(`\nconv ${tag}: tfjs ms / ours ms: ${ratios} (> 1: ours faster)`);
}

/** Section (d): both layers, ours on the backends `ours` (the default backend, and wasm on one thread when the default is wasm) against tfjs-wasm (and tfjs-cpu in the quick run). */
export async function benchConv(ours: string[]): Promise<void> {
  const before = backend();
  registerBenchGradients(); // Conv2D
  for (const [idx, L] of LAYERS.entries()) await benchLayer(L, idx, ours);
  setBackend(before);
}
