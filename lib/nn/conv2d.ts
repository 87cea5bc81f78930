/**
 * A 2-D convolution layer over channels-last images (`[N, H, W, C]`, the
 * layout of TF/Keras): `init(key, …) → params` and `apply(params, x) → y`.
 * It is a composite of differentiable ops — a gather of every output
 * position's patch (im2col, `take` along the flattened image) and one
 * `matmul` — so its gradients, JVPs and batching rules are those ops' rules.
 * 'same' padding reads a zero appended to each flattened image.
 */
import { ArgumentError, ShapeError, ValueError, describe, fmtShape, optionsOf } from '../errors.ts';
import type { PRNGKey } from '../tensor/random.ts';
import { isTensor, type Tensor } from '../tensor/tensor.ts';
import { zeros } from '../tensor/create.ts';
import { add } from '../ops/elementwise.ts';
import { matmul } from '../ops/linalg.ts';
import { take } from '../ops/indexing.ts';
import { concat, reshape } from '../ops/shape.ts';
import { checkTensor } from '../ops/util.ts';
import { linearInit, type LinearInitOptions } from './layers.ts';

/** Parameters of a convolution: `w [kh, kw, inC, outC]` (HWIO) and `b [outC]`. */
export type Conv2dParams = {
  /** kernel `[kh, kw, inChannels, outChannels]` */
  readonly w: Tensor;
  /** bias `[outChannels]` */
  readonly b: Tensor;
};

/** Options of {@link conv2d}'s init: those of `linear.init`, over the fan-in kh·kw·inC (default Kaiming, as PyTorch's nn.Conv2d). */
export type Conv2dInitOptions = LinearInitOptions;

/** Options of {@link conv2d}'s apply. */
export interface Conv2dOptions {
  /** step between output positions, one number or `[rows, cols]` (default 1) */
  readonly stride?: number | readonly [number, number];
  /**
   * 'valid' (default): only whole patches, output ⌊(H − kh) / s⌋ + 1;
   * 'same': output ⌈H / s⌉, zeros around the image (TF's split: the extra row/column at the bottom/right)
   */
  readonly padding?: 'valid' | 'same';
}

/** A 2-D convolution (cross-correlation, as every DL library computes it). */
export const conv2d = {
  /**
   * Seeded parameters for a `kernelSize` convolution from `inChannels` to `outChannels`.
   * @param kernelSize one number (square) or `[kh, kw]`.
   */
  init(key: PRNGKey, inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options?: Conv2dInitOptions): Conv2dParams {
    const fn = 'conv2d.init';
    options = optionsOf(fn, options);
    const [kh, kw] = pair(fn, 'kernelSize', kernelSize);
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`${fn}: ${name} must be an integer ≥ 1, got ${describe(v)}`);
    }
    const { w, b } = linearInit(fn, key, kh * kw * inChannels, outChannels, options);
    return { w: reshape(w, [kh, kw, inChannels, outChannels]), b };
  },

  /** `x [N, H, W, inC] → [N, Ho, Wo, outC]`. */
  apply(params: Conv2dParams, x: Tensor, options?: Conv2dOptions): Tensor {
    const fn = 'conv2d.apply';
    options = optionsOf(fn, options);
    const p = params as Partial<Conv2dParams> | null;
    if (typeof p !== 'object' || p === null || !isTensor(p.w) || !isTensor(p.b) || p.w.rank !== 4 || p.b.rank !== 1 || p.b.shape[0] !== p.w.shape[3]) {
      throw new ArgumentError(`${fn}: params must be { w: [kh, kw, inC, outC] Tensor, b: [outC] Tensor } (from conv2d.init), got ${describe(params)}`);
    }
    checkTensor(fn, x);
    const [kh, kw, inC, outC] = params.w.shape;
    if (x.rank !== 4 || x.shape[3] !== inC) {
      throw new ShapeError(`${fn}: input ${fmtShape(x.shape)} does not match kernel ${fmtShape(params.w.shape)}; expected [N, H, W, ${inC}]`);
    }
    const [sh, sw] = pair(fn, 'stride', options.stride ?? 1);
    const padding = options.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') throw new ValueError(`${fn}: option padding must be 'valid' or 'same', got ${describe(padding)}`);
    const [n, h, w] = x.shape;
    const plan = patchPlan(h, w, inC, kh, kw, sh, sw, padding);
    if (plan.ho < 1 || plan.wo < 1) {
      throw new ShapeError(`${fn}: a ${kh}×${kw} kernel does not fit the ${h}×${w} input with 'valid' padding; use a smaller kernel or padding: 'same'`);
    }
    let flat = reshape(x, [n, h * w * inC]);
    if (plan.padded) flat = concat([flat, zeros([n, 1], x.dtype)], 1);
    const positions = plan.ho * plan.wo;
    const patches = reshape(take(flat, plan.indices, 1), [n * positions, kh * kw * inC]);
    const y = add(matmul(patches, reshape(params.w, [kh * kw * inC, outC])), params.b);
    return reshape(y, [n, plan.ho, plan.wo, outC]);
  },
};

/** `v` as `[rows, cols]` (a number is square); a ValueError naming `fn` and `name` unless both are integers ≥ 1. Shared with the pooling layers. */
export function pair(fn: string, name: string, v: number | readonly [number, number]): [number, number] {
  const [a, b] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1) {
    throw new ValueError(`${fn}: ${name} must be an integer ≥ 1 or a pair of them, got ${describe(v)}`);
  }
  return [a, b];
}

interface PatchPlan {
  readonly ho: number;
  readonly wo: number;
  /** whether an index points at the zero appended to each image */
  readonly padded: boolean;
  /** for every output position, its patch's (ky, kx, c) entries as indices into the flattened image */
  readonly indices: Int32Array;
}

// plans are pure functions of their key; a model uses a handful
const PLANS = new Map<string, PatchPlan>();
const MAX_PLANS = 64;

function patchPlan(h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, padding: 'valid' | 'same'): PatchPlan {
  const key = `${h},${w},${c},${kh},${kw},${sh},${sw},${padding}`;
  const cached = PLANS.get(key);
  if (cached) return cached;
  const same = padding === 'same';
  const ho = same ? Math.ceil(h / sh) : Math.floor((h - kh) / sh) + 1;
  const wo = same ? Math.ceil(w / sw) : Math.floor((w - kw) / sw) + 1;
  const top = same ? Math.floor(Math.max(0, (ho - 1) * sh + kh - h) / 2) : 0;
  const left = same ? Math.floor(Math.max(0, (wo - 1) * sw + kw - w) / 2) : 0;
  const zero = h * w * c;
  const indices = new Int32Array(Math.max(0, ho) * Math.max(0, wo) * kh * kw * c);
  let padded = false;
  let k = 0;
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh + ky - top;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw + kx - left;
          const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
          if (!inside) padded = true;
          for (let ch = 0; ch < c; ch++) indices[k++] = inside ? (iy * w + ix) * c + ch : zero;
        }
      }
    }
  }
  const plan = { ho, wo, padded, indices };
  if (PLANS.size >= MAX_PLANS) PLANS.delete(PLANS.keys().next().value as string);
  PLANS.set(key, plan);
  return plan;
}
