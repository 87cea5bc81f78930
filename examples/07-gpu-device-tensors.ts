/**
 * 07 · Tensors that live on the GPU.
 *
 * On a device backend (gpu.js on WebGL2/WebGL in a browser, headless GL in
 * Node, WebGPU where `navigator.gpu` answers) a tensor's values stay in GPU
 * memory: ops pass textures from kernel to kernel, and values come back to
 * the host only when you read them. This example shows which backends run
 * here and why the default chose what it chose, then trains CHEST for a few
 * steps on a device backend and counts the host↔device copies of each step
 * (`transferStats`) and the device memory (`deviceMemoryStats`) — with no
 * `dispose` anywhere. Run:
 *
 *   xvfb-run -a npx tsx examples/07-gpu-device-tensors.ts [--quick]
 *
 * Without an X display (or the optional native `gl` package) headless GL
 * cannot run; the example then says why and runs the same loop on the
 * default backend, where no copies are ever made.
 */
import * as g from 'gyrograd';

const quick = process.argv.includes('--quick');

// ─── 1. Which backends run here, and why the default is what it is ─────────────
// backendInfo() probes every backend once. A device backend reports its GL renderer; a software
// rasteriser (llvmpipe, SwiftShader) runs correctly but slower than the CPU, so the default passes
// it over and says so.
console.log('1. backends');
for (const b of g.backendInfo()) {
  const where = b.available ? (b.kind === 'device' ? `device, renderer '${b.renderer}'` : 'host') : `not here: ${b.reason}`;
  console.log(`   ${b.isDefault ? '*' : ' '} ${b.name.padEnd(17)} ${where}${b.passedOver ? `\n       passed over by the default: ${b.passedOver}` : ''}`);
}
const device = g.backendInfo().find((b) => b.kind === 'device' && b.available && b.name !== 'gpujs-webgpu');
const chosen = device?.name ?? g.defaultBackend();
console.log(`   → this example trains on '${chosen}'${device ? '' : ' (no device backend runs here)'}\n`);

// ─── 2. A CHEST training loop on it ─────────────────────────────────────────
// Batches arrive as host arrays (as from a data loader); the parameters are uploaded once and then
// live on the device: each step uploads only the batch-derived data and reads back only the loss.
const B = quick ? 16 : 64,
  D = quick ? 8 : 32,
  C = quick ? 6 : 20,
  K = 3,
  T = quick ? 32 : 256;
const steps = quick ? 3 : 10;
const rnd = (n: number, seed: number, scale: number): Float32Array => g.toTypedArray(g.mul(g.randomNormal(g.prngKey(seed), [n]), scale)) as Float32Array;
let params = {
  euclideanProxies: g.tensor(rnd(C * K * D, 1, 1), [C * K, D]),
  hyperbolicProxies: g.tensor(rnd(C * K * D, 2, 0.2), [C * K, D]),
};
type P = typeof params;
const labels = Int32Array.from({ length: B }, (_, i) => i % C);
const triplets = g.sampleTriplets(g.prngKey(3), C * K, T);
const loss = g.chest({ centersPerClass: K });
const opt = g.radam({ lr: 0.02 });

console.log(`2. ${steps} CHEST steps on '${chosen}' (B = ${B}, C·K = ${C * K}, D = ${D})`);
await g.setBackend(chosen);
let state = opt.init(params);
for (let s = 0; s < steps; s++) {
  const batch = { euclidean: g.tensor(rnd(B * D, 100 + s, 1), [B, D]), hyperbolic: g.tensor(rnd(B * D, 200 + s, 0.4), [B, D]) };
  g.resetTransferStats();
  const [value, grads] = g.valueAndGrad((p: P) => loss({ ...batch, ...p }, labels, triplets))(params);
  [params, state] = opt.update(grads, state, params);
  // toArrayAsync is the portable reader: on WebGPU readback is asynchronous, elsewhere it resolves at once
  const [v] = await g.toArrayAsync(value);
  const t = g.transferStats();
  console.log(`   step ${s}: loss ${v.toFixed(4)}   uploads ${t.uploads} (${t.uploadBytes} B), readbacks ${t.readbacks} (${t.readbackBytes} B)`);
}

// ─── 3. Device memory, with no dispose ──────────────────────────────────────
// valueAndGrad and update free the device copies of their intermediates when they return; tensors the
// program drops are freed when they are garbage-collected (after the loop yields), and past the budget
// the least recently used spill to host.
if (device) {
  const m = g.deviceMemoryStats(chosen);
  console.log(
    `\n3. device memory on '${chosen}': ${m.live} live tensors (${m.liveBytes} B, peak ${m.peakBytes} B), ${m.freed} freed, ${m.spilled} spilled, ${m.glTextures} GL textures`,
  );
} else {
  console.log(`\n3. on '${chosen}' tensors live in host memory: no transfers, nothing to free by hand either`);
}
