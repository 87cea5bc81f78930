/**
 * gyrograd: functional tensors with reverse-mode autodiff, Riemannian
 * geometry and the CHEST metric-learning loss.
 *
 * This module is the single public entry point; it only re-exports.
 * @packageDocumentation
 */

// errors
export { GyrogradError, ShapeError, AxisError, DTypeError, ValueError, DomainError, ArgumentError, GradError } from './errors.ts';

// tensors
export { Tensor, isTensor, type DType } from './tensor/tensor.ts';
export {
  tensor,
  scalar,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  linspace,
  eye,
  toArray,
  toTypedArray,
  toNested,
  item,
  toArrayAsync,
  type TensorLike,
  type NestedArray,
  type TensorOptions,
} from './tensor/create.ts';
export { broadcastShape } from './tensor/shape.ts';
export { prngKey, split, foldIn, randomUniform, randomNormal, randomInt, permutation, threefry2x32, type PRNGKey } from './tensor/random.ts';

// ops
export {
  neg,
  abs,
  exp,
  log,
  log1p,
  expm1,
  sqrt,
  rsqrt,
  square,
  reciprocal,
  tanh,
  atanh,
  atan,
  cos,
  sin,
  sinh,
  cosh,
  asinh,
  acosh,
  sigmoid,
  relu,
  softplus,
  sign,
  isFinite,
  clamp,
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  atan2,
  equal,
  notEqual,
  less,
  lessEqual,
  greater,
  greaterEqual,
  where,
} from './ops/elementwise.ts';
export { sum, broadcastTo, sumTo, type Axis } from './ops/broadcast.ts';
export { mean, max, min, norm } from './ops/reduce.ts';
export { logSumExp } from './ops/fused/logSumExp.ts';
export { matmul, dot, outer, type MatmulOptions } from './ops/linalg.ts';
export { reshape, flatten, transpose, permute, expandDims, squeeze, concat, stack, slice } from './ops/shape.ts';
export { take, gather, scatterAdd, oneHot, type Indices } from './ops/indexing.ts';
export { softmax } from './ops/fused/softmax.ts';
export { logSoftmax, normalize } from './ops/nn.ts';
export { pairwiseSqEuclidean } from './ops/fused/pairwiseSqEuclidean.ts';
export { pairwiseCosine } from './ops/fused/pairwiseCosine.ts';
export { cast } from './ops/cast.ts';
export { sort, argsort, topk, argmax, argmin, type TopK } from './ops/sort.ts';
export { cumsum, cumprod } from './ops/scan.ts';
export { variance, std } from './ops/moments.ts';
export { einsum } from './ops/einsum.ts';

// autodiff
export { grad, valueAndGrad, vjp, hvp } from './autodiff/grad.ts';
export { stopGradient, customGrad } from './autodiff/custom.ts';
export { treeLeaves, treeMap, treeUnflatten, sameStructure, type Tree } from './autodiff/tree.ts';
export { jvp, linearize } from './autodiff/jvp.ts';
export { vmap, type InAxes } from './autodiff/vmap.ts';
export { jacfwd, jacrev, hessian, type Argnums, type JacobianOf, type TreeJacobianOf, type HessianOf } from './autodiff/jacobian.ts';

// parameters on disk (safetensors)
export { saveParams, saveParamsAsync, loadParams, loadParamsWithMetadata, SafetensorsError, type LoadedParams } from './io/safetensors.ts';

// backends
export {
  backend,
  setBackend,
  listBackends,
  availableBackends,
  defaultBackend,
  withBackend,
  backendUnavailableReason,
  BackendUnavailableError,
  loadGpuBackends,
  backendInfo,
  deviceMemoryStats,
  setDeviceMemoryBudget,
  type BackendInfo,
  type DeviceMemoryInfo,
} from './backend.ts';
export { transferStats, resetTransferStats, ReleasedDataError, SyncReadError, type TransferStats } from '../kernels/data.ts';

// testing helper (also in the `gyrograd/testing` subpath)
export { checkGrad, type CheckGradOptions, type CheckGradResult, type GradMismatch } from './testing/checkGrad.ts';

