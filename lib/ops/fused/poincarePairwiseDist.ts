/**
 * `poincarePairwiseDist(x, y, c)`: all geodesic distances `[N, M]` between the
 * rows of x `[N, D]` and y `[M, D]` in the Poincaré ball of curvature −c, as
 * a fused op: one matmul plus one elementwise pass forward, one elementwise
 * pass plus two matmuls backward; no `[N, M, D]` intermediate.
 *
 * The definition (the composite below, also the higher-order path):
 *   ‖−x ⊕ y‖² = E / (A·B + c·E),  E = ‖x − y‖², A = 1 − c‖x‖², B = 1 − c‖y‖²,
 *   d = (2/√c)·artanh(√c‖−x ⊕ y‖),
 * with E from `pairwiseSqEuclidean` (from the differences). Every term is
 * non-negative inside the ball, so nothing cancels but E itself, which is
 * computed from the differences.
 *
 * The fast path evaluates the same value from the Gram matrix ⟨x, y⟩ (one
 * matmul) and the squared norms, in the kernels' closed form
 *   ‖−x ⊕ y‖ = ‖A'x − B y‖ / (1 − 2c⟨x,y⟩ + c²‖x‖²‖y‖²),  A' = 1 − 2c⟨x,y⟩ + c‖y‖²,
 * which cancels catastrophically for nearby points: it reads ‖x − y‖² as
 * ‖x‖² + ‖y‖² − 2⟨x,y⟩, whose float32 rounding error (≈ u·(‖x‖² + ‖y‖²)) swamps
 * ‖x − y‖² when the points are close — near the boundary the result was off by
 * orders of magnitude (a self-distance of 11 at c = 1e-3). So the fast path
 * finds the ill-conditioned entries, those with
 *   ‖x‖² + ‖y‖² − 2⟨x,y⟩ ≤ κ·(‖x‖² + ‖y‖²),  κ = 1/4
 * (the points within ≈ 41° and a factor ≈ 2 in norm of each other), and
 * recomputes them from the definition above with E from the differences, in
 * float64, rounded once (an O(D) correction pass over those entries only; in
 * a CHEST step embeddings and proxies are rarely that close, so it costs
 * nothing there). The kernels' partials of those entries are replaced in the
 * backward likewise (their cotangent is zeroed before the kernel, and their
 * exact contribution added). On the remaining entries the closed form loses at
 * most a relative ≈ u/κ in ‖−x ⊕ y‖, as `dist` does.
 */
import { kernel } from '../../../kernels/registry.ts';
import type { Storage } from '../../../kernels/types.ts';
import type { Tensor, TensorData } from '../../tensor/tensor.ts';
import { dataOf, dataRef, fromData, fromStorage } from '../../tensor/tensor.ts';
import { castStorage } from '../../../kernels/types.ts';
import { add, div, maximum, mul, sqrt, square, sub } from '../elementwise.ts';
import { matmul } from '../linalg.ts';
import { sum } from '../broadcast.ts';
import { reshape } from '../shape.ts';
import { artanh, artanhEps } from '../special.ts';
import { fusedOp } from './define.ts';
import { pairwiseSqEuclidean } from './pairwiseSqEuclidean.ts';

const MIN = 1e-15;
const MIN2 = MIN * MIN;

/**
 * Entries whose Gram-form ‖x − y‖² has cancelled more than a factor 1/κ:
 * `‖x‖² + ‖y‖² − 2⟨x,y⟩ ≤ κ(‖x‖² + ‖y‖²)`. @internal (tests)
 */
export const ILL_CONDITIONED_KAPPA = 0.25;

/** The definition of the fused op (also its higher-order path, and the path on device backends). @internal (tests) */
export function poincarePairwiseComposite(x: Tensor, y: Tensor, c: Tensor): Tensor {
  return composite([x, y, c]);
}

function composite([x, y, c]: readonly Tensor[]): Tensor {
  const E = pairwiseSqEuclidean(x, y); // [N, M], from the differences
  const x2 = sum(square(x), -1, true); // [N, 1]
  const y2 = reshape(sum(square(y), -1, true), [1, -1]); // [1, M]
  const A = sub(1, mul(c, x2));
  const B = sub(1, mul(c, y2));
  const den = add(mul(A, B), mul(c, E)); // 1 − 2c⟨x,y⟩ + c²‖x‖²‖y‖²
  const m = sqrt(div(maximum(E, MIN2), maximum(den, MIN)));
  const sc = sqrt(c);
  return mul(div(2, sc), artanh(mul(sc, m)));
}

function rowSq(x: Tensor): Tensor {
  return reshape(sum(square(x), -1), [-1]);
}

