/**
 * The demo's model: an MLP backbone with two heads on the same feature, a
 * Euclidean head (D_E) and a hyperbolic head (D_H, mapped into the ball by
 * the loss), plus one proxy set per space. All parameters live in one tree.
 */
import * as g from '../../lib/index.ts';
import type { PRNGKey, Tensor } from '../../lib/index.ts';

export type Net = {
  readonly backbone: g.MlpParams;
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
}

/** Seeded parameters: orthogonal backbone, small random proxies (tangent vectors at 0 for the ball). */
export function initParams(key: PRNGKey, cfg: ModelConfig): Params {
  const [kb, ke, kh, kpe, kph] = g.split(key, 5);
  const P = cfg.classes * cfg.proxiesPerClass;
  return {
    net: {
      backbone: g.mlp.init(kb, [cfg.inDim, cfg.hidden, cfg.feature], { init: 'orthogonal' }),
      headE: g.linear.init(ke, cfg.feature, cfg.dimE, { init: 'orthogonal' }),
      headH: g.linear.init(kh, cfg.feature, cfg.dimH, { init: 'orthogonal' }),
    },
    proxiesE: g.randomNormal(kpe, [P, cfg.dimE]),
    proxiesH: g.mul(g.randomNormal(kph, [P, cfg.dimH]), 0.1),
  };
}

/** Both heads' raw outputs for a batch `x [B, inDim]`. */
export function forward(net: Net, x: Tensor): { e: Tensor; h: Tensor } {
  const f = g.relu(g.mlp.apply(net.backbone, x, 'relu'));
  return { e: g.linear.apply(net.headE, f), h: g.linear.apply(net.headH, f) };
}
