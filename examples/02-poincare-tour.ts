/**
 * 02 · A tour of the Poincaré ball.
 *
 * The ball of curvature −1 (c = 1) in two dimensions, the unit disk: the
 * exponential map at the origin, geodesics, distances that blow up near the
 * boundary, Möbius addition (not commutative, but "gyrocommutative"), and the
 * depth of the lowest common ancestor of two points, the quantity HypHC and
 * CHEST use to read a hierarchy off the disk. Ends with a picture in
 * examples/out/poincare-tour.svg / .png. Run:
 *
 *   npx tsx examples/02-poincare-tour.ts
 */
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';
import { diskOutline, render, type Row } from './shared/plot.ts';

const ball = g.poincareBall({ c: 1 });
const pt = (x: number, y: number): Tensor => g.tensor([[x, y]], undefined, 'float64');
const polar = (r: number, theta: number): Tensor => pt(r * Math.cos(theta), r * Math.sin(theta));
const num = (t: Tensor): number => g.item(t);
const fx = (v: number, d = 4): string => v.toFixed(d).padStart(d + 4);
const maxAbsDiff = (a: Tensor, b: Tensor): number => g.item(g.max(g.abs(g.sub(a, b))));
const rows = (t: Tensor): number[][] => g.toNested(t) as number[][];

// ─── 1. The exponential map at the origin ────────────────────────────────────
// expmap0 sends a tangent vector v at 0 to the point at hyperbolic distance 2‖v‖ from the origin
// in the direction of v (2 = λ_0, the conformal factor at the origin). Its Euclidean norm is
// tanh(‖v‖): it saturates below 1 while the hyperbolic distance keeps growing linearly.
console.log('1. expmap0 of a fan of tangent vectors (8 directions × 5 lengths)');
const lengths = [0.25, 0.5, 1, 2, 3];
const directions = Array.from({ length: 8 }, (_, k) => (2 * Math.PI * k) / 8);
const fanV = g.tensor(
  lengths.flatMap((s) => directions.flatMap((a) => [s * Math.cos(a), s * Math.sin(a)])),
  [lengths.length * 8, 2],
  'float64',
);
const fan = ball.expmap0(fanV);
const fanNorm = g.toArray(g.norm(fan, -1));
const fanDist = g.toArray(ball.dist0(fan));
console.log('   ‖v‖    ‖expmap0(v)‖   tanh‖v‖     dist0   2‖v‖');
lengths.forEach((s, i) => console.log(`  ${fx(s, 2)}  ${fx(fanNorm[8 * i], 6)}  ${fx(Math.tanh(s), 6)}  ${fx(fanDist[8 * i])}  ${fx(2 * s, 2)}`));
console.log(`   logmap0 inverts it: max |logmap0(expmap0(v)) − v| = ${maxAbsDiff(ball.logmap0(fan), fanV).toExponential(1)}`);

// ─── 2. Distances grow near the boundary ─────────────────────────────────────
// Two points at the same Euclidean radius r, 0.1 rad apart: their Euclidean gap shrinks with r,
// but their hyperbolic distance grows without bound, because the metric is λ_x² times the
// Euclidean one, λ_x = 2/(1 − ‖x‖²). Near the boundary there is "more room" — the property that
// lets a tree's exponentially many leaves sit far apart from each other.
console.log('\n2. two points 0.1 rad apart at Euclidean radius r');
console.log('      r   Euclidean gap   hyperbolic d      λ_x');
for (const r of [0.1, 0.5, 0.9, 0.99, 0.999]) {
  const x = polar(r, 0);
  const y = polar(r, 0.1);
  const gap = num(g.norm(g.sub(x, y)));
  console.log(`  ${fx(r, 3)}  ${fx(gap, 6)}      ${fx(num(ball.dist(x, y)))}    ${fx(num(ball.lambda(x)), 1)}`);
}