// manifolds
export type { Manifold } from './manifolds/manifold.ts';
export { euclidean } from './manifolds/euclidean.ts';
export { sphere } from './manifolds/sphere.ts';
export { poincareBall, checkInBall, type PoincareBall, type PoincareBallOptions } from './manifolds/poincare.ts';
export { lorentz, type Lorentz } from './manifolds/lorentz.ts';
export { artanh, MIN_NORM, type Curvature } from './manifolds/numerics.ts';

// optimizers
export type { Optimizer } from './optim/optimizer.ts';
export { rsgd, radam, type RsgdOptions, type RsgdState, type RadamOptions, type RadamState, type ManifoldChoice } from './optim/riemannian.ts';

// losses
export { lossMonoid, weighted, sumLosses, contramap, type Loss } from './losses/loss.ts';
export { cosineSimilarity, dotSimilarity, negPoincareDistance, type Similarity } from './losses/similarity.ts';
export { type Labels } from './losses/labels.ts';
export {
  softTriple,
  centerRegularizer,
  euclideanSoftTriple,
  type SoftTripleOptions,
  type CenterRegularizerOptions,
  type EuclideanSoftTripleOptions,
} from './losses/softTriple.ts';
export { hyperbolicSoftTriple, hyperbolicProxies, type HyperbolicSoftTripleOptions } from './losses/hyperbolic.ts';
export { hyphc, sampleTriplets, type Triplet, type HyphcOptions } from './losses/hyphc.ts';
export { chest, chestTerms, type ChestInputs, type ChestOptions, type ChestTerms, type HyphcSimilaritySource, type TripletSource } from './losses/chest.ts';
export {
  crossEntropy,
  proxyAnchor,
  normalizedSoftmax,
  proxyNCA,
  hypContrastive,
  tripletMargin,
  type ProxyAnchorOptions,
  type HypContrastiveOptions,
  type TripletMarginOptions,
} from './losses/baselines.ts';

// neural-network layers
export { linear, mlp, activation, type LinearParams, type MlpParams, type LinearInitOptions, type Activation } from './nn/layers.ts';
export { kaimingUniform, glorotUniform, orthogonal, type Initializer } from './nn/init.ts';
export { dropout } from './nn/dropout.ts';
export { layerNorm, type LayerNormParams, type LayerNormInitOptions, type LayerNormOptions } from './nn/layerNorm.ts';
export { embedding, type EmbeddingParams, type EmbeddingInitOptions } from './nn/embedding.ts';
export { conv2d, type Conv2dParams, type Conv2dInitOptions, type Conv2dOptions } from './nn/conv2d.ts';
export { maxPool2d, avgPool2d, type PoolSize } from './nn/pool.ts';

// Euclidean optimizers and schedules
export {
  sgd,
  adam,
  adamw,
  partition,
  clipByGlobalNorm,
  withClipping,
  globalNorm,
  clipByRowNorm,
  withRowClipping,
  type SgdOptions,
  type SgdState,
  type AdamOptions,
  type AdamState,
} from './optim/euclidean.ts';
export { exponentialDecay, cosineDecay, warmupCosineDecay, piecewiseConstant, type Schedule, type LearningRate } from './optim/schedules.ts';

// metrics and data
export * from './metrics/index.ts';
export * from './data/index.ts';
export { parseWordNetNouns, wordnetClosure, WordNetParseError, type WordNetNouns, type WordNetClosure, type WordNetParseErrorKind } from './data/wordnet.ts';
export { loadWordNetNouns, saveParamsFile, loadParamsFile } from './data/node.ts';

// graphs (embedding hierarchies: negative sampling, reconstruction metrics)
export { graphFromEdges, type Graph, type EdgeList } from './graph/graph.ts';
export { negativeSampler, type NegativeSampler, type NegativeSamplerOptions } from './graph/negatives.ts';
export { reconstructionMetrics, type ReconstructionMetrics, type ReconstructionOptions, type GraphDistance } from './graph/reconstruction.ts';
