/**
 * Training one run of the demo: a loss variant (Euclidean SoftTriple only,
 * hyperbolic SoftTriple only, or CHEST) over class-balanced P×K batches, with
 * random-shift augmentation for images, dropout, AdamW (weight decay) on the
 * network under a warm-up + cosine schedule and Adam with a 10× larger rate
 * on the proxies (one line with `partition`). Returns the trained
 * parameters, the per-term loss curves and periodic evaluations.
 */
import * as g from '../../lib/index.ts';
import type { PRNGKey, Tensor } from '../../lib/index.ts';
import { forward, initParams, type ModelConfig, type Params } from './model.ts';

/**
 * The losses: the three of the ablation, and two controls for what CHEST's
 * gain is made of (ablation.ts): CHEST without its HypHC term, and two
 * Euclidean SoftTriple heads on one backbone (CHEST with both spaces Euclidean).
 */
export type Variant = 'euclidean' | 'hyperbolic' | 'chest' | 'chestNoHyphc' | 'twoEuclidean';

export interface TrainConfig {
  readonly model: ModelConfig;
  readonly steps: number;
  readonly classesPerBatch: number;
  readonly samplesPerClass: number;
  /** peak learning rate of the network (proxies: 10×) */
  readonly lr: number;
  readonly weightDecay: number;
  readonly c: number;
  readonly triplets: number;
  /** random-shift augmentation of 28×28 images (0: none, e.g. for feature vectors) */
  readonly maxShift: number;
  /** SoftTriple's scale λ in both spaces (default: each loss's own, 20 Euclidean and 5 hyperbolic) */
  readonly la?: number;
}

/** Loss terms of one step (unweighted; absent terms are not part of the variant). */
export interface StepTerms {
  readonly total: number;
  readonly euclidean?: number;
  readonly hyperbolic?: number;
  readonly hyphc?: number;
  /** the second Euclidean term of `twoEuclidean` (on the second head) */
  readonly euclidean2?: number;
}

export interface RunResult {
  readonly params: Params;
  readonly terms: StepTerms[];
  /** evaluations at the steps given to `train` (e.g. for stability over the last epochs) */
  readonly checkpoints: { step: number; value: Record<string, number> }[];
  readonly seconds: number;
}

type TermTensors = { total: Tensor; euclidean?: Tensor; hyperbolic?: Tensor; hyphc?: Tensor; euclidean2?: Tensor };

/** The loss of a variant on a batch, as its terms; the single-space variants are exactly CHEST's corresponding term. */
export function lossFor(variant: Variant, cfg: TrainConfig): (p: Params, x: Tensor, y: Int32Array, key: PRNGKey, dropKey: PRNGKey | null) => TermTensors {
  const K = cfg.model.proxiesPerClass;
  // λ: the losses' own defaults (20 Euclidean, 5 hyperbolic) unless the config sets one for both spaces
  const la = cfg.la === undefined ? {} : { la: cfg.la };
  const eLoss = g.euclideanSoftTriple({ centersPerClass: K, ...la });
  const hLoss = g.hyperbolicSoftTriple({ centersPerClass: K, c: cfg.c, ...la });
  const spaces = { euclidean: la, hyperbolic: la };
  const cTerms = g.chestTerms({ centersPerClass: K, c: cfg.c, hyphc: { triplets: cfg.triplets }, ...spaces });
  const cTermsNoHyphc = g.chestTerms({ centersPerClass: K, c: cfg.c, weights: { hyphc: 0 }, ...spaces });
  return (p, x, y, key, dropKey) => {
    const { e, h } = forward(p.net, x, cfg.model.dropout, dropKey);
    if (variant === 'euclidean') {
      const l = eLoss(e, p.proxiesE, y);
      return { total: l, euclidean: l };
    }
    if (variant === 'hyperbolic') {
      const l = hLoss(h, p.proxiesH, y);
      return { total: l, hyperbolic: l };
    }
    if (variant === 'twoEuclidean') {
      const l1 = eLoss(e, p.proxiesE, y);
      const l2 = eLoss(h, p.proxiesH, y);
      return { total: g.add(l1, l2), euclidean: l1, euclidean2: l2 };
    }
    const inputs = { euclidean: e, hyperbolic: h, euclideanProxies: p.proxiesE, hyperbolicProxies: p.proxiesH };
    if (variant === 'chestNoHyphc') {
      const t = cTermsNoHyphc(inputs, y);
      return { total: t.total, euclidean: t.euclidean, hyperbolic: t.hyperbolic };
    }
    return cTerms(inputs, y, key);
  };
}

