/**
 * The demo's settings in one place: the ball, the three losses, the
 * per-protocol model and training budget, and the learning rates chosen by
 * tune.ts (the same grid for every loss).
 */
import type { Protocol } from './data.ts';
import type { TrainConfig, Variant } from './train.ts';

/** The three losses of the ablation (the controls of ablation.ts use CHEST's rate). */
export type MainVariant = Extract<Variant, 'euclidean' | 'hyperbolic' | 'chest'>;

/** The learning-rate grid searched by tune.ts. */
export const LR_GRID = [1e-4, 3e-4, 1e-3, 3e-3] as const;

export const C_BALL = 0.1;
/** the feature clipping radius of the losses' toPoincare (their default) */
export const CLIP_R = 2.3;
export const VARIANTS: readonly MainVariant[] = ['euclidean', 'hyperbolic', 'chest'];
export const VARIANT_NAME: Record<MainVariant, string> = { euclidean: 'Euclidean SoftTriple', hyperbolic: 'hyperbolic SoftTriple', chest: 'CHEST' };

/**
 * Per-protocol settings. The learning rates are the best of {@link LR_GRID}
 * per loss on a validation split of the training data (tune.ts; table in
 * results.md), so each loss runs at its own best rate.
 */
export function configFor(
  p: Protocol,
  o: { readonly steps?: number; readonly quick: boolean },
  dimH: number,
): { cfg: TrainConfig; lr: Record<MainVariant, number> } {
  const img = p.images;
  const conv = p.backbone === 'conv';
  // the budget: fewer steps where learning converges fast (seen digits); unseen digits keep gaining R@1 and
  // losing seed spread up to ~1,000 steps (≈ 4 epochs of the 30,596 training images of 0–4)
  const defaultSteps = p.id.startsWith('mnist-seen') ? 150 : p.id.startsWith('mnist-unseen') ? 1000 : 300;
  const steps = o.steps ?? (o.quick ? 8 : defaultSteps);
  const cfg: TrainConfig = {
    model: {
      inDim: p.xTrain.shape[1],
      hidden: img && !o.quick ? 512 : 128,
      feature: img && !o.quick ? 256 : 64,
      // unseen digits: heads as wide as the feature and many centers per class keep more of the within-class structure that transfers
      dimE: conv ? 256 : img ? 64 : 16,
      dimH: conv && dimH > 2 ? 256 : dimH,
      classes: p.trainClasses,
      proxiesPerClass: conv ? 32 : 4,
      dropout: 0.1,
      backbone: p.backbone,
    },
    steps,
    classesPerBatch: Math.min(p.trainClasses, 8),
    samplesPerClass: o.quick ? 8 : img ? 24 : 16,
    lr: 1e-3,
    weightDecay: 5e-4,
    c: C_BALL,
    triplets: 256,
    maxShift: img ? 2 : 0,
    ...(conv ? { la: 50 } : {}),
  };
  const base = p.id.replace(/-validation$/, '');
  return { cfg, lr: TUNED_LR[base] ?? { euclidean: 1e-3, hyperbolic: 1e-3, chest: 1e-3 } };
}

/**
 * Learning rates chosen by tune.ts (see results.md, "Learning rates"). The
 * mnist-unseen rates come from a tune at that protocol's budget (1,000 steps)
 * with its present backbone: Euclidean 3e-4, hyperbolic 1e-4, CHEST 1e-4
 * (tuning.md).
 */
export const TUNED_LR: Record<string, Record<MainVariant, number>> = {
  'mnist-unseen': { euclidean: 3e-4, hyperbolic: 1e-4, chest: 1e-4 },
  'mnist-seen': { euclidean: 3e-3, hyperbolic: 3e-3, chest: 3e-3 },
  'hierarchy-seen': { euclidean: 3e-3, hyperbolic: 3e-3, chest: 3e-3 },
};
