/**
 * Fused row-wise kernels of the Poincaré ball (curvature −c):
 *
 *  - `toPoincare`: y = project(project(expmap0(clip_r(x)))) — expmap0 projects
 *    once itself — for every row of x: forward one sweep over the rows per
 *    stage (clip, expmap0, the two projections), no tensor per intermediate;
 *    backward (given the cotangent of y) the same sweeps plus one pass per row;
 *  - `lcaDepth`: HypHC's LCA depth of the row pairs (a_t, b_t) by the
 *    cancellation-free "height × base" formula: forward two sweeps over the
 *    pairs, backward (hand-derived, see {@link lcaDepthBackward}) three.
 *
 * The definitions are the composites in lib/manifolds/poincare.ts
 * (`clipK`/`expmap0K`/`projectK` and `lcaDepthK`). The forward kernels repeat
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
 * The backward kernels recompute the forward intermediates (with the same
 * rounding, so they take the same branches) and apply the chain rule of the
 * composite in float64, rounding the gradient once when it is stored. They
 * follow the op layer's conventions: ‖x‖'s derivative is g·(x/‖x‖), taken as
 * 0 at x = 0 (and formed in that order, so it stays finite for subnormal
 * rows), the gradient of `maximum`/`minimum` is split in halves at ties,
 * `where` sends the cotangent to the selected branch only.
 */
import { alloc, type DType, type LcaResiduals, type Storage } from '../types.ts';

/** `v` as the op layer stores an op's result in data of this precision. */
function rd(v: number, f32: boolean): number {
  return f32 ? Math.fround(v) : v;
}

/** Share of the gradient of max(a, b) that goes to a (the op layer's `maxMask`). */
function maxShare(a: number, b: number): number {
  return a > b ? 1 : a < b ? 0 : 0.5;
}

/** Share of the gradient of min(a, b) that goes to a (the op layer's `minMask`). */
function minShare(a: number, b: number): number {
  return a < b ? 1 : a > b ? 0 : 0.5;
}

/** max(a, b) as the op layer's `maximum` (a when a ≥ b or a is NaN). */
function maxOf(a: number, b: number): number {
  return a >= b || a !== a ? a : b;
}

/** Whether a row's sum of squares makes the op layer's `norm` use its scaled method for the whole tensor. */
function isBad(s: number): boolean {
  return s === Infinity || s < 1e-290;
}

/** ‖x[o .. o + D)‖ by the op layer's scaled two-pass method (max |x_j|, then Σ(|x_j|/max)²). */
function scaledNorm(x: ArrayLike<number>, o: number, D: number): number {
  let m = -Infinity;
  for (let j = 0; j < D; j++) {
    const t = Math.abs(x[o + j]);
    if (t > m || t !== t) m = t;
  }
  let ss = 0;
  for (let j = 0; j < D; j++) {
    const t = m > 0 && m !== Infinity ? Math.abs(x[o + j]) / m : 0;
    ss += t * t;
  }
  return m === 0 || m === Infinity || m !== m ? m : m * Math.sqrt(ss);
}

/**
 * The op layer's `norm` of the row at offset o (before rounding to the dtype),
 * given its float64 sum of squares `s` (accumulated in index order) and whether
 * the tensor uses the scaled method (`scaled`: some row of it {@link isBad}).
 */
function normOf(s: number, scaled: boolean, x: ArrayLike<number>, o: number, D: number): number {
  return scaled ? scaledNorm(x, o, D) : Math.sqrt(s);
}

/** ⟨G, u[uo ..]⟩ over D entries, in float64. */
function dot(G: Float64Array, u: ArrayLike<number>, uo: number, D: number): number {
  let s = 0;
  for (let j = 0; j < D; j++) s += G[j] * u[uo + j];
  return s;
}

// ---------------------------------------------------------------- toPoincare

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
    nx0: col(), nx: col(), q: col(), f: col(), nv0: col(), scn: col(), th: col(), t: col(),
    ne0: col(), ne: col(), p1: new Uint8Array(rows), np0: col(), np: col(), p2: new Uint8Array(rows),
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
    st.nx0[i] = nx0; st.nx[i] = nx; st.q[i] = q; st.f[i] = f;
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
    st.nv0[i] = nv0; st.scn[i] = scn; st.th[i] = th; st.t[i] = t;
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
    st.ne0[i] = ne0; st.ne[i] = ne;
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
    st.np0[i] = np0; st.np[i] = np;
    st.p2[i] = np > k.mx ? 1 : 0;
  }
  return st;
}

