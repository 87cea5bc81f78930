/**
 * The fused `toPoincare` kernels: y = project(project(expmap0(clip_r(x)))) —
 * expmap0 projects once itself — for every row of x. Forward one sweep over
 * the rows per stage (clip, expmap0, the two projections), no tensor per
 * intermediate; backward (given the cotangent of y) the same sweeps plus one
 * pass per row. The definition is the composite in lib/ops/fused/toPoincare.ts
 * (`clipK`/`expmap0K`/`projectK` of lib/manifolds/poincare-math.ts).
 *
 * The forward kernels (here and in lcaDepth.ts) repeat
 * the composite's arithmetic operation by operation, in the same order, and
 * round every intermediate result as the op layer stores it (once per op, to
 * float32 for float32 data), so their values and every clamp decision (the
 * MIN_NORM floors, project's `norm > maxNorm`, clip's `min(r/‖x‖, 1)`, LCA's
 * `‖a − b‖ < MIN_NORM`) are those of the composite: the values are bitwise
 * equal. That includes the op layer's `norm`, which switches a whole tensor to
 * its scaled two-pass method when any row's sum of squares overflows or
 * underflows (< 1e-290, e.g. a zero row): the kernels work stage by stage over
 * all rows where the composite takes a norm, and make the same choice.
 *
 * The backward kernels take the forward intermediates kept by the forward
 * (`save`), or recompute them (with the same rounding, so they take the same
 * branches), and apply the chain rule of the
 * composite in float64, rounding the gradient once when it is stored. They
 * follow the op layer's conventions: ‖x‖'s derivative is g·(x/‖x‖), taken as
 * 0 at x = 0 (and formed in that order, so it stays finite for subnormal
 * rows), the gradient of `maximum`/`minimum` is split in halves at ties,
 * `where` sends the cotangent to the selected branch only.
 */
import { alloc, type DType, type Storage } from '../../types.ts';
import { rd, maxShare, minShare, maxOf, isBad, normOf, dot, projectBack } from './common.ts';

/** The arguments of the `toPoincare` kernels: `rows` rows of length D, clip radius, curvature c, project's margin ε, the norm floor. */
export interface ToPoincareArgs {
  readonly x: Storage;
  readonly rows: number;
  readonly D: number;
  readonly clipR: number;
  readonly c: number;
  readonly eps: number;
  readonly minNorm: number;
  readonly dtype: DType;
}

/** Constants of toPoincare in the data's precision, as the composite's scalar tensors hold them. */
interface TPConst {
  readonly f32: boolean;
  /** clip radius r */
  readonly r: number;
  /** MIN_NORM */
  readonly min: number;
  /** √c */
  readonly sc: number;
  /** project's maxNorm = (1 − ε)/√c */
  readonly mx: number;
}

function tpConst(clipR: number, c: number, eps: number, minNorm: number, dtype: DType): TPConst {
  const f32 = dtype === 'float32';
  const cc = rd(c, f32);
  const sc = rd(Math.sqrt(cc), f32);
  return { f32, r: rd(clipR, f32), min: rd(minNorm, f32), sc, mx: rd(rd(1 - eps, f32) / sc, f32) };
}

/** Per-row scalars of toPoincare's forward. */
interface TPRows {
  readonly nx0: Float64Array; // ‖x‖
  readonly nx: Float64Array; // max(‖x‖, MIN)
  readonly q: Float64Array; // r / nx
  readonly f: Float64Array; // min(q, 1)
  readonly nv0: Float64Array; // ‖v‖, v = x·f
  readonly scn: Float64Array; // √c·max(‖v‖, MIN)
  readonly th: Float64Array; // tanh(scn)
  readonly t: Float64Array; // th / scn
  readonly ne0: Float64Array; // ‖e‖, e = t·v
  readonly ne: Float64Array;
  readonly p1: Uint8Array; // ne > maxNorm: expmap0's projection applies
  readonly np0: Float64Array; // ‖p‖, p = project(e)
  readonly np: Float64Array;
  readonly p2: Uint8Array; // np > maxNorm: the outer projection applies
}

