/**
 * Data augmentation for image rows: {@link randomShift} translates each
 * `[H·W]` image of a batch by a seeded random whole-pixel offset (zero fill),
 * the classic MNIST augmentation. Inputs are data, not parameters: the result
 * is a new constant tensor (no gradient flows through the shift).
 */
import { ShapeError, ValueError, fmtShape, optionsOf } from '../errors.ts';
import { checkTensor } from '../ops/util.ts';
import { toTypedArray } from '../tensor/create.ts';
import { checkKey, randomInt, split, type PRNGKey } from '../tensor/random.ts';
import { fromStorage, type Tensor } from '../tensor/tensor.ts';

/** Options of {@link randomShift}. */
export interface RandomShiftOptions {
  /** image height H in pixels (default 28, MNIST) */
  readonly height?: number;
  /** image width W in pixels (default 28, MNIST) */
  readonly width?: number;
  /** largest offset along each axis, in pixels (default 2): offsets are uniform in −s … s */
  readonly maxShift?: number;
}

/**
 * Translates every image of `x` (`[N, H·W]`, rows row-major) by its own
 * random offset `(dy, dx)`, each uniform in `−maxShift … maxShift`; pixels
 * shifted in from outside are 0. A pure function of `key`: the same key gives
 * the same offsets. `x` is not modified.
 *
 * @param key PRNG key (use `foldIn(key, step)` for a fresh shift per step).
 * @param x `[N, H·W]` images.
 * @param options `height`, `width` (default 28 × 28), `maxShift` (default 2).
 * @returns a new `[N, H·W]` tensor of the same dtype.
 * @throws ShapeError when `x` is not `[N, H·W]`; ValueError for bad options;
 *   ArgumentError when `key` is not a PRNGKey.
 */
export function randomShift(key: PRNGKey, x: Tensor, options?: RandomShiftOptions): Tensor {
  const fn = 'randomShift';
  checkKey(fn, key);
  checkTensor(fn, x);
  const o = optionsOf(fn, options);
  const H = o.height ?? 28;
  const W = o.width ?? 28;
  const s = o.maxShift ?? 2;
  for (const [name, v, min] of [
    ['height', H, 1],
    ['width', W, 1],
    ['maxShift', s, 0],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValueError(`${fn}: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  if (x.rank !== 2 || x.shape[1] !== H * W) {
    throw new ShapeError(`${fn}: x has shape ${fmtShape(x.shape)}; expected [N, ${H * W}] (rows of ${H}×${W} images)`);
  }
  const N = x.shape[0];
  const src = toTypedArray(x);
  const out = x.dtype === 'float64' ? new Float64Array(N * H * W) : new Float32Array(N * H * W);
  if (N === 0) return fromStorage(out, [0, H * W], x.dtype);
  const [ky, kx] = split(key, 2);
  const dys = randomInt(ky, N, -s, s + 1);
  const dxs = randomInt(kx, N, -s, s + 1);
  for (let n = 0; n < N; n++) {
    const dy = dys[n];
    const dx = dxs[n];
    const base = n * H * W;
    for (let r = 0; r < H; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= H) continue;
      const c0 = Math.max(0, dx);
      const c1 = Math.min(W, W + dx);
      for (let c = c0; c < c1; c++) out[base + r * W + c] = src[base + sr * W + c - dx];
    }
  }
  return fromStorage(out, [N, H * W], x.dtype);
}
