/**
 * Fused SoftTriple kernels: the loss of a class-major similarity matrix
 * `[B, C·K]` in one pass per row, and its gradient with respect to the
 * similarities in one more pass (docs/math.md §2). Accumulation in float64.
 *
 * Per row i: p_ck = softmax_k(s_ck / γ), S_c = Σ_k p_ck s_ck,
 * z_c = λ (S_c − δ [c = y_i]), ℓ_i = logΣ_c exp z_c − z_{y_i}; the loss is mean_i ℓ_i.
 * Backward: ∂ℓ/∂z_c = softmax(z)_c − [c = y]; ∂S_c/∂s_ck = p_ck (1 + (s_ck − S_c)/γ).
 */
import { alloc, type DType, type SoftTripleResiduals, type Storage } from '../types.ts';

interface RowScratch {
  p: Float64Array; // [C·K] center softmax within each class
  S: Float64Array; // [C] relaxed class similarity
  z: Float64Array; // [C] logits
}

function row(sim: Storage, i: number, C: number, K: number, y: number, la: number, gamma: number, margin: number, r: RowScratch): number {
  const base = i * C * K;
  let zmax = -Infinity;
  for (let c = 0; c < C; c++) {
    const o = base + c * K;
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (sim[o + k] > m) m = sim[o + k];
    let den = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp((sim[o + k] - m) / gamma);
      r.p[c * K + k] = e;
      den += e;
    }
    let S = 0;
    for (let k = 0; k < K; k++) {
      const pk = r.p[c * K + k] / den;
      r.p[c * K + k] = pk;
      S += pk * sim[o + k];
    }
    r.S[c] = S;
    const z = la * (S - (c === y ? margin : 0));
    r.z[c] = z;
    if (z > zmax) zmax = z;
  }
  let sum = 0;
  for (let c = 0; c < C; c++) sum += Math.exp(r.z[c] - zmax);
  return Math.log(sum) + zmax - r.z[y];
}

function scratch(C: number, K: number): RowScratch {
  return { p: new Float64Array(C * K), S: new Float64Array(C), z: new Float64Array(C) };
}

/** softmax of r.z over the C classes into q[off …]. */
function classSoftmax(r: RowScratch, C: number, q: Float64Array, off: number): void {
  let zmax = -Infinity;
  for (let c = 0; c < C; c++) if (r.z[c] > zmax) zmax = r.z[c];
  let sum = 0;
  for (let c = 0; c < C; c++) sum += Math.exp(r.z[c] - zmax);
  for (let c = 0; c < C; c++) q[off + c] = Math.exp(r.z[c] - zmax) / sum;
}

/**
 * The arguments of the SoftTriple kernels: similarities `sim [B, C·K]`
 * (class-major), labels, C classes of K centres, the loss's λ, γ and margin δ.
 */
export interface SoftTripleArgs {
  readonly sim: Storage;
  readonly labels: Int32Array;
  readonly B: number;
  readonly C: number;
  readonly K: number;
  readonly la: number;
  readonly gamma: number;
  readonly margin: number;
  readonly dtype: DType;
}

/**
 * The mean SoftTriple loss over the B rows; with `save`, also what
 * {@link softTripleBackward} would otherwise recompute (the centre softmaxes,
 * class similarities and class softmax).
 */
export function softTripleForward({ sim, labels, B, C, K, la, gamma, margin, dtype, save = false }: SoftTripleArgs & { readonly save?: boolean }): {
  out: Storage;
  saved: SoftTripleResiduals | undefined;
} {
  const r = scratch(C, K);
  const p = save ? new Float64Array(B * C * K) : undefined;
  const S = save ? new Float64Array(B * C) : undefined;
  const q = save ? new Float64Array(B * C) : undefined;
  let total = 0;
  for (let i = 0; i < B; i++) {
    total += row(sim, i, C, K, labels[i], la, gamma, margin, r);
    if (p && S && q) {
      p.set(r.p, i * C * K);
      S.set(r.S, i * C);
      classSoftmax(r, C, q, i * C);
    }
  }
  const out = alloc(dtype, 1);
  out[0] = total / B;
  return { out, saved: save ? { p, S, q } : undefined };
}

/** ∂(g · loss)/∂sim, `[B, C·K]`. */
export function softTripleBackward({
  g,
  sim,
  labels,
  B,
  C,
  K,
  la,
  gamma,
  margin,
  dtype,
  saved,
}: SoftTripleArgs & { readonly g: number; readonly saved?: SoftTripleResiduals }): Storage {
  const r = scratch(C, K);
  const q1 = new Float64Array(C);
  const out = alloc(dtype, B * C * K);
  const scale = g / B;
  const { p: P, S: SS, q: Q } = saved ?? {};
  for (let i = 0; i < B; i++) {
    const y = labels[i];
    // the forward's per-row quantities: kept ones, or recomputed (the same operations)
    let p: Float64Array, Srow: Float64Array, q: Float64Array, po: number, so: number;
    if (P && SS && Q) {
      p = P;
      Srow = SS;
      q = Q;
      po = i * C * K;
      so = i * C;
    } else {
      row(sim, i, C, K, y, la, gamma, margin, r);
      classSoftmax(r, C, q1, 0);
      p = r.p;
      Srow = r.S;
      q = q1;
      po = 0;
      so = 0;
    }
    const base = i * C * K;
    for (let c = 0; c < C; c++) {
      const dz = (q[so + c] - (c === y ? 1 : 0)) * scale;
      const dS = la * dz;
      const S = Srow[so + c];
      for (let k = 0; k < K; k++) {
        const o = base + c * K + k;
        const pk = p[po + c * K + k];
        out[o] = dS * pk * (1 + (sim[o] - S) / gamma);
      }
    }
  }
  return out;
}
