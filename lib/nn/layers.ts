/**
 * Layers as pure functions over parameter trees: `linear` and `mlp`, each an
 * `init(key, …) → params` and `apply(params, x) → y` pair, plus activations.
 */
import type { DType } from '../../kernels/types.ts';
import { ShapeError, ValueError, fmtShape } from '../errors.ts';
import { randomUniform, split, type PRNGKey } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
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
  init(key: PRNGKey, inDim: number, outDim: number, options: LinearInitOptions = {}): LinearParams {
    const dtype = options.dtype ?? 'float32';
    const [kw, kb] = split(key, 2);
    const init = options.init ?? 'kaiming';
    const w =
      init === 'orthogonal' ? orthogonal(kw, inDim, outDim, dtype)
      : init === 'glorot' ? glorotUniform(kw, inDim, outDim, dtype)
      : kaimingUniform(kw, inDim, outDim, dtype);
    const bound = 1 / Math.sqrt(inDim);
    const b = options.bias === 'zeros' ? zeros([outDim], dtype) : randomUniform(kb, [outDim], dtype, -bound, bound);
    return { w, b };
  },
  /** `x [N, in] → [N, out]`. */
  apply(params: LinearParams, x: Tensor): Tensor {
    checkTensor('linear.apply', x);
    if (x.shape[x.rank - 1] !== params.w.shape[0]) {
      throw new ShapeError(`linear.apply: input ${fmtShape(x.shape)} does not match weights ${fmtShape(params.w.shape)}; expected a last axis of ${params.w.shape[0]}`);
    }
    return add(matmul(x, params.w), params.b);
  },
};

/** Activation names accepted by {@link mlp}. */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'leakyRelu' | 'identity';

/** Applies an activation by name. GELU uses the tanh approximation. */
export function activation(name: Activation, x: Tensor): Tensor {
  switch (name) {
    case 'relu': return relu(x);
    case 'tanh': return tanh(x);
    case 'sigmoid': return sigmoid(x);
    case 'leakyRelu': return maximum(x, mul(x, 0.01));
    case 'identity': return x;
    case 'gelu': {
      const c = Math.sqrt(2 / Math.PI);
      return mul(mul(x, 0.5), add(tanh(mul(add(x, mul(mul(mul(x, x), x), 0.044715)), c)), 1));
    }
    default: throw new ValueError(`activation: unknown activation ${JSON.stringify(name)}`);
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
  init(key: PRNGKey, sizes: readonly number[], options: LinearInitOptions = {}): MlpParams {
    if (sizes.length < 2) throw new ValueError(`mlp.init: need at least an input and an output size, got [${sizes.join(', ')}]`);
    const keys = split(key, sizes.length - 1);
    return { layers: keys.map((k, i) => linear.init(k, sizes[i], sizes[i + 1], options)) };
  },
  /** `x [N, in] → [N, out]`. */
  apply(params: MlpParams, x: Tensor, act: Activation = 'relu'): Tensor {
    let h = x;
    params.layers.forEach((l, i) => {
      h = linear.apply(l, h);
      if (i < params.layers.length - 1) h = activation(act, h);
    });
    return h;
  },
};
