/**
 * The Poincaré ball of curvature −c (c > 0) as a manifold object (geoopt's
 * `manifold.py`): argument checks, then the formulas of poincare-math.ts
 * (geoopt's `math.py`) or the fused ops built on them (lib/ops/fused/).
 * The open ball of radius 1/√c with the conformal metric λ_x² ⟨·,·⟩,
 * λ_x = 2 / (1 − c‖x‖²); formulas and conventions: docs/math.md §1.
 *
 * Every function works row-wise over the last axis of `[N, D]` (or any
 * `[..., D]`) tensors and is built from differentiable ops, so gradients of
 * any order flow to the points, the tangent vectors and a tensor curvature.
 */
import { randomNormal, type PRNGKey } from '../tensor/random.ts';
import { ArgumentError, DomainError, ShapeError, ValueError, fmtShape } from '../errors.ts';
import { dataOf, dataRef, Tensor } from '../tensor/tensor.ts';
import type { DType } from '../../kernels/types.ts';
import { add, div, maximum, mul, neg, sqrt, square, sub, tanh, where, less, abs } from '../ops/elementwise.ts';
import { broadcastTo, sum } from '../ops/broadcast.ts';
import { norm } from '../ops/reduce.ts';
import { matmul } from '../ops/linalg.ts';
import { expandDims, squeeze, reshape } from '../ops/shape.ts';
import { checkTensor } from '../ops/util.ts';
import { cast } from '../ops/cast.ts';
import { poincarePairwiseDist } from '../ops/fused/poincarePairwiseDist.ts';
import { lcaDepthFused } from '../ops/fused/lcaDepth.ts';
import { toPoincareFused } from '../ops/fused/toPoincare.ts';
import { broadcastShapes } from '../tensor/shape.ts';
import type { Manifold } from './manifold.ts';
import {
  clipK,
  curv,
  distK,
  expmap0K,
  expmapK,
  gyrationK,
  lambdaK,
  logmap0K,
  logmapK,
  mobiusAddK,
  mobiusScalarMulK,
  projectK,
  type C,
} from './poincare-math.ts';
import { MIN_NORM, artanh, ballEps, checkCurvature, conformalFloor, curvValue, rowDot, rowNorm, rowSq, type Curvature } from './numerics.ts';

function checkRows(fn: string, x: unknown, name = 'x'): asserts x is Tensor {
  checkTensor(fn, x, name);
  if ((x as Tensor).rank < 1) throw new ShapeError(`${fn}: '${name}' must have a last (feature) axis, got shape []`);
}

function checkSameRows(fn: string, x: Tensor, y: Tensor, xn = 'x', yn = 'y'): void {
  if (x.shape[x.rank - 1] !== y.shape[y.rank - 1]) {
    throw new ShapeError(`${fn}: '${xn}' ${fmtShape(x.shape)} and '${yn}' ${fmtShape(y.shape)} have different feature sizes; expected equal last axes`);
  }
}

/** Throws a ShapeError naming `fn` unless the batch shapes of the row tensors broadcast together. */
function checkBatches(fn: string, xs: readonly (readonly [Tensor, string])[]): void {
  let shape = xs[0][0].shape;
  let names = `'${xs[0][1]}'`;
  for (let i = 1; i < xs.length; i++) {
    const [x, n] = xs[i];
    try {
      shape = broadcastShapes(fn, shape, x.shape);
    } catch {
      throw new ShapeError(
        `${fn}: the rows of ${names} ${fmtShape(shape)} and '${n}' ${fmtShape(x.shape)} cannot be broadcast together; expected equal batch shapes (or sizes 1)`,
      );
    }
    names += ` and '${n}'`;
  }
}

/**
 * Throws an ArgumentError naming `fn` unless `t` is a finite number or a Tensor, and a ShapeError
 * unless the tensor's values broadcast against the rows of `x`: with `keepAxis`, `t` itself must
 * broadcast with x's shape with a size-1 feature axis (`[..., 1]`, as mobiusScalarMul's r); otherwise
 * t gets a feature axis (`[...t, 1]`, as geodesic's t: a scalar, one value per row, or a batch of
 * times for one point).
 */
