/**
 * Parity with an independent float64 PyTorch reference (reference/make_fixtures.py,
 * written from docs/chest-math.md §1–§5, not from lib/). The fixtures in
 * property-tests/fixtures/*.json hold seeded inputs, options, explicit HypHC
 * triplets, the loss values and torch.autograd gradients with respect to every
 * tensor input; this file rebuilds the inputs as float64 tensors, calls the
 * public API of lib/index.ts and compares. CI only reads the JSON: regenerating
 * it needs PyTorch (see reference/README.md).
 *
 * Tolerance: relative 1e-9 (each case's `rtol`). Both sides compute in float64
 * (unit roundoff u ≈ 1.1e-16) but with different op orderings and
 * algebraically different, equivalent forms (Möbius addition and distances, the
 * LCA construction, softmax/log-sum-exp), so they differ by rounding amplified
 * by the conditioning of the functions; the generator checks the reference
 * against 50-digit mpmath and finds it within ~1e-10 on these cases, so 1e-9
 * still catches any formula difference (a wrong constant, default, clamp,
 * reduction or missing stop-gradient moves values by far more). An entry passes
 * when |ours − ref| ≤ rtol · max(|ref|, floor), floor = 1e-6 · max|ref| over
 * the tensor: entries a millionth of the tensor's largest are sums of
 * cancelling terms, whose rounding error scales with the tensor, not with them.
 * The two hyperbolic SoftTriple cases with rows within 1e-5 of the ball's
 * boundary carry rtol 1e-8: there the loss is ~1/(1 − c‖h‖²) ≈ 1e5 times
 * worse conditioned, and against mpmath both float64 implementations are off
 * by up to ~1.6e-9 (see reference/README.md).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import {
  centerRegularizer,
  chest,
  chestTerms,
  euclideanSoftTriple,
  grad,
  hyperbolicSoftTriple,
  hyphc,
  item,
  mul,
  poincareBall,
  softTriple,
  sum,
  tensor,
  toArray,
  valueAndGrad,
  type ChestInputs,
  type ChestOptions,
  type Tensor,
  type Triplet,
} from '../lib/index.ts';

const RTOL = 1e-9;
const FLOOR = 1e-6;

interface Arr {
  readonly shape: number[];
  readonly data: number[];
}
interface Fixture<C> {
  readonly generator: string;
  readonly dtype: string;
  readonly cases: C[];
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'property-tests', 'fixtures');
function load<C>(name: string): Fixture<C> {
  const f = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Fixture<C>;
  if (f.dtype !== 'float64' || !Array.isArray(f.cases) || f.cases.length === 0) throw new Error(`${name}: malformed fixture`);
  return f;
}

const t64 = (a: Arr): Tensor => tensor(Float64Array.from(a.data), a.shape, 'float64');

// ---------------------------------------------------------------- comparison + summary
const summary = new Map<string, { value: number; grad: number }>();
function record(group: string, kind: 'value' | 'grad', rel: number): void {
  const s = summary.get(group) ?? { value: 0, grad: 0 };
  s[kind] = Math.max(s[kind], rel);
  summary.set(group, s);
}

/** Largest |ours − ref| / max(|ref|, floor) over the entries. */
function relDiff(ours: readonly number[], ref: readonly number[]): number {
  expect(ours.length).toBe(ref.length);
  const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    expect(Number.isFinite(ours[i]), `entry ${i} is ${ours[i]}`).toBe(true);
    const den = Math.max(Math.abs(ref[i]), FLOOR * scale);
    const d = Math.abs(ours[i] - ref[i]);
    worst = Math.max(worst, den === 0 ? d : d / den);
  }
  return worst;
}

/** The summary row of a case: cases with a looser, documented tolerance get their own row. */
const groupOf = (family: string, rtol: number): string => (rtol === RTOL ? family : `${family} [rtol ${rtol}]`);

function expectValue(group: string, rtol: number, what: string, ours: Tensor, ref: number): void {
  expect(ours.dtype).toBe('float64');
  const r = relDiff([item(ours)], [ref]);
  record(groupOf(group, rtol), 'value', r);
  expect(r, `${what}: ours ${item(ours)} vs reference ${ref}`).toBeLessThanOrEqual(rtol);
}

function expectArray(group: string, rtol: number, kind: 'value' | 'grad', what: string, ours: Tensor, ref: Arr): void {
  expect(ours.dtype).toBe('float64');
  expect([...ours.shape], `${what}: shape`).toEqual(ref.shape);
  const r = relDiff(toArray(ours), ref.data);
  record(groupOf(group, rtol), kind, r);
  expect(r, `${what}: max relative difference`).toBeLessThanOrEqual(rtol);
}

