/**
 * CHEST (Saeki, Kawahara, Aman, arXiv:2510.05643; docs/math.md §5):
 * `L = w_E·SoftTriple_E + w_H·SoftTriple_H + w_HC·HypHC(hyperbolic proxies)`,
 * defined by folding its three terms with the loss monoid. Every constant the
 * paper does not publish is an option, marked [our default] in the docs.
 */
import { ArgumentError, ShapeError, ValueError, describe, fmtShape, optionsOf } from '../errors.ts';
import { isTensor, type Tensor } from '../tensor/tensor.ts';
import { tensor } from '../tensor/create.ts';
import { prngKey, type PRNGKey } from '../tensor/random.ts';
import { stopGradient } from '../autodiff/custom.ts';
import { add, div, exp, mul, neg } from '../ops/elementwise.ts';
import { checkTensor } from '../ops/util.ts';
import { poincareBall } from '../manifolds/poincare.ts';
import type { Curvature } from '../manifolds/numerics.ts';
import { checkLabels, type Labels } from './labels.ts';
import { contramap, sumLosses, weighted, type Loss } from './loss.ts';
import { euclideanSoftTripleNamed, softTripleNamed } from './softTriple.ts';
import { hyperbolicProxies } from './hyperbolic.ts';
import { checkTriplets, hyphcCore, sampleTriplets, tripletColumns, type Triplet } from './hyphc.ts';
import { normalize } from '../ops/nn.ts';
import { sum } from '../ops/broadcast.ts';
import { reshape, stack } from '../ops/shape.ts';
import { take } from '../ops/indexing.ts';

/** The raw inputs of CHEST: both heads' outputs and both proxy sets (unnormalised). */
export type ChestInputs = {
  /** Euclidean head output `[B, D_E]` (normalised inside) */
  readonly euclidean: Tensor;
  /** hyperbolic head output `[B, D_H]` (mapped by toPoincare inside) */
  readonly hyperbolic: Tensor;
  /** Euclidean proxies `[C·K, D_E]` */
  readonly euclideanProxies: Tensor;
  /** hyperbolic proxies as tangent vectors at 0, `[C·K, D_H]` */
  readonly hyperbolicProxies: Tensor;
};

/** Where HypHC's proxy similarities come from. */
export type HyphcSimilaritySource =
  /** (1 + cos(w^E_i, w^E_j)) / 2 of the Euclidean proxies [our default: the cross-space reading] */
  | 'euclideanProxies'
  /** 1 for proxies of the same class, else 0 */
  | 'labels'
  /** exp(−d_c(p_i, p_j)) of the hyperbolic proxies themselves */
  | 'hyperbolicProxies'
  /** any `[C·K, C·K]` matrix computed from the inputs */
  | ((inputs: ChestInputs) => Tensor);

/** Options of {@link chest} (defaults from docs/math.md). */
export interface ChestOptions {
  /** curvature magnitude of the ball (default 0.1) */
  readonly c?: Curvature;
  /** feature clipping radius (default 2.3) */
  readonly clipR?: number;
  /** K, proxies per class (required) */
  readonly centersPerClass: number;
  /** Euclidean SoftTriple: λ = 20, γ = 0.1, δ = 0.01, τ = 0.2 */
  readonly euclidean?: {
    /** λ, the logit scale (default 20) */
    readonly la?: number;
    /** γ, the temperature of the softmax over a class's proxies (default 0.1) */
    readonly gamma?: number;
    /** δ, the margin subtracted from the true class's similarity (default 0.01) */
    readonly margin?: number;
    /** τ, weight of the center regularizer on the Euclidean proxies (default 0.2) */
    readonly tau?: number;
  };
  /** hyperbolic SoftTriple: λ_H = 5, γ_H = 0.1, δ_H = 0.01 [our defaults] */
  readonly hyperbolic?: {
    /** λ_H, the logit scale (default 5) [our default] */
    readonly la?: number;
    /** γ_H, the temperature of the softmax over a class's proxies (default 0.1) [our default] */
    readonly gamma?: number;
    /** δ_H, the margin subtracted from the true class's similarity (default 0.01) [our default] */
    readonly margin?: number;
  };
  /** HypHC: T = 0.05, 1024 triplets per call [our default], seed 0, similarity 'euclideanProxies' [our default] */
  readonly hyphc?: {
    /** T, the softmax temperature of the LCA-depth comparison (default 0.05) */
    readonly temperature?: number;
    /** proxy triplets sampled per call (default 1024) [our default] */
    readonly triplets?: number;
    /** seed of the default triplet sampling key, `prngKey(seed)` (default 0) */
    readonly seed?: number;
    /** where the proxy similarities w_ij come from (default `'euclideanProxies'`) [our default] */
    readonly similarity?: HyphcSimilaritySource;
  };
  /** term weights: w_E = 1, w_H = 1, w_HC = 0.1 [our defaults] */
  readonly weights?: {
    /** w_E, weight of the Euclidean SoftTriple term (default 1) */
    readonly euclidean?: number;
    /** w_H, weight of the hyperbolic SoftTriple term (default 1) */
    readonly hyperbolic?: number;
    /** w_HC, weight of the HypHC term (default 0.1; 0 drops it) [our default] */
    readonly hyphc?: number;
  };
}