// ─── 3. Geodesics ────────────────────────────────────────────────────────────
// ball.geodesic(x, y, t) = x ⊕ (t ⊗ (−x ⊕ y)) runs from x (t = 0) to y (t = 1) at constant speed:
// d(x, γ(t)) = t·d(x, y). Geodesics are arcs of circles orthogonal to the boundary (or diameters).
// The geodesic midpoint is also the Einstein midpoint of the two points.
console.log('\n3. geodesics between points');
const pairs: { name: string; a: Tensor; b: Tensor }[] = [
  { name: 'A: r = 0.9, 20° apart', a: polar(0.9, 0.95), b: polar(0.9, 0.95 + (20 * Math.PI) / 180) },
  { name: 'B: r = 0.9, 90° apart', a: polar(0.9, 2.0), b: polar(0.9, 2.0 + Math.PI / 2) },
  { name: 'C: r = 0.5 and 0.95', a: polar(0.5, -2.2), b: polar(0.95, -1.1) },
  { name: 'D: opposite, r = 0.8', a: polar(0.8, -0.6), b: polar(0.8, Math.PI - 0.6) },
];
for (const { name, a, b } of pairs) {
  const d = num(ball.dist(a, b));
  const errs = [0.25, 0.5, 0.75].map((t) => Math.abs(num(ball.dist(a, ball.geodesic(a, b, t))) - t * d));
  const mid = maxAbsDiff(ball.geodesic(a, b, 0.5), ball.weightedMidpoint(g.concat([a, b], 0)));
  console.log(
    `  ${name.padEnd(24)} d = ${fx(d)}   max |d(a, γ(t)) − t·d| = ${Math.max(...errs).toExponential(1)}   |γ(½) − Einstein midpoint| = ${mid.toExponential(1)}`,
  );
}

// ─── 4. Möbius addition is not commutative ───────────────────────────────────
// x ⊕ y (the ball's "translation of y by x") differs from y ⊕ x: the two have the same norm and
// differ by a rotation, the gyration: x ⊕ y = gyr[x, y](y ⊕ x). Left cancellation holds:
// (−x) ⊕ (x ⊕ y) = y, so "−x ⊕" undoes a translation and d(x, y) = 2 artanh‖−x ⊕ y‖.
console.log('\n4. Möbius addition');
const x = pt(0.5, 0.2);
const y = pt(-0.1, 0.7);
const xy = ball.mobiusAdd(x, y);
const yx = ball.mobiusAdd(y, x);
const angle = (p: Tensor): number => Math.atan2(g.toArray(p)[1], g.toArray(p)[0]);
console.log(`  x ⊕ y = ${JSON.stringify(g.toArray(xy).map((v) => +v.toFixed(4)))}   y ⊕ x = ${JSON.stringify(g.toArray(yx).map((v) => +v.toFixed(4)))}`);
console.log(
  `  ‖x ⊕ y‖ − ‖y ⊕ x‖ = ${(num(g.norm(xy)) - num(g.norm(yx))).toExponential(1)}; they differ by a rotation of ${(((angle(xy) - angle(yx)) * 180) / Math.PI).toFixed(2)}°`,
);
console.log(`  |x ⊕ y − gyr[x, y](y ⊕ x)| = ${maxAbsDiff(xy, ball.gyration(x, y, yx)).toExponential(1)}   (gyrocommutative law)`);
console.log(`  |(−x) ⊕ (x ⊕ y) − y|       = ${maxAbsDiff(ball.mobiusAdd(g.neg(x), xy), y).toExponential(1)}   (left cancellation)`);
console.log(`  |d(x, y) − 2 artanh‖−x ⊕ y‖| = ${Math.abs(num(ball.dist(x, y)) - 2 * Math.atanh(num(g.norm(ball.mobiusAdd(g.neg(x), y))))).toExponential(1)}`);