/**
 * toPoincare's forward, stage by stage over all rows (each norm's method is
 * chosen over its whole tensor, as the op layer does): v into V, e into E,
 * p into P (each `[rows·D]` in the data's precision, so storing rounds as the
 * op layer does; the three may be one array, then overwritten in place),
 * the per-row scalars into the result.
 */
function tpForward(x: Storage, rows: number, D: number, k: TPConst, V: Storage, E: Storage, P: Storage): TPRows {
  const f32 = k.f32;
  const col = (): Float64Array => new Float64Array(rows);
  const st: TPRows = {
    nx0: col(),
    nx: col(),
    q: col(),
    f: col(),
    nv0: col(),
    scn: col(),
    th: col(),
    t: col(),
    ne0: col(),
    ne: col(),
    p1: new Uint8Array(rows),
    np0: col(),
    np: col(),
    p2: new Uint8Array(rows),
  };
  const ss = col();
  // clip_r: v = x·min(r / max(‖x‖, MIN), 1)
  let bad = false;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    let s = 0;
    for (let j = 0; j < D; j++) {
      const t = x[o + j];
      s += t * t;
    }
    ss[i] = s;
    bad ||= isBad(s);
  }
  let badNext = false;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    const nx0 = rd(normOf(ss[i], bad, x, o, D), f32);
    const nx = maxOf(nx0, k.min);
    const q = rd(k.r / nx, f32);
    const f = q <= 1 || q !== q ? q : 1;
    st.nx0[i] = nx0;
    st.nx[i] = nx;
    st.q[i] = q;
    st.f[i] = f;
    let s = 0;
    for (let j = 0; j < D; j++) {
      V[o + j] = x[o + j] * f;
      const t = V[o + j];
      s += t * t;
    }
    ss[i] = s;
    badNext ||= isBad(s);
  }
  // expmap0: e = tanh(√c·n)/(√c·n)·v, n = max(‖v‖, MIN)
  bad = badNext;
  badNext = false;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    const nv0 = rd(normOf(ss[i], bad, V, o, D), f32);
    const scn = rd(k.sc * maxOf(nv0, k.min), f32);
    const th = rd(Math.tanh(scn), f32);
    const t = rd(th / scn, f32);
    st.nv0[i] = nv0;
    st.scn[i] = scn;
    st.th[i] = th;
    st.t[i] = t;
    let s = 0;
    for (let j = 0; j < D; j++) {
      E[o + j] = t * V[o + j];
      const y = E[o + j];
      s += y * y;
    }
    ss[i] = s;
    badNext ||= isBad(s);
  }
  // expmap0's projection: p = where(ne > maxNorm, (e/ne)·maxNorm, e)
  bad = badNext;
  badNext = false;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    const ne0 = rd(normOf(ss[i], bad, E, o, D), f32);
    const ne = maxOf(ne0, k.min);
    st.ne0[i] = ne0;
    st.ne[i] = ne;
    if (ne > k.mx) {
      st.p1[i] = 1;
      let s = 0;
      for (let j = 0; j < D; j++) {
        P[o + j] = rd(E[o + j] / ne, f32) * k.mx;
        const y = P[o + j];
        s += y * y;
      }
      ss[i] = s;
    } else if (P !== E) for (let j = 0; j < D; j++) P[o + j] = E[o + j];
    badNext ||= isBad(ss[i]);
  }
  // the outer projection's test
  bad = badNext;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    const np0 = rd(normOf(ss[i], bad, P, o, D), f32);
    const np = maxOf(np0, k.min);
    st.np0[i] = np0;
    st.np[i] = np;
    st.p2[i] = np > k.mx ? 1 : 0;
  }
  return st;
}

/** What {@link toPoincareForward} keeps, with `save`, for {@link toPoincareBackward}: the per-row scalars and v, e, p. */
export interface ToPoincareResiduals {
  readonly rows: object;
  readonly V: Storage;
  readonly E: Storage;
  readonly P: Storage;
}