/** The value of each CHEST term and their weighted total. */
export interface ChestTerms {
  /** the Euclidean SoftTriple term (with its center regularizer), unweighted, scalar */
  readonly euclidean: Tensor;
  /** the hyperbolic SoftTriple term, unweighted, scalar */
  readonly hyperbolic: Tensor;
  /** the HypHC term on the hyperbolic proxies, unweighted, scalar (0 when `weights.hyphc` is 0) */
  readonly hyphc: Tensor;
  /** w_E·euclidean + w_H·hyperbolic + w_HC·hyphc, the value of {@link chest} */
  readonly total: Tensor;
}

/** Explicit triplets, or a key to sample them with (default: `prngKey(options.hyphc.seed)`). */
export type TripletSource = readonly Triplet[] | PRNGKey;

type ChestArgs = [inputs: ChestInputs, labels: Labels, triplets?: TripletSource];

function checkInputs(fn: string, inp: ChestInputs, K: number, labels: Labels): void {
  if (typeof inp !== 'object' || inp === null) throw new ArgumentError(`${fn}: inputs must be { euclidean, hyperbolic, euclideanProxies, hyperbolicProxies }`);
  checkTensor(fn, inp.euclidean, 'inputs.euclidean');
  checkTensor(fn, inp.hyperbolic, 'inputs.hyperbolic');
  checkTensor(fn, inp.euclideanProxies, 'inputs.euclideanProxies');
  checkTensor(fn, inp.hyperbolicProxies, 'inputs.hyperbolicProxies');
  const { euclidean: e, hyperbolic: h, euclideanProxies: pe, hyperbolicProxies: ph } = inp;
  if (e.rank !== 2 || h.rank !== 2 || e.shape[0] !== h.shape[0]) {
    throw new ShapeError(`${fn}: inputs.euclidean ${fmtShape(e.shape)} and inputs.hyperbolic ${fmtShape(h.shape)} must both be [B, ·] with the same B`);
  }
  if (pe.rank !== 2 || ph.rank !== 2 || pe.shape[0] !== ph.shape[0]) {
    throw new ShapeError(`${fn}: euclideanProxies ${fmtShape(pe.shape)} and hyperbolicProxies ${fmtShape(ph.shape)} must both be [C·K, ·] with the same C·K`);
  }
  if (pe.shape[0] % K !== 0 || pe.shape[0] === 0) {
    throw new ShapeError(`${fn}: ${pe.shape[0]} proxies is not a multiple of centersPerClass = ${K}; expected C·K rows`);
  }
  if (pe.shape[1] !== e.shape[1] || ph.shape[1] !== h.shape[1]) {
    throw new ShapeError(`${fn}: proxy widths (${pe.shape[1]}, ${ph.shape[1]}) must match the heads' widths (${e.shape[1]}, ${h.shape[1]})`);
  }
  checkLabels(fn, labels, e.shape[0], pe.shape[0] / K);
}

function isKey(x: unknown): x is PRNGKey {
  return typeof x === 'object' && x !== null && (x as PRNGKey).kind === 'PRNGKey';
}