/**
 * The ball's `toPoincare` for `rows` rows of length D: project(expmap0(clip_r(x)))
 * with expmap0's own projection, curvature c, project's margin ε.
 */
export function toPoincareForward(x: Storage, rows: number, D: number, clipR: number, c: number, eps: number, minNorm: number, dtype: DType): Storage {
  const k = tpConst(clipR, c, eps, minNorm, dtype);
  const out = alloc(dtype, rows * D);
  const st = tpForward(x, rows, D, k, out, out, out); // v, e, p in place
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    if (st.p2[i] === 0) continue;
    const np = st.np[i];
    for (let j = 0; j < D; j++) out[o + j] = rd(out[o + j] / np, k.f32) * k.mx;
  }
  return out;
}

/**
 * Gradient of Σ g·toPoincare(x) with respect to x (curvature and radius
 * constant), rounded once to `dtype`.
 */
export function toPoincareBackward(
  g: Storage, x: Storage, rows: number, D: number, clipR: number, c: number, eps: number, minNorm: number, dtype: DType,
): Storage {
  const k = tpConst(clipR, c, eps, minNorm, dtype);
  const { mx, min, sc } = k;
  const V = alloc(dtype, rows * D), E = alloc(dtype, rows * D), P = alloc(dtype, rows * D);
  const st = tpForward(x, rows, D, k, V, E, P);
  const out = alloc(dtype, rows * D);
  const G = new Float64Array(D);
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    for (let j = 0; j < D; j++) G[j] = g[o + j];
    // y = where(np > mx, (p/np)·mx, p): the cotangent goes to the selected branch
    if (st.p2[i] === 1) projectBack(G, P, o, st.np0[i], st.np[i], mx, min, D);
    // p = where(ne > mx, (e/ne)·mx, e)
    if (st.p1[i] === 1) projectBack(G, E, o, st.ne0[i], st.ne[i], mx, min, D);
    // e = t·v, t = tanh(s)/s, s = √c·max(‖v‖, MIN)
    const scn = st.scn[i], th = st.th[i], t = st.t[i], nv0 = st.nv0[i];
    const gt = dot(G, V, o, D);
    const gScn = (-gt * th) / (scn * scn) + (gt / scn) * (1 - th * th);
    const gv0 = gScn * sc * maxShare(nv0, min); // cotangent of ‖v‖
    const sv = nv0 === 0 ? 1 : nv0;
    for (let j = 0; j < D; j++) G[j] = G[j] * t + gv0 * (V[o + j] / sv);
    // v = x·f, f = min(q, 1), q = r / max(‖x‖, MIN)
    const f = st.f[i], nx = st.nx[i], nx0 = st.nx0[i];
    const gf = dot(G, x, o, D);
    const gx0 = ((-gf * minShare(st.q[i], 1) * k.r) / (nx * nx)) * maxShare(nx0, min); // cotangent of ‖x‖
    const sx = nx0 === 0 ? 1 : nx0;
    for (let j = 0; j < D; j++) out[o + j] = G[j] * f + gx0 * (x[o + j] / sx);
  }
  return out;
}

/**
 * In place: G ← the cotangent of u (the row at offset o) given the cotangent G
 * of (u/n)·mx, with n = max(n0, MIN) and n0 = ‖u‖ (the selected branch of `project`).
 */
function projectBack(G: Float64Array, u: Storage, o: number, n0: number, n: number, mx: number, min: number, D: number): void {
  const gn0 = ((-mx * dot(G, u, o, D)) / (n * n)) * maxShare(n0, min); // cotangent of ‖u‖
  const s = mx / n;
  const sn = n0 === 0 ? 1 : n0;
  for (let j = 0; j < D; j++) G[j] = G[j] * s + gn0 * (u[o + j] / sn);
}

// ---------------------------------------------------------------- lcaDepth