/** Flat indices of the ill-conditioned entries (see the module comment), or undefined if none. */
function illConditioned(xy: Storage, x2: Storage, y2: Storage, N: number, M: number): Int32Array | undefined {
  let out: Int32Array | undefined;
  let n = 0;
  // s − 2⟨x,y⟩ ≤ κs ⇔ ⟨x,y⟩ ≥ h·s with h = (1 − κ)/2: one add and one comparison per entry
  const h = (1 - ILL_CONDITIONED_KAPPA) / 2;
  const hy = new Float64Array(M);
  for (let j = 0; j < M; j++) hy[j] = h * y2[j];
  for (let i = 0; i < N; i++) {
    const hx = h * x2[i];
    for (let j = 0, o = i * M; j < M; j++, o++) {
      // also catches NaN (left to the exact pass, which propagates it)
      if (!(xy[o] < hx + hy[j])) {
        if (!out || n === out.length) {
          const grown = new Int32Array(Math.min(N * M, Math.max(16, 2 * n)));
          if (out) grown.set(out);
          out = grown;
        }
        out[n++] = o;
      }
    }
  }
  return out && out.subarray(0, n);
}

/** Row squared norms in float64. */
function rowSq64(x: Storage, n: number, D: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0, o = i * D; k < D; k++, o++) s += x[o] * x[o];
    out[i] = s;
  }
  return out;
}

/** ‖x_i − y_j‖² in float64. */
function sqDiff(x: Storage, y: Storage, i: number, j: number, D: number): number {
  let s = 0;
  for (let k = 0, a = i * D, b = j * D; k < D; k++, a++, b++) {
    const t = x[a] - y[b];
    s += t * t;
  }
  return s;
}

/** Subgradient share of a in max(a, b), as the op layer's `maximum`. */
function share(a: number, b: number): number {
  return a > b ? 1 : a < b ? 0 : 0.5;
}

/** The definition's value d per entry (float64): {@link exactEntry}'s d. */
function exactValue(E: number, a2: number, b2: number, c: number, eps: number): number {
  const den = (1 - c * a2) * (1 - c * b2) + c * E;
  const sc = Math.sqrt(c);
  let u = sc * Math.sqrt((E > MIN2 ? E : MIN2) / (den > MIN ? den : MIN));
  if (u > 1 - eps) u = 1 - eps;
  return (1 / sc) * Math.log((1 + u) / (1 - u));
}

/**
 * The definition's per-entry quantities (float64): d, and the partials of d
 * with respect to E, ‖x‖² and ‖y‖² (the artanh's gradient straight through its
 * clamp, the maxima's subgradient shares, as the composite's ops).
 */
function exactEntry(E: number, a2: number, b2: number, c: number, eps: number) {
  const A = 1 - c * a2;
  const B = 1 - c * b2;
  const den = A * B + c * E;
  const Ec = E > MIN2 ? E : MIN2;
  const denC = den > MIN ? den : MIN;
  const q = Ec / denC;
  const m = Math.sqrt(q);
  const sc = Math.sqrt(c);
  let u = sc * m;
  if (u > 1 - eps) u = 1 - eps;
  else if (u < -1 + eps) u = -1 + eps;
  const d = (1 / sc) * Math.log((1 + u) / (1 - u));
  // ∂d/∂m = 2/(1 − û²); m = √q: ∂m/∂q = 1/(2m); q = Ec/denC
  const gq = 2 / (1 - u * u) / (2 * m);
  const gEc = gq / denC;
  const gDen = (-gq * q * share(den, MIN)) / denC;
  return { d, gE: gEc * share(E, MIN2) + gDen * c, gx2: gDen * -c * B, gy2: gDen * -c * A };
}

/**
 * The ill-conditioned entries and their ‖x_i − y_j‖². With few of them
 * (at most N + M) each is taken from the differences, O(D) apiece. With many
 * (points in a cluster) that would cost a whole [N, M, D] pass, so the Gram
 * form is evaluated once more on the rows centred at their mean o, where
 * ‖x̃_i‖² + ‖ỹ_j‖² − 2⟨x̃_i, ỹ_j⟩ (x̃ = x − o, ỹ = y − o) no longer cancels for
 * pairs near o; only entries still ill-conditioned there (the same κ test on
 * the centred norms) are taken from the differences (`direct`).
 */
interface Correction {
  /** flat indices of the ill-conditioned entries */
  readonly fix: Int32Array;
  /** ‖x_i − y_j‖² of each, float64 */
  readonly E: Float64Array;
  /** the centred rows, when the centred Gram form was used */
  readonly centred?: { readonly xc: Tensor; readonly yc: Tensor; readonly direct: Uint8Array };
  /** squared row norms in float64 */
  readonly a2: Float64Array;
  readonly b2: Float64Array;
}

