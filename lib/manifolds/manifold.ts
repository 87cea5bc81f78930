/**
 * The `Manifold` interface shared by every model (geoopt style): points and
 * tangent vectors are rows of `[N, D]` tensors (or `[..., D]`), and every
 * method is a pure, differentiable function.
 */
import type { DType } from '../../kernels/types.ts';
import type { PRNGKey } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** A Riemannian manifold embedded in Rᴰ, with row-wise methods. */
export interface Manifold {
  /** short name: 'euclidean', 'sphere', 'poincare', 'lorentz' */
  readonly name: string;
  /** nearest point of the manifold (a projection / retraction onto it) */
  projx(x: Tensor): Tensor;
  /** projection of an ambient vector onto the tangent space at x */
  proju(x: Tensor, u: Tensor): Tensor;
  /** Riemannian gradient from a Euclidean (ambient) gradient */
  egrad2rgrad(x: Tensor, g: Tensor): Tensor;
  /** Riemannian inner product ⟨u, v⟩_x (v defaults to u), `[N]` */
  inner(x: Tensor, u: Tensor, v?: Tensor): Tensor;
  /** Riemannian norm ‖u‖_x, `[N]` */
  norm(x: Tensor, u: Tensor): Tensor;
  /** exponential map */
  expmap(x: Tensor, u: Tensor): Tensor;
  /** logarithmic map (inverse of expmap) */
  logmap(x: Tensor, y: Tensor): Tensor;
  /** a first-order retraction (cheaper than expmap where it matters) */
  retr(x: Tensor, u: Tensor): Tensor;
  /** parallel transport of v ∈ T_xM to T_yM along the geodesic */
  transp(x: Tensor, y: Tensor, v: Tensor): Tensor;
  /** geodesic distance, `[N]` */
  dist(x: Tensor, y: Tensor): Tensor;
  /**
   * Riemannian Adam's second-moment contribution of u, per coordinate; absent = u² (right where the
   * metric is the ambient one and transport does not mix coordinates). A manifold whose transport
   * rotates tangent vectors should return the row's squared Riemannian norm in every coordinate
   * (geoopt's default `component_inner = inner`), as the Poincaré ball does.
   */
  componentInner?(x: Tensor, u: Tensor): Tensor;
  /** random points of the manifold, shape `[n, D]` */
  randomPoint(key: PRNGKey, n: number, dim: number, dtype?: DType): Tensor;
}