// ─── 5. The depth of the lowest common ancestor ──────────────────────────────
// HypHC reads a tree off the disk: the LCA of a and b is the point of the (complete) geodesic
// through a and b closest to the origin, and its depth is that distance. Pairs near the boundary
// and close in angle share a deep ancestor; points on opposite sides meet at the root (depth 0).
// We check ball.lcaDepth against a brute-force minimum of dist0 along the sampled geodesic.
console.log('\n5. LCA depth of the pairs of section 3');
console.log('  pair                     dist0(a)  dist0(b)   lcaDepth   min_t dist0(γ(t)) (sampled)');
const ts = g.linspace(-8, 9, 3401, 'float64');
const lcaPoints: Row[] = [];
const geodesicRows: Row[] = [];
for (const { name, a, b } of pairs) {
  const line = ball.geodesic(a, b, ts); // [3401, 2], the whole geodesic (t outside [0, 1] extends it)
  const d0 = g.toArray(ball.dist0(line));
  let best = 0;
  for (let i = 1; i < d0.length; i++) if (d0[i] < d0[best]) best = i;
  const depth = num(ball.lcaDepth(a, b));
  console.log(`  ${name.padEnd(24)} ${fx(num(ball.dist0(a)))}  ${fx(num(ball.dist0(b)))}   ${fx(depth)}   ${fx(d0[best])}`);
  const label = name.slice(0, 1);
  const [lx, ly] = rows(line)[best];
  lcaPoints.push({ x: lx, y: ly, pair: label });
  const tv = g.toArray(ts);
  rows(line).forEach(([gx, gy], i) => {
    const t = tv[i];
    const at = (part: string): void => void geodesicRows.push({ x: gx, y: gy, pair: label, part, piece: `${label} ${part}`, order: i });
    if (t >= -1e-9 && t <= 1 + 1e-9) at('segment');
    if (t <= 1e-9 && (i % 5 === 0 || t > -1e-9)) at('before');
    if (t >= 1 - 1e-9 && (i % 5 === 0 || t < 1 + 1e-9)) at('after');
  });
}
// Unlike d(a, b), the LCA depth is not invariant under isometries: it is measured from the
// origin, which plays the role of the tree's root. Translating a pair moves its LCA.
const [a0, b0] = [pairs[0].a, pairs[0].b];
const m = pt(0.3, -0.4);
console.log(
  `  after translating pair A by m = (0.3, -0.4): d(a, b) ${fx(num(ball.dist(a0, b0)))} → ${fx(num(ball.dist(ball.mobiusAdd(m, a0), ball.mobiusAdd(m, b0))))}, ` +
    `lcaDepth ${fx(num(ball.lcaDepth(a0, b0)))} → ${fx(num(ball.lcaDepth(ball.mobiusAdd(m, a0), ball.mobiusAdd(m, b0))))}`,
);

// ─── 6. The picture ──────────────────────────────────────────────────────────
// The disk with the fan of section 1 (grey, one ring per length), the four geodesics (solid between
// the pair, thin where extended to the boundary), their end points and their LCA points (squares).
const fanRows: Row[] = rows(fan).map(([px, py], i) => ({ x: px, y: py, length: lengths[Math.floor(i / 8)] }));
const endRows: Row[] = pairs.flatMap(({ name, a, b }) => [a, b].map((q) => ({ x: rows(q)[0][0], y: rows(q)[0][1], pair: name.slice(0, 1) })));
const scale = { domain: [-1.05, 1.05], nice: false };
const xEnc = { field: 'x', type: 'quantitative', scale, title: null } as const;
const yEnc = { field: 'y', type: 'quantitative', scale, title: null } as const;
const pairColor = { field: 'pair', type: 'nominal', title: 'pair', scale: { scheme: 'category10' } } as const;
const files = await render(
  {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'The Poincaré disk (c = 1)', subtitle: 'expmap0 fan (grey), geodesics through pairs A–D, their LCA points (squares)' },
    width: 420,
    height: 420,
    layer: [
      { data: { values: diskOutline() }, mark: { type: 'line', color: '#333', strokeWidth: 1.2 }, encoding: { x: xEnc, y: yEnc, order: { field: 'order' } } },
      {
        data: { values: fanRows },
        mark: { type: 'circle', color: '#999', opacity: 0.8 },
        encoding: { x: xEnc, y: yEnc, size: { field: 'length', type: 'quantitative', scale: { range: [10, 60] }, title: '‖v‖ (fan)' } },
      },
      {
        data: { values: geodesicRows.filter((r) => r.part !== 'segment') },
        mark: { type: 'line', strokeWidth: 1, opacity: 0.6, strokeDash: [4, 3] },
        encoding: { x: xEnc, y: yEnc, color: pairColor, detail: { field: 'piece' }, order: { field: 'order' } },
      },
      {
        data: { values: geodesicRows.filter((r) => r.part === 'segment') },
        mark: { type: 'line', strokeWidth: 2.5 },
        encoding: { x: xEnc, y: yEnc, color: pairColor, detail: { field: 'pair' }, order: { field: 'order' } },
      },
      { data: { values: endRows }, mark: { type: 'circle', size: 70, opacity: 1 }, encoding: { x: xEnc, y: yEnc, color: pairColor } },
      { data: { values: lcaPoints }, mark: { type: 'square', size: 80, filled: false, strokeWidth: 2 }, encoding: { x: xEnc, y: yEnc, color: pairColor } },
    ],
  },
  'poincare-tour',
);
console.log(`\n6. picture written to ${files.join(' and ')}`);