function correction(x: Tensor, y: Tensor, fix: Int32Array): Correction {
  const N = x.shape[0],
    M = y.shape[0],
    D = x.shape[1];
  const xs = dataOf(x),
    ys = dataOf(y);
  const a2 = rowSq64(xs, N, D),
    b2 = rowSq64(ys, M, D);
  const E = new Float64Array(fix.length);
  if (fix.length <= N + M) {
    fix.forEach((o, t) => {
      const i = (o / M) | 0;
      E[t] = sqDiff(xs, ys, i, o - i * M, D);
    });
    return { fix, E, a2, b2 };
  }
  const o = new Float64Array(D);
  for (let i = 0; i < N * D; i++) o[i % D] += xs[i];
  for (let j = 0; j < M * D; j++) o[j % D] += ys[j];
  for (let k = 0; k < D; k++) o[k] /= N + M;
  const centre = (v: Storage, n: number): Tensor => {
    const out = new Float64Array(n * D);
    for (let i = 0; i < n * D; i++) out[i] = v[i] - o[i % D];
    return fromStorage(castStorage(out, x.dtype), [n, D], x.dtype);
  };
  const xc = centre(xs, N),
    yc = centre(ys, M);
  const xyc = dataOf(matmul(xc, yc, { transposeB: true }));
  const xcs = dataOf(xc),
    ycs = dataOf(yc);
  const ac = rowSq64(xcs, N, D),
    bc = rowSq64(ycs, M, D);
  const direct = new Uint8Array(fix.length);
  fix.forEach((f, t) => {
    const i = (f / M) | 0,
      j = f - i * M;
    const sc = ac[i] + bc[j];
    const e = sc - 2 * xyc[f];
    if (e > ILL_CONDITIONED_KAPPA * sc) E[t] = e;
    else {
      E[t] = sqDiff(xs, ys, i, j, D);
      direct[t] = 1;
    }
  });
  return { fix, E, a2, b2, centred: { xc, yc, direct } };
}

/** The forward's Gram matrix, squared norms and corrections, kept for the backward when recording. */
interface Saved {
  readonly xy: Tensor;
  readonly x2: Tensor;
  readonly y2: Tensor;
  readonly corr: Correction | undefined;
}

function gram(x: Tensor, y: Tensor): Saved {
  const xy = matmul(x, y, { transposeB: true });
  const x2 = rowSq(x),
    y2 = rowSq(y);
  const fix = illConditioned(dataOf(xy), dataOf(x2), dataOf(y2), x.shape[0], y.shape[0]);
  return { xy, x2, y2, corr: fix && correction(x, y, fix) };
}

const op = fusedOp<undefined, Saved>('poincarePairwiseDist', composite, {
  kernels: ['poincarePairwiseForward', 'poincarePairwiseBackward'],
  forward: ([x, y, c], _a, save) => {
    const N = x.shape[0],
      M = y.shape[0];
    const dt = x.dtype;
    const s = gram(x, y);
    const cv = dataOf(c)[0];
    const eps = artanhEps(dt);
    const d = kernel('poincarePairwiseForward', dt)(dataRef(s.xy), dataRef(s.x2), dataRef(s.y2), N, M, cv, eps, dt);
    save?.(s);
    const corr = s.corr;
    if (!corr) return fromData(d, [N, M]);
    // the correction pass: the ill-conditioned entries from the definition, in float64
    const out: Storage = castStorage(d.host(), dt);
    const { fix, E, a2, b2 } = corr;
    for (let t = 0; t < fix.length; t++) {
      const o = fix[t],
        i = (o / M) | 0;
      out[o] = exactValue(E[t], a2[i], b2[o - i * M], cv, eps);
    }
    return fromStorage(out, [N, M], dt);
  },
  backward: (g, [x, y, c], _out, _a, needs, saved) => {
    if (needs[2]) return undefined; // a traced curvature: use the composite
    const N = x.shape[0],
      M = y.shape[0];
    const dt = x.dtype;
    const cv = dataOf(c)[0];
    const eps = artanhEps(dt);
    const { xy, x2, y2, corr } = saved ?? gram(x, y);
    let gk = g;
    if (corr) {
      // the kernel sees a zero cotangent on the ill-conditioned entries: their share is added below
      const gh = castStorage(dataOf(g), dt);
      for (const o of corr.fix) gh[o] = 0;
      gk = fromStorage(gh, [N, M], dt);
    }
    const { dxy, rx, ry } = kernel('poincarePairwiseBackward', dt)(dataRef(gk), dataRef(xy), dataRef(x2), dataRef(y2), N, M, cv, eps, dt);
    const dh = dxy.host(); // in dt from the js kernel (rounded once, as castStorage would), float64 from another backend
    const Dm = fromStorage(dh instanceof (dt === 'float64' ? Float64Array : Float32Array) ? dh : castStorage(dh, dt), [N, M], dt);
    const col = (v: TensorData, n: number): Tensor =>
      fromStorage(
        castStorage(
          v.host().map((t) => 2 * t),
          dt,
        ),
        [n, 1],
        dt,
      );
    // ∂/∂x_i = Σ_j D_ij y_j + 2 x_i Σ_j ∂/∂‖x_i‖²  (and symmetrically for y)
    let gx = needs[0] ? add(matmul(Dm, y), mul(x, col(rx, N))) : undefined;
    let gy = needs[1] ? add(matmul(Dm, x, { transposeA: true }), mul(y, col(ry, M))) : undefined;
    if (corr) {
      const [cx, cy] = correctionBackward(corr, dataOf(g), x, y, cv, eps, needs[0], needs[1]);
      if (gx && cx) gx = add(gx, cx);
      if (gy && cy) gy = add(gy, cy);
    }
    return [gx, gy, undefined];
  },
});

