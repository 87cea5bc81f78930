/**
 * The playground (playground/) end to end in headless Chromium: `vite build`
 * into a temporary directory, served on 127.0.0.1, driven through its
 * controls (tools/browser/playground.ts):
 * - the page loads with no console error, failed request or uncaught error,
 *   and its worker lists the backends (`availableBackends()` after
 *   `loadGpuBackends()`), js and wasm at least, running the default (wasm);
 * - four epochs of CHEST on the bundled MNIST subset make the loss fall and
 *   Recall@1 rise, and the disk canvas, blank before, shows the embeddings in
 *   at least 8 of the 10 class colours (pixel statistics of a screenshot);
 * - switching the backend works: an epoch of the hierarchy data set on `js`
 *   and, where the worker has it, on `gpujs-webgl2` (SwiftShader), which
 *   reads back one value per step (the loss); the superclass rings are drawn.
 * Step times per backend are printed. Skipped, with the reason printed, only
 * when Chromium is missing. The playground's sources type-check with the DOM
 * and worker libraries (playground/tsconfig.json) in any case.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumUnavailableReason } from '../../tools/browser/harness.ts';
import { buildPlayground, openPlayground, type PlaygroundHandle } from '../../tools/browser/playground.ts';
import { decodePng, type Rgba } from '../../tools/browser/png.ts';
import { CLASS_COLOURS, SUPER_COLOURS } from '../../playground/colours.ts';

const reason = chromiumUnavailableReason();
if (reason !== null) console.log(`[playground] SKIPPING: ${reason}`);

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** Pixels within ±12 per channel of `hex`. */
function countColour(img: Rgba, hex: string): number {
  const [r, g, b] = rgb(hex);
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    if (Math.abs(img.data[i] - r) <= 12 && Math.abs(img.data[i + 1] - g) <= 12 && Math.abs(img.data[i + 2] - b) <= 12) n++;
  }
  return n;
}

/** Pixels with a saturated colour (max − min channel > 60): what the points and proxies add to the grey disk. */
function colouredPixels(img: Rgba): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    const d = img.data.subarray(i, i + 3);
    if (Math.max(...d) - Math.min(...d) > 60) n++;
  }
  return n;
}

describe('playground sources', () => {
  it('type-check (strict, DOM and WebWorker libraries)', () => {
    const tsc = join(import.meta.dirname, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
    const project = join(import.meta.dirname, '..', '..', 'playground');
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: join(project, '..'), encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      out = (e as { stdout?: string }).stdout ?? String(e);
    }
    // errors in the playground's own files (the library's are the root type check's business)
    expect(
      out
        .split('\n')
        .filter((l) => l.startsWith('playground/'))
        .join('\n'),
    ).toBe('');
  }, 120_000);
});