afterAll(() => {
  const rows = [...summary].map(([g, s]) => `  ${g.padEnd(38)} value ${s.value.toExponential(2)}   grad ${s.grad.toExponential(2)}`);
  console.log(`reference parity: max relative differences (tolerance ${RTOL} unless shown)\n${rows.join('\n')}`);
});

// ---------------------------------------------------------------- Poincaré ball ops
interface PoincareCase {
  name: string;
  op: 'mobiusAdd' | 'dist' | 'pairwiseDist' | 'expmap0' | 'project' | 'toPoincare' | 'lcaDepth';
  c: number;
  clipR?: number;
  inputs: Record<string, Arr>;
  cotangent: Arr;
  output: Arr;
  grads: Record<string, Arr>;
  rtol: number;
}

describe('reference parity: Poincaré ball (§1, §4 LCA depth)', () => {
  const fx = load<PoincareCase>('poincare.json');
  test.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_name, cs) => {
    const ball = poincareBall({ c: cs.c });
    const names = Object.keys(cs.inputs);
    const op = (args: Record<string, Tensor>): Tensor => {
      const [a, b] = names.map((n) => args[n]);
      switch (cs.op) {
        case 'mobiusAdd':
          return ball.mobiusAdd(a, b);
        case 'dist':
          return ball.dist(a, b);
        case 'pairwiseDist':
          return ball.pairwiseDist(a, b);
        case 'expmap0':
          return ball.expmap0(a);
        case 'project':
          return ball.project(a);
        case 'toPoincare':
          return ball.toPoincare(a, cs.clipR);
        case 'lcaDepth':
          return ball.lcaDepth(a, b);
      }
    };
    const args = Object.fromEntries(names.map((n) => [n, t64(cs.inputs[n])]));
    expectArray('poincare', cs.rtol, 'value', `${cs.op} output`, op(args), cs.output);
    const cot = t64(cs.cotangent);
    const g = grad((xs: Record<string, Tensor>) => sum(mul(op(xs), cot)))(args);
    for (const n of names) expectArray('poincare', cs.rtol, 'grad', `${cs.op} vjp wrt ${n}`, g[n], cs.grads[n]);
  });
});

// ---------------------------------------------------------------- SoftTriple on a similarity matrix
interface LossCase<O> {
  name: string;
  options: O;
  inputs: Record<string, Arr>;
  labels: number[];
  value: number;
  grads: Record<string, Arr>;
  rtol: number;
}

type SoftTripleOpts = { centersPerClass: number; la?: number; gamma?: number; margin?: number };

describe('reference parity: softTriple (§2)', () => {
  const fx = load<LossCase<SoftTripleOpts>>('softTriple.json');
  test.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_name, cs) => {
    const loss = softTriple(cs.options);
    const [v, g] = valueAndGrad((sim: Tensor) => loss(sim, cs.labels))(t64(cs.inputs.sim));
    expectValue('softTriple', cs.rtol, 'value', v, cs.value);
    expectArray('softTriple', cs.rtol, 'grad', 'd/d sim', g, cs.grads.sim);
  });
});

describe('reference parity: centerRegularizer (§2)', () => {
  const fx = load<LossCase<{ centersPerClass: number }>>('centerRegularizer.json');
  test.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_name, cs) => {
    const [v, g] = valueAndGrad(centerRegularizer(cs.options))(t64(cs.inputs.centers));
    expectValue('centerRegularizer', cs.rtol, 'value', v, cs.value);
    expectArray('centerRegularizer', cs.rtol, 'grad', 'd/d centers', g, cs.grads.centers);
  });
});

describe('reference parity: euclideanSoftTriple (§2, cosine + τ·R)', () => {
  const fx = load<LossCase<SoftTripleOpts & { tau: number }>>('euclideanSoftTriple.json');
  test.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_name, cs) => {
    const loss = euclideanSoftTriple(cs.options);
    const f = (x: Tensor, w: Tensor) => loss(x, w, cs.labels);
    const [v, [gx, gw]] = valueAndGrad(f, [0, 1])(t64(cs.inputs.embeddings), t64(cs.inputs.centers));
    expectValue('euclideanSoftTriple', cs.rtol, 'value', v, cs.value);
    expectArray('euclideanSoftTriple', cs.rtol, 'grad', 'd/d embeddings', gx, cs.grads.embeddings);
    expectArray('euclideanSoftTriple', cs.rtol, 'grad', 'd/d centers', gw, cs.grads.centers);
  });
});

