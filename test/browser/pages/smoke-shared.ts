/**
 * What the smoke page (smoke.ts, in Chromium) and its test
 * (smoke.test.ts, in Node) share: the inputs, the differentiated function and
 * the shape of the report, so the test computes its expected values with the
 * same library in Node.
 */
import { mul, sum, tanh, type Tensor } from '../../../lib/index.ts';

/** Input of the gradient (float64). */
export const gradInput: readonly number[] = [-1.5, -0.25, 0, 0.5, 2];

/** f(x) = Σ tanh(x)·x, the function whose gradient the page computes. */
export function smokeLoss(x: Tensor): Tensor {
  return sum(mul(tanh(x), x));
}

/**
 * Deterministic float32 operands of the page's matmul: a [128, 64] by
 * b [64, 128], 2²⁰ multiply-adds, so that the gpu.js backends run it on
 * gpu.js rather than on their small-product fallback (DEFAULT_MIN_WORK).
 */
export function matmulOperands(): { a: number[]; aShape: number[]; b: number[]; bShape: number[] } {
  const M = 128,
    K = 64,
    N = 128;
  const a = Array.from({ length: M * K }, (_, i) => Math.sin(i * 0.37) * 2);
  const b = Array.from({ length: K * N }, (_, i) => Math.cos(i * 0.11) - 0.25);
  return { a, aShape: [M, K], b, bShape: [K, N] };
}

/** One matmul per available backend: its values, or the error it threw. */
export interface BackendMatmul {
  values: number[] | null;
  error: string | null;
}

/** What the smoke page publishes. */
export interface SmokeReport {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** `backend()` in the page */
  backend: string;
  /** `availableBackends()` in the page */
  availableBackends: string[];
  /** grad(smokeLoss)(gradInput), float64 */
  grad: number[];
  /** matmul of matmulOperands() on the default backend, float32, row-major */
  matmul: number[];
  /** the same product under `withBackend(name)` for every available backend */
  matmuls: Record<string, BackendMatmul>;
  /** the WebGL2 context's renderer and vendor (unmasked when WEBGL_debug_renderer_info is there) */
  webgl2: { ok: boolean; renderer: string | null; vendor: string | null; version: string | null; error: string | null };
  /** a raw gpu.js `mode: 'webgl2'` kernel (4×3 · 3×2): gpu.js's mode, the kernel class that ran, values and expected values */
  gpujsWebgl2: { mode: string | null; engine: string | null; values: number[][] | null; expected: number[][] | null; error: string | null };
}
