/**
 * Poincaré embeddings of WordNet (issue 14): the time of one training step on
 * an embedding table of N = 1,182 rows (the mammal closure) against
 * N = 82,192 rows (all nouns), with the same batch — 10 edges × (1 positive +
 * 50 negatives) — and one epoch of the full noun closure (743,600 edges).
 *
 * One step = negative sampling + `take` + the ball's `dist` + softmax
 * cross-entropy + `valueAndGrad` + an `rsgd` update (retraction, c = 1,
 * float64 as the reference code). With sparse row gradients and sparse
 * updates the step should cost about the same at both sizes (target: ratio
 * ≤ 1.5). Sides alternate round by round; medians are reported.
 *
 * Optional peer: the same algorithm in PyTorch (bench/wordnet_step_torch.py:
 * `nn.Embedding(sparse=True)`, the same distance, loss and update, float64,
 * one thread), run in a child process in the same rounds, when a Python that
 * can `import torch` is found (GYROGRAD_TORCH_PYTHON, /usr/bin/python3,
 * python3); skipped with the reason otherwise.
 *
 *   npm run bench:wordnet                 # steps at both sizes + torch peer + a 2,000-step slice of the noun epoch
 *   npm run bench:wordnet -- --epoch      # … and one full epoch of the noun closure (minutes)
 *   npm run bench:wordnet -- --quick      # smoke run (seconds)
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../lib/index.ts';
import type { Graph, NegativeSampler, Tensor } from '../lib/index.ts';
import { median } from './util.ts';

const quick = process.argv.includes('--quick');
const fullEpoch = process.argv.includes('--epoch');
const B = 10,
  K = 50,
  DIM = 10,
  LR = 0.3;
const ROUNDS = quick ? 3 : 9;
const STEPS = quick ? 20 : 100; // steps per timed sample

console.log(`# WordNet Poincaré-embedding step (issue 14)\n`);
console.log(
  `machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()[0].toFixed(2)}`,
);
console.log(`step: ${B} edges × (1 + ${K}) candidates, d = ${DIM}, float64, rsgd (retraction, lr ${LR}, c = 1); ${ROUNDS} rounds × ${STEPS} steps per side\n`);

const parsed = await g.loadWordNetNouns();
if (E.isLeft(parsed)) {
  console.log(`skipped: ${parsed.left.message}`);
  process.exit(0);
}
const mammals = g.wordnetClosure(parsed.right, 'mammal.n.01');
const nouns = g.wordnetClosure(parsed.right);

const ball = g.poincareBall({ c: 1 });
const opt = g.rsgd({ lr: LR, manifold: ball, stepWith: 'retr' });

/** One side: a table, its sampler and state, and a step function. */
interface Trainer {
  label: string;
  n: number;
  edges: number;
  step(): number;
  table(): Tensor;
}

function trainer(label: string, c: g.WordNetClosure, seed: number): Trainer {
  const graph: Graph = g.graphFromEdges(c.numNodes, c.edges);
  const sampler: NegativeSampler = g.negativeSampler(graph, { numNegatives: K });
  const key = g.prngKey(seed);
  let table = g.randomUniform(g.foldIn(key, 0), [c.numNodes, DIM], 'float64', -1e-3, 1e-3);
  let state = opt.init(table);
  const order = g.permutation(g.foldIn(key, 1), c.numEdges);
  let t = 0;
  const us = new Int32Array(B * (K + 1)),
    vs = new Int32Array(B * (K + 1));
  const labels = new Int32Array(B);
  return {
    label,
    n: c.numNodes,
    edges: c.numEdges,
    step: () => {
      const b0 = (t * B) % (c.numEdges - B);
      const cand = sampler.sample(g.foldIn(key, 2 + t), order.subarray(b0, b0 + B));
      t++;
      for (let r = 0; r < B; r++) {
        for (let j = 0; j <= K; j++) {
          us[r * (K + 1) + j] = cand[r * (K + 2)];
          vs[r * (K + 1) + j] = cand[r * (K + 2) + 1 + j];
        }
      }
      const loss = (x: Tensor): Tensor => g.crossEntropy(g.neg(g.reshape(ball.dist(g.take(x, us), g.take(x, vs)), [B, K + 1])), labels);
      const [value, grad] = g.valueAndGrad(loss)(table);
      [table, state] = opt.update(grad, state, table);
      return g.item(value);
    },
    table: () => table,
  };
}

// ─── the PyTorch peer ────────────────────────────────────────────────────────
interface Peer {
  label: string;
  run(side: 'mammals' | 'nouns', steps: number): Promise<number>;
  close(): void;
}

async function torchPeer(): Promise<Peer | string> {
  const candidates = [process.env.GYROGRAD_TORCH_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  let python: string | undefined;
  const reasons: string[] = [];
  for (const p of candidates) {
    const r = spawnSync(p, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) {
      python = p;
      break;
    }
    reasons.push(`${p}: ${(r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'failed').slice(0, 120)}`);
  }
  if (python === undefined) return `no Python that can import torch (${reasons.join('; ')})`;
  const dir = join(import.meta.dirname, 'out');
  mkdirSync(dir, { recursive: true });
  for (const [name, c] of [
    ['mammals', mammals],
    ['nouns', nouns],
  ] as const) {
    writeFileSync(join(dir, `wordnet-${name}.i32`), new Uint8Array(c.edges.buffer, c.edges.byteOffset, c.edges.byteLength));
  }
  const child: ChildProcessWithoutNullStreams = spawn(python, [
    join(import.meta.dirname, 'wordnet_step_torch.py'),
    dir,
    String(B),
    String(K),
    String(DIM),
    String(LR),
  ]);
  let buf = '';
  const waiting: ((line: string) => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let exited = false;
  const rejects: ((e: Error) => void)[] = [];
  child.once('exit', () => {
    exited = true;
    for (const r of rejects.splice(0)) r(new Error(`torch peer exited: ${err.slice(-400)}`));
  });
  const ask = (cmd: string): Promise<string> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`torch peer exited: ${err.slice(-400)}`));
      rejects.push(reject);
      waiting.push((line) => {
        rejects.splice(rejects.indexOf(reject), 1);
        resolve(line);
      });
      child.stdin.write(`${cmd}\n`);
    });
  const hello = await ask('hello');
  return {
    label: `PyTorch ${hello}`,
    run: async (side, steps) => Number(await ask(`${side} ${steps}`)),
    close: () => child.stdin.end(),
  };
}