describe('reference parity: hyperbolicSoftTriple (§3)', () => {
  const fx = load<LossCase<SoftTripleOpts & { c: number; clipR?: number }>>('hyperbolicSoftTriple.json');
  test.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_name, cs) => {
    const loss = hyperbolicSoftTriple(cs.options);
    const f = (x: Tensor, v: Tensor) => loss(x, v, cs.labels);
    const [v, [gx, gv]] = valueAndGrad(f, [0, 1])(t64(cs.inputs.features), t64(cs.inputs.proxies));
    expectValue('hyperbolicSoftTriple', cs.rtol, 'value', v, cs.value);
    expectArray('hyperbolicSoftTriple', cs.rtol, 'grad', 'd/d features', gx, cs.grads.features);
    expectArray('hyperbolicSoftTriple', cs.rtol, 'grad', 'd/d proxies', gv, cs.grads.proxies);
  });
});

// ---------------------------------------------------------------- HypHC
interface HyphcCase extends LossCase<{ temperature: number }> {
  c: number;
  triplets: Triplet[];
}

describe('reference parity: hyphc (§4)', () => {
  const fx = load<HyphcCase>('hyphc.json');
  test.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_name, cs) => {
    const ball = poincareBall({ c: cs.c });
    const loss = hyphc(cs.options);
    const f = (p: Tensor, s: Tensor) => loss(ball, p, s, cs.triplets);
    const [v, [gp, gs]] = valueAndGrad(f, [0, 1])(t64(cs.inputs.points), t64(cs.inputs.similarity));
    expectValue('hyphc', cs.rtol, 'value', v, cs.value);
    expectArray('hyphc', cs.rtol, 'grad', 'd/d points', gp, cs.grads.points);
    expectArray('hyphc', cs.rtol, 'grad', 'd/d similarity', gs, cs.grads.similarity);
  });
});

// ---------------------------------------------------------------- CHEST
type TermName = 'euclidean' | 'hyperbolic' | 'hyphc' | 'total';
interface ChestCase {
  name: string;
  options: ChestOptions;
  inputs: Record<keyof ChestInputs, Arr>;
  labels: number[];
  triplets: Triplet[];
  terms: Record<TermName, number>;
  grads: Record<TermName, Record<keyof ChestInputs, Arr>>;
  rtol: number;
}

const INPUT_NAMES = ['euclidean', 'hyperbolic', 'euclideanProxies', 'hyperbolicProxies'] as const;
const TERM_NAMES: readonly TermName[] = ['euclidean', 'hyperbolic', 'hyphc', 'total'];

describe('reference parity: chest / chestTerms (§5; HypHC similarity stop-gradiented on both sides)', () => {
  const fx = load<ChestCase>('chest.json');
  const build = (cs: ChestCase): ChestInputs => ({
    euclidean: t64(cs.inputs.euclidean),
    hyperbolic: t64(cs.inputs.hyperbolic),
    euclideanProxies: t64(cs.inputs.euclideanProxies),
    hyperbolicProxies: t64(cs.inputs.hyperbolicProxies),
  });

  test.each(fx.cases.map((c) => [c.name, c] as const))('chest: %s', (_name, cs) => {
    const loss = chest(cs.options);
    const [v, g] = valueAndGrad((inp: ChestInputs) => loss(inp, cs.labels, cs.triplets))(build(cs));
    expectValue('chest', cs.rtol, 'total', v, cs.terms.total);
    for (const n of INPUT_NAMES) expectArray('chest', cs.rtol, 'grad', `d total / d ${n}`, g[n], cs.grads.total[n]);
  });

  test.each(fx.cases.map((c) => [c.name, c] as const))('chestTerms: %s', (_name, cs) => {
    const terms = chestTerms(cs.options);
    const inp = build(cs);
    const out = terms(inp, cs.labels, cs.triplets);
    for (const t of TERM_NAMES) {
      expectValue('chestTerms', cs.rtol, `term ${t}`, out[t], cs.terms[t]);
      const g = grad((x: ChestInputs) => terms(x, cs.labels, cs.triplets)[t])(inp);
      for (const n of INPUT_NAMES) expectArray('chestTerms', cs.rtol, 'grad', `d ${t} / d ${n}`, g[n], cs.grads[t][n]);
    }
  });
});
