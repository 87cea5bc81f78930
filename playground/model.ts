/**
 * The playground's model and training step: an MLP backbone with a
 * Euclidean head (D_E = 16, compared by cosine) and a hyperbolic head
 * (D_H = 2, mapped into the Poincaré disk by `toPoincare`, compared by the
 * geodesic distance), K proxies per class in each space, the CHEST loss, and
 * AdamW for the network / Adam at 10× the rate for the proxies — the recipe
 * of examples/04-chest-on-mnist.ts, small enough to train live.
 */
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';
import type { LossTerms, TrainConfig } from './protocol.ts';
import type { Split } from './data.ts';

/** Width of the Euclidean head. */
export const DE = 16;
/** Width of the hyperbolic head: 2, so its embeddings can be drawn in the disk. */
export const DH = 2;
/** Samples of each class in a batch (every class is in every batch). */
export const PER_CLASS = 8;
/** Proxy triplets HypHC samples per step. */
export const TRIPLETS = 128;

/** The trained parameters: one tree (a type alias, so that it is a `Tree`). */
export type Params = {
  readonly net: { readonly backbone: g.MlpParams; readonly headE: g.LinearParams; readonly headH: g.LinearParams };
  readonly proxiesE: Tensor;
  readonly proxiesH: Tensor;
};

/** Everything a training run needs, made once per run. */
export interface Trainer {
  readonly stepsPerEpoch: number;
  /** one training step on batch `t` of epoch `epoch`: new parameters and the loss (a scalar tensor, not yet read) */
  step(epoch: number, t: number): Tensor;
  /** the three CHEST terms on a fixed training batch */
  terms(): Promise<LossTerms>;
  /** Recall@1 of both heads on the test set, and the hyperbolic test embeddings and proxies scaled into the unit disk */
  evaluate(): Promise<{ recall: { euclidean: number; hyperbolic: number }; points: Float32Array; proxies: Float32Array }>;
}

/** Makes a trainer for `data` with the page's `config`. */
export function makeTrainer(data: Split, config: TrainConfig): Trainer {
  const { c, K, lr, weights } = config;
  const C = data.classes;
  const inDim = data.xTrain.shape[1];
  const ball = g.poincareBall({ c });
  const [kb, ke, kh, kpe, kph, kBatches, kTrip] = g.split(g.prngKey(config.seed), 7);
  let params: Params = {
    net: {
      backbone: g.mlp.init(kb, [inDim, 64, 32], { init: 'orthogonal' }),
      headE: g.linear.init(ke, 32, DE, { init: 'orthogonal' }),
      headH: g.linear.init(kh, 32, DH, { init: 'orthogonal' }),
    },
    proxiesE: g.randomNormal(kpe, [C * K, DE]),
    proxiesH: g.mul(g.randomNormal(kph, [C * K, DH]), 0.1),
  };
  const options = { centersPerClass: K, c, hyphc: { triplets: TRIPLETS }, weights };
  const loss = g.chest(options);
  const chestTerms = g.chestTerms(options);
  const heads = (net: Params['net'], x: Tensor): { e: Tensor; h: Tensor } => {
    const f = g.relu(g.mlp.apply(net.backbone, x));
    return { e: g.linear.apply(net.headE, f), h: g.linear.apply(net.headH, f) };
  };
  const inputsOf = (p: Params, x: Tensor): g.ChestInputs => {
    const { e, h } = heads(p.net, x);
    return { euclidean: e, hyperbolic: h, euclideanProxies: p.proxiesE, hyperbolicProxies: p.proxiesH };
  };
  const opt = g.partition({ net: g.adamw({ lr, weightDecay: 1e-4 }), proxiesE: g.adam({ lr: 10 * lr }), proxiesH: g.adam({ lr: 10 * lr }) });
  let state = opt.init(params);
  const valueAndGrad = g.valueAndGrad((p: Params, x: Tensor, y: Int32Array, key: g.PRNGKey) => loss(inputsOf(p, x), y, key));
  const stepsPerEpoch = Math.max(1, Math.floor(data.yTrain.length / (C * PER_CLASS)));
  const batchesOf = (epoch: number): Int32Array[] =>
    g.classBalancedBatches(g.foldIn(kBatches, epoch), data.yTrain, { classesPerBatch: C, samplesPerClass: PER_CLASS, batches: stepsPerEpoch });
  let epochBatches: { epoch: number; batches: Int32Array[] } = { epoch: -1, batches: [] };
  const probe = batchesOf(-1)[0];
  const xProbe = g.take(data.xTrain, probe),
    yProbe = Int32Array.from(probe, (i) => data.yTrain[i]);
  const scale = Math.sqrt(c);

  return {
    stepsPerEpoch,
    step(epoch: number, t: number): Tensor {
      if (epochBatches.epoch !== epoch) epochBatches = { epoch, batches: batchesOf(epoch) };
      const idx = epochBatches.batches[t];
      const [l, grads] = valueAndGrad(
        params,
        g.take(data.xTrain, idx),
        Int32Array.from(idx, (i) => data.yTrain[i]),
        g.foldIn(kTrip, epoch * stepsPerEpoch + t),
      );
      [params, state] = opt.update(grads, state, params);
      return l;
    },
    async terms(): Promise<LossTerms> {
      const tm = chestTerms(inputsOf(params, xProbe), yProbe, g.foldIn(kTrip, -1));
      const [total, euclidean, hyperbolic, hyphc] = await Promise.all(
        [tm.total, tm.euclidean, tm.hyperbolic, tm.hyphc].map(async (t) => (await g.toArrayAsync(t))[0]),
      );
      return { total, euclidean, hyperbolic, hyphc };
    },
    async evaluate() {
      const { e, h } = heads(params.net, data.xTest);
      const ph = ball.toPoincare(h);
      const euclidean = g.recallAtK(g.normalize(e), data.yTest, [1], 'cosine')[0];
      const hyperbolic = g.recallAtK(ph, data.yTest, [1], ball.pairwiseDist)[0];
      const points = Float32Array.from(await g.toArrayAsync(ph), (v) => v * scale);
      const proxies = Float32Array.from(await g.toArrayAsync(ball.toPoincare(params.proxiesH)), (v) => v * scale);
      return { recall: { euclidean, hyperbolic }, points, proxies };
    },
  };
}
