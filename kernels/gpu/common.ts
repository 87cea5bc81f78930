/**
 * Shared plumbing of the gpu.js kernels: the kernel context each kernel file
 * receives (compile through the cache, count runs and fallbacks, pipeline
 * support), result readback, and the guards that keep a call on js.
 */
import type { Storage } from '../types.ts';
import type { MatmulArgs } from '../js/matmul.ts';

/** A compiled gpu.js kernel as far as this module uses it. */
export interface CompiledKernel {
  (...args: unknown[]): unknown;
  destroy?: (removeCanvasReferences?: boolean) => void;
  /** the backend kernel that actually runs (set after the first call); its class names the engine */
  kernel?: { constructor: { mode?: string } };
}

/** Names of the kernels the gpu.js backends implement (also the keys of their run counters). */
export const GPU_KERNEL_NAMES = [
  'matmul',
  'poincarePairwiseForward',
  'poincarePairwiseBackward',
  'pairwiseSqEuclideanForward',
  'pairwiseCosineForward',
  'pairwiseCosineBackward',
  'softmaxRows',
  'softmaxRowsBackward',
  'logSumExpRows',
] as const;
/** A kernel the gpu.js backends implement. */
export type GpuKernelName = (typeof GPU_KERNEL_NAMES)[number];

/** Largest operand (elements) sent to gpu.js: GL indexes textures in float32. */
export const MAX_ELEMENTS = 1 << 24;

/**
 * Largest magnitude of an input sent to the pairwise kernels: squares and
 * their sums over D ≤ 2²⁴ terms stay below float32's overflow (2¹⁰⁰·2²⁴ < 2¹²⁸).
 */
export const MAX_ABS = 2 ** 50;

/** Settings every kernel is compiled with: float32 textures, highp arithmetic. */
export interface KernelSettings {
  output: number[];
  constants?: Record<string, number>;
  pipeline?: boolean;
}

/** What a kernel file needs from its kernel set. */
export interface KernelContext {
  /** calls with less work than this run on js */
  readonly minWork: number;
  /** the float32 matmul small or oversized products run on instead (default: the js kernel) */
  readonly matmulFallback: (args: MatmulArgs) => Storage;
  /** whether kernels can hand device-resident results (GL textures) to the next kernel */
  readonly pipeline: boolean;
  /** the compiled kernel of signature `key` (cached), created with `src` and `settings` on a miss */
  kernel(key: string, src: string, settings: KernelSettings): CompiledKernel;
  /** whether a 2-D output `[w, h]` fits the device's textures */
  fits2d(w: number, h: number): boolean;
  /** records that `name` ran on gpu.js through `kernels` (counter, engines) */
  ran(name: GpuKernelName, ...kernels: CompiledKernel[]): void;
  /** records a call that ran on the js fallback */
  fallback(): void;
}

/** A pipeline result (a GL texture) or a plain gpu.js result. */
interface TextureLike {
  toArray(): unknown;
}

function isTexture(r: unknown): r is TextureLike {
  return typeof r === 'object' && r !== null && !Array.isArray(r) && !(r instanceof Float32Array) && typeof (r as TextureLike).toArray === 'function';
}

/** Flattens a gpu.js result (Float32Array, nested arrays of them, or a texture) into `out` at `off`. */
export function flattenInto(r: unknown, out: Float32Array, off: number): number {
  if (isTexture(r)) return flattenInto(r.toArray(), out, off);
  if (r instanceof Float32Array) {
    out.set(r, off);
    return off + r.length;
  }
  if (Array.isArray(r)) {
    for (const x of r) off = flattenInto(x, out, off);
    return off;
  }
  throw new Error(`gpu.js returned an unexpected result: ${Object.prototype.toString.call(r)}`);
}

/** A gpu.js result of `n` elements as one flat Float32Array. */
export function readback(r: unknown, n: number): Float32Array {
  const out = new Float32Array(n);
  const end = flattenInto(r, out, 0);
  if (end !== n) throw new Error(`gpu.js returned ${end} values, expected ${n}`);
  return out;
}

/** float32 storage as a Float32Array (a copy only when it is float64). */
export function f32(s: Storage): Float32Array {
  return s instanceof Float32Array ? s : Float32Array.from(s);
}

/** Whether every value is finite with magnitude below `limit`. */
export function allBelow(s: Storage, limit: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (!(v < limit && v > -limit)) return false;
  }
  return true;
}
