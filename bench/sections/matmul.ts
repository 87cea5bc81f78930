/**
 * (a) float32 matmul of square n×n matrices on every backend of ours that implements it, against tfjs-core cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matmul, setBackend, tensor, toTypedArray, type Tensor } from '../../lib/index.ts';
import { route } from '../backends.ts';
import { alternate, type Side, type Timed } from '../timing.ts';
import { useTf, type TfBackend } from '../tfjs-peers.ts';
import { fmt, mulberry32, randomFloat32, referenceMatmulEntry } from '../util.ts';
import { CONFIG, verify, U32, gamma, e1 } from './config.ts';

interface MatmulSide extends Side {
  group: 'ours' | 'tfjs';
  /** our backend name or the tfjs backend */
  backend: string;
  out(): Float32Array | Float64Array;
  dispose(): void;
}

interface MatmulResult {
  n: number;
  sides: MatmulSide[];
  timed: Timed[];
}

function oursMatmulSide(name: string, A: Tensor, B: Tensor): MatmulSide {
  let out: Float32Array | Float64Array = new Float32Array(0);
  return {
    label: `ours ${name}`,
    group: 'ours',
    backend: name,
    activate: () => setBackend(name),
    run: () => {
      out = toTypedArray(matmul(A, B));
    },
    out: () => out,
    dispose: () => {},
  };
}

async function tfMatmulSide(name: TfBackend, aData: Float32Array, bData: Float32Array, n: number): Promise<MatmulSide> {
  await useTf(name); // the tensors live on this backend: nothing is transferred while timing
  const tA = tf.tensor2d(aData, [n, n], 'float32');
  const tB = tf.tensor2d(bData, [n, n], 'float32');
  let out: Float32Array = new Float32Array(0);
  return {
    label: `tfjs-${name}`,
    group: 'tfjs',
    backend: name,
    activate: () => useTf(name),
    run: () => {
      // no tf.tidy around the product; the result is read fully, then disposed
      const c = tf.matMul(tA, tB);
      out = c.dataSync() as Float32Array;
      c.dispose();
    },
    out: () => out,
    dispose: () => {
      tA.dispose();
      tB.dispose();
    },
  };
}

function checkMatmul(n: number, aData: Float32Array, bData: Float32Array, sides: MatmulSide[], seed: number): void {
  const rowNorm = new Float64Array(n),
    colNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) rowNorm[i] += aData[i * n + k] ** 2;
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) colNorm[j] += bData[k * n + j] ** 2;
  const ref = sides[0].out(); // ours on js: accumulates in float64, rounds once
  const g = gamma(n);
  for (const s of sides) {
    const out = s.out();
    verify(`matmul n=${n} ${s.label} output`, out instanceof Float32Array && out.length === n * n, `got ${out.constructor.name}[${out.length}]`);
    if (s !== sides[0]) {
      // |side − exact| ≤ γ_K Σ|ab| ≤ γ_K ‖a_i‖‖b_j‖ and |js − exact| ≤ u|exact| + tiny
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const d = Math.abs(out[i * n + j] - ref[i * n + j]) / Math.sqrt(rowNorm[i] * colNorm[j]);
          if (!(d <= worst)) worst = d;
        }
      }
      verify(`matmul n=${n} ${s.label} vs ours js`, worst <= g + 2 * U32, `max |Δ| / (‖a_i‖‖b_j‖) = ${e1(worst)} > γ_K + 2u = ${e1(g + 2 * U32)}`);
    }
    const srng = mulberry32(seed + 1);
    const tol = s === sides[0] ? 1e-6 : g;
    for (let t = 0; t < 64; t++) {
      const i = Math.floor(srng() * n),
        j = Math.floor(srng() * n);
      const [exact, absSum] = referenceMatmulEntry(aData, bData, n, n, i, j);
      const e = Math.abs(out[i * n + j] - exact);
      verify(`matmul n=${n} ${s.label} vs float64 at (${i},${j})`, e <= tol * absSum + 1e-30, `|err| ${e} > ${e1(tol)}·Σ|ab| (${absSum})`);
    }
  }
}

export async function benchMatmul(n: number, ours: string[], seed: number): Promise<MatmulResult> {
  const rng = mulberry32(seed);
  const aData = randomFloat32(rng, n * n);
  const bData = randomFloat32(rng, n * n);
  const A = tensor(aData, [n, n]);
  const B = tensor(bData, [n, n]);
  const sides: MatmulSide[] = [
    ...ours.map((name) => oursMatmulSide(name, A, B)),
    await tfMatmulSide('cpu', aData, bData, n),
    await tfMatmulSide('wasm', aData, bData, n),
  ];
  // correctness (also the first warm-up call of every side)
  const tensorsBefore = tf.memory().numTensors;
  for (const s of sides) {
    await s.activate();
    s.run();
  }
  checkMatmul(n, aData, bData, sides, seed);
  const timed = await alternate(sides, { rounds: CONFIG.matmulRounds(n), minSampleMs: CONFIG.minSampleMs, warmup: n >= 1024 ? 1 : 3 });
  verify(`matmul n=${n}: tfjs leaks no tensors`, tf.memory().numTensors === tensorsBefore, `${tf.memory().numTensors - tensorsBefore} tensors left behind`);
  for (const s of sides) s.dispose();
  setBackend('js');
  return { n, sides, timed };
}

export function printMatmul(r: MatmulResult): void {
  const { n, sides, timed } = r;
  const flop = 2 * n ** 3;
  const gf = (ms: number): number => flop / (ms * 1e6);
  const iCpu = sides.findIndex((s) => s.label === 'tfjs-cpu');
  const iWasm = sides.findIndex((s) => s.label === 'tfjs-wasm');
  console.log(`\n### n = ${n} (${CONFIG.matmulRounds(n)} rounds)\n`);
  console.log('| side | route | ms (median) | min–max | GFLOP/s | ours/tfjs-wasm (speed) | ours/tfjs-cpu (speed) |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  let best = -1;
  sides.forEach((s, i) => {
    const t = timed[i];
    const isOurs = s.group === 'ours';
    if (isOurs && (best < 0 || t.med < timed[best].med)) best = i;
    const ratios = isOurs ? `**${fmt(timed[iWasm].med / t.med)}×** | ${fmt(timed[iCpu].med / t.med)}×` : ' | ';
    const rt = isOurs ? route(s.backend, 'matmul', n ** 3) : s.backend === 'wasm' ? 'XNNPACK (wasm)' : 'js';
    console.log(`| ${s.label} | ${rt} | ${fmt(t.med)} | ${fmt(t.min)}–${fmt(t.max)} | ${fmt(gf(t.med))} | ${ratios} |`);
  });
  const b = sides[best];
  console.log(
    `\nfastest of ours at n = ${n}: **${b.backend}** (${route(b.backend, 'matmul', n ** 3)}), ${fmt(gf(timed[best].med))} GFLOP/s: ` +
      `${fmt(timed[iWasm].med / timed[best].med)}× tfjs-wasm (${fmt(gf(timed[iWasm].med))} GFLOP/s), ` +
      `${fmt(timed[iCpu].med / timed[best].med)}× tfjs-cpu (${fmt(gf(timed[iCpu].med))} GFLOP/s)`,
  );
}
