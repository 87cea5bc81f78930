/**
 * The library runs inside a real headless Chromium (tools/browser/harness.ts):
 * the page (pages/smoke.ts) imports the public API from lib/index.ts, and its
 * gradient and matmuls (on every backend available in the page) must equal
 * what the same library computes here in Node; WebGL2 must be rendered by
 * SwiftShader and a raw gpu.js `webgl2` kernel must be right. A second launch
 * (pages/webgpu.ts) looks for a WebGPU adapter with the flags of
 * `WEBGPU_ARG_SETS`, prints what it found, and when there is one, checks a
 * gpu.js `webgpu` kernel.
 *
 * Skipped, with the reason printed, only when `/usr/bin/chromium` is missing
 * or does not start (CI installs Debian's `chromium` package in .ci/run).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grad, matmul, tensor, toArray } from '../../lib/index.ts';
import { chromiumUnavailableReason, runInBrowser, WEBGPU_ARG_SETS } from '../../tools/browser/harness.ts';
import { gradInput, matmulOperands, smokeLoss, type SmokeReport } from './pages/smoke-shared.ts';
import type { WebGpuReport } from './pages/webgpu.ts';

const pages = join(import.meta.dirname, 'pages');
const reason = chromiumUnavailableReason();
if (reason !== null) console.log(`[browser] SKIPPING the headless Chromium tests: ${reason}`);

/** Asserts that `actual` equals `expected` entry by entry within a relative tolerance. */
function expectClose(actual: readonly number[] | null, expected: readonly number[], rel: number, what: string): void {
  expect(actual, what).not.toBeNull();
  expect(actual!.length, `${what}: length`).toBe(expected.length);
  let worst = 0,
    at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual![i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst, `${what}: worst relative error at entry ${at} (${actual![at]} vs ${expected[at]})`).toBeLessThanOrEqual(rel);
}

describe('headless Chromium', () => {
  it.skipIf(reason !== null)(
    'runs the library (grad, matmul on every backend), WebGL2 on SwiftShader and a gpu.js webgl2 kernel',
    async () => {
      const t0 = performance.now();
      const r = (await runInBrowser(join(pages, 'smoke.ts'))) as SmokeReport;
      console.log(
        `[browser] ${r.userAgent}; crossOriginIsolated=${r.crossOriginIsolated}; backend ${r.backend}; available ${r.availableBackends.join(', ')}\n` +
          `[browser] WebGL2: ${r.webgl2.renderer} (${r.webgl2.version}); gpu.js webgl2: ${r.gpujsWebgl2.error ?? `${r.gpujsWebgl2.engine} ran`}\n` +
          `[browser] smoke page: ${((performance.now() - t0) / 1000).toFixed(1)} s (bundle, launch, run)`,
      );

      expect(r.userAgent).toMatch(/HeadlessChrome\/\d+/);
      expect(r.crossOriginIsolated, 'the harness serves COOP/COEP headers').toBe(true);
      expect(r.availableBackends).toEqual(expect.arrayContaining(['js', 'wasm']));
      expect(r.availableBackends).not.toContain('gpujs-headlessgl'); // Node's native gl does not exist in a page
      expect(r.availableBackends).toContain(r.backend);

      // float64 gradients run on the exact js kernels: the same numbers as in Node
      const dx = toArray(grad(smokeLoss)(tensor(gradInput, undefined, 'float64')));
      expectClose(r.grad, dx, 1e-12, 'grad in the page');

      // float32 products: the page's default backend and each available backend against Node's default
      const ops = matmulOperands();
      const want = toArray(matmul(tensor(ops.a, ops.aShape), tensor(ops.b, ops.bShape)));
      expectClose(r.matmul, want, 1e-5, `matmul on the page's default backend (${r.backend})`);
      expect(Object.keys(r.matmuls).sort()).toEqual([...r.availableBackends].sort());
      for (const [name, m] of Object.entries(r.matmuls)) {
        expect(m.error, `matmul on ${name} threw in the page`).toBeNull();
        expectClose(m.values, want, 1e-5, `matmul on ${name}`);
      }

      // WebGL2 is there, rendered in software by SwiftShader, and gpu.js runs on it
      expect(r.webgl2.error).toBeNull();
      expect(r.webgl2.ok).toBe(true);
      expect(r.webgl2.renderer).toContain('SwiftShader');
      expect(r.gpujsWebgl2.error).toBeNull();
      expect(r.gpujsWebgl2.mode).toBe('webgl2');
      expect(r.gpujsWebgl2.engine).toBe('WebGL2Kernel');
      expect(r.gpujsWebgl2.expected).not.toBeNull();
      expectClose(r.gpujsWebgl2.values?.flat() ?? null, r.gpujsWebgl2.expected!.flat(), 1e-6, 'gpu.js webgl2 kernel');
    },
    120_000,
  );

  it.skipIf(reason !== null)(
    'WebGPU: finds an adapter with the flags of WEBGPU_ARG_SETS and runs a gpu.js webgpu kernel there',
    async () => {
      const t0 = performance.now();
      let found: { args: readonly string[]; report: WebGpuReport } | undefined;
      const tried: string[] = [];
      for (const args of WEBGPU_ARG_SETS) {
        const report = (await runInBrowser(join(pages, 'webgpu.ts'), { extraArgs: args })) as WebGpuReport;
        // navigator.gpu is exposed on secure contexts (127.0.0.1 is one) whether or not an adapter exists
        expect(report.hasNavigatorGpu, `navigator.gpu with ${args.join(' ')}`).toBe(true);
        const line = report.adapter
          ? `adapter ${JSON.stringify(report.adapterInfo)}`
          : `no adapter${report.adapterError === null ? '' : ` (${report.adapterError})`}`;
        tried.push(`[browser] WebGPU with ${args.join(' ')}: ${line}`);
        if (report.adapter) {
          found = { args, report };
          break;
        }
      }
      console.log(`${tried.join('\n')}\n[browser] WebGPU: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (found === undefined) return; // printed above: no flags gave an adapter here

      const { report } = found;
      expect(report.gpujsWebGpuAvailable, 'GPU.isWebGPUAvailable()').toBe(true);
      expect(report.gpujs).not.toBeNull();
      expect(report.gpujs!.error, 'gpu.js webgpu kernel threw').toBeNull();
      expect(report.gpujs!.mode).toBe('webgpu');
      expect(report.gpujs!.engine).toBe('WebGPUKernel');
      expectClose(report.gpujs!.values, report.gpujs!.expected, 1e-6, 'gpu.js webgpu kernel');
      console.log(`[browser] gpu.js webgpu kernel ran on ${report.gpujs!.engine}: [${report.gpujs!.values!.join(', ')}]`);
    },
    120_000,
  );
});