// ─── timing ──────────────────────────────────────────────────────────────────
const sides = [trainer('gyrograd N = 1,182 (mammals)', mammals, 1), trainer('gyrograd N = 82,192 (nouns)', nouns, 2)];
const peer = quick && !process.argv.includes('--torch') ? 'not run with --quick (add --torch)' : await torchPeer();
if (typeof peer === 'string') console.log(`PyTorch peer skipped: ${peer}\n`);

const time = (tr: Trainer, steps: number): number => {
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const v = tr.step();
    if (!Number.isFinite(v)) throw new Error(`${tr.label}: non-finite loss ${v}`);
  }
  return (performance.now() - t0) / steps;
};
for (const s of sides) time(s, STEPS); // warm-up
if (typeof peer !== 'string') {
  await peer.run('mammals', STEPS);
  await peer.run('nouns', STEPS);
}
const ours: number[][] = sides.map(() => []);
const theirs: number[][] = [[], []];
for (let r = 0; r < ROUNDS; r++) {
  sides.forEach((s, i) => ours[i].push(time(s, STEPS)));
  if (typeof peer !== 'string') {
    theirs[0].push(await peer.run('mammals', STEPS));
    theirs[1].push(await peer.run('nouns', STEPS));
  }
}
const med = ours.map(median);
console.log('| side | N | ms / step (median) | min | max |');
console.log('|---|---:|---:|---:|---:|');
sides.forEach((s, i) =>
  console.log(`| ${s.label} | ${s.n} | ${med[i].toFixed(3)} | ${Math.min(...ours[i]).toFixed(3)} | ${Math.max(...ours[i]).toFixed(3)} |`),
);
if (typeof peer !== 'string') {
  ['N = 1,182 (mammals)', 'N = 82,192 (nouns)'].forEach((l, i) =>
    console.log(
      `| ${peer.label} ${l} | ${i ? nouns.numNodes : mammals.numNodes} | ${median(theirs[i]).toFixed(3)} | ${Math.min(...theirs[i]).toFixed(3)} | ${Math.max(...theirs[i]).toFixed(3)} |`,
    ),
  );
}
console.log(`\nratio step(N = 82,192) / step(N = 1,182): **${(med[1] / med[0]).toFixed(2)}** (target ≤ 1.5)`);
if (typeof peer !== 'string') {
  console.log(
    `PyTorch ratio: ${(median(theirs[1]) / median(theirs[0])).toFixed(2)}; gyrograd ms / PyTorch ms: ${(med[0] / median(theirs[0])).toFixed(2)} at N = 1,182, ${(med[1] / median(theirs[1])).toFixed(2)} at N = 82,192`,
  );
  peer.close();
}

// ─── one epoch of the noun closure ───────────────────────────────────────────
const epochSteps = Math.floor(nouns.numEdges / B);
const slice = fullEpoch ? epochSteps : quick ? 200 : 2000;
const ep = trainer('epoch', nouns, 3);
const t0 = performance.now();
for (let s = 0; s < slice; s++) ep.step();
const sec = (performance.now() - t0) / 1000;
if (fullEpoch)
  console.log(
    `\none epoch of the noun closure: ${epochSteps} steps (${nouns.numEdges} edges) in **${sec.toFixed(1)} s** (${((sec * 1000) / epochSteps).toFixed(3)} ms / step)`,
  );
else
  console.log(
    `\nnoun closure: ${slice} of an epoch's ${epochSteps} steps in ${sec.toFixed(1)} s (${((sec * 1000) / slice).toFixed(3)} ms / step): an epoch ≈ ${((sec * epochSteps) / slice).toFixed(0)} s (--epoch runs one)`,
  );

// ─── reconstruction metrics on the noun table, in blocks ────────────────────
// 1,000 query nodes × 82,192 rows: the distances are computed 51 query rows at a time (2²² entries),
// never as an 82,192 × 82,192 matrix.
const nodes = Array.from(g.permutation(g.prngKey(5), nouns.numNodes).subarray(0, quick ? 100 : 1000));
const t1 = performance.now();
const rec = g.reconstructionMetrics(ep.table(), g.graphFromEdges(nouns.numNodes, nouns.edges), (x, y) => ball.pairwiseDist(x, y), { nodes });
console.log(
  `reconstructionMetrics on the noun table (${nouns.numNodes} rows), ${rec.numNodes} query nodes (${rec.numPairs} pairs), in blocks: ${((performance.now() - t1) / 1000).toFixed(1)} s` +
    ` (a timing: after ${fullEpoch ? 'one epoch' : `${slice} steps`} at lr ${LR} without burn-in the table is far from trained: mean rank ${rec.meanRank.toFixed(1)}, MAP ${rec.map.toFixed(3)})`,
);
console.log(`load average at the end: ${loadavg()[0].toFixed(2)}`);