/**
 * Trains one run. `evaluateAt` lists steps (1-based) after which `evaluate`
 * is called with the current parameters; `onStep(step, loss)` reports progress.
 */
export function train(
  variant: Variant,
  key: PRNGKey,
  x: Tensor,
  labels: Int32Array,
  cfg: TrainConfig,
  options: {
    onStep?: (step: number, loss: number) => void;
    evaluateAt?: readonly number[];
    evaluate?: (p: Params) => Record<string, number>;
  } = {},
): RunResult {
  const t0 = performance.now();
  const [kInit, kBatch, kTrip, kShift, kDrop] = g.split(key, 5);
  let params = initParams(kInit, cfg.model);
  const warmup = Math.max(1, Math.round(cfg.steps / 20));
  const opt = g.partition({
    net: g.adamw({ lr: g.warmupCosineDecay(cfg.lr, warmup, cfg.steps, 0.01), weightDecay: cfg.weightDecay }),
    proxiesE: g.adam({ lr: g.warmupCosineDecay(10 * cfg.lr, warmup, cfg.steps, 0.01) }),
    proxiesH: g.adam({ lr: g.warmupCosineDecay(10 * cfg.lr, warmup, cfg.steps, 0.01) }),
  });
  let state = opt.init(params);
  const loss = lossFor(variant, cfg);
  // the terms of the last call, read after the step (valueAndGrad differentiates the total)
  let last: TermTensors | undefined;
  const step = g.valueAndGrad((p: Params, xb: Tensor, yb: Int32Array, k: PRNGKey, dk: PRNGKey) => {
    last = loss(p, xb, yb, k, dk);
    return last.total;
  });
  const batches = g.classBalancedBatches(kBatch, labels, {
    classesPerBatch: cfg.classesPerBatch,
    samplesPerClass: cfg.samplesPerClass,
    batches: cfg.steps,
  });
  const evalSet = new Set(options.evaluateAt ?? []);
  const terms: StepTerms[] = [];
  const checkpoints: RunResult['checkpoints'] = [];
  batches.forEach((idx, t) => {
    let xb = g.take(x, idx);
    if (cfg.maxShift > 0) xb = g.randomShift(g.foldIn(kShift, t), xb, { maxShift: cfg.maxShift });
    const yb = idx.map((i) => labels[i]);
    const [l, grads] = step(params, xb, yb, g.foldIn(kTrip, t), g.foldIn(kDrop, t));
    const lv = g.item(l);
    if (!Number.isFinite(lv)) throw new Error(`${variant}: non-finite loss ${lv} at step ${t}`);
    const tt = last!;
    terms.push({
      total: lv,
      ...(tt.euclidean ? { euclidean: g.item(tt.euclidean) } : {}),
      ...(tt.hyperbolic ? { hyperbolic: g.item(tt.hyperbolic) } : {}),
      ...(tt.hyphc ? { hyphc: g.item(tt.hyphc) } : {}),
      ...(tt.euclidean2 ? { euclidean2: g.item(tt.euclidean2) } : {}),
    });
    [params, state] = opt.update(g.clipByGlobalNorm(grads, 10), state, params);
    if (evalSet.has(t + 1) && options.evaluate) checkpoints.push({ step: t + 1, value: options.evaluate(params) });
    options.onStep?.(t + 1, lv);
  });
  return { params, terms, checkpoints, seconds: (performance.now() - t0) / 1000 };
}
