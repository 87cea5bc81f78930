/**
 * The hyperboloid (Lorentz) model of curvature −c: points x ∈ Rᴰ⁺¹ with
 * ⟨x, x⟩_L = −1/c and x₀ > 0, where ⟨x, y⟩_L = −x₀y₀ + Σᵢ xᵢyᵢ; plus the
 * isometries to and from the Poincaré ball of the same curvature.
 */
import type { DType } from '../../kernels/types.ts';
import { randomNormal, type PRNGKey } from '../tensor/random.ts';
import { ShapeError, describe, fmtShape, optionsOf } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { acosh, add, cosh, div, maximum, mul, neg, sinh, sqrt, sub } from '../ops/elementwise.ts';
import { sum } from '../ops/broadcast.ts';
import { concat, slice, squeeze } from '../ops/shape.ts';
import { customGrad } from '../autodiff/custom.ts';
import { checkTensor } from '../ops/util.ts';
import type { Manifold } from './manifold.ts';
import { MIN_NORM, checkCurvature, curvTensor, rowSq, type Curvature } from './numerics.ts';

/** The Lorentz model plus its isometries with the Poincaré ball. */
export interface Lorentz extends Manifold {
  readonly name: 'lorentz';
  /** the curvature magnitude c (the hyperboloid has curvature −c), as passed to {@link lorentz} */
  readonly c: Curvature;
  /** Minkowski inner product ⟨u, v⟩_L, `[N]` */
  minkowski(u: Tensor, v: Tensor): Tensor;
  /** the isometry hyperboloid `[N, D+1]` → Poincaré ball `[N, D]` (of the same curvature) */
  toBall(x: Tensor): Tensor;
  /** the isometry Poincaré ball `[N, D]` → hyperboloid `[N, D+1]` (of the same curvature) */
  fromBall(y: Tensor): Tensor;
  /**
   * The same as {@link Lorentz.toBall}.
   * @deprecated the name misleads: `PoincareBall.toPoincare` is a different map (clip, expmap0,
   * project: Euclidean vectors into the ball), while this is an isometry between models. Use `toBall`.
   */
  toPoincare(x: Tensor): Tensor;
  /**
   * The same as {@link Lorentz.fromBall}.
   * @deprecated use `fromBall` (see {@link Lorentz.toPoincare}).
   */
  fromPoincare(y: Tensor): Tensor;
}

/** acosh with its argument clamped to ≥ 1 + ε and a gradient that stays finite there. */
const acoshSafe = customGrad(
  (z: Tensor) => acosh(maximum(z, 1 + (z.dtype === 'float64' ? 1e-12 : 1e-6))),
  (g, [z]) => {
    const zc = maximum(z, 1 + (z.dtype === 'float64' ? 1e-12 : 1e-6));
    return [div(g, sqrt(sub(mul(zc, zc), 1)))];
  },
  'acosh',
);

/** Minkowski product with a kept last axis. */
function mink(u: Tensor, v: Tensor): Tensor {
  const d = u.shape[u.rank - 1];
  const prod = mul(u, v);
  const time = slice(prod, [...new Array(u.rank - 1).fill(0), 0], [...prod.shape.slice(0, -1), 1]);
  const space = d > 1 ? sum(slice(prod, [...new Array(u.rank - 1).fill(0), 1]), -1, true) : mul(time, 0);
  return sub(space, time);
}

function split0(x: Tensor): [Tensor, Tensor] {
  const lead = new Array(x.rank - 1).fill(0);
  return [slice(x, [...lead, 0], [...x.shape.slice(0, -1), 1]), slice(x, [...lead, 1])];
}