describe.skipIf(reason !== null)('playground in headless Chromium', () => {
  let dir = '';
  let pg: PlaygroundHandle;
  const stepMs: Record<string, number> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gyrograd-playground-'));
    const t0 = performance.now();
    await buildPlayground(dir);
    const t1 = performance.now();
    pg = await openPlayground(dir);
    console.log(`[playground] vite build ${((t1 - t0) / 1000).toFixed(1)} s, page ready ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }, 120_000);

  afterAll(async () => {
    await pg?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no console errors and lists the backends', async () => {
    const s = await pg.state();
    console.log(`[playground] backends in the worker: ${s.available.join(', ')}; running ${s.backend}`);
    expect(pg.errors).toEqual([]);
    expect(s.errors).toEqual([]);
    expect(s.ready).toBe(true);
    expect(s.available).toEqual(expect.arrayContaining(['js', 'wasm']));
    expect(s.backend).toBe('wasm');
  });

  it('trains CHEST on the MNIST subset: the loss falls, Recall@1 rises, the disk is drawn', async () => {
    const blank = decodePng(await pg.screenshot('#disk'));
    const s = await pg.train({ dataset: 'mnist', epochs: 4 });
    expect(s.errors).toEqual([]);
    expect(s.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    const first = s.epochs[0],
      last = s.epochs[3];
    for (const e of s.epochs) {
      console.log(
        `[playground] mnist epoch ${e.epoch} on ${e.backend}: loss ${e.loss.total.toFixed(3)} (E ${e.loss.euclidean.toFixed(3)}, H ${e.loss.hyperbolic.toFixed(3)}, HypHC ${e.loss.hyphc.toFixed(3)}), R@1 E ${e.recall.euclidean.toFixed(3)} H ${e.recall.hyperbolic.toFixed(3)}, ${e.stepMs.toFixed(1)} ms/step`,
      );
      for (const v of [e.loss.total, e.loss.euclidean, e.loss.hyperbolic, e.loss.hyphc, e.stepMs]) expect(Number.isFinite(v)).toBe(true);
      expect(e.backend).toBe('wasm');
      expect(e.transfers).toEqual({ uploads: 0, readbacks: 0 }); // a CPU backend copies nothing
    }
    stepMs.wasm = last.stepMs;
    expect(last.loss.total).toBeLessThan(0.8 * first.loss.total);
    expect(last.loss.hyperbolic).toBeLessThan(first.loss.hyperbolic);
    expect(last.recall.euclidean + last.recall.hyperbolic).toBeGreaterThan(first.recall.euclidean + first.recall.hyperbolic);
    expect(last.recall.euclidean).toBeGreaterThan(0.3); // 10 classes: chance is about 0.1

    const drawn = decodePng(await pg.screenshot('#disk'));
    expect([drawn.width, drawn.height]).toEqual([blank.width, blank.height]);
    const present = CLASS_COLOURS.filter((c) => countColour(drawn, c) >= 5);
    console.log(
      `[playground] disk: ${colouredPixels(blank)} coloured pixels before training, ${colouredPixels(drawn)} after; class colours present: ${present.length}/10`,
    );
    expect(colouredPixels(blank)).toBeLessThan(50);
    expect(colouredPixels(drawn)).toBeGreaterThan(1500);
    expect(present.length).toBeGreaterThanOrEqual(8);
    expect(pg.errors).toEqual([]);
  }, 120_000);

  it('switches backend: the hierarchy on js, then on gpujs-webgl2 with one readback per step; superclass rings drawn', async () => {
    const js = await pg.selectBackend('js');
    expect(js.backendErrors).toEqual([]);
    expect(js.backend).toBe('js');
    const onJs = await pg.train({ dataset: 'hierarchy', epochs: 2 });
    expect(onJs.errors).toEqual([]);
    expect(onJs.epochs.map((e) => e.backend)).toEqual(['js', 'js']);
    stepMs.js = onJs.epochs[1].stepMs;
    const img = decodePng(await pg.screenshot('#disk'));
    const rings = SUPER_COLOURS.slice(0, 3).filter((c) => countColour(img, c) >= 5);
    expect(rings.length).toBe(3);

    const s = await pg.state();
    if (!s.available.includes('gpujs-webgl2')) {
      console.log(`[playground] gpujs-webgl2 not available in the worker here: ${s.available.join(', ')}`);
    } else {
      const gl = await pg.selectBackend('gpujs-webgl2');
      expect(gl.backendErrors).toEqual([]);
      expect(gl.backend).toBe('gpujs-webgl2');
      const onGl = await pg.train({ dataset: 'hierarchy', epochs: 2 });
      expect(onGl.errors).toEqual([]);
      expect(onGl.epochs.map((e) => e.backend)).toEqual(['gpujs-webgl2', 'gpujs-webgl2']);
      // device-resident training: the loss is the one value read back per step
      for (const e of onGl.epochs) expect(e.transfers.readbacks).toBe(1);
      stepMs['gpujs-webgl2'] = onGl.epochs[1].stepMs;
      // the two runs start from the same seed: the first epochs' losses agree up to float32 rounding
      expect(Math.abs(onGl.epochs[0].loss.total - onJs.epochs[0].loss.total)).toBeLessThan(1e-3 * Math.abs(onJs.epochs[0].loss.total));
    }
    console.log(
      `[playground] ms per step (second epoch): ${Object.entries(stepMs)
        .map(([b, ms]) => `${b} ${ms.toFixed(1)}`)
        .join(', ')}`,
    );
    expect(pg.errors).toEqual([]);
  }, 120_000);
});