/** Constants of lcaDepth in the data's precision. */
interface LcaConst {
  readonly f32: boolean;
  readonly c: number;
  readonly c2: number; // c·2
  readonly sc: number; // √c
  readonly min: number; // MIN_NORM
}

function lcaConst(c: number, minNorm: number, dtype: DType): LcaConst {
  const f32 = dtype === 'float32';
  const cc = rd(c, f32);
  return { f32, c: cc, c2: rd(cc * 2, f32), sc: rd(Math.sqrt(cc), f32), min: rd(minNorm, f32) };
}

/** Per-row norms and sums of the LCA forward (the composite's, rounded as it rounds them). */
interface LcaRows {
  readonly na: Float64Array; // ‖a‖
  readonly nb: Float64Array;
  readonly a2: Float64Array; // rowSq(a) = Σ a_j² (squares rounded to the dtype)
  readonly b2: Float64Array;
  readonly dn: Float64Array; // ‖a − b‖
  readonly n1: Float64Array; // ‖â − b̂‖
  readonly n2: Float64Array; // ‖â + b̂‖
  /** with `dots`: ⟨â − b̂, â⟩, ⟨â + b̂, â⟩, ⟨â − b̂, b̂⟩, ⟨â + b̂, b̂⟩ */
  readonly d1a?: Float64Array;
  readonly s2a?: Float64Array;
  readonly d1b?: Float64Array;
  readonly s2b?: Float64Array;
}

/** The vectors of one LCA row pair, in the data's precision: â, b̂, â − b̂, â + b̂, a − b. */
interface LcaScratch {
  readonly ah: Storage; // row-sized, or `[rows·D]` (see lcaNorms)
  readonly bh: Storage;
  readonly d1: Storage;
  readonly s2: Storage;
  readonly dv: Storage;
}

/**
 * Fills `s` with the unit vectors (at offset `so` of ah, bh: 0 for row-sized
 * scratch, o for whole-tensor arrays) and their difference and sum (row-sized)
 * for the row pair at offset o.
 */
function unitVectors(a: Storage, b: Storage, o: number, so: number, D: number, na: number, nb: number, s: LcaScratch): void {
  const ua = na === 0 ? 1 : na, ub = nb === 0 ? 1 : nb; // unitRows: x / where(‖x‖ = 0, 1, ‖x‖)
  const { ah, bh, d1, s2 } = s;
  for (let j = 0; j < D; j++) {
    ah[so + j] = a[o + j] / ua; // storing rounds as the op layer does
    bh[so + j] = b[o + j] / ub;
    const x = ah[so + j], y = bh[so + j];
    d1[j] = x - y;
    s2[j] = x + y;
  }
}

