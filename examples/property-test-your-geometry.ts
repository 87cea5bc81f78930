/**
 * Property-test your own geometry with `gyrograd/testing`.
 *
 * A notebook in code: we define a new function on the Poincaré ball — the
 * "hyperbolic centroid distance", the distance from each point to the
 * Einstein midpoint of a set — and check, with fast-check and the exported
 * arbitraries, that it behaves as geometry says it must, and that its
 * gradient agrees with finite differences. Run:
 *
 *   npx tsx examples/property-test-your-geometry.ts
 */
import fc from 'fast-check';
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';
import { ballPointArb, checkGrad, curvatureArb, tangentVectorArb } from 'gyrograd/testing';

// 1. The function under test: d(x_i, midpoint(x)) for every row, as a pure function of the points.
const centroidDistance = (ball: g.PoincareBall, x: Tensor): Tensor => ball.dist(x, g.broadcastTo(ball.weightedMidpoint(x), x.shape));

// 2. A first property: isometries don't change it. Möbius translation by any point a is an isometry
//    of the ball, and the Einstein midpoint is gyro-equivariant, so the distances must not move.
//    `ballPointArb` draws rows strictly inside the ball, boundary probes (0.9, 0.99, 0.999 of the radius) included.
const isometryInvariance = fc.property(curvatureArb(), fc.integer({ min: 2, max: 6 }), fc.nat(), (c, dim, seed) => {
  const ball = g.poincareBall({ c });
  const [k1, k2] = g.split(g.prngKey(seed), 2);
  const x = ball.expmap0(g.mul(g.randomNormal(k1, [5, dim], 'float64'), 0.5 / Math.sqrt(c)));
  const a = ball.expmap0(g.mul(g.randomNormal(k2, [1, dim], 'float64'), 0.5 / Math.sqrt(c)));
  const before = g.toArray(centroidDistance(ball, x));
  const after = g.toArray(centroidDistance(ball, ball.mobiusAdd(g.broadcastTo(a, x.shape), x)));
  return before.every((v, i) => Math.abs(v - after[i]) <= 1e-9 * (1 + v));
});
fc.assert(isometryInvariance, { numRuns: 50 });
console.log('✓ distances to the Einstein midpoint are invariant under Möbius translations (50 random cases)');

// 3. A second property, with the arbitraries directly: the exponential map never leaves the ball,
//    even for tangent vectors of norm up to 1e6.
fc.assert(
  fc.property(
    fc
      .constantFrom(1e-3, 0.1, 1, 10)
      .chain((c) => fc.tuple(fc.constant(c), ballPointArb({ c, dim: 4, rows: 3 }), tangentVectorArb({ dim: 4, rows: 3, maxNorm: 1e6 }))),
    ([c, x, v]) => {
      const y = g.poincareBall({ c }).expmap(x, v);
      return g.toArray(g.norm(y, -1)).every((n) => n < 1 / Math.sqrt(c));
    },
  ),
  { numRuns: 100 },
);
console.log('✓ expmap(x, v) stays strictly inside the ball for ‖v‖ up to 1e6 (100 random cases)');

// 4. Gradients: checkGrad compares reverse mode with central differences in float64.
const ball = g.poincareBall({ c: 0.5 });
const x0 = ball.expmap0(g.randomNormal(g.prngKey(7), [4, 3], 'float64'));
const report = checkGrad((x) => g.sum(centroidDistance(ball, x as Tensor)), [x0]);
console.log(report.ok ? `✓ ${report.message}` : `✗ ${report.message}`);
if (!report.ok) process.exit(1);
