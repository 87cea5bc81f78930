/**
 * 06 · Backends and timing.
 *
 * Ops never name a backend: they ask the kernel registry for a kernel, and
 * the registry picks the active backend for float32 work. This example lists
 * the backends, selects one, and times three things on the current machine:
 * a float32 and a float64 matrix product (256 × 256) and one CHEST training
 * step (forward and backward). Numbers depend on the machine; BENCHMARKS.md
 * has the method and a comparison with TensorFlow.js. Run:
 *
 *   npx tsx examples/06-backends-and-timing.ts [--quick]
 */
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';

const quick = process.argv.includes('--quick');

// ─── 1. Backends ─────────────────────────────────────────────────────────────
// listBackends() names the registered backends, backend() the one running float32 kernels now, and
// setBackend(name) selects one (an unknown name is a ValueError that lists the choices). Today the
// registry holds the `js` backend: reference kernels on typed arrays. Backends built on gpu.js are
// being added; a backend may implement any subset of the kernels, and float32 calls it lacks fall
// back to `js`.
console.log('1. backends');
console.log(`   listBackends() = ${JSON.stringify(g.listBackends())}`);
console.log(`   backend()      = '${g.backend()}'`);
g.setBackend('js');
try {
  g.setBackend('no-such-backend');
} catch (e) {
  console.log(`   setBackend('no-such-backend') → ${(e as Error).name}: ${(e as Error).message}`);
}
// float64 is different: it always runs on the exact `js` kernels, whatever backend() says, so float64
// results are the reference that other backends are tested against.
console.log("   float64 work always uses the exact 'js' kernels, whichever backend is active");

// ─── 2. How we time ──────────────────────────────────────────────────────────
// A few warm-up calls (JIT compilation, caches), then the median of repeated calls. item() reads the
// result, so the timed work is really done.
const timeMs = (f: () => Tensor, reps: number, warmup = 3): { median: number; min: number } => {
  for (let i = 0; i < warmup; i++) g.item(g.sum(f()));
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    g.item(g.sum(f()));
    ts.push(performance.now() - t0);
  }
  ts.sort((p, q) => p - q);
  return { median: ts[Math.floor(ts.length / 2)], min: ts[0] };
};
const reps = quick ? 5 : 30;

// ─── 3. Matrix products ──────────────────────────────────────────────────────
// 2·256³ ≈ 33.6 million floating-point operations per product.
console.log(`\n2. matmul 256 × 256 (median of ${reps} after warm-up, backend '${g.backend()}')`);
const [ka, kb] = g.split(g.prngKey(0), 2);
for (const dtype of ['float32', 'float64'] as const) {
  const a = g.randomNormal(ka, [256, 256], dtype);
  const b = g.randomNormal(kb, [256, 256], dtype);
  const t = timeMs(() => g.matmul(a, b), reps);
  const gflops = (2 * 256 ** 3) / (t.median * 1e6);
  console.log(`   ${dtype}: ${t.median.toFixed(2).padStart(7)} ms  (min ${t.min.toFixed(2)} ms, ${gflops.toFixed(1)} GFLOP/s)`);
}

// ─── 4. One CHEST step ───────────────────────────────────────────────────────
// The loss and its gradient with respect to both heads' outputs and both proxy sets, for a batch
// of B = 64, C = 10 classes × K = 4 proxies, D = 64 in each space and 256 HypHC triplets — the part
// of a training step that CHEST adds on top of the network.
const B = 64, C = 10, K = 4, D = 64;
const step = reps;
console.log(`\n3. one CHEST step: value and gradient (B = ${B}, C·K = ${C * K}, D = ${D}, 256 triplets; median of ${step})`);
const loss = g.chest({ centersPerClass: K, hyphc: { triplets: 256 } });
const labels = Array.from({ length: B }, (_, i) => i % C);
for (const dtype of ['float32', 'float64'] as const) {
  const [k1, k2, k3, k4] = g.split(g.prngKey(1), 4);
  const inputs: g.ChestInputs = {
    euclidean: g.randomNormal(k1, [B, D], dtype),
    hyperbolic: g.randomNormal(k2, [B, D], dtype),
    euclideanProxies: g.randomNormal(k3, [C * K, D], dtype),
    hyperbolicProxies: g.mul(g.randomNormal(k4, [C * K, D], dtype), 0.1),
  };
  const valueAndGrad = g.valueAndGrad((inp: g.ChestInputs) => loss(inp, labels));
  let value = 0;
  const t = timeMs(() => {
    const [l, grads] = valueAndGrad(inputs);
    value = g.item(l);
    return grads.hyperbolicProxies;
  }, step);
  console.log(`   ${dtype}: ${t.median.toFixed(2).padStart(7)} ms  (min ${t.min.toFixed(2)} ms; loss ${value.toFixed(4)})`);
}
console.log('\n   (timings are of this machine and this run; compare runs only on the same machine)');