function checkScalarOrRows(fn: string, t: unknown, name: string, x: Tensor, keepAxis = false): void {
  if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw new ValueError(`${fn}: '${name}' must be a finite number, got ${t}`);
    return;
  }
  if (!(t instanceof Tensor)) {
    throw new ArgumentError(`${fn}: '${name}' must be a number or a Tensor, got ${t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t}`);
  }
  if (t.rank === 0) return;
  const rowsShape = [...x.shape.slice(0, -1), 1];
  const ts = keepAxis ? t.shape : [...t.shape, 1];
  let ok = true;
  try {
    const b = broadcastShapes(fn, ts, rowsShape);
    // r scales the rows: it may not add rows (t may: several times along one geodesic)
    if (keepAxis) ok = b.length === rowsShape.length && b.every((d, i) => d === rowsShape[i]);
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ShapeError(
      `${fn}: '${name}' ${fmtShape(t.shape)} does not broadcast against the rows of ${fmtShape(x.shape)}; expected a scalar or ${keepAxis ? `a shape broadcasting with ${fmtShape(rowsShape)}` : 'one value per row'}`,
    );
  }
}

/** A PRNG key check for the ball's samplers (ArgumentError naming `fn`). */
function checkKeyArg(fn: string, key: unknown): void {
  if (typeof key !== 'object' || key === null || (key as { kind?: unknown }).kind !== 'PRNGKey') {
    throw new ArgumentError(`${fn}: 'key' must be a PRNGKey made by prngKey(seed) or split(key), got ${key === null ? 'null' : typeof key}`);
  }
}

function checkCount(fn: string, v: unknown, name: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ValueError(`${fn}: '${name}' must be a positive integer, got ${typeof v === 'number' ? v : v === null ? 'null' : typeof v}`);
  }
}

/**
 * Throws a DomainError if some row of `x` lies outside the closed ball of
 * radius 1/√c (up to rounding). Used by the ball's functions
 * (`checkPoints`); a tensor whose values live only on a GPU device is not
 * checked there (checking would read it back on every call) — call this on
 * it directly to check it anyway.
 */
export function checkInBall(fn: string, x: Tensor, c: Curvature, name = 'x'): void {
  if (typeof fn !== 'string')
    throw new ArgumentError(`checkInBall: 'fn' must be the calling function's name (a string), got ${fn === null ? 'null' : typeof fn}`);
  if (typeof name !== 'string')
    throw new ArgumentError(`checkInBall: 'name' must be the argument's name (a string), got ${name === null ? 'null' : typeof name}`);
  checkTensor(fn, x, name);
  checkCurvature(fn, c);
  const d = dataOf(x);
  const D = x.shape[x.rank - 1] ?? 1;
  const sc = Math.sqrt(curvValue(c));
  const tol = x.dtype === 'float64' ? 1e-12 : 1e-6;
  for (let r = 0; r * D < d.length; r++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += d[r * D + j] * d[r * D + j];
    const n = Math.sqrt(s);
    if (!(sc * n <= 1 + tol)) {
      throw new DomainError(
        `${fn}: row ${r} of '${name}' (shape ${fmtShape(x.shape)}) has norm ${n}, outside the Poincaré ball of radius 1/√c = ${1 / sc}; ` +
          `expected points of the ball (use ball.project or ball.toPoincare first)`,
      );
    }
  }
}

// ---------------------------------------------------------------- the fused ops

/** `toPoincare` through its fused op (lib/ops/fused/toPoincare.ts). */
function toPoincareK(x: Tensor, clipR: number, k: C): Tensor {
  return toPoincareFused([x, k.c], { clipR, eps: ballEps(x.dtype), minNorm: MIN_NORM });
}

