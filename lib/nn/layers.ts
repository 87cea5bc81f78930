/**
 * Layers as pure functions over parameter trees: `linear` and `mlp`, each an
 * `init(key, …) → params` and `apply(params, x) → y` pair, plus activations.
 */
import type { DType } from '../../kernels/types.ts';
import { ArgumentError, ShapeError, ValueError, describe, fmtShape, optionsOf } from '../errors.ts';
import { randomUniform, split, type PRNGKey } from '../tensor/random.ts';
import { isTensor, type Tensor } from '../tensor/tensor.ts';
import { zeros } from '../tensor/create.ts';
import { add, maximum, mul, relu, sigmoid, tanh } from '../ops/elementwise.ts';
import { matmul } from '../ops/linalg.ts';
import { checkTensor } from '../ops/util.ts';
import { glorotUniform, kaimingUniform, orthogonal, type Initializer } from './init.ts';

/** Parameters of a linear layer: `w [in, out]` and `b [out]`. */
export type LinearParams = {
  /** weights `[in, out]` */
  readonly w: Tensor;
  /** bias `[out]` */
  readonly b: Tensor;
};

/** Options of {@link linear}'s init. */
export interface LinearInitOptions {
  /** weight initialiser (default 'kaiming', PyTorch's nn.Linear) */
  readonly init?: Initializer;
  /** PyTorch-style uniform bias ±1/√in (default), or zeros */
  readonly bias?: 'uniform' | 'zeros';
  /** dtype of the parameters (default `'float32'`) */
  readonly dtype?: DType;
}

/** A dense layer y = x·w + b. */
export const linear = {
  /** Seeded parameters for a `inDim → outDim` layer. */
  init(key: PRNGKey, inDim: number, outDim: number, options?: LinearInitOptions): LinearParams {
    return linearInit('linear.init', key, inDim, outDim, options);
  },
  /** `x [N, in] → [N, out]`. */
  apply(params: LinearParams, x: Tensor): Tensor {
    return linearApply('linear.apply', params, x);
  },
};

/** `[inDim, outDim]` weights and `[outDim]` bias as `options` asks, errors naming `fn` (shared with conv2d.init). @internal */
export function linearInit(fn: string, key: PRNGKey, inDim: number, outDim: number, options?: LinearInitOptions): LinearParams {
  options = optionsOf(fn, options);
  const dtype = options.dtype ?? 'float32';
  const init = options.init ?? 'kaiming';
  if (init !== 'kaiming' && init !== 'glorot' && init !== 'orthogonal') {
    throw new ValueError(`${fn}: option init must be 'kaiming', 'glorot' or 'orthogonal', got ${describe(init)}`);
  }
  if (options.bias !== undefined && options.bias !== 'uniform' && options.bias !== 'zeros') {
    throw new ValueError(`${fn}: option bias must be 'uniform' or 'zeros', got ${describe(options.bias)}`);
  }
  const [kw, kb] = split(key, 2);
  const w =
    init === 'orthogonal'
      ? orthogonal(kw, inDim, outDim, dtype)
      : init === 'glorot'
        ? glorotUniform(kw, inDim, outDim, dtype)
        : kaimingUniform(kw, inDim, outDim, dtype);
  const bound = 1 / Math.sqrt(inDim);
  const b = options.bias === 'zeros' ? zeros([outDim], dtype) : randomUniform(kb, [outDim], dtype, -bound, bound);
  return { w, b };
}

function linearApply(fn: string, params: LinearParams, x: Tensor): Tensor {
  const p = params as Partial<LinearParams> | null;
  if (typeof p !== 'object' || p === null || !isTensor(p.w) || !isTensor(p.b) || p.w.rank !== 2) {
    throw new ArgumentError(`${fn}: params must be { w: [in, out] Tensor, b: [out] Tensor } (from linear.init), got ${describe(params)}`);
  }
  checkTensor(fn, x);
  if (x.rank < 1 || x.shape[x.rank - 1] !== params.w.shape[0]) {
    throw new ShapeError(`${fn}: input ${fmtShape(x.shape)} does not match weights ${fmtShape(params.w.shape)}; expected a last axis of ${params.w.shape[0]}`);
  }
  return add(matmul(x, params.w), params.b);
}

/** Activation names accepted by {@link mlp}. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'leakyRelu' | 'identity';

/** Applies an activation by name. GELU uses the tanh approximation. */
export function activation(name: Activation, x: Tensor): Tensor {
  checkTensor('activation', x);
  switch (name) {
    case 'relu':
      return relu(x);
    case 'tanh':
      return tanh(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'leakyRelu':
      return maximum(x, mul(x, 0.01));
    case 'identity':
      return x;
    case 'gelu': {
      const c = Math.sqrt(2 / Math.PI);
      return mul(mul(x, 0.5), add(tanh(mul(add(x, mul(mul(mul(x, x), x), 0.044715)), c)), 1));
    }
    default:
      throw new ValueError(`activation: unknown activation ${describe(name)}; expected 'relu', 'tanh', 'sigmoid', 'gelu', 'leakyRelu' or 'identity'`);
  }
}

/** Parameters of an {@link mlp}: one linear layer per pair of consecutive sizes. */
export type MlpParams = {
  /** the linear layers, input side first */
  readonly layers: readonly LinearParams[];
};

/** A multilayer perceptron: linear layers with an activation between them (not after the last). */
export const mlp = {
  /** Seeded parameters for layer sizes `[in, hidden…, out]`. */
  init(key: PRNGKey, sizes: readonly number[], options?: LinearInitOptions): MlpParams {
    if (!Array.isArray(sizes) || sizes.length < 2)
      throw new ValueError(`mlp.init: sizes must be an array of at least an input and an output size, got ${describe(sizes)}`);
    const keys = split(key, sizes.length - 1);
    return { layers: keys.map((k, i) => linearInit('mlp.init', k, sizes[i], sizes[i + 1], options)) };
  },
  /** `x [N, in] → [N, out]`. */
  apply(params: MlpParams, x: Tensor, act: Activation = 'relu'): Tensor {
    const layers = (params as Partial<MlpParams> | null)?.layers;
    if (typeof params !== 'object' || !Array.isArray(layers) || layers.length === 0) {
      throw new ArgumentError(`mlp.apply: params must be { layers: [...] } (from mlp.init), got ${describe(params)}`);
    }
    checkTensor('mlp.apply', x);
    let h = x;
    layers.forEach((l, i) => {
      h = linearApply('mlp.apply', l, h);
      if (i < layers.length - 1) h = activation(act, h);
    });
    return h;
  },
};