/** The norms and sums of every row pair, stage by stage (each norm's method chosen over its whole tensor). */
function lcaNorms(a: Storage, b: Storage, rows: number, D: number, k: LcaConst, s: LcaScratch, dots: boolean): LcaRows {
  // with dots (the backward), s.ah and s.bh hold the unit vectors of every row (`[rows·D]`), kept for the gradient
  const whole = dots;
  const f32 = k.f32;
  const col = (): Float64Array => new Float64Array(rows);
  const sa = col(), sb = col(), sd = col();
  const st = {
    na: col(), nb: col(), a2: col(), b2: col(), dn: col(), n1: col(), n2: col(),
    d1a: dots ? col() : undefined, s2a: dots ? col() : undefined, d1b: dots ? col() : undefined, s2b: dots ? col() : undefined,
  };
  const { dv, d1, s2 } = s;
  let badA = false, badB = false, badD = false;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    let qa = 0, qb = 0, qd = 0, a2 = 0, b2 = 0;
    for (let j = 0; j < D; j++) {
      const aj = a[o + j], bj = b[o + j];
      const aa = aj * aj, bb = bj * bj;
      qa += aa;
      qb += bb;
      a2 += rd(aa, f32);
      b2 += rd(bb, f32);
      const t = rd(aj - bj, f32);
      qd += t * t;
    }
    sa[i] = qa; sb[i] = qb; sd[i] = qd;
    st.a2[i] = rd(a2, f32);
    st.b2[i] = rd(b2, f32);
    badA ||= isBad(qa);
    badB ||= isBad(qb);
    badD ||= isBad(qd);
  }
  let bad1 = false, bad2 = false;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    const na = rd(normOf(sa[i], badA, a, o, D), f32);
    const nb = rd(normOf(sb[i], badB, b, o, D), f32);
    st.na[i] = na;
    st.nb[i] = nb;
    if (badD) {
      for (let j = 0; j < D; j++) dv[j] = a[o + j] - b[o + j];
      st.dn[i] = rd(scaledNorm(dv, 0, D), f32);
    } else st.dn[i] = rd(Math.sqrt(sd[i]), f32);
    const so = whole ? o : 0;
    unitVectors(a, b, o, so, D, na, nb, s);
    let q1 = 0, q2 = 0;
    for (let j = 0; j < D; j++) {
      const p = d1[j], q = s2[j];
      q1 += p * p;
      q2 += q * q;
    }
    if (dots) {
      const { ah, bh } = s;
      let x1 = 0, x2 = 0, x3 = 0, x4 = 0;
      for (let j = 0; j < D; j++) {
        x1 += d1[j] * ah[so + j];
        x2 += s2[j] * ah[so + j];
        x3 += d1[j] * bh[so + j];
        x4 += s2[j] * bh[so + j];
      }
      st.d1a![i] = x1; st.s2a![i] = x2; st.d1b![i] = x3; st.s2b![i] = x4;
    }
    sa[i] = q1; // reused: the sums of squares of â − b̂ and â + b̂
    sb[i] = q2;
    bad1 ||= isBad(q1);
    bad2 ||= isBad(q2);
  }
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    if (bad1 || bad2) unitVectors(a, b, o, whole ? o : 0, D, st.na[i], st.nb[i], s);
    st.n1[i] = rd(normOf(sa[i], bad1, d1, 0, D), f32);
    st.n2[i] = rd(normOf(sb[i], bad2, s2, 0, D), f32);
  }
  return st;
}

/** The scalar chain of one row pair (the composite's intermediates, rounded as it rounds them). */
interface LcaRow {
  sinT: number;
  same: boolean; // ‖a − b‖ < MIN
  safeDn: number; // where(same, 1, ‖a − b‖)
  A: number; B: number; // 1 − c‖a‖², 1 − c‖b‖²
  W: number; // c·safeDn² + A·B (before the MIN floor)
  root: number; // √max(W, MIN)
  P0: number; // ‖a‖‖b‖
  Nm: number; // ‖a‖‖b‖ sin θ · 2c
  Q: number; // √c·safeDn
  Dn: number; // Q·root
  sh: number; // sinh(√c·depth)
  depth: number; // the output (0 where `same`)
}

function lcaScalars(st: LcaRows, i: number, k: LcaConst, r: LcaRow): void {
  const f32 = k.f32, c = k.c;
  const sinT = rd(rd(st.n1[i] * st.n2[i], f32) / 2, f32);
  const dn = st.dn[i];
  const same = dn < k.min;
  const safeDn = same ? 1 : dn;
  const A = rd(1 - rd(c * st.a2[i], f32), f32);
  const B = rd(1 - rd(c * st.b2[i], f32), f32);
  const W = rd(rd(c * rd(safeDn * safeDn, f32), f32) + rd(A * B, f32), f32);
  const root = rd(Math.sqrt(maxOf(W, k.min)), f32);
  const P0 = rd(st.na[i] * st.nb[i], f32);
  const Nm = rd(rd(P0 * sinT, f32) * k.c2, f32);
  const Q = rd(k.sc * safeDn, f32);
  const Dn = rd(Q * root, f32);
  const sh = rd(Nm / Dn, f32);
  const depth = rd(rd(Math.asinh(sh), f32) / k.sc, f32);
  r.sinT = sinT; r.same = same; r.safeDn = safeDn; r.A = A; r.B = B; r.W = W; r.root = root;
  r.P0 = P0; r.Nm = Nm; r.Q = Q; r.Dn = Dn; r.sh = sh; r.depth = same ? 0 : depth;
}

function newLcaRow(): LcaRow {
  return { sinT: 0, same: false, safeDn: 0, A: 0, B: 0, W: 0, root: 0, P0: 0, Nm: 0, Q: 0, Dn: 0, sh: 0, depth: 0 };
}