/**
 * The gradient contributions of the corrected entries, from the definition:
 * with W = g·∂d/∂E, ∂/∂x_i = Σ_j 2W_ij (x_i − y_j) + 2 x_i Σ_j g·∂d/∂‖x_i‖² (and
 * symmetrically for y). Entries whose E came from the centred Gram form use it
 * here too, as matmuls on the centred rows (2(x̃ ⊙ Σ_j W − W·ỹ): no cancellation
 * for them); the others loop over their differences.
 */
function correctionBackward(
  corr: Correction,
  g: Storage,
  x: Tensor,
  y: Tensor,
  c: number,
  eps: number,
  needX: boolean,
  needY: boolean,
): [Tensor | undefined, Tensor | undefined] {
  const N = x.shape[0],
    M = y.shape[0],
    D = x.shape[1];
  const dt = x.dtype;
  const xs = dataOf(x),
    ys = dataOf(y);
  const cx = needX ? new Float64Array(N * D) : undefined;
  const cy = needY ? new Float64Array(M * D) : undefined;
  const rx = new Float64Array(N),
    ry = new Float64Array(M); // Σ 2g·∂d/∂‖x‖², Σ 2g·∂d/∂‖y‖²
  const W = corr.centred ? new Float64Array(N * M) : undefined;
  const wr = new Float64Array(N),
    wc = new Float64Array(M); // row and column sums of 2W
  const direct = corr.centred?.direct;
  corr.fix.forEach((o, t) => {
    const gij = g[o];
    if (gij === 0) return;
    const i = (o / M) | 0,
      j = o - i * M;
    const e = exactEntry(corr.E[t], corr.a2[i], corr.b2[j], c, eps);
    const gE = 2 * gij * e.gE;
    rx[i] += 2 * gij * e.gx2;
    ry[j] += 2 * gij * e.gy2;
    if (W && !direct?.[t]) {
      W[o] = gE;
      wr[i] += gE;
      wc[j] += gE;
      return;
    }
    for (let k = 0, a = i * D, b = j * D; k < D; k++, a++, b++) {
      const d = gE * (xs[a] - ys[b]);
      if (cx) cx[a] += d;
      if (cy) cy[b] -= d;
    }
  });
  for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) if (cx) cx[i * D + k] += rx[i] * xs[i * D + k];
  for (let j = 0; j < M; j++) for (let k = 0; k < D; k++) if (cy) cy[j * D + k] += ry[j] * ys[j * D + k];
  let gx = cx && fromStorage(castStorage(cx, dt), [N, D], dt);
  let gy = cy && fromStorage(castStorage(cy, dt), [M, D], dt);
  if (W && corr.centred) {
    const { xc, yc } = corr.centred;
    const Wt = fromStorage(castStorage(W, dt), [N, M], dt);
    const column = (v: Float64Array, n: number): Tensor => fromStorage(castStorage(v, dt), [n, 1], dt);
    if (gx) gx = add(gx, sub(mul(xc, column(wr, N)), matmul(Wt, yc)));
    if (gy) gy = add(gy, sub(mul(yc, column(wc, M)), matmul(Wt, xc, { transposeA: true })));
  }
  return [gx, gy];
}

/**
 * Pairwise Poincaré distances `[N, M]` between rows of `x [N, D]` and
 * `y [M, D]` for curvature `c` (a scalar tensor of the same dtype; gradients
 * flow to it through the composite definition). Points are not checked here.
 */
export function poincarePairwiseDist(x: Tensor, y: Tensor, c: Tensor): Tensor {
  return op([x, y, c], undefined);
}
