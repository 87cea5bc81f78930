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

type Heads = {
  readonly headE: g.LinearParams;
  readonly headH: g.LinearParams;
};

/** The MLP backbone (feature vectors, or images as flat pixels). */
export type MlpNet = Heads & {
  readonly l1: g.LinearParams;
  readonly norm: g.LayerNormParams;
  readonly l2: g.LinearParams;
};

/** The convolutional backbone for 28×28 images: a convolution with max pooling, a strided convolution, then a dense layer. */
export type ConvNet = Heads & {
  readonly c1: g.Conv2dParams;
  readonly c2: g.Conv2dParams;
  readonly fc: g.LinearParams;
  readonly norm: g.LayerNormParams;
};

export type Net = MlpNet | ConvNet;

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
  /** 'mlp' (default) or 'conv' (28×28 images only) */
  readonly backbone?: 'mlp' | 'conv';
}

// the conv backbone: 28×28×1 → 5×5 conv (stride 1) → 24×24×32 → 2×2 max pool → 12×12×32 → 3×3 stride 2 → 5×5×64 → dense
const CONV1 = { channels: 32, kernel: 5, stride: 1 } as const;
const POOL1 = 2;
const CONV2 = { channels: 64, kernel: 3, stride: 2 } as const;
const CONV_OUT = 5 * 5 * CONV2.channels;

/** The backbone in words, for the tables' captions. */
export function describeBackbone(cfg: ModelConfig): string {
  if (cfg.backbone === 'conv') {
    const c = (l: typeof CONV1 | typeof CONV2): string => `conv ${l.kernel}×${l.kernel}/${l.stride} (${l.channels})`;
    return `conv backbone 28×28×1 → ${c(CONV1)} → max pool ${POOL1}×${POOL1} → ${c(CONV2)} → dense ${cfg.feature} with layer norm`;
  }
  return `MLP ${cfg.inDim}→${cfg.hidden}→${cfg.feature}`;
}

/** Seeded parameters: Kaiming backbone, orthogonal heads, small random proxies (tangent vectors at 0 for the ball). */
export function initParams(key: PRNGKey, cfg: ModelConfig): Params {
  const [k1, k2, ke, kh, kpe, kph] = g.split(key, 6);
  const P = cfg.classes * cfg.proxiesPerClass;
  const heads = {
    headE: g.linear.init(ke, cfg.feature, cfg.dimE, { init: 'orthogonal' }),
    headH: g.linear.init(kh, cfg.feature, cfg.dimH, { init: 'orthogonal' }),
  };
  const net: Net =
    cfg.backbone === 'conv'
      ? {
          c1: g.conv2d.init(k1, 1, CONV1.channels, CONV1.kernel),
          c2: g.conv2d.init(k2, CONV1.channels, CONV2.channels, CONV2.kernel),
          fc: g.linear.init(g.foldIn(k1, 1), CONV_OUT, cfg.feature),
          norm: g.layerNorm.init(cfg.feature),
          ...heads,
        }
      : { l1: g.linear.init(k1, cfg.inDim, cfg.hidden), norm: g.layerNorm.init(cfg.hidden), l2: g.linear.init(k2, cfg.hidden, cfg.feature), ...heads };
  return {
    net,
    proxiesE: g.randomNormal(kpe, [P, cfg.dimE]),
    proxiesH: g.mul(g.randomNormal(kph, [P, cfg.dimH]), 0.1),
  };
}

/** Both heads' raw outputs for a batch `x [B, inDim]`; `dropKey` null = evaluation (no dropout). */
export function forward(net: Net, x: Tensor, rate: number, dropKey: PRNGKey | null): { e: Tensor; h: Tensor } {
  const f0 = 'c1' in net ? convFeature(net, x) : g.relu(g.linear.apply(net.l2, g.relu(g.layerNorm.apply(net.norm, g.linear.apply(net.l1, x)))));
  const f = dropKey === null ? f0 : g.dropout(dropKey, f0, rate);
  return { e: g.linear.apply(net.headE, f), h: g.linear.apply(net.headH, f) };
}

function convFeature(net: ConvNet, x: Tensor): Tensor {
  const a1 = g.maxPool2d(g.relu(g.conv2d.apply(net.c1, g.reshape(x, [x.shape[0], 28, 28, 1]), { stride: CONV1.stride })), POOL1);
  const a2 = g.relu(g.conv2d.apply(net.c2, a1, { stride: CONV2.stride }));
  return g.relu(g.layerNorm.apply(net.norm, g.linear.apply(net.fc, g.reshape(a2, [x.shape[0], CONV_OUT]))));
}