function lcaScratch(dtype: DType, D: number): LcaScratch {
  return { ah: alloc(dtype, D), bh: alloc(dtype, D), d1: alloc(dtype, D), s2: alloc(dtype, D), dv: alloc(dtype, D) };
}

/** The whole-tensor scratch of the backward (unit vectors of every row kept). */
function wholeScratch(dtype: DType, rows: number, D: number): LcaScratch {
  return { ah: alloc(dtype, rows * D), bh: alloc(dtype, rows * D), d1: alloc(dtype, D), s2: alloc(dtype, D), dv: alloc(dtype, D) };
}

/**
 * LCA depths `[rows]` of the row pairs of a and b (`[rows, D]` each),
 * curvature c. Given `keep`, it also computes what {@link lcaDepthBackward}
 * needs (the same norms, plus unit vectors and dot products) and keeps it there.
 */
export function lcaDepthForward(
  a: Storage, b: Storage, rows: number, D: number, c: number, minNorm: number, dtype: DType, keep?: LcaResiduals,
): Storage {
  const k = lcaConst(c, minNorm, dtype);
  const s = keep ? wholeScratch(dtype, rows, D) : lcaScratch(dtype, D);
  const st = lcaNorms(a, b, rows, D, k, s, keep !== undefined);
  if (keep) {
    keep.rows = st;
    keep.scratch = s;
  }
  const out = alloc(dtype, rows);
  const r = newLcaRow();
  for (let i = 0; i < rows; i++) {
    lcaScalars(st, i, k, r);
    out[i] = r.depth;
  }
  return out;
}

/**
 * Gradients of Σ g·lcaDepth(a, b) with respect to a and b (those asked for by
 * `needA`, `needB`), rounded once to `dtype`. Pairs with ‖a − b‖ < MIN_NORM
 * get 0 (the composite's `where`); zero points and collinear pairs get the
 * composite's finite values (the norm's derivative at 0 is 0, unitRows divides
 * by max(‖x‖, MIN_NORM)).
 *
 * The chain rule of the composite, per pair, with n_a = ‖a‖, â = a/n_a (0 for
 * a = 0), δ = â − b̂, σ = â + b̂, d = ‖a − b‖, sh = N/Dn, N = 2c·n_a n_b sin θ,
 * sin θ = ‖δ‖‖σ‖/2, Dn = √c·d·ρ, ρ = √max(W, MIN), W = c·d² + A·B,
 * A = 1 − c‖a‖², B = 1 − c‖b‖²:
 *   ḡ_sh = g/(√c·√(sh² + 1)),  ḡ_N = ḡ_sh/Dn,  ḡ_Dn = −ḡ_sh·N/Dn²,
 *   ḡ_{n_a} = 2c·ḡ_N·sin θ·n_b,  ḡ_{sin θ} = 2c·ḡ_N·n_a n_b,
 *   ḡ_W = ḡ_Dn·√c·d/(2ρ)·[W > MIN, ½ at a tie],  ḡ_d = ḡ_Dn·√c·ρ + 2c·d·ḡ_W,
 *   ḡ_{‖a‖²} = −c·B·ḡ_W,  ḡ_{‖δ‖} = ḡ_{sin θ}‖σ‖/2,  ḡ_{‖σ‖} = ḡ_{sin θ}‖δ‖/2,
 *   ĝ_a = ḡ_{‖δ‖}·δ/‖δ‖ + ḡ_{‖σ‖}·σ/‖σ‖  (the cotangent of â; of b̂ with −δ),
 *   ∂/∂a = (ĝ_a − ⟨ĝ_a, â⟩â)/max(n_a, MIN) + ḡ_{n_a}·â + 2ḡ_{‖a‖²}·a + ḡ_d·(a − b)/d,
 * and symmetrically for b (with −(a − b)/d). x/‖x‖ is taken with ‖x‖ → 1 at
 * x = 0, as the op layer's norm does.
 */