/** The hyperboloid of curvature −c (default c = 1); `options` may be omitted, `null` or a non-object is an ArgumentError. */
export function lorentz(options?: { readonly c?: Curvature }): Lorentz {
  const c0 = optionsOf('lorentz', options).c ?? 1;
  checkCurvature('lorentz', c0);
  const Kt = (dt: DType): Tensor => div(1, curvTensor(c0, dt)); // K = 1/c = −⟨x, x⟩_L
  const rows = (fn: string, x: Tensor, name = 'x'): void => {
    checkTensor(fn, x, name);
    if (x.rank < 1 || x.shape[x.rank - 1] < 2) {
      throw new ShapeError(`${fn}: '${name}' must have a last axis of length ≥ 2 (time + space), got ${fmtShape(x.shape)}`);
    }
  };
  const projx = (x: Tensor): Tensor => {
    const [, s] = split0(x);
    return concat([sqrt(add(Kt(x.dtype), rowSq(s))), s], -1);
  };
  const proju = (x: Tensor, u: Tensor): Tensor => add(u, mul(div(mink(x, u), Kt(x.dtype)), x));
  const lnorm = (u: Tensor): Tensor => sqrt(maximum(mink(u, u), MIN_NORM));
  const distK = (x: Tensor, y: Tensor): Tensor => {
    const K = Kt(x.dtype);
    return mul(sqrt(K), acoshSafe(div(neg(mink(x, y)), K)));
  };
  const expmap = (x: Tensor, u: Tensor): Tensor => {
    const sK = sqrt(Kt(x.dtype));
    const n = lnorm(u);
    const t = div(n, sK);
    return projx(add(mul(cosh(t), x), mul(div(mul(sK, sinh(t)), n), u)));
  };
  const logmap = (x: Tensor, y: Tensor): Tensor => {
    // With θ = d/√K, nom = y + ⟨x,y⟩_L/K·x = y − cosh θ·x has ‖nom‖_L = √K·sinh θ, so
    // log_x y = d·nom/‖nom‖_L = (θ / sinh θ)·nom. Computing ‖nom‖_L instead (geoopt) divides two
    // rounding-noise quantities for y ≈ x away from the origin: nom is then noise along x (timelike),
    // its Minkowski norm is floored at √MIN_NORM, and log_x x came out as ≈ 44·x in float32.
    const theta = acoshSafe(div(neg(mink(x, y)), Kt(x.dtype)));
    return mul(div(theta, sinh(theta)), add(y, mul(div(mink(x, y), Kt(x.dtype)), x)));
  };
  /** Checks every argument of method `fn`: tensors of rows with a last axis ≥ 2, of one shape. */
  const args = (fn: string, ...ts: [unknown, string][]): void => {
    const name = `lorentz.${fn}`;
    for (const [t, n] of ts) rows(name, t as Tensor, n);
    const [t0, n0] = ts[0];
    for (const [t, n] of ts.slice(1)) {
      const a = (t0 as Tensor).shape,
        b = (t as Tensor).shape;
      if (a.length !== b.length || a.some((d, k) => d !== b[k])) {
        throw new ShapeError(`${name}: '${n0}' ${fmtShape(a)} and '${n}' ${fmtShape(b)} must have the same shape`);
      }
    }
  };
  /** The isometry hyperboloid → ball; errors name `fn` (the method the user called). */
  const toBall = (fn: string, x: Tensor): Tensor => {
    args(fn, [x, 'x']);
    const [x0, s] = split0(x);
    const sK = sqrt(Kt(x.dtype));
    return div(mul(sK, s), add(x0, sK));
  };
  /** The isometry ball → hyperboloid; errors name `fn`. */
  const fromBall = (fn: string, y: Tensor): Tensor => {
    checkTensor(`lorentz.${fn}`, y, 'y');
    if (y.rank < 1) throw new ShapeError(`lorentz.${fn}: 'y' must have at least one axis (rows of ball points), got ${fmtShape(y.shape)}`);
    const K = Kt(y.dtype);
    const y2 = rowSq(y);
    const den = maximum(sub(K, y2), MIN_NORM);
    const x0 = div(mul(sqrt(K), add(K, y2)), den);
    return concat([x0, div(mul(mul(K, 2), y), den)], -1);
  };
  const m: Lorentz = {
    name: 'lorentz',
    c: c0,
    minkowski: (u, v) => {
      args('minkowski', [u, 'u'], [v, 'v']);
      return squeeze(mink(u, v), -1);
    },
    projx: (x) => {
      args('projx', [x, 'x']);
      return projx(x);
    },
    proju: (x, u) => {
      args('proju', [x, 'x'], [u, 'u']);
      return proju(x, u);
    },
    egrad2rgrad: (x, g) => {
      args('egrad2rgrad', [x, 'x'], [g, 'g']);
      const [g0, gs] = split0(g);
      return proju(x, concat([neg(g0), gs], -1));
    },
    inner: (x, u, v) => {
      if (v === undefined) args('inner', [x, 'x'], [u, 'u']);
      else args('inner', [x, 'x'], [u, 'u'], [v, 'v']);
      return squeeze(mink(u, v ?? u), -1);
    },
    norm: (x, u) => {
      args('norm', [x, 'x'], [u, 'u']);
      return squeeze(lnorm(u), -1);
    },
    expmap: (x, u) => {
      args('expmap', [x, 'x'], [u, 'u']);
      return expmap(x, u);
    },
    logmap: (x, y) => {
      args('logmap', [x, 'x'], [y, 'y']);
      return logmap(x, y);
    },
    retr: (x, u) => {
      args('retr', [x, 'x'], [u, 'u']);
      return expmap(x, u);
    },
    transp: (x, y, v) => {
      args('transp', [x, 'x'], [y, 'y'], [v, 'v']);
      const K = Kt(x.dtype);
      return add(v, mul(div(mink(y, v), sub(K, mink(x, y))), add(x, y)));
    },
    dist: (x, y) => {
      args('dist', [x, 'x'], [y, 'y']);
      return squeeze(distK(x, y), -1);
    },
    randomPoint: (key: PRNGKey, n: number, dim: number, dtype: DType = 'float32') => {
      if (typeof dim !== 'number' || !(dim >= 2)) throw new ShapeError(`lorentz.randomPoint: dim must be ≥ 2 (time + space), got ${describe(dim)}`);
      return projx(randomNormal(key, [n, dim], dtype));
    },
    toBall: (x) => toBall('toBall', x),
    fromBall: (y) => fromBall('fromBall', y),
    toPoincare: (x) => toBall('toPoincare', x),
    fromPoincare: (y) => fromBall('fromPoincare', y),
  };
  return Object.freeze(m);
}
