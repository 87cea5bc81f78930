/**
 * Training one run of the demo: a loss variant (Euclidean SoftTriple,
 * hyperbolic SoftTriple or CHEST) over class-balanced batches, with AdamW on
 * the network and Adam with a 10× larger rate on the proxies (one line with
 * `partition`). Returns the trained parameters and the loss curve.
 */
import * as g from '../../lib/index.ts';
import type { PRNGKey, Tensor } from '../../lib/index.ts';
import { forward, initParams, type ModelConfig, type Params } from './model.ts';

export type Variant = 'euclidean' | 'hyperbolic' | 'chest';

export interface TrainConfig {
  readonly model: ModelConfig;
  readonly steps: number;
  readonly classesPerBatch: number;
  readonly samplesPerClass: number;
  readonly lr: number;
  readonly c: number;
  readonly triplets: number;
}

export interface RunResult {
  readonly params: Params;
  readonly losses: number[];
  readonly seconds: number;
}

/** The loss of a variant on a batch, as a function of all parameters. */
export function lossFor(variant: Variant, cfg: TrainConfig): (p: Params, x: Tensor, y: Int32Array, key: PRNGKey) => Tensor {
  const K = cfg.model.proxiesPerClass;
  const eLoss = g.euclideanSoftTriple({ centersPerClass: K });
  const hLoss = g.hyperbolicSoftTriple({ centersPerClass: K, c: cfg.c });
  const cLoss = g.chest({ centersPerClass: K, c: cfg.c, hyphc: { triplets: cfg.triplets } });
  return (p, x, y, key) => {
    const { e, h } = forward(p.net, x);
    if (variant === 'euclidean') return eLoss(e, p.proxiesE, y);
    if (variant === 'hyperbolic') return hLoss(h, p.proxiesH, y);
    return cLoss({ euclidean: e, hyperbolic: h, euclideanProxies: p.proxiesE, hyperbolicProxies: p.proxiesH }, y, key);
  };
}

/** Trains one run. `onStep(step, loss)` reports progress. */
export function train(
  variant: Variant, key: PRNGKey, x: Tensor, labels: Int32Array, cfg: TrainConfig,
  onStep: (step: number, loss: number) => void = () => {},
): RunResult {
  const t0 = performance.now();
  const [kInit, kBatch, kTrip] = g.split(key, 3);
  let params = initParams(kInit, cfg.model);
  const opt = g.partition({
    net: g.adamw({ lr: g.cosineDecay(cfg.lr, cfg.steps, 0.1), weightDecay: 1e-4 }),
    proxiesE: g.adam({ lr: 10 * cfg.lr }),
    proxiesH: g.adam({ lr: 10 * cfg.lr }),
  });
  let state = opt.init(params);
  const loss = lossFor(variant, cfg);
  const step = g.valueAndGrad((p: Params, xb: Tensor, yb: Int32Array, k: PRNGKey) => loss(p, xb, yb, k));
  const batches = g.classBalancedBatches(kBatch, labels, {
    classesPerBatch: cfg.classesPerBatch, samplesPerClass: cfg.samplesPerClass, batches: cfg.steps,
  });
  const losses: number[] = [];
  batches.forEach((idx, t) => {
    const xb = g.take(x, idx);
    const yb = idx.map((i) => labels[i]);
    const [l, grads] = step(params, xb, yb, g.foldIn(kTrip, t));
    const lv = g.item(l);
    if (!Number.isFinite(lv)) throw new Error(`${variant}: non-finite loss ${lv} at step ${t}`);
    losses.push(lv);
    [params, state] = opt.update(g.clipByGlobalNorm(grads, 10), state, params);
    onStep(t + 1, lv);
  });
  return { params, losses, seconds: (performance.now() - t0) / 1000 };
}
