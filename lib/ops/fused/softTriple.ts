/**
 * The fused SoftTriple loss (Qian et al., ICCV 2019) on a class-major
 * similarity matrix `sim [B, C·K]`: the definition is the composite below
 * (also the higher-order path); the fast path is one pass per row forward
 * and one backward (kernels/js/softtriple.ts), the forward returning the
 * per-row softmaxes for the backward while recording. The public losses
 * (lib/losses/softTriple.ts) check arguments and call {@link softTripleFused}.
 */
import { kernel } from '../../../kernels/registry.ts';
import type { SoftTripleResiduals } from '../../../kernels/types.ts';
import { dataOf, dataRef, fromData, type Tensor } from '../../tensor/tensor.ts';
import { sum } from '../broadcast.ts';
import { div, mul, sub } from '../elementwise.ts';
import { oneHot } from '../indexing.ts';
import { logSoftmax } from '../nn.ts';
import { mean } from '../reduce.ts';
import { reshape } from '../shape.ts';
import { fusedOp } from './define.ts';
import { softmax } from './softmax.ts';

/** Attributes of the fused SoftTriple: labels, K centres per class, λ, γ and the margin δ. */
export interface SoftTripleAttrs {
  readonly y: Int32Array;
  readonly K: number;
  readonly la: number;
  readonly gamma: number;
  readonly margin: number;
}

/** The SoftTriple formula written with ops: the definition, and the path for higher-order gradients. @internal (tests) */
export function softTripleComposite([sim]: readonly Tensor[], { y, K, la, gamma, margin }: SoftTripleAttrs): Tensor {
  const [B, CK] = sim.shape;
  const C = CK / K;
  const s = reshape(sim, [B, C, K]);
  const prob = softmax(div(s, gamma), 2);
  const S = sum(mul(prob, s), 2); // [B, C]
  const hot = oneHot(y, C, sim.dtype);
  const logits = mul(sub(S, mul(hot, margin)), la);
  return mean(mul(sum(mul(logSoftmax(logits, 1), hot), 1), -1));
}

/** SoftTriple as a fused op: one pass per row forward, one backward (kernels/js/softtriple.ts). */
export const softTripleFused = fusedOp<SoftTripleAttrs, SoftTripleResiduals>('softTriple', softTripleComposite, {
  kernels: ['softTripleForward', 'softTripleBackward'],
  forward: ([sim], { y, K, la, gamma, margin }, save) => {
    const [B, CK] = sim.shape;
    const dt = sim.dtype;
    // while recording, the per-row softmaxes are kept for the backward instead of recomputed
    const r = kernel('softTripleForward', dt)({ sim: dataRef(sim), labels: y, B, C: CK / K, K, la, gamma, margin, dtype: dt, save: save !== undefined });
    if (save && r.saved) save(r.saved);
    return fromData(r.out, []);
  },
  backward: (g, [sim], _out, { y, K, la, gamma, margin }, _needs, saved) => {
    const [B, CK] = sim.shape;
    const dt = sim.dtype;
    const d = kernel('softTripleBackward', dt)({ g: dataOf(g)[0], sim: dataRef(sim), labels: y, B, C: CK / K, K, la, gamma, margin, dtype: dt, saved });
    return [fromData(d, [B, CK])];
  },
});