/** Rejects a bad option value up front, naming `chest` and the option. */
function checkOptions(fn: string, o: ChestOptions): void {
  optionsOf(fn, o, '{ centersPerClass }');
  const bad = (name: string, v: unknown, want: string): never => {
    throw new ValueError(`${fn}: option ${name} must be ${want}, got ${describe(v)}`);
  };
  for (const group of ['euclidean', 'hyperbolic', 'hyphc', 'weights'] as const) {
    const g: unknown = o[group];
    if (g !== undefined && (typeof g !== 'object' || g === null || Array.isArray(g))) {
      throw new ArgumentError(`${fn}: option ${group} must be an object of options or undefined (defaults), got ${describe(g)}`);
    }
  }
  if (o.c !== undefined && typeof o.c !== 'number' && !isTensor(o.c)) bad('c', o.c, 'a positive number or a scalar Tensor');
  const src: unknown = o.hyphc?.similarity;
  if (src !== undefined && typeof src !== 'function' && src !== 'euclideanProxies' && src !== 'labels' && src !== 'hyperbolicProxies') {
    bad('hyphc.similarity', src, "'euclideanProxies', 'labels', 'hyperbolicProxies' or a function of the inputs");
  }
  const positive = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) bad(name, v, 'a positive finite number');
  };
  const finite = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) bad(name, v, 'a finite number');
  };
  const nonNegative = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) bad(name, v, 'a finite number ≥ 0');
  };
  const K = o.centersPerClass;
  if (!Number.isInteger(K) || K < 1) bad('centersPerClass', K, 'a positive integer');
  if (typeof o.c === 'number') positive('c', o.c);
  positive('clipR', o.clipR);
  positive('euclidean.la', o.euclidean?.la);
  positive('euclidean.gamma', o.euclidean?.gamma);
  finite('euclidean.margin', o.euclidean?.margin);
  nonNegative('euclidean.tau', o.euclidean?.tau);
  positive('hyperbolic.la', o.hyperbolic?.la);
  positive('hyperbolic.gamma', o.hyperbolic?.gamma);
  finite('hyperbolic.margin', o.hyperbolic?.margin);
  positive('hyphc.temperature', o.hyphc?.temperature);
  const n = o.hyphc?.triplets;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) bad('hyphc.triplets', n, 'a positive integer');
  const seed = o.hyphc?.seed;
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) bad('hyphc.seed', seed, 'a non-negative safe integer');
  finite('weights.euclidean', o.weights?.euclidean);
  finite('weights.hyperbolic', o.weights?.hyperbolic);
  finite('weights.hyphc', o.weights?.hyphc);
}

function build(fn: string, options: ChestOptions) {
  checkOptions(fn, options);
  const K = options.centersPerClass;
  const c = options.c ?? 0.1;
  const clipR = options.clipR ?? 2.3;
  // every point this ball sees is made by toPoincare (projected into the ball): no value checks,
  // which would read device-resident points back to the host each step
  const ball = poincareBall({ c, checkPoints: false });
  const hc = options.hyphc ?? {};
  const nTriplets = hc.triplets ?? 1024;
  const seed = hc.seed ?? 0;
  const source = hc.similarity ?? 'euclideanProxies';
  const w = { euclidean: options.weights?.euclidean ?? 1, hyperbolic: options.weights?.hyperbolic ?? 1, hyphc: options.weights?.hyphc ?? 0.1 };

  const eLoss = euclideanSoftTripleNamed(fn, { ...options.euclidean, centersPerClass: K });
  const hOpts = options.hyperbolic ?? {};
  const hSoftTriple = softTripleNamed(fn, { la: hOpts.la ?? 5, gamma: hOpts.gamma ?? 0.1, margin: hOpts.margin ?? 0.01, centersPerClass: K });
  const temperature = hc.temperature ?? 0.05;

  /** HypHC's similarities of the pairs (i,j), (i,k), (j,k) of each triplet, `[T, 3]`, as constants. */
  const tripletWeights = (prep: Prepared): Tensor => {
    const { inp, triplets } = prep;
    const { I, J, K: Kc } = tripletColumns(triplets);
    const pairs: [number[], number[]][] = [
      [I, J],
      [I, Kc],
      [J, Kc],
    ];
    const dt = inp.euclideanProxies.dtype;
    if (typeof source === 'function') {
      const sm = source(inp);
      checkTensor(fn, sm, 'hyphc.similarity(inputs)');
      const P = inp.euclideanProxies.shape[0];
      if (sm.rank !== 2 || sm.shape[0] !== P || sm.shape[1] !== P) {
        throw new ShapeError(`${fn}: hyphc.similarity(inputs) must be [${P}, ${P}], got ${fmtShape(sm.shape)}`);
      }
      const flat = reshape(stopGradient(sm), [-1]);
      return stack(
        pairs.map(([p, q]) =>
          take(
            flat,
            p.map((v, t) => v * P + q[t]),
          ),
        ),
        1,
      );
    }
    if (source === 'labels') {
      const v = triplets.flatMap((t) =>
        [
          [t[0], t[1]],
          [t[0], t[2]],
          [t[1], t[2]],
        ].map(([i, j]) => (Math.floor(i / K) === Math.floor(j / K) ? 1 : 0)),
      );
      return tensor(v, [triplets.length, 3], dt);
    }
    if (source === 'hyperbolicProxies') {
      const p = stopGradient(prep.hProxies);
      return stack(
        pairs.map(([i, j]) => exp(neg(ball.dist(take(p, i), take(p, j))))),
        1,
      );
    }
    if (source !== 'euclideanProxies') throw new ValueError(`${fn}: unknown hyphc.similarity ${JSON.stringify(source)}`);
    // (1 + cos(w^E_i, w^E_j)) / 2 for the 3T pairs only (never the [P, P] matrix)
    const e = normalize(stopGradient(inp.euclideanProxies));
    return stack(
      pairs.map(([i, j]) => div(add(sum(mul(take(e, i), take(e, j)), 1), 1), 2)),
      1,
    );
  };

  /** Shared work of the terms: the hyperbolic proxies mapped into the ball once, the triplets drawn once. */
  const prepare = (inp: ChestInputs, labels: Labels, trip?: TripletSource): [Prepared] => {
    checkInputs(fn, inp, K, labels);
    const P = inp.hyperbolicProxies.shape[0];
    const needTriplets = w.hyphc !== 0;
    if (needTriplets && P < 3) throw new ValueError(`${fn}: the HypHC term needs at least 3 proxies, got C·K = ${P}; set weights.hyphc = 0 to drop it`);
    const triplets = !needTriplets ? [] : trip === undefined || isKey(trip) ? sampleTriplets(isKey(trip) ? trip : prngKey(seed), P, nTriplets) : trip;
    if (needTriplets) checkTriplets(fn, triplets, P);
    return [{ inp, labels, triplets, hProxies: hyperbolicProxies(ball, inp.hyperbolicProxies, clipR) }];
  };

  const euclideanTerm: Loss<[Prepared]> = ({ inp, labels }) => eLoss(inp.euclidean, inp.euclideanProxies, labels);
  const hyperbolicTerm: Loss<[Prepared]> = ({ inp, labels, hProxies }) =>
    hSoftTriple(neg(ball.pairwiseDist(ball.toPoincare(inp.hyperbolic, clipR), hProxies)), labels);
  const hyphcTerm: Loss<[Prepared]> = (prep) => hyphcCore(ball, prep.hProxies, tripletWeights(prep), prep.triplets, temperature);
  return { euclideanTerm, hyperbolicTerm, hyphcTerm, w, prepare };
}

