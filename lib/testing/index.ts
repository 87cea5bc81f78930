/**
 * `gyrograd/testing`: helpers for property-testing differentiable code —
 * `checkGrad` (finite-difference gradient checks) and fast-check arbitraries
 * for shapes and tensors. Requires `fast-check` to be installed.
 */
export { checkGrad, type CheckGradOptions, type CheckGradResult, type GradMismatch } from './checkGrad.ts';
export { shapeArb, broadcastableShapesArb, valueArb, tensorArb, anyTensorArb, distinctTensorArb, type ShapeOptions, type ValueOptions } from './arbitraries.ts';
export {
  curvatureArb,
  unitVectorArb,
  radiusFractionArb,
  ballRowArb,
  ballPointArb,
  normArb,
  tangentRowArb,
  tangentVectorArb,
  spherePointArb,
  lorentzRowArb,
  lorentzPointArb,
  TEST_CURVATURES,
  unitRoundoff,
  rowsOf,
  conformalFactor,
  type BallPointOptions,
  type TangentVectorOptions,
  type SpherePointOptions,
  type LorentzPointOptions,
} from './manifold-arbitraries.ts';
