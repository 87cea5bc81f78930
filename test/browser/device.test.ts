/**
 * Device-resident tensors in a real browser: headless Chromium runs
 * pages/device.ts, which trains CHEST for three steps on `gpujs-webgl2`
 * (WebGL2 on SwiftShader) and on `wasm`, and computes a set of op cases on
 * both. Asserted here, against the same code run on Node's js backend:
 * - the device kernel parity properties (property-tests/kernels/device-parity.ts,
 *   the Node suite's) pass on webgl2 and webgl inside the page;
 * - the op cases and the losses and parameters agree (float32 bounds);
 * - on webgl2 each step reads back exactly one value (the loss) and uploads
 *   the parameters in the first step only; the parameters stay on the device;
 *   on wasm nothing is transferred;
 * - backendInfo names SwiftShader, marks it software, and the default
 *   passes it over (wasm is the default in the page);
 * - in a second launch with --enable-unsafe-webgpu (SwiftShader's Vulkan
 *   adapter), `await setBackend('gpujs-webgpu')` trains the same loop with
 *   asynchronous readback (`toArrayAsync`), the same transfer counts, and a
 *   synchronous `toArray` of device data throws the typed SyncReadError
 *   (skipped with the printed reason where no adapter answers).
 * Skipped, with the reason printed, only when `/usr/bin/chromium` is missing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withBackend } from '../../lib/index.ts';
import { chromiumUnavailableReason, runInBrowser } from '../../tools/browser/harness.ts';
import { opCases, PARAM_BYTES, readAll, trainChest } from './pages/device-shared.ts';
import type { DeviceReport } from './pages/device.ts';
import type { WebGpuDeviceReport } from './pages/webgpu-device.ts';

const pages = join(import.meta.dirname, 'pages');
const reason = chromiumUnavailableReason();
if (reason !== null) console.log(`[browser device] SKIPPING: ${reason}`);

function maxRelErr(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

describe('device-resident tensors in headless Chromium', () => {
  it.skipIf(reason !== null)(
    'gpujs-webgl2 and gpujs-webgl train CHEST with one readback per step and agrees with js',
    async () => {
      const t0 = performance.now();
      const r = (await runInBrowser(join(pages, 'device.ts'), { resultTimeoutMs: 240_000 })) as DeviceReport;
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      const ref = await readAll(withBackend('js', opCases));
      const refTrain = await trainChest('js', 3);

      const webgl2 = r.info.find((b) => b.name === 'gpujs-webgl2')!;
      console.log(`[browser device] ${secs} s; webgl2 renderer: ${webgl2.renderer}; passed over: ${webgl2.passedOver}; default ${r.defaultBackend}`);
      expect(webgl2.available).toBe(true);
      expect(webgl2.kind).toBe('device');
      expect(webgl2.renderer).toMatch(/SwiftShader/);
      expect(webgl2.software).toBe(true);
      expect(webgl2.passedOver).toMatch(/software/);
      expect(r.defaultBackend).toBe('wasm');
      expect(r.info.find((b) => b.name === 'gpujs-headlessgl')!.available).toBe(false);

      for (const [mode, results] of Object.entries(r.parity)) {
        console.log(`[browser device] parity on ${mode}: ${results.filter((x) => x.ok).length}/${results.length} properties pass`);
        for (const x of results) expect(x.ok, `${mode}: ${x.name}\n${x.message}`).toBe(true);
        expect(results.length).toBeGreaterThanOrEqual(12);
      }
      for (const b of ['gpujs-webgl2', 'gpujs-webgl', 'wasm']) {
        for (const [name, vals] of Object.entries(ref)) {
          const err = maxRelErr(r.ops[b][name], vals);
          expect(err, `${b} ${name}`).toBeLessThan(2e-5);
        }
        const t = r.train[b];
        expect(t.backend).toBe(b);
        for (let s = 0; s < 3; s++) expect(Math.abs(t.losses[s] - refTrain.losses[s]), `${b} loss ${s}`).toBeLessThan(1e-4 * Math.abs(refTrain.losses[s]));
        expect(maxRelErr(t.hyperbolicProxies, refTrain.hyperbolicProxies), `${b} parameters`).toBeLessThan(1e-4);
      }
      for (const b of ['gpujs-webgl2', 'gpujs-webgl']) {
        const tw = r.train[b].transfers;
        console.log(`[browser device] ${b} per step: ${tw.map((t) => JSON.stringify(t)).join(' ')}`);
        for (const t of tw) {
          expect(t.readbacks).toBe(1);
          expect(t.readbackBytes).toBe(4);
        }
        expect(tw[2].uploads).toBe(tw[1].uploads);
        expect(tw[2].uploadBytes).toBe(tw[1].uploadBytes);
        expect(tw[0].uploadBytes - tw[1].uploadBytes).toBeGreaterThanOrEqual(PARAM_BYTES);
        expect(r.train[b].paramsOnHost).toBe(false);
      }
      for (const t of r.train.wasm.transfers) expect(t).toEqual({ uploads: 0, readbacks: 0, uploadBytes: 0, readbackBytes: 0 });
      expect(r.memory.fallbacks).toBe(0);
    },
    300_000,
  );

  it.skipIf(reason !== null)(
    'gpujs-webgpu (Chromium with --enable-unsafe-webgpu) trains CHEST asynchronously and agrees with js',
    async (ctx) => {
      const r = (await runInBrowser(join(pages, 'webgpu-device.ts'), {
        resultTimeoutMs: 240_000,
        extraArgs: ['--enable-unsafe-webgpu'],
      })) as WebGpuDeviceReport;
      if (!r.available) {
        // the adapter comes and goes with Chromium builds: say why, and check that the reason is the typed one
        console.log(`[browser device] SKIPPING the WebGPU checks: ${r.reason}`);
        expect(r.reason).toMatch(/gpujs-webgpu|adapter|navigator\.gpu/);
        ctx.skip();
      }
      const ref = await readAll(withBackend('js', opCases));
      const refTrain = await trainChest('js', 3);
      console.log(`[browser device] gpujs-webgpu adapter: ${r.info?.renderer} (software ${r.info?.software}); sync read: ${r.syncRead}`);
      expect(r.info?.kind).toBe('device');
      expect(r.info?.isDefault).toBe(false);
      for (const [name, vals] of Object.entries(ref)) expect(maxRelErr(r.ops![name], vals), `webgpu ${name}`).toBeLessThan(2e-5);
      const t = r.train!;
      expect(t.backend).toBe('gpujs-webgpu');
      for (let s = 0; s < 3; s++) expect(Math.abs(t.losses[s] - refTrain.losses[s]), `webgpu loss ${s}`).toBeLessThan(1e-4 * Math.abs(refTrain.losses[s]));
      expect(maxRelErr(t.hyperbolicProxies, refTrain.hyperbolicProxies), 'webgpu parameters').toBeLessThan(1e-4);
      console.log(`[browser device] gpujs-webgpu per step: ${t.transfers.map((x) => JSON.stringify(x)).join(' ')}`);
      for (const x of t.transfers) expect(x.readbacks).toBe(1);
      expect(t.transfers[2].uploadBytes).toBe(t.transfers[1].uploadBytes);
      expect(t.transfers[0].uploadBytes - t.transfers[1].uploadBytes).toBeGreaterThanOrEqual(PARAM_BYTES);
      expect(t.paramsOnHost).toBe(false);
      expect(r.syncRead).toMatch(/SyncReadError.*toArrayAsync/);
      expect(r.info?.passedOver).toMatch(/software|asynchronous/);
      expect(r.printed).toMatch(/^Tensor\(float32, \[3\], <on gpujs-webgpu: read it with toArrayAsync>\)$/);
      // the step's intermediates were freed by its scopes (what is live: parameters, moments, cached constants)
      expect(r.memory!.freed).toBeGreaterThan(1000);
      expect(r.memory!.live).toBeLessThan(200);
      console.log(`[browser device] gpujs-webgpu memory: ${JSON.stringify(r.memory)}`);
    },
    300_000,
  );
});