/** The inputs of CHEST's terms after the shared work. */
interface Prepared {
  readonly inp: ChestInputs;
  readonly labels: Labels;
  readonly triplets: readonly Triplet[];
  /** the hyperbolic proxies as points of the ball */
  readonly hProxies: Tensor;
}

/**
 * The CHEST loss: a function `(inputs, labels, triplets?) → scalar`,
 * differentiable in all four input tensors. `triplets` overrides HypHC's
 * sampling: explicit index triplets of proxies, or a PRNG key to sample with
 * (pass `foldIn(key, step)` to resample every step); by default the triplets
 * come from `prngKey(options.hyphc.seed)`.
 *
 * `options` is required (`{ centersPerClass }` at least); a missing or
 * non-object `options` (or option group) is an ArgumentError, an option value
 * of the wrong kind a ValueError. The returned loss throws a ShapeError for an
 * empty batch (B = 0: a mean over no rows has no value) and a ValueError for a
 * label that is not an integer in `[0, C)`.
 */
export function chest(options: ChestOptions): Loss<ChestArgs> {
  const b = build('chest', options);
  // the weighted sum of the three terms (the loss monoid), read through the shared preparation
  return contramap(
    sumLosses<[Prepared]>([weighted(b.w.euclidean, b.euclideanTerm), weighted(b.w.hyperbolic, b.hyperbolicTerm), weighted(b.w.hyphc, b.hyphcTerm)]),
    (inp: ChestInputs, labels: Labels, trip?: TripletSource) => b.prepare(inp, labels, trip),
  );
}

/**
 * Like {@link chest}, returning each (unweighted) term and the weighted total;
 * the same option and input checks, with errors naming `chestTerms` (an empty
 * batch is a ShapeError).
 */
export function chestTerms(options: ChestOptions): (...args: ChestArgs) => ChestTerms {
  const b = build('chestTerms', options);
  return (inp, labels, trip) => {
    const [prep] = b.prepare(inp, labels, trip);
    const e = b.euclideanTerm(prep);
    const h = b.hyperbolicTerm(prep);
    const hc = b.w.hyphc === 0 ? mul(e, 0) : b.hyphcTerm(prep);
    const total = add(add(mul(e, b.w.euclidean), mul(h, b.w.hyperbolic)), mul(hc, b.w.hyphc));
    return { euclidean: e, hyperbolic: h, hyphc: hc, total };
  };
}
