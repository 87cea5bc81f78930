/**
 * The package bundles lean and has no import-time side effects (issue 12):
 * - **Lazy default.** A bundle whose code imports only `tensor`/`matmul`
 *   (test/bundle/core-entry.ts, no backend function) runs its first product
 *   on the default backend the registry chooses at first use — `wasm` in
 *   Node and in headless Chromium — and honours `GYROGRAD_BACKEND` in Node
 *   (`js`, and `gpujs-cpu`, whose gpu.js the bundle loads on demand).
 * - **gpu.js on demand.** In a code-split build (what Vite/Rollup/esbuild
 *   emit) gpu.js is a chunk of its own that loads only when a gpu.js backend
 *   is chosen, and so is the library's gpu.js kernel code (kernels/gpu,
 *   reached through package.json's `browser` mapping of provider.ts):
 *   neither the core bundle (tensor + matmul) nor the full one (every
 *   export) loads either with the entry.
 * - **Budget.** The core bundle, minified, stays under {@link CORE_BUDGET}
 *   (sizes printed; BENCHMARKS.md "Bundle and install size" records them).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { availableBackends, backend, BackendUnavailableError, loadGpuBackends, matmul, setBackend, tensor, toArray, withBackend } from '../lib/index.ts';
import { bundleFiles, chromiumUnavailableReason, runInBrowser, type BundleFiles } from '../tools/browser/harness.ts';

const root = join(import.meta.dirname, '..');
const entries = join(import.meta.dirname, 'bundle');

/**
 * Budget of the core bundle (what loads with a program that imports
 * `tensor` and `matmul`), minified / gzipped. Measured 2026-12-04: 56.0 kB /
 * 22.2 kB (see the printed sizes and BENCHMARKS.md); the budget leaves
 * ~15 % headroom.
 */
const CORE_BUDGET = { minified: 65_000, gzipped: 26_000 } as const;

/** A marker only gpu.js's browser build contains (its WebGL2 function node class). */
const GPU_JS_MARKER = 'WebGL2FunctionNode';
/** A marker of the library's own gpu.js kernel code (the probe kernel's source, kernels/gpu). */
const GPU_CODE_MARKER = 'return 2 * a[this.thread.x] + 1;';

interface Sizes {
  initialMin: number;
  initialGz: number;
  lazyMin: number;
  gpuJsInitial: boolean;
  gpuJsLazy: boolean;
  gpuCodeInitial: boolean;
  gpuCodeLazy: boolean;
}

function sizes(files: BundleFiles): Sizes {
  let initialMin = 0,
    initialGz = 0,
    lazyMin = 0,
    gpuJsInitial = false,
    gpuJsLazy = false,
    gpuCodeInitial = false,
    gpuCodeLazy = false;
  for (const { text, initial } of Object.values(files)) {
    const has = text.includes(GPU_JS_MARKER);
    const code = text.includes(GPU_CODE_MARKER);
    if (initial) {
      initialMin += Buffer.byteLength(text);
      initialGz += gzipSync(text, { level: 9 }).length;
      gpuJsInitial ||= has;
      gpuCodeInitial ||= code;
    } else {
      lazyMin += Buffer.byteLength(text);
      gpuJsLazy ||= has;
      gpuCodeLazy ||= code;
    }
  }
  return { initialMin, initialGz, lazyMin, gpuJsInitial, gpuJsLazy, gpuCodeInitial, gpuCodeLazy };
}

const kB = (b: number): string => `${(b / 1000).toFixed(1)} kB`;

/** The checksum core-entry.ts computes, here on the js backend (exact for these small integers). */
function expectedChecksum(): number {
  const n = 64;
  const a = tensor(
    Float32Array.from({ length: n * n }, (_, i) => (i % 7) - 3),
    [n, n],
  );
  return toArray(withBackend('js', () => matmul(a, a))).reduce((s, v, i) => s + v * ((i % 5) + 1), 0);
}