/** `lcaDepth` through its fused op (lib/ops/fused/lcaDepth.ts), the points broadcast to one shape. */
function lcaDepthFusedK(a: Tensor, b: Tensor, k: C): Tensor {
  const shape = broadcastShapes('lcaDepth', a.shape, b.shape);
  return lcaDepthFused([broadcastTo(a, shape), broadcastTo(b, shape), k.c], { minNorm: MIN_NORM });
}

/**
 * Pairwise distances `[N, M]` through the fused op (lib/ops/fused/poincarePairwiseDist.ts):
 * one matmul + one elementwise pass forward, one pass + two matmuls backward,
 * no [N, M, D] intermediate.
 */
function pairwiseDistK(x: Tensor, y: Tensor, k: C): Tensor {
  return poincarePairwiseDist(x, y, k.c);
}

// ---------------------------------------------------------------- the ball object

/** Options of {@link poincareBall}. */
export interface PoincareBallOptions {
  /** curvature magnitude c > 0 (the ball has curvature −c); a number or a learnable scalar tensor. Default 1. */
  readonly c?: Curvature;
  /**
   * check that arguments which must be points of the ball are (default true).
   * Points whose values live only on a GPU device (a device backend's results)
   * are not checked: that would read them back on every call.
   */
  readonly checkPoints?: boolean;
}

/** The Poincaré ball of curvature −c, as a set of row-wise functions (geoopt style). */
export interface PoincareBall extends Manifold {
  readonly name: 'poincare';
  /** curvature magnitude c */
  readonly c: Curvature;
  /** radius 1/√c of the ball (a number) */
  readonly radius: number;
  /** exponential map at 0: `[N, D]` tangent vectors → points (projected into the ball) */
  expmap0(v: Tensor): Tensor;
  /** logarithmic map at 0 */
  logmap0(y: Tensor): Tensor;
  /** exponential map at x (projected into the ball) */
  expmap(x: Tensor, v: Tensor): Tensor;
  /** logarithmic map at x */
  logmap(x: Tensor, y: Tensor): Tensor;
  /** Möbius addition x ⊕ y */
  mobiusAdd(x: Tensor, y: Tensor): Tensor;
  /** Möbius scalar multiplication r ⊗ x */
  mobiusScalarMul(r: Tensor | number, x: Tensor): Tensor;
  /** Möbius matrix-vector product M ⊗ x for a `[D_out, D]` matrix, row-wise on x */
  mobiusMatvec(m: Tensor, x: Tensor): Tensor;
  /** gyration gyr[u, v]w */
  gyration(u: Tensor, v: Tensor, w: Tensor): Tensor;
  /** geodesic distance, `[N]` */
  dist(x: Tensor, y: Tensor): Tensor;
  /** distance from the origin, `[N]` */
  dist0(x: Tensor): Tensor;
  /**
   * all distances between rows of x `[N, D]` and y `[M, D]`, `[N, M]` (one matmul; entries where
   * its Gram form would cancel — nearby points — are recomputed from ‖x_i − y_j‖², so float32 values
   * stay within 2u(λ_x + λ_y)(d + 1/√c) of the exact distance, u = 2⁻²⁴, also at the boundary)
   */
  pairwiseDist(x: Tensor, y: Tensor): Tensor;
  /** conformal factor λ_x = 2 / (1 − c‖x‖²), `[N]` */
  lambda(x: Tensor): Tensor;
  /** depth of the lowest common ancestor of a and b (HypHC), `[N]` */
  lcaDepth(a: Tensor, b: Tensor): Tensor;
  /** rescale rows with norm above (1 − ε)/√c onto that norm */
  project(x: Tensor): Tensor;
  /** `project(expmap0(clip_r(x)))`: Euclidean features into the ball (Hyp-ViT); clipR default 2.3 */
  toPoincare(x: Tensor, clipR?: number): Tensor;
  /** feature clipping x·min(1, r/‖x‖) */
  clip(x: Tensor, r?: number): Tensor;
  /** Riemannian gradient g / λ_x² from a Euclidean gradient g */
  egrad2rgrad(x: Tensor, g: Tensor): Tensor;
  /** parallel transport of v from x to y */
  transp(x: Tensor, y: Tensor, v: Tensor): Tensor;
  /** parallel transport of v from 0 to x: v·(1 − c‖x‖²) */
  transp0(x: Tensor, v: Tensor): Tensor;
  /** parallel transport of v from x back to 0 */
  transp0back(x: Tensor, v: Tensor): Tensor;
  /** point at time t on the geodesic from x (t = 0) to y (t = 1) */
  geodesic(x: Tensor, y: Tensor, t: Tensor | number): Tensor;
  /** Einstein (gyro-)midpoint of the rows of x with optional weights `[N]`, shape `[1, D]` */
  weightedMidpoint(x: Tensor, weights?: Tensor): Tensor;
  /** `n` samples of the wrapped normal at `mean` (`[1, D]`) with scale `std` */
  wrappedNormal(key: PRNGKey, mean: Tensor, std: number, n: number): Tensor;
  /** Riemannian inner product ⟨u, v⟩_x = λ_x² ⟨u, v⟩, `[N]` */
  inner(x: Tensor, u: Tensor, v?: Tensor): Tensor;
  /** Riemannian norm λ_x‖u‖, `[N]` */
  norm(x: Tensor, u: Tensor): Tensor;
  /** Riemannian Adam's second moment: the row's squared Riemannian norm λ_x²‖u‖², in every coordinate (as geoopt) */
  componentInner(x: Tensor, u: Tensor): Tensor;
  /** same as {@link PoincareBall.project} */
  projx(x: Tensor): Tensor;
  /** tangent spaces are all of Rᴰ: returns u */
  proju(x: Tensor, u: Tensor): Tensor;
  /** retraction project(x + u) */
  retr(x: Tensor, u: Tensor): Tensor;
  /** `n` points expmap0(v), v ~ N(0, I), in dimension `dim` */
  randomPoint(key: PRNGKey, n: number, dim: number, dtype?: DType): Tensor;
}

