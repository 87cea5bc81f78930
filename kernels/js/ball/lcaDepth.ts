/**
 * The fused `lcaDepth` kernels: HypHC's LCA depth of the row pairs (a_t, b_t)
 * by the cancellation-free "height × base" formula — forward two sweeps over
 * the pairs, backward (hand-derived, see {@link lcaDepthBackward}) three. The
 * definition is the composite `lcaDepthK` (lib/manifolds/poincare-math.ts);
 * the forward repeats its operations and roundings, so values and clamp
 * decisions are bitwise the composite's (see toPoincare.ts for the conventions).
 */
import { alloc, type DType, type LcaResiduals, type Storage } from '../../types.ts';
import { rd, maxShare, maxOf, isBad, scaledNorm, normOf } from './common.ts';

/** The arguments of the `lcaDepth` kernels: `rows` pairs of rows of length D, curvature c, the norm floor. */
export interface LcaDepthArgs {
  readonly a: Storage;
  readonly b: Storage;
  readonly rows: number;
  readonly D: number;
  readonly c: number;
  readonly minNorm: number;
  readonly dtype: DType;
}

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
  const ua = na === 0 ? 1 : na,
    ub = nb === 0 ? 1 : nb; // unitRows: x / where(‖x‖ = 0, 1, ‖x‖)
  const { ah, bh, d1, s2 } = s;
  for (let j = 0; j < D; j++) {
    ah[so + j] = a[o + j] / ua; // storing rounds as the op layer does
    bh[so + j] = b[o + j] / ub;
    const x = ah[so + j],
      y = bh[so + j];
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
  const sa = col(),
    sb = col(),
    sd = col();
  const st = {
    na: col(),
    nb: col(),
    a2: col(),
    b2: col(),
    dn: col(),
    n1: col(),
    n2: col(),
    d1a: dots ? col() : undefined,
    s2a: dots ? col() : undefined,
    d1b: dots ? col() : undefined,
    s2b: dots ? col() : undefined,
  };
  const { dv, d1, s2 } = s;
  let badA = false,
    badB = false,
    badD = false;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    let qa = 0,
      qb = 0,
      qd = 0,
      a2 = 0,
      b2 = 0;
    for (let j = 0; j < D; j++) {
      const aj = a[o + j],
        bj = b[o + j];
      const aa = aj * aj,
        bb = bj * bj;
      qa += aa;
      qb += bb;
      a2 += rd(aa, f32);
      b2 += rd(bb, f32);
      const t = rd(aj - bj, f32);
      qd += t * t;
    }
    sa[i] = qa;
    sb[i] = qb;
    sd[i] = qd;
    st.a2[i] = rd(a2, f32);
    st.b2[i] = rd(b2, f32);
    badA ||= isBad(qa);
    badB ||= isBad(qb);
    badD ||= isBad(qd);
  }
  let bad1 = false,
    bad2 = false;
  const { ah, bh } = s;
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    const na = rd(normOf(sa[i], badA, a, o, D), f32);
    const nb = rd(normOf(sb[i], badB, b, o, D), f32);
    st.na[i] = na;
    st.nb[i] = nb;
    if (badD) {
      for (let j = 0; j < D; j++) dv[j] = a[o + j] - b[o + j];
      st.dn[i] = rd(scaledNorm(dv, 0, D), f32);
    } else st.dn[i] = rd(Math.sqrt(sd[i]), f32);
    // one sweep: the unit vectors (unitVectors' operations and roundings; stored for the backward only),
    // the sums of squares of â − b̂ and â + b̂ and, with dots, the four dot products, each summed in index order
    const ua = na === 0 ? 1 : na,
      ub = nb === 0 ? 1 : nb;
    let q1 = 0,
      q2 = 0;
    if (dots) {
      let x1 = 0,
        x2 = 0,
        x3 = 0,
        x4 = 0;
      for (let j = 0; j < D; j++) {
        const x = rd(a[o + j] / ua, f32),
          y = rd(b[o + j] / ub, f32);
        ah[o + j] = x;
        bh[o + j] = y;
        const p = rd(x - y, f32),
          q = rd(x + y, f32);
        q1 += p * p;
        q2 += q * q;
        x1 += p * x;
        x2 += q * x;
        x3 += p * y;
        x4 += q * y;
      }
      st.d1a![i] = x1;
      st.s2a![i] = x2;
      st.d1b![i] = x3;
      st.s2b![i] = x4;
    } else {
      for (let j = 0; j < D; j++) {
        const x = rd(a[o + j] / ua, f32),
          y = rd(b[o + j] / ub, f32);
        const p = rd(x - y, f32),
          q = rd(x + y, f32);
        q1 += p * p;
        q2 += q * q;
      }
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
  A: number;
  B: number; // 1 − c‖a‖², 1 − c‖b‖²
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
  const f32 = k.f32,
    c = k.c;
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
  r.sinT = sinT;
  r.same = same;
  r.safeDn = safeDn;
  r.A = A;
  r.B = B;
  r.W = W;
  r.root = root;
  r.P0 = P0;
  r.Nm = Nm;
  r.Q = Q;
  r.Dn = Dn;
  r.sh = sh;
  r.depth = same ? 0 : depth;
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
 * curvature c. With `save`, it also returns as `saved` what {@link lcaDepthBackward}
 * needs (the same norms, plus unit vectors and dot products).
 */
export function lcaDepthForward({ a, b, rows, D, c, minNorm, dtype, save = false }: LcaDepthArgs & { readonly save?: boolean }): {
  out: Storage;
  saved: LcaResiduals | undefined;
} {
  const k = lcaConst(c, minNorm, dtype);
  const s = save ? wholeScratch(dtype, rows, D) : lcaScratch(dtype, D);
  const st = lcaNorms(a, b, rows, D, k, s, save);
  const saved: LcaResiduals | undefined = save ? { rows: st, scratch: s } : undefined;
  const out = alloc(dtype, rows);
  const r = newLcaRow();
  for (let i = 0; i < rows; i++) {
    lcaScalars(st, i, k, r);
    out[i] = r.depth;
  }
  return { out, saved };
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
export function lcaDepthBackward({
  g,
  a,
  b,
  rows,
  D,
  c,
  minNorm,
  needA,
  needB,
  dtype,
  saved,
}: LcaDepthArgs & { readonly g: Storage; readonly needA: boolean; readonly needB: boolean; readonly saved?: LcaResiduals }): {
  da: Storage | undefined;
  db: Storage | undefined;
} {
  const k = lcaConst(c, minNorm, dtype);
  const { c: cc, sc, min } = k;
  // the forward's norms and unit vectors when it kept them (the same computation), else computed here
  const s: LcaScratch = saved !== undefined ? (saved.scratch as LcaScratch) : wholeScratch(dtype, rows, D);
  const st: LcaRows = saved !== undefined ? (saved.rows as LcaRows) : lcaNorms(a, b, rows, D, k, s, true);
  const da = needA ? alloc(dtype, rows * D) : undefined;
  const db = needB ? alloc(dtype, rows * D) : undefined;
  const { ah, bh } = s;
  const f32 = k.f32;
  const r = newLcaRow();
  for (let i = 0, o = 0; i < rows; i++, o += D) {
    lcaScalars(st, i, k, r);
    if (r.same) continue; // where(same, 0, depth): no cotangent reaches depth
    const na = st.na[i],
      nb = st.nb[i],
      n1 = st.n1[i],
      n2 = st.n2[i],
      dn = st.dn[i];
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
    const s1 = n1 === 0 ? 1 : n1,
      s22 = n2 === 0 ? 1 : n2,
      sd = dn === 0 ? 1 : dn;
    // unitRows' backward: (ĝ − ⟨ĝ, x̂⟩x̂) / max(‖x‖, MIN), ĝ_a = g1·(â − b̂)/n1 + g2·(â + b̂)/n2, ĝ_b = −g1·(â − b̂)/n1 + g2·(â + b̂)/n2
    const ga0 = g1 * (st.d1a![i] / s1) + g2 * (st.s2a![i] / s22);
    const gb0 = -g1 * (st.d1b![i] / s1) + g2 * (st.s2b![i] / s22);
    // 1/max(‖x‖, MIN) ≤ 1e15 is finite; the other reciprocals are used where they are (else divide)
    const ra = 1 / maxOf(na, min),
      rb = 1 / maxOf(nb, min);
    const recip = s1 >= 1e-290 && s22 >= 1e-290 && sd >= 1e-290;
    const r1 = 1 / s1,
      r2 = 1 / s22,
      rdn = 1 / sd;
    if (recip && da && db) {
      // the common case, branch-free (the same operations as the general loop below)
      const a1 = 2 * gA2,
        b1 = 2 * gB2;
      for (let j = 0; j < D; j++) {
        const x = ah[o + j],
          y = bh[o + j];
        const aj = a[o + j],
          bj = b[o + j];
        const u1 = rd(x - y, f32) * r1,
          u2 = rd(x + y, f32) * r2,
          ud = rd(aj - bj, f32) * rdn;
        da[o + j] = (g1 * u1 + g2 * u2 - ga0 * x) * ra + gNa * x + a1 * aj + gDnorm * ud;
        db[o + j] = (-g1 * u1 + g2 * u2 - gb0 * y) * rb + gNb * y + b1 * bj - gDnorm * ud;
      }
      continue;
    }
    for (let j = 0; j < D; j++) {
      const x = ah[o + j],
        y = bh[o + j];
      const aj = a[o + j],
        bj = b[o + j];
      const p = rd(x - y, f32),
        q = rd(x + y, f32),
        t = rd(aj - bj, f32);
      const u1 = recip ? p * r1 : p / s1;
      const u2 = recip ? q * r2 : q / s22;
      const ud = recip ? t * rdn : t / sd;
      if (da) da[o + j] = (g1 * u1 + g2 * u2 - ga0 * x) * ra + gNa * x + 2 * gA2 * aj + gDnorm * ud;
      if (db) db[o + j] = (-g1 * u1 + g2 * u2 - gb0 * y) * rb + gNb * y + 2 * gB2 * bj - gDnorm * ud;
    }
  }
  return { da, db };
}
