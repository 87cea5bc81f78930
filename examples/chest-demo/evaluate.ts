/**
 * Evaluation of the demo's runs on the unseen test classes: Recall@K and
 * MAP@R for each head (cosine for the Euclidean head, the geodesic distance
 * of the ball for the hyperbolic head), plus the hierarchy metric when a
 * class tree is known.
 */
import * as g from '../../lib/index.ts';
import type { Tensor } from '../../lib/index.ts';
import { forward, type Net } from './model.ts';

export const KS = [1, 2, 4, 8] as const;

export interface HeadScores {
  readonly recall: readonly number[];
  readonly mapAtR: number;
  /** mean tree distance between the true class and the nearest neighbour's class, over mistakes */
  readonly treeMistake?: number;
}

/** Embeddings of both heads for `x`: unit vectors and points of the ball. */
export function embed(net: Net, x: Tensor, ball: g.PoincareBall): { e: Tensor; h: Tensor } {
  const { e, h } = forward(net, x);
  return { e: g.normalize(e), h: ball.toPoincare(h) };
}

/** Scores of one embedding under a distance. */
export function score(emb: Tensor, labels: Int32Array, distance: g.Distance, tree?: g.ClassTree): HeadScores {
  const m = g.retrievalMetrics(emb, labels, { ks: [...KS], distance });
  return {
    recall: m.recallAtK,
    mapAtR: m.mapAtR,
    treeMistake: tree ? g.meanTreeDistanceOfMistakes(emb, labels, tree, distance) : undefined,
  };
}