/**
 * The Poincaré ball with curvature −c (default c = 1). All methods are pure
 * and row-wise; see {@link PoincareBall}.
 */
export function poincareBall(options: PoincareBallOptions = {}): PoincareBall {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(
      `poincareBall: options must be an object such as { c: 1 } (or omitted), got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  const c0 = options.c ?? 1;
  checkCurvature('poincareBall', c0);
  if (options.checkPoints !== undefined && typeof options.checkPoints !== 'boolean') {
    throw new ArgumentError(`poincareBall: checkPoints must be a boolean, got ${typeof options.checkPoints}`);
  }
  const check = options.checkPoints ?? true;
  const K = (dtype: DType): C => curv(c0, dtype);
  const inBall = (fn: string, x: Tensor, name = 'x'): void => {
    // device-only values are not read back to be checked (see checkInBall)
    if (check && dataRef(x).onHost) checkInBall(fn, x, c0, name);
  };
  // every tensor argument is a Tensor with a feature axis, all of one feature size, with batch shapes that
  // broadcast: checked at the entry, so errors name the method called (not an op deep inside it)
  const rows = (fn: string, ...xs: [Tensor, string][]): void => {
    for (const [x, n] of xs) checkRows(fn, x, n);
    for (let i = 1; i < xs.length; i++) checkSameRows(fn, xs[0][0], xs[i][0], xs[0][1], xs[i][1]);
    if (xs.length > 1) checkBatches(fn, xs);
  };
  const same = (x: Tensor, y: Tensor): [Tensor, Tensor] => {
    if (x.dtype === y.dtype) return [x, y];
    return [cast(x, 'float64'), cast(y, 'float64')];
  };

  const ball: PoincareBall = {
    name: 'poincare',
    c: c0,
    radius: 1 / Math.sqrt(curvValue(c0)),
    expmap0: (v) => {
      rows('expmap0', [v, 'v']);
      return expmap0K(v, K(v.dtype));
    },
    logmap0: (y) => {
      rows('logmap0', [y, 'y']);
      inBall('logmap0', y, 'y');
      return logmap0K(y, K(y.dtype));
    },
    expmap: (x, v) => {
      rows('expmap', [x, 'x'], [v, 'v']);
      inBall('expmap', x);
      [x, v] = same(x, v);
      return expmapK(x, v, K(x.dtype));
    },
    logmap: (x, y) => {
      rows('logmap', [x, 'x'], [y, 'y']);
      inBall('logmap', x);
      inBall('logmap', y, 'y');
      [x, y] = same(x, y);
      return logmapK(x, y, K(x.dtype));
    },
    mobiusAdd: (x, y) => {
      rows('mobiusAdd', [x, 'x'], [y, 'y']);
      inBall('mobiusAdd', x);
      inBall('mobiusAdd', y, 'y');
      [x, y] = same(x, y);
      return mobiusAddK(x, y, K(x.dtype));
    },
    mobiusScalarMul: (r, x) => {
      rows('mobiusScalarMul', [x, 'x']);
      checkScalarOrRows('mobiusScalarMul', r, 'r', x, true);
      inBall('mobiusScalarMul', x);
      return mobiusScalarMulK(r, x, K(x.dtype));
    },
    mobiusMatvec: (m, x) => {
      rows('mobiusMatvec', [x, 'x']);
      checkTensor('mobiusMatvec', m, 'm');
      if (m.rank !== 2 || m.shape[1] !== x.shape[x.rank - 1]) {
        throw new ShapeError(`mobiusMatvec: m must be [D_out, ${x.shape[x.rank - 1]}] for x ${fmtShape(x.shape)}, got ${fmtShape(m.shape)}`);
      }
      inBall('mobiusMatvec', x);
      [m, x] = same(m, x);
      const k = K(x.dtype);
      const mx = matmul(x, m, { transposeB: true });
      const xn = rowNorm(x);
      const mxn = rowNorm(mx);
      const res = mul(div(tanh(mul(div(mxn, xn), artanh(mul(k.sc, xn)))), mul(mxn, k.sc)), mx);
      const zero = less(sum(abs(mx), -1, true), MIN_NORM);
      return projectK(where(zero, 0, res), k);
    },
    gyration: (u, v, w) => {
      rows('gyration', [u, 'u'], [v, 'v'], [w, 'w']);
      return gyrationK(u, v, w, K(promote3(u, v, w)));
    },
    dist: (x, y) => {
      rows('dist', [x, 'x'], [y, 'y']);
      inBall('dist', x);
      inBall('dist', y, 'y');
      [x, y] = same(x, y);
      return distK(x, y, K(x.dtype));
    },
    dist0: (x) => {
      rows('dist0', [x, 'x']);
      inBall('dist0', x);
      const k = K(x.dtype);
      return squeeze(mul(div(2, k.sc), artanh(mul(k.sc, rowNorm(x)))), -1);
    },
    pairwiseDist: (x, y) => {
      checkRows('pairwiseDist', x, 'x');
      checkRows('pairwiseDist', y, 'y');
      checkSameRows('pairwiseDist', x, y); // x [N, D] and y [M, D]: no batch to broadcast
      if (x.rank !== 2 || y.rank !== 2) {
        throw new ShapeError(`pairwiseDist: expected x [N, D] and y [M, D], got ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
      }
      inBall('pairwiseDist', x);
      inBall('pairwiseDist', y, 'y');
      [x, y] = same(x, y);
      return pairwiseDistK(x, y, K(x.dtype));
    },
    lambda: (x) => {
      rows('lambda', [x, 'x']);
      inBall('lambda', x);
      return squeeze(lambdaK(x, K(x.dtype)), -1);
    },
    lcaDepth: (a, b) => {
      rows('lcaDepth', [a, 'a'], [b, 'b']);
      inBall('lcaDepth', a, 'a');
      inBall('lcaDepth', b, 'b');
      [a, b] = same(a, b);
      return lcaDepthFusedK(a, b, K(a.dtype));
    },
    project: (x) => {
      rows('project', [x, 'x']);
      return projectK(x, K(x.dtype));
    },
    toPoincare: (x, clipR = 2.3) => {
      rows('toPoincare', [x, 'x']);
      if (!(clipR > 0)) throw new ValueError(`toPoincare: clipR must be positive, got ${clipR}`);
      return toPoincareK(x, clipR, K(x.dtype));
    },
    clip: (x, r = 2.3) => {
      rows('clip', [x, 'x']);
      if (!(r > 0)) throw new ValueError(`clip: r must be positive, got ${r}`);
      return clipK(x, r);
    },
    egrad2rgrad: (x, g) => {
      rows('egrad2rgrad', [x, 'x'], [g, 'g']);
      inBall('egrad2rgrad', x);
      [x, g] = same(x, g);
      return div(g, square(lambdaK(x, K(x.dtype))));
    },
    transp: (x, y, v) => {
      rows('transp', [x, 'x'], [y, 'y'], [v, 'v']);
      inBall('transp', x);
      inBall('transp', y, 'y');
      const k = K(promote3(x, y, v));
      return mul(gyrationK(y, neg(x), v, k), div(lambdaK(x, k), lambdaK(y, k)));
    },
    transp0: (x, v) => {
      rows('transp0', [x, 'x'], [v, 'v']);
      inBall('transp0', x);
      [x, v] = same(x, v);
      return mul(v, sub(1, mul(K(x.dtype).c, rowSq(x))));
    },
    transp0back: (x, v) => {
      rows('transp0back', [x, 'x'], [v, 'v']);
      inBall('transp0back', x);
      [x, v] = same(x, v);
      return div(v, maximum(sub(1, mul(K(x.dtype).c, rowSq(x))), conformalFloor(x.dtype)));
    },
    geodesic: (x, y, t) => {
      rows('geodesic', [x, 'x'], [y, 'y']);
      checkScalarOrRows('geodesic', t, 't', x.rank >= y.rank ? x : y);
      inBall('geodesic', x);
      inBall('geodesic', y, 'y');
      [x, y] = same(x, y);
      const k = K(x.dtype);
      const tt = typeof t === 'number' ? t : t.rank === 0 ? t : expandDims(t, -1);
      return mobiusAddK(x, mobiusScalarMulK(tt, mobiusAddK(neg(x), y, k), k), k);
    },
    weightedMidpoint: (x, weights) => {
      rows('weightedMidpoint', [x, 'x']);
      if (x.rank !== 2) throw new ShapeError(`weightedMidpoint: expected x [N, D], got ${fmtShape(x.shape)}`);
      if (weights !== undefined) {
        checkTensor('weightedMidpoint', weights, 'weights');
        if (weights.rank !== 1 || weights.shape[0] !== x.shape[0]) {
          throw new ShapeError(`weightedMidpoint: weights must be [${x.shape[0]}], got ${fmtShape(weights.shape)}`);
        }
      }
      inBall('weightedMidpoint', x);
      const k = K(x.dtype);
      const w = weights === undefined ? undefined : expandDims(cast(weights, x.dtype), -1);
      const lam = lambdaK(x, k); // [N, 1]
      const wl = w ? mul(w, lam) : lam;
      const nom = sum(mul(wl, x), 0, true); // [1, D]
      const den = sum(w ? mul(w, sub(lam, 1)) : sub(lam, 1), 0, true); // [1, 1]
      const twoMean = div(nom, maximum(den, MIN_NORM));
      // ½ ⊗ T = tanh(½·artanh(√c‖T‖))·T/(√c‖T‖) = T / (1 + √(1 − c‖T‖²)) (tanh of a half
      // argument). The closed form needs no artanh: T = 2 ⊗ midpoint lies twice as deep as the
      // midpoint, beyond the artanh clamp for midpoints past √c·d(0, m) ≈ 4.2 (float32) / 8.4 (float64),
      // where geoopt's ½ ⊗ T, through the clamped artanh, returns a point off the geodesic.
      const root = sqrt(maximum(sub(1, mul(k.c, rowSq(twoMean))), MIN_NORM));
      return projectK(div(twoMean, add(root, 1)), k);
    },
    wrappedNormal: (key, mean, std, n) => {
      checkKeyArg('wrappedNormal', key);
      rows('wrappedNormal', [mean, 'mean']);
      if (typeof std !== 'number' || !(std > 0) || !Number.isFinite(std))
        throw new ValueError(`wrappedNormal: std must be a positive finite number, got ${String(std)}`);
      checkCount('wrappedNormal', n, 'n');
      const D = mean.shape[mean.rank - 1];
      const m = reshape(mean, [-1, D]);
      if (m.shape[0] !== 1) throw new ShapeError(`wrappedNormal: mean must be one point ([D] or [1, D]), got ${fmtShape(mean.shape)}`);
      inBall('wrappedNormal', m, 'mean');
      const v = mul(randomNormal(key, [n, D], mean.dtype), std);
      const k = K(mean.dtype);
      const u = mul(v, sub(1, mul(k.c, rowSq(m))));
      return expmapK(m, u, k);
    },
    norm: (x, u) => {
      rows('norm', [x, 'x'], [u, 'u']);
      inBall('norm', x);
      [x, u] = same(x, u);
      return squeeze(mul(lambdaK(x, K(x.dtype)), norm(u, -1, true)), -1);
    },
    // The whole row's ⟨u, u⟩_x in every coordinate (geoopt: component_inner = inner, keepdim). A
    // per-coordinate λ²u² made Riemannian Adam unstable: the transported first moment is rotated
    // (gyration) into coordinates whose second moment is ≈ 0, and m/√v there sent points to the boundary.
    componentInner: (x, u) => {
      rows('componentInner', [x, 'x'], [u, 'u']);
      inBall('componentInner', x);
      [x, u] = same(x, u);
      const out = mul(square(lambdaK(x, K(x.dtype))), rowSq(u));
      return broadcastTo(out, broadcastShapes('componentInner', out.shape, u.shape));
    },
    projx: (x) => {
      rows('projx', [x, 'x']);
      return projectK(x, K(x.dtype));
    },
    proju: (x, u) => {
      rows('proju', [x, 'x'], [u, 'u']);
      return u;
    },
    retr: (x, u) => {
      rows('retr', [x, 'x'], [u, 'u']);
      return projectK(add(x, u), K(promote3(x, u, u)));
    },
    randomPoint: (key, n, dim, dtype = 'float32') => {
      checkKeyArg('randomPoint', key);
      checkCount('randomPoint', n, 'n');
      checkCount('randomPoint', dim, 'dim');
      if (dtype !== 'float32' && dtype !== 'float64') throw new ArgumentError(`randomPoint: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
      return expmap0K(randomNormal(key, [n, dim], dtype), K(dtype));
    },
    inner: (x, u, v) => {
      if (v === undefined) rows('inner', [x, 'x'], [u, 'u']);
      else rows('inner', [x, 'x'], [u, 'u'], [v, 'v']);
      inBall('inner', x);
      const vv = v ?? u;
      const dt = promote3(x, u, vv);
      const k = K(dt);
      const up = (t: Tensor): Tensor => (t.dtype === dt ? t : cast(t, dt));
      return squeeze(mul(square(lambdaK(up(x), k)), rowDot(up(u), up(vv))), -1);
    },
  };
  return Object.freeze(ball);
}

function promote3(a: Tensor, b: Tensor, c: Tensor): DType {
  return a.dtype === 'float64' || b.dtype === 'float64' || c.dtype === 'float64' ? 'float64' : 'float32';
}
