/**
 * Layer normalisation (Ba, Kiros, Hinton 2016) over the last axis, as an
 * `init(dim) → params` and `apply(params, x) → y` pair like the other layers.
 */
import type { DType } from '../../kernels/types.ts';
import { ArgumentError, ShapeError, ValueError, describe, fmtShape, optionsOf } from '../errors.ts';
import { add, mul, rsqrt, square, sub } from '../ops/elementwise.ts';
import { mean } from '../ops/reduce.ts';
import { checkTensor } from '../ops/util.ts';
import { checkDType, ones, zeros } from '../tensor/create.ts';
import { isTensor, type Tensor } from '../tensor/tensor.ts';

/** Parameters of a layer norm: the per-feature gain and offset. */
export type LayerNormParams = {
  /** gain γ `[D]` (initialised to 1) */
  readonly scale: Tensor;
  /** offset β `[D]` (initialised to 0) */
  readonly bias: Tensor;
};

/** Options of {@link layerNorm}'s init. */
export interface LayerNormInitOptions {
  /** dtype of the parameters (default `'float32'`) */
  readonly dtype?: DType;
}

/** Options of {@link layerNorm}'s apply. */
export interface LayerNormOptions {
  /** ε added to the variance before the square root (default 1e-5, PyTorch's) */
  readonly eps?: number;
}

/**
 * Layer normalisation over the last axis:
 * `y = (x − mean(x)) / √(var(x) + ε) · scale + bias`, with the mean and the
 * (biased) variance taken over the `D` features of each row. A constant row
 * gives `bias` (finite: ε > 0). Differentiable in `x` and in both parameters,
 * to any order (it is written with ops).
 */
export const layerNorm = {
  /** Parameters for `D` features: `scale` ones, `bias` zeros (no key needed). */
  init(dim: number, options?: LayerNormInitOptions): LayerNormParams {
    const fn = 'layerNorm.init';
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) throw new ValueError(`${fn}: dim must be an integer ≥ 1, got ${describe(dim)}`);
    const dtype = optionsOf(fn, options).dtype ?? 'float32';
    checkDType(fn, dtype);
    return { scale: ones([dim], dtype), bias: zeros([dim], dtype) };
  },
  /**
   * `x [..., D] → [..., D]`, normalised over the last axis.
   * @throws ArgumentError for params not from `layerNorm.init`; ShapeError when the last axis of `x` is not `D`; ValueError for `eps ≤ 0`.
   */
  apply(params: LayerNormParams, x: Tensor, options?: LayerNormOptions): Tensor {
    const fn = 'layerNorm.apply';
    const p = params as Partial<LayerNormParams> | null;
    if (
      typeof p !== 'object' ||
      p === null ||
      !isTensor(p.scale) ||
      !isTensor(p.bias) ||
      p.scale.rank !== 1 ||
      !(p.bias.rank === 1 && p.bias.shape[0] === p.scale.shape[0])
    ) {
      throw new ArgumentError(`${fn}: params must be { scale: [D] Tensor, bias: [D] Tensor } (from layerNorm.init), got ${describe(params)}`);
    }
    checkTensor(fn, x);
    const D = p.scale.shape[0];
    if (x.rank < 1 || x.shape[x.rank - 1] !== D) {
      throw new ShapeError(`${fn}: input ${fmtShape(x.shape)} does not match ${D} features; expected a last axis of ${D}`);
    }
    const eps = optionsOf(fn, options).eps ?? 1e-5;
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) throw new ValueError(`${fn}: eps must be a finite number > 0, got ${describe(eps)}`);
    const axis = x.rank - 1;
    const centred = sub(x, mean(x, axis, true));
    const variance = mean(square(centred), axis, true);
    return add(mul(mul(centred, rsqrt(add(variance, eps))), p.scale), p.bias);
  },
};
