/**
 * Browser page for the WebGPU part of test/browser/smoke.test.ts: whether
 * `navigator.gpu` exists and `requestAdapter()` gives an adapter (with its
 * info), and, when one does, a raw gpu.js `mode: 'webgpu'` kernel (awaited).
 * Publishes a {@link WebGpuReport}. Browser APIs are typed locally (the
 * repository type-checks without the DOM library).
 */
import { GPU } from 'gpu.js';
import { errorMessage, publish } from '../../../tools/browser/page.ts';

/** What the WebGPU page publishes. */
export interface WebGpuReport {
  userAgent: string;
  /** `'gpu' in navigator` */
  hasNavigatorGpu: boolean;
  /** whether `requestAdapter()` resolved to an adapter */
  adapter: boolean;
  /** `adapter.info` (vendor, architecture, device, description) and `isFallbackAdapter`, when there is one */
  adapterInfo: Record<string, string | boolean> | null;
  /** why there is no adapter (a rejection), or null */
  adapterError: string | null;
  /** gpu.js's `GPU.isWebGPUAvailable()` */
  gpujsWebGpuAvailable: boolean;
  /** the gpu.js webgpu kernel (`out[i] = a[i]·b[i] + 1`), run only with an adapter */
  gpujs: { mode: string | null; engine: string | null; values: number[] | null; expected: number[]; error: string | null } | null;
}

/** The slice of the WebGPU API used here. */
interface GpuAdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
}
interface BrowserGlobals {
  navigator: { userAgent: string; gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } };
}
const nav = (globalThis as unknown as BrowserGlobals).navigator;

publish(async (): Promise<WebGpuReport> => {
  const a = [1, 2, 3, 4, 5, 6, 7, 8],
    b = [0.5, -1, 2, 0, 1.5, -0.25, 3, 1];
  const expected = a.map((v, i) => v * b[i] + 1);
  const report: WebGpuReport = {
    userAgent: nav.userAgent,
    hasNavigatorGpu: nav.gpu !== undefined,
    adapter: false,
    adapterInfo: null,
    adapterError: null,
    gpujsWebGpuAvailable: await GPU.isWebGPUAvailable(),
    gpujs: null,
  };
  if (nav.gpu === undefined) return report;
  try {
    const adapter = await nav.gpu.requestAdapter();
    if (adapter !== null) {
      report.adapter = true;
      const info: Record<string, string | boolean> = {};
      for (const key of ['vendor', 'architecture', 'device', 'description']) info[key] = String(adapter.info?.[key] ?? '');
      info.isFallbackAdapter = adapter.isFallbackAdapter ?? Boolean(adapter.info?.isFallbackAdapter);
      report.adapterInfo = info;
    }
  } catch (e) {
    report.adapterError = errorMessage(e);
  }
  if (!report.adapter) return report;
  let gpu: GPU | undefined;
  try {
    gpu = new GPU({ mode: 'webgpu' });
    const kernel = gpu.createKernel('function (a, b) { return a[this.thread.x] * b[this.thread.x] + 1; }', { output: [a.length] });
    const r = (await kernel(new Float32Array(a), new Float32Array(b))) as ArrayLike<number>;
    const engine = (kernel as unknown as { kernel?: { constructor: { name: string } } }).kernel?.constructor.name ?? null;
    kernel.destroy();
    report.gpujs = { mode: gpu.mode, engine, values: Array.from(r), expected, error: null };
  } catch (e) {
    report.gpujs = { mode: gpu?.mode ?? null, engine: null, values: null, expected, error: errorMessage(e) };
  } finally {
    void gpu?.destroy().catch(() => undefined);
  }
  return report;
});