/**
 * The ball's `toPoincare` for `rows` rows of length D: project(expmap0(clip_r(x)))
 * with expmap0's own projection, curvature c, project's margin ε. With `save`,
 * it also returns as `saved` the intermediates {@link toPoincareBackward} would
 * otherwise recompute (the same computation, kept in separate arrays instead of in place).
 */
export function toPoincareForward({ x, rows, D, clipR, c, eps, minNorm, dtype, save = false }: ToPoincareArgs & { readonly save?: boolean }): {
  out: Storage;
  saved: ToPoincareResiduals | undefined;
} {
  const k = tpConst(clipR, c, eps, minNorm, dtype);
  const out = alloc(dtype, rows * D);
  const [V, E, P] = save ? [alloc(dtype, rows * D), alloc(dtype, rows * D), alloc(dtype, rows * D)] : [out, out, out]; // else v, e, p in place
  const st = tpForward(x, rows, D, k, V, E, P);
  if (P !== out) out.set(P);
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    if (st.p2[i] === 0) continue;
    const np = st.np[i];
    for (let j = 0; j < D; j++) out[o + j] = rd(out[o + j] / np, k.f32) * k.mx;
  }
  return { out, saved: save ? { rows: st, V, E, P } : undefined };
}

/**
 * Gradient of Σ g·toPoincare(x) with respect to x (curvature and radius
 * constant), rounded once to `dtype`; from what the forward kept (`saved`),
 * else recomputing it (the same values).
 */
export function toPoincareBackward({
  g,
  x,
  rows,
  D,
  clipR,
  c,
  eps,
  minNorm,
  dtype,
  saved,
}: ToPoincareArgs & { readonly g: Storage; readonly saved?: ToPoincareResiduals }): Storage {
  const k = tpConst(clipR, c, eps, minNorm, dtype);
  const { mx, min, sc } = k;
  let V: Storage, E: Storage, P: Storage, st: TPRows;
  if (saved !== undefined) {
    ({ V, E, P } = saved);
    st = saved.rows as TPRows;
  } else {
    V = alloc(dtype, rows * D);
    E = alloc(dtype, rows * D);
    P = alloc(dtype, rows * D);
    st = tpForward(x, rows, D, k, V, E, P);
  }
  const out = alloc(dtype, rows * D);
  const G = new Float64Array(D);
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    for (let j = 0; j < D; j++) G[j] = g[o + j];
    // y = where(np > mx, (p/np)·mx, p): the cotangent goes to the selected branch
    if (st.p2[i] === 1) projectBack(G, P, o, st.np0[i], st.np[i], mx, min, D);
    // p = where(ne > mx, (e/ne)·mx, e)
    if (st.p1[i] === 1) projectBack(G, E, o, st.ne0[i], st.ne[i], mx, min, D);
    // e = t·v, t = tanh(s)/s, s = √c·max(‖v‖, MIN)
    const scn = st.scn[i],
      th = st.th[i],
      t = st.t[i],
      nv0 = st.nv0[i];
    const gt = dot(G, V, o, D);
    const gScn = (-gt * th) / (scn * scn) + (gt / scn) * (1 - th * th);
    const gv0 = gScn * sc * maxShare(nv0, min); // cotangent of ‖v‖
    const sv = nv0 === 0 ? 1 : nv0;
    for (let j = 0; j < D; j++) G[j] = G[j] * t + gv0 * (V[o + j] / sv);
    // v = x·f, f = min(q, 1), q = r / max(‖x‖, MIN)
    const f = st.f[i],
      nx = st.nx[i],
      nx0 = st.nx0[i];
    const gf = dot(G, x, o, D);
    const gx0 = ((-gf * minShare(st.q[i], 1) * k.r) / (nx * nx)) * maxShare(nx0, min); // cotangent of ‖x‖
    const sx = nx0 === 0 ? 1 : nx0;
    for (let j = 0; j < D; j++) out[o + j] = G[j] * f + gx0 * (x[o + j] / sx);
  }
  return out;
}
