// A notebook-style tour of gyrograd in the browser: plain JavaScript, one cell per step, each
// printing into the page (and the console). Open examples/browser/index.html through any static
// server once the import map points at gyrograd (see index.html).
import * as g from 'gyrograd';

const cells = document.getElementById('cells');
const results = {};
/** Runs one cell: a heading, then whatever `body` returns (lines of text) in a <pre>. */
async function cell(title, body) {
  const h = document.createElement('h2');
  h.textContent = title;
  const pre = document.createElement('pre');
  cells.append(h, pre);
  const lines = await body();
  pre.textContent = lines.join('\n');
  console.log(`${title}\n${lines.join('\n')}`);
}

// 1 · Backends. The default is chosen at the first kernel use (wasm where WebAssembly SIMD runs);
// gpu.js's backends load on demand, so the page fetches gpu.js only if asked to.
await cell('1 · backends', async () => {
  const x = g.matmul(g.ones([64, 64]), g.ones([64, 64]));
  results.backend = g.backend();
  const available = await g.loadGpuBackends();
  return [`running on: ${results.backend} (first product: ${g.item(g.sum(x))})`, `available after loadGpuBackends(): ${available.join(', ')}`];
});

// 2 · Tensors and gradients: grad of Σ tanh(x)·x, against the closed form tanh(x) + x·(1 − tanh²x).
await cell('2 · grad', async () => {
  const x = g.tensor([-1, 0.5, 2], undefined, 'float64');
  const dx = g.toArray(g.grad((t) => g.sum(g.mul(g.tanh(t), t)))(x));
  const closed = [-1, 0.5, 2].map((v) => Math.tanh(v) + v * (1 - Math.tanh(v) ** 2));
  results.gradError = Math.max(...dx.map((v, i) => Math.abs(v - closed[i])));
  return [
    `grad:        [${dx.map((v) => v.toFixed(6)).join(', ')}]`,
    `closed form: [${closed.map((v) => v.toFixed(6)).join(', ')}]`,
    `max error ${results.gradError.toExponential(2)}`,
  ];
});

// 3 · The Poincaré ball: distances grow without bound towards the boundary.
await cell('3 · the Poincaré ball (c = 1)', async () => {
  const ball = g.poincareBall({ c: 1 });
  const radii = [0, 0.5, 0.9, 0.99, 0.999];
  const d = g.toArray(
    ball.dist0(
      g.tensor(
        radii.map((r) => [r, 0]),
        undefined,
        'float64',
      ),
    ),
  );
  results.distances = d;
  return radii.map((r, i) => `d(0, (${r}, 0)) = ${d[i].toFixed(4)}   (2·artanh r = ${(2 * Math.atanh(r)).toFixed(4)})`);
});

// 4 · A few CHEST steps on a toy problem: 3 classes of points in 8-D, a linear model with a
// Euclidean and a hyperbolic head, Adam on everything. The loss should fall.
await cell('4 · CHEST, 30 steps', async () => {
  const [kx, kw, kp, kq] = g.split(g.prngKey(0), 4);
  const labels = Array.from({ length: 24 }, (_, i) => i % 3);
  const centres = g.mul(g.randomNormal(kx, [3, 8]), 2);
  const x = g.add(g.take(centres, labels), g.mul(g.randomNormal(kq, [24, 8]), 0.5));
  let params = { w: g.mul(g.randomNormal(kw, [8, 8]), 0.3), pe: g.randomNormal(kp, [6, 4]), ph: g.mul(g.randomNormal(kp, [6, 4]), 0.1) };
  const loss = g.chest({ centersPerClass: 2, hyphc: { triplets: 64 } });
  const f = (p) => {
    const h = g.matmul(x, p.w);
    return loss(
      { euclidean: g.slice(h, [0, 0], [24, 4]), hyperbolic: g.slice(h, [0, 4], [24, 4]), euclideanProxies: p.pe, hyperbolicProxies: p.ph },
      labels,
      g.prngKey(1),
    );
  };
  const opt = g.adam({ lr: 0.05 });
  let state = opt.init(params);
  const losses = [];
  for (let t = 0; t < 30; t++) {
    const [l, grads] = g.valueAndGrad(f)(params);
    [params, state] = opt.update(grads, state, params);
    losses.push((await g.toArrayAsync(l))[0]);
  }
  results.losses = losses;
  return losses.filter((_, t) => t % 5 === 0 || t === 29).map((l, i) => `step ${String([0, 5, 10, 15, 20, 25, 29][i]).padStart(2)}: loss ${l.toFixed(4)}`);
});

// published for the test (test/browser/example.test.ts)
globalThis.__result = results;