export function lcaDepthBackward(
  g: Storage, a: Storage, b: Storage, rows: number, D: number, c: number, minNorm: number, needA: boolean, needB: boolean, dtype: DType,
  saved?: LcaResiduals,
): { da: Storage | undefined; db: Storage | undefined } {
  const k = lcaConst(c, minNorm, dtype);
  const { c: cc, sc, min } = k;
  // the forward's norms and unit vectors when it kept them (the same computation), else computed here
  const kept = saved?.rows !== undefined && saved.scratch !== undefined;
  const s: LcaScratch = kept ? (saved.scratch as LcaScratch) : wholeScratch(dtype, rows, D);
  const st: LcaRows = kept ? (saved.rows as LcaRows) : lcaNorms(a, b, rows, D, k, s, true);
  const da = needA ? alloc(dtype, rows * D) : undefined;
  const db = needB ? alloc(dtype, rows * D) : undefined;
  const { ah, bh } = s;
  const f32 = k.f32;
  const r = newLcaRow();
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    lcaScalars(st, i, k, r);
    if (r.same) continue; // where(same, 0, depth): no cotangent reaches depth
    const na = st.na[i], nb = st.nb[i], n1 = st.n1[i], n2 = st.n2[i], dn = st.dn[i];
    // depth = asinh(sh)/√c
    const gSh = g[i] / sc / Math.sqrt(r.sh * r.sh + 1);
    // sh = Nm / Dn
    const gNm = gSh / r.Dn;
    const gDn = (-gSh * r.Nm) / (r.Dn * r.Dn);
    // Nm = P·2c, P = P0·sinθ, P0 = ‖a‖‖b‖
    const gP = gNm * k.c2;
    const gP0 = gP * r.sinT;
    const gSin = gP * r.P0;
    const gNa = gP0 * nb; // cotangents of ‖a‖, ‖b‖
    const gNb = gP0 * na;
    // Dn = Q·root, Q = √c·safeDn, root = √max(W, MIN), W = c·safeDn² + A·B
    const gW = ((gDn * r.Q) / (2 * r.root)) * maxShare(r.W, min);
    const gDnorm = gDn * r.root * sc + gW * cc * 2 * r.safeDn; // cotangent of ‖a − b‖ (= safeDn here)
    const gA2 = -gW * r.B * cc; // A = 1 − c‖a‖²
    const gB2 = -gW * r.A * cc;
    // sinθ = ‖â − b̂‖‖â + b̂‖/2: cotangents of the two norms
    const g1 = (gSin * n2) / 2;
    const g2 = (gSin * n1) / 2;
    // the norms' derivatives are x / where(‖x‖ = 0, 1, ‖x‖) (formed in this order: finite for tiny rows)
    const s1 = n1 === 0 ? 1 : n1, s22 = n2 === 0 ? 1 : n2, sd = dn === 0 ? 1 : dn;
    // unitRows' backward: (ĝ − ⟨ĝ, x̂⟩x̂) / max(‖x‖, MIN), ĝ_a = g1·(â − b̂)/n1 + g2·(â + b̂)/n2, ĝ_b = −g1·(â − b̂)/n1 + g2·(â + b̂)/n2
    const ga0 = g1 * (st.d1a![i] / s1) + g2 * (st.s2a![i] / s22);
    const gb0 = -g1 * (st.d1b![i] / s1) + g2 * (st.s2b![i] / s22);
    // 1/max(‖x‖, MIN) ≤ 1e15 is finite; the other reciprocals are used where they are (else divide)
    const ra = 1 / maxOf(na, min), rb = 1 / maxOf(nb, min);
    const recip = s1 >= 1e-290 && s22 >= 1e-290 && sd >= 1e-290;
    const r1 = 1 / s1, r2 = 1 / s22, rdn = 1 / sd;
    for (let j = 0; j < D; j++) {
      const x = ah[o + j], y = bh[o + j];
      const aj = a[o + j], bj = b[o + j];
      const p = rd(x - y, f32), q = rd(x + y, f32), t = rd(aj - bj, f32);
      const u1 = recip ? p * r1 : p / s1;
      const u2 = recip ? q * r2 : q / s22;
      const ud = recip ? t * rdn : t / sd;
      if (da) da[o + j] = (g1 * u1 + g2 * u2 - ga0 * x) * ra + gNa * x + 2 * gA2 * aj + gDnorm * ud;
      if (db) db[o + j] = (-g1 * u1 + g2 * u2 - gb0 * y) * rb + gNb * y + 2 * gB2 * bj - gDnorm * ud;
    }
  }
  return { da, db };
}
