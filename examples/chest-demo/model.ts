/**
 * The demo's model: an MLP backbone (linear → layer norm → ReLU → linear →
 * ReLU → dropout) with two heads on the same feature, a Euclidean head (D_E)
 * and a hyperbolic head (D_H, mapped into the ball by the loss), plus one
 * proxy set per space. All parameters live in one tree; every variant of the
 * ablation trains the same tree (a single-space loss leaves the other head's
 * parameters untouched).
 */
import * as g from '../../lib/index.ts';
import type { PRNGKey, Tensor } from '../../lib/index.ts';

export type Net = {
  readonly l1: g.LinearParams;
  readonly norm: g.LayerNormParams;
  readonly l2: g.LinearParams;
  readonly headE: g.LinearParams;
  readonly headH: g.LinearParams;
};

export type Params = {
  readonly net: Net;
  readonly proxiesE: Tensor;
  readonly proxiesH: Tensor;
};

export interface ModelConfig {
  readonly inDim: number;
  readonly hidden: number;
  readonly feature: number;
  readonly dimE: number;
  readonly dimH: number;
  readonly classes: number;
  readonly proxiesPerClass: number;
  /** dropout rate on the feature, before the heads (training only) */
  readonly dropout: number;
}

/** Seeded parameters: Kaiming backbone, orthogonal heads, small random proxies (tangent vectors at 0 for the ball). */
export function initParams(key: PRNGKey, cfg: ModelConfig): Params {
  const [k1, k2, ke, kh, kpe, kph] = g.split(key, 6);
  const P = cfg.classes * cfg.proxiesPerClass;
  return {
    net: {
      l1: g.linear.init(k1, cfg.inDim, cfg.hidden),
      norm: g.layerNorm.init(cfg.hidden),
      l2: g.linear.init(k2, cfg.hidden, cfg.feature),
      headE: g.linear.init(ke, cfg.feature, cfg.dimE, { init: 'orthogonal' }),
      headH: g.linear.init(kh, cfg.feature, cfg.dimH, { init: 'orthogonal' }),
    },
    proxiesE: g.randomNormal(kpe, [P, cfg.dimE]),
    proxiesH: g.mul(g.randomNormal(kph, [P, cfg.dimH]), 0.1),
  };
}

/** Both heads' raw outputs for a batch `x [B, inDim]`; `dropKey` null = evaluation (no dropout). */
export function forward(net: Net, x: Tensor, rate: number, dropKey: PRNGKey | null): { e: Tensor; h: Tensor } {
  const h1 = g.relu(g.layerNorm.apply(net.norm, g.linear.apply(net.l1, x)));
  const f0 = g.relu(g.linear.apply(net.l2, h1));
  const f = dropKey === null ? f0 : g.dropout(dropKey, f0, rate);
  return { e: g.linear.apply(net.headE, f), h: g.linear.apply(net.headH, f) };
}
