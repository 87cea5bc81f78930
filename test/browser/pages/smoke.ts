/**
 * Browser page for test/browser/smoke.test.ts (bundled and run in headless
 * Chromium by tools/browser/harness.ts): the public API from lib/index.ts
 * (backend, availableBackends, a gradient and matmuls), the WebGL2 renderer,
 * and a raw gpu.js `webgl2` kernel. Publishes a {@link SmokeReport}.
 *
 * The repository type-checks without the DOM library, so the few browser
 * APIs used here are typed locally.
 */
import { GPU } from 'gpu.js';
import { availableBackends, backend, grad, loadGpuBackends, matmul, tensor, toArray, withBackend } from '../../../lib/index.ts';
import { errorMessage, publish } from '../../../tools/browser/page.ts';
import { gradInput, matmulOperands, smokeLoss, type SmokeReport } from './smoke-shared.ts';

/** The slice of WebGL2RenderingContext used here. */
interface WebGl2Like {
  RENDERER: number;
  VENDOR: number;
  VERSION: number;
  getParameter(p: number): unknown;
  getExtension(name: 'WEBGL_debug_renderer_info'): { UNMASKED_RENDERER_WEBGL: number; UNMASKED_VENDOR_WEBGL: number } | null;
}
/** The slice of the browser globals used here. */
interface BrowserGlobals {
  navigator: { userAgent: string; hardwareConcurrency: number };
  crossOriginIsolated: boolean;
  document: { createElement(tag: 'canvas'): { getContext(kind: 'webgl2'): WebGl2Like | null } };
}
const g = globalThis as unknown as BrowserGlobals;

/** The WebGL2 renderer and vendor, unmasked when WEBGL_debug_renderer_info is there. */
function webgl2Info(): SmokeReport['webgl2'] {
  const gl = g.document.createElement('canvas').getContext('webgl2');
  if (gl === null) return { ok: false, renderer: null, vendor: null, version: null, error: 'getContext("webgl2") returned null' };
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return {
    ok: true,
    renderer: String(gl.getParameter(ext === null ? gl.RENDERER : ext.UNMASKED_RENDERER_WEBGL)),
    vendor: String(gl.getParameter(ext === null ? gl.VENDOR : ext.UNMASKED_VENDOR_WEBGL)),
    version: String(gl.getParameter(gl.VERSION)),
    error: null,
  };
}

/** A raw gpu.js webgl2 kernel (a 4×3 by 3×2 product), outside the library. */
function gpujsWebgl2(): SmokeReport['gpujsWebgl2'] {
  let gpu: GPU | undefined;
  try {
    gpu = new GPU({ mode: 'webgl2' });
    const kernel = gpu.createKernel(
      'function (a, b) { let s = 0; for (let k = 0; k < 3; k++) { s += a[this.thread.y][k] * b[k][this.thread.x]; } return s; }',
      { output: [2, 4] },
    );
    const a = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [-1, 0.5, 2],
    ];
    const b = [
      [1, -1],
      [0.25, 2],
      [3, 0],
    ];
    const r = kernel(a, b) as ArrayLike<ArrayLike<number>>;
    const values = Array.from(r, (row) => Array.from(row));
    const expected = a.map((row) => [0, 1].map((j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
    const engine = (kernel as unknown as { kernel?: { constructor: { name: string } } }).kernel?.constructor.name ?? null;
    kernel.destroy();
    return { mode: gpu.mode, engine, values, expected, error: null };
  } catch (e) {
    return { mode: gpu?.mode ?? null, engine: null, values: null, expected: null, error: errorMessage(e) };
  } finally {
    void gpu?.destroy().catch(() => undefined);
  }
}

publish(async (): Promise<SmokeReport> => {
  // gpu.js is loaded on demand (a separate chunk in real bundles): count its backends too
  await loadGpuBackends();
  const x = tensor(gradInput, undefined, 'float64');
  const dx = grad(smokeLoss)(x);
  const ops = matmulOperands();
  const a = tensor(ops.a, ops.aShape),
    b = tensor(ops.b, ops.bShape);
  const available = availableBackends();
  const matmuls: SmokeReport['matmuls'] = {};
  for (const name of available) {
    try {
      matmuls[name] = { values: Array.from(toArray(withBackend(name, () => matmul(a, b)))), error: null };
    } catch (e) {
      matmuls[name] = { values: null, error: errorMessage(e) };
    }
  }
  return {
    userAgent: g.navigator.userAgent,
    hardwareConcurrency: g.navigator.hardwareConcurrency,
    crossOriginIsolated: g.crossOriginIsolated,
    backend: backend(),
    availableBackends: available,
    grad: Array.from(toArray(dx)),
    matmul: Array.from(toArray(matmul(a, b))),
    matmuls,
    webgl2: webgl2Info(),
    gpujsWebgl2: gpujsWebgl2(),
  };
});