describe('bundle weight', () => {
  it(`keeps gpu.js and the gpu.js kernel code out of the core and the full bundle (chunks loaded on demand) and the core under ${kB(CORE_BUDGET.minified)} minified`, async () => {
    const core = sizes(await bundleFiles(join(entries, 'core-size.ts'), { minify: true }));
    const full = sizes(await bundleFiles(join(entries, 'full-size.ts'), { minify: true }));
    console.log(
      `[bundle] core (tensor + matmul): ${kB(core.initialMin)} minified, ${kB(core.initialGz)} gzipped; on demand: ${kB(core.lazyMin)} (gpu.js and its kernels)\n` +
        `[bundle] full (every export): ${kB(full.initialMin)} minified, ${kB(full.initialGz)} gzipped; on demand: ${kB(full.lazyMin)} (gpu.js and its kernels)`,
    );
    expect(core.gpuJsInitial, 'gpu.js must not load with the core bundle').toBe(false);
    expect(full.gpuJsInitial, 'gpu.js must not load with the full bundle').toBe(false);
    // the marker is found where gpu.js is: in the on-demand chunk (so the two checks above can fail)
    expect(full.gpuJsLazy).toBe(true);
    expect(core.gpuCodeInitial, "the gpu.js kernel code must not load with the core bundle (package.json's browser field maps provider.ts)").toBe(false);
    expect(full.gpuCodeInitial, 'the gpu.js kernel code must not load with the full bundle').toBe(false);
    expect(full.gpuCodeLazy).toBe(true);
    expect(core.initialMin).toBeLessThanOrEqual(CORE_BUDGET.minified);
    expect(core.initialGz).toBeLessThanOrEqual(CORE_BUDGET.gzipped);
    expect(core.initialMin).toBeLessThan(full.initialMin);
  }, 120_000);
});

describe('the default backend is chosen lazily, in a bundle that imports no backend function', () => {
  const checksum = expectedChecksum();
  // written under node_modules/.cache so that the bundle's on-demand require('gpu.js') resolves
  const cache = join(root, 'node_modules', '.cache');
  let dir = '';
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('in Node: wasm by default; GYROGRAD_BACKEND=js and =gpujs-cpu are honoured', async () => {
    mkdirSync(cache, { recursive: true });
    dir = mkdtempSync(join(cache, 'gyrograd-bundle-'));
    const files = await bundleFiles(join(entries, 'core-entry.ts'), { platform: 'node', external: ['gpu.js'] });
    for (const [path, { text }] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const run = (env: Record<string, string>): { backend: string; checksum: number } => {
      const { GYROGRAD_BACKEND: _, ...base } = process.env;
      const out = execFileSync(process.execPath, [join(dir, 'bundle.js')], { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
      return JSON.parse(out.trim().split('\n').at(-1)!) as { backend: string; checksum: number };
    };
    const byDefault = run({});
    const js = run({ GYROGRAD_BACKEND: 'js' });
    const gpuCpu = run({ GYROGRAD_BACKEND: 'gpujs-cpu' });
    console.log(`[bundle] node: default ${byDefault.backend}; GYROGRAD_BACKEND=js → ${js.backend}; =gpujs-cpu → ${gpuCpu.backend}`);
    expect(byDefault.backend).toBe('wasm');
    expect(js.backend).toBe('js');
    expect(gpuCpu.backend).toBe('gpujs-cpu');
    for (const r of [byDefault, js, gpuCpu]) expect(r.checksum).toBe(checksum);
  }, 120_000);

  it('in this process: loadGpuBackends resolves to availableBackends(); gpu.js backends select synchronously in Node; errors name the function called', async () => {
    const before = backend();
    expect(await loadGpuBackends()).toEqual(availableBackends());
    expect(backend()).toBe(before); // the default re-decided with gpu.js loaded: the same here (no hardware GPU)
    if (availableBackends().includes('gpujs-cpu')) {
      expect(setBackend('gpujs-cpu')).toBeUndefined(); // Node loads gpu.js synchronously: no Promise
      expect(backend()).toBe('gpujs-cpu');
      setBackend(before) as void;
    }
    expect(() => withBackend('nope', () => 1)).toThrow(/^withBackend: unknown backend 'nope'/);
    expect(() => setBackend('nope')).toThrow(/^setBackend: unknown backend 'nope'/);
    const webgl = availableBackends().includes('gpujs-webgl') ? null : 'gpujs-webgl';
    if (webgl !== null) {
      expect(() => withBackend(webgl, () => 1)).toThrow(BackendUnavailableError);
      expect(() => withBackend(webgl, () => 1)).toThrow(/^withBackend: backend 'gpujs-webgl' is not available here/);
    }
    expect(backend()).toBe(before);
  });

  const reason = chromiumUnavailableReason();
  if (reason !== null) console.log(`[bundle] SKIPPING the Chromium half: ${reason}`);
  it.skipIf(reason !== null)(
    'in headless Chromium: wasm, with gpu.js never fetched',
    async () => {
      const r = (await runInBrowser(join(entries, 'core-entry.ts'), { splitting: true })) as { backend: string; checksum: number; fetched: string[] };
      console.log(`[bundle] chromium: default ${r.backend}; fetched ${r.fetched.map((u) => u.replace(/^.*\//, '')).join(', ')}`);
      expect(
        r.fetched.some((u) => u.includes('backend-check')),
        'the check chunk was fetched (the list is real)',
      ).toBe(true);
      expect(r.fetched.filter((u) => u.includes('gpu-browser'))).toEqual([]);
      expect(r.backend).toBe('wasm');
      expect(r.checksum).toBe(checksum);
    },
    120_000,
  );
});
