/**
 * What the device page (device.ts, in Chromium) and its test (device.test.ts,
 * in Node) share: a small CHEST training loop (valueAndGrad + Riemannian Adam)
 * from deterministic host data, run on a chosen backend with the transfer
 * counts of every step, and a few op cases whose values the test compares
 * with Node's js backend.
 */
import * as g from '../../../lib/index.ts';
import { dataRef } from '../../../lib/tensor/tensor.ts';

/** Sizes of the training loop. */
export const SIZES = { B: 24, D: 12, C: 12, K: 4, T: 48 } as const;

/** Bytes of the two proxy (parameter) tensors. */
export const PARAM_BYTES = 2 * SIZES.C * SIZES.K * SIZES.D * 4;

/** One run of the loop: loss per step, transfers per step, the final hyperbolic proxies. */
export interface TrainReport {
  /** `backend()` while the steps ran */
  backend: string;
  losses: number[];
  transfers: g.TransferStats[];
  hyperbolicProxies: number[];
  /** whether the final parameters had a host copy before the final read (false: they live on the device) */
  paramsOnHost: boolean;
}

/** Deterministic float32 host values in [-scale, scale). */
function hostValues(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(scale * (2 * (s / 2 ** 32) - 1));
  });
}

/** Runs `steps` CHEST training steps on `backend`; losses are read with `toArrayAsync` (portable to async readback). */
export async function trainChest(backend: string, steps: number): Promise<TrainReport> {
  const { B, D, C, K, T } = SIZES;
  const previous = g.backend();
  await g.setBackend(backend);
  try {
    let params = {
      euclideanProxies: g.tensor(hostValues(C * K * D, 3, 1), [C * K, D]),
      hyperbolicProxies: g.tensor(hostValues(C * K * D, 4, 0.2), [C * K, D]),
    };
    type P = typeof params;
    const labels = Int32Array.from({ length: B }, (_, i) => (i * 5) % C);
    const triplets = g.sampleTriplets(g.prngKey(5), C * K, T);
    const loss = g.chest({ centersPerClass: K });
    const opt = g.radam({ lr: 0.02 });
    let state = opt.init(params);
    const losses: number[] = [];
    const transfers: g.TransferStats[] = [];
    let ran = '';
    for (let s = 0; s < steps; s++) {
      const batch = { euclidean: g.tensor(hostValues(B * D, 100 + s, 1.5), [B, D]), hyperbolic: g.tensor(hostValues(B * D, 200 + s, 0.5), [B, D]) };
      g.resetTransferStats();
      const [v, gr] = g.valueAndGrad((p: P) => loss({ ...batch, ...p }, labels, triplets))(params);
      [params, state] = opt.update(gr, state, params);
      losses.push((await g.toArrayAsync(v))[0]);
      transfers.push(g.transferStats());
      ran = g.backend();
    }
    const paramsOnHost = dataRef(params.hyperbolicProxies).onHost;
    return { backend: ran, losses, transfers, hyperbolicProxies: await g.toArrayAsync(params.hyperbolicProxies), paramsOnHost };
  } finally {
    g.setBackend(previous);
  }
}

/** A few op cases (float32), by name: tensors computed on the active backend. */
export function opCases(): Record<string, g.Tensor> {
  const x = g.tensor(hostValues(6 * 20, 7, 3), [6, 20]);
  const y = g.tensor(hostValues(20 * 5, 8, 1), [20, 5]);
  const idx = [0, 3, 3, 5, 1];
  return {
    matmul: g.matmul(x, y),
    softmax: g.softmax(x),
    logSumExp: g.logSumExp(x, 1),
    sum0: g.sum(x, 0),
    max1: g.max(x, 1),
    norm: g.norm(x, 1),
    transpose: g.transpose(x),
    take: g.take(x, idx),
    gradTake: g.grad((t: g.Tensor) => g.sum(g.square(g.take(t, idx))))(x),
    tanhSigmoid: g.add(g.tanh(x), g.sigmoid(x)),
    where: g.where(g.greater(x, 0), x, g.mul(x, 0.1)),
    concat: g.concat([x, g.slice(x, [0, 2], [6, 3])], 1),
    expmap0: g.poincareBall({ c: 0.1 }).expmap0(g.mul(x, 0.5)),
  };
}

/** The values of each tensor of `ts`, read with `toArrayAsync` (portable to asynchronous readback). */
export async function readAll(ts: Record<string, g.Tensor>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(ts)) out[k] = await g.toArrayAsync(t);
  return out;
}
