/**
 * Pooling over channels-last images (`[N, H, W, C]`, the layout of
 * {@link conv2d}): {@link maxPool2d} and {@link avgPool2d} over
 * non-overlapping windows (stride = window, PyTorch's floor mode: rows and
 * columns that do not fill a window are dropped). Composites of `slice`,
 * `reshape` and a reduction, so they inherit those ops' VJP, JVP and
 * batching rules.
 */
import { ShapeError, fmtShape } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { max, mean } from '../ops/reduce.ts';
import { reshape, slice } from '../ops/shape.ts';
import { checkTensor } from '../ops/util.ts';
import { pair } from './conv2d.ts';

/** Window of a pooling, one number (square) or `[rows, cols]`. */
export type PoolSize = number | readonly [number, number];

function pool(fn: string, x: Tensor, size: PoolSize, reduce: (t: Tensor, axes: number[]) => Tensor): Tensor {
  checkTensor(fn, x);
  const [ph, pw] = pair(fn, 'size', size);
  if (x.rank !== 4) throw new ShapeError(`${fn}: x has shape ${fmtShape(x.shape)}; expected [N, H, W, C] (channels-last images)`);
  const [n, h, w, c] = x.shape;
  const ho = Math.floor(h / ph);
  const wo = Math.floor(w / pw);
  if (ho < 1 || wo < 1) throw new ShapeError(`${fn}: a ${ph}×${pw} window does not fit the ${h}×${w} input ${fmtShape(x.shape)}`);
  const cropped = ho * ph === h && wo * pw === w ? x : slice(x, [0, 0, 0, 0], [n, ho * ph, wo * pw, c]);
  return reduce(reshape(cropped, [n, ho, ph, wo, pw, c]), [2, 4]);
}

/**
 * Max pooling of `x [N, H, W, C]` over non-overlapping `size` windows:
 * `[N, ⌊H/ph⌋, ⌊W/pw⌋, C]` (trailing rows/columns that do not fill a window
 * are dropped, as PyTorch's `MaxPool2d` with its default floor mode). The
 * gradient goes to each window's maximum; tied maxima share it equally (the
 * rule of `max`; PyTorch picks one of them).
 *
 * @param x `[N, H, W, C]` images, channels last.
 * @param size window (= stride), one number or `[rows, cols]` (default 2).
 * @throws ShapeError when `x` is not rank 4 or smaller than a window; ValueError for a bad size.
 */
export function maxPool2d(x: Tensor, size: PoolSize = 2): Tensor {
  return pool('maxPool2d', x, size, (t, axes) => max(t, axes));
}

/**
 * Average pooling of `x [N, H, W, C]` over non-overlapping `size` windows:
 * `[N, ⌊H/ph⌋, ⌊W/pw⌋, C]`, each output the mean of its window (floor mode,
 * as {@link maxPool2d}).
 *
 * @param x `[N, H, W, C]` images, channels last.
 * @param size window (= stride), one number or `[rows, cols]` (default 2).
 * @throws ShapeError when `x` is not rank 4 or smaller than a window; ValueError for a bad size.
 */
export function avgPool2d(x: Tensor, size: PoolSize = 2): Tensor {
  return pool('avgPool2d', x, size, (t, axes) => mean(t, axes));
}
