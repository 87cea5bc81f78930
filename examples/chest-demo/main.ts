/**
 * The CHEST demo: the paper's ablation in miniature.
 *
 * Trains an MLP with two heads (Euclidean D_E, hyperbolic D_H) on the
 * standard DML split (train on half of the classes, retrieve among the unseen
 * other half) with (1) Euclidean SoftTriple only, (2) hyperbolic SoftTriple
 * only, (3) CHEST; (0) is the untrained raw-feature baseline. Prints and
 * writes a table of Recall@1/2/4/8 and MAP@R per head (mean ± std over
 * seeds) and pictures: the test embeddings in the Poincaré disk (a D_H = 2
 * CHEST run), histograms of positive / negative similarities, loss curves.
 *
 *   npm run demo -- [--dataset mnist|hierarchy|features=PATH] [--epochs N] [--seed S] [--seeds N] [--quick] [--out DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import * as E from 'fp-ts/Either';
import * as g from '../../lib/index.ts';
import type { Tensor } from '../../lib/index.ts';
import { embed, KS, score, type HeadScores } from './evaluate.ts';
import { diskSpec, lossSpec, render, similaritySpec } from './plots.ts';
import { train, type TrainConfig, type Variant } from './train.ts';

// ---------------------------------------------------------------- options

interface Options {
  dataset: string;
  epochs: number;
  seed: number;
  seeds: number;
  quick: boolean;
  out: string;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { dataset: 'mnist', epochs: 8, seed: 0, seeds: 3, quick: false, out: 'demo-output' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const [, inline] = a.split('=', 2);
      if (a.includes('=') && !a.startsWith('--dataset')) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a.startsWith('--dataset')) o.dataset = a.includes('=') ? a.slice('--dataset='.length) : val();
    else if (a.startsWith('--epochs')) o.epochs = Number(val());
    else if (a.startsWith('--seeds')) o.seeds = Number(val());
    else if (a.startsWith('--seed')) o.seed = Number(val());
    else if (a.startsWith('--out')) o.out = val();
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run demo -- [--dataset mnist|hierarchy|features=PATH] [--epochs N] [--seed S] [--seeds N] [--quick] [--out DIR]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (o.quick) {
    o.epochs = Math.min(o.epochs, 2);
    o.seeds = 1;
  }
  for (const [k, v] of [['epochs', o.epochs], ['seeds', o.seeds], ['seed', o.seed]] as const) {
    if (!Number.isInteger(v) || v < (k === 'seed' ? 0 : 1)) throw new Error(`--${k} must be a ${k === 'seed' ? 'non-negative' : 'positive'} integer, got ${v}`);
  }
  return o;
}

// ---------------------------------------------------------------- data

interface Data {
  readonly name: string;
  readonly x: Tensor;
  readonly labels: Int32Array;
  readonly tree?: g.ClassTree;
}

async function loadData(o: Options): Promise<Data> {
  if (o.dataset === 'mnist') {
    const m = await g.loadMnist({ perClass: o.quick ? 60 : 400 });
    return { name: 'MNIST (npm mnist package)', x: m.x, labels: m.labels };
  }
  if (o.dataset === 'hierarchy') {
    const d = g.hierarchicalDataset(g.prngKey(1234), { depth: 4, branching: 2, dim: 64, perLeaf: o.quick ? 40 : 100, noise: 2, decay: 0.6 });
    return { name: 'synthetic hierarchy (16 classes, binary tree of depth 4)', x: d.x, labels: d.labels, tree: d.tree };
  }
  if (o.dataset.startsWith('features=')) {
    const path = o.dataset.slice('features='.length);
    const r = await g.loadFeaturesFile(path);
    if (E.isLeft(r)) throw new Error(`cannot load features from ${path}: ${r.left.message}`);
    return { name: `features from ${path}`, x: r.right.x, labels: r.right.labels };
  }
  throw new Error(`unknown --dataset ${o.dataset}; expected mnist, hierarchy or features=PATH`);
}

/** Labels renumbered 0 … C−1 in order of first appearance of the sorted ids. */
function dense(labels: Int32Array): Int32Array {
  const ids = [...new Set(labels)].sort((a, b) => a - b);
  const map = new Map(ids.map((v, i) => [v, i]));
  return labels.map((v) => map.get(v)!);
}

// ---------------------------------------------------------------- statistics

const meanStd = (xs: readonly number[]): [number, number] => {
  const m = xs.reduce((p, q) => p + q, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((p, q) => p + (q - m) ** 2, 0) / (xs.length - 1) : 0;
  return [m, Math.sqrt(v)];
};
const fmt = (xs: readonly number[], scale = 100, digits = 1): string => {
  const [m, s] = meanStd(xs.map((v) => v * scale));
  return xs.length > 1 ? `${m.toFixed(digits)} ± ${s.toFixed(digits)}` : m.toFixed(digits);
};

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  mkdirSync(o.out, { recursive: true });
  const data = await loadData(o);
  const split = g.dmlSplit(data.labels);
  const xTrain = g.take(data.x, split.train);
  const yTrain = dense(data.labels.filter((_, i) => split.train.includes(i)));
  const xTest = g.take(data.x, split.test);
  const yTestRaw = data.labels.filter((_, i) => split.test.includes(i));
  const testTree = data.tree;
  const C = split.trainClasses.length;
  const c = 0.1;
  const ball = g.poincareBall({ c });
  const perBatch = Math.min(C, 8);
  const samplesPerClass = 16;
  const stepsPerEpoch = Math.max(1, Math.round(yTrain.length / (perBatch * samplesPerClass)));
  const cfgFor = (dimH: number): TrainConfig => ({
    model: { inDim: data.x.shape[1], hidden: 128, feature: 64, dimE: 32, dimH, classes: C, proxiesPerClass: 4 },
    steps: o.epochs * stepsPerEpoch,
    classesPerBatch: perBatch,
    samplesPerClass,
    lr: 1e-3,
    c,
    triplets: 256,
  });
  const cfg = cfgFor(32);
  console.log(`CHEST demo · ${data.name}: ${yTrain.length} training items of ${C} classes, ${yTestRaw.length} test items of ${split.testClasses.length} unseen classes`);
  console.log(`${o.epochs} epochs × ${stepsPerEpoch} steps, batches of ${perBatch}×${samplesPerClass}, D_E = ${cfg.model.dimE}, D_H = ${cfg.model.dimH}, c = ${c}, ${o.seeds} seed(s) from ${o.seed}\n`);

  const variants: Variant[] = ['euclidean', 'hyperbolic', 'chest'];
  const runs = variants.flatMap((v) => Array.from({ length: o.seeds }, (_, s) => ({ v, seed: o.seed + s })));
  const bar = new SingleBar({ format: 'training {bar} {percentage}% | {run} | step {step}/{steps} | loss {loss}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 }, Presets.shades_classic);
  bar.start(runs.length * cfg.steps, 0, { run: '', step: 0, steps: cfg.steps, loss: '-' });

  type Scores = { e?: HeadScores; h?: HeadScores };
  const results: Record<string, Scores[]> = { raw: [], euclidean: [], hyperbolic: [], chest: [] };
  const curves: Record<string, number[][]> = { euclidean: [], hyperbolic: [], chest: [] };
  const simRows: Record<string, number | string>[] = [];
  let done = 0;
  for (const { v, seed } of runs) {
    const r = train(v, g.prngKey(seed), xTrain, yTrain, cfg, (step, loss) =>
      bar.update(done + step, { run: `${v} seed ${seed}`, step, loss: loss.toFixed(3) }),
    );
    done += cfg.steps;
    curves[v].push(r.losses);
    const { e, h } = embed(r.params.net, xTest, ball);
    results[v].push({
      e: v !== 'hyperbolic' ? score(e, yTestRaw, 'cosine', testTree) : undefined,
      h: v !== 'euclidean' ? score(h, yTestRaw, ball.pairwiseDist, testTree) : undefined,
    });
    if (v !== 'euclidean' && seed === o.seed) simRows.push(...similarities(h, yTestRaw, ball, v === 'chest' ? 'CHEST' : 'hyperbolic only'));
  }
  bar.stop();
  results.raw.push({ e: score(xTest, yTestRaw, 'cosine', testTree) });

  // The Poincaré-disk picture: a CHEST run with a 2-dimensional hyperbolic head.
  const cfg2 = cfgFor(2);
  console.log('training a D_H = 2 CHEST run for the Poincaré disk picture …');
  const r2 = train('chest', g.prngKey(o.seed), xTrain, yTrain, cfg2);
  const disk = embed(r2.params.net, xTest, ball).h;
  const pts = (g.toNested(disk) as number[][]).map(([x, y], i) => ({ x: x / ball.radius, y: y / ball.radius, class: String(yTestRaw[i]) }));

  // ---------------------------------------------------------------- report
  const heads: [string, keyof Scores, string][] = [
    ['raw', 'e', '(0) raw features, untrained'],
    ['euclidean', 'e', '(1) Euclidean SoftTriple — Euclidean head'],
    ['hyperbolic', 'h', '(2) hyperbolic SoftTriple — hyperbolic head'],
    ['chest', 'e', '(3) CHEST — Euclidean head'],
    ['chest', 'h', '(3) CHEST — hyperbolic head'],
  ];
  const hasTree = testTree !== undefined;
  const header = `| run | ${KS.map((k) => `R@${k}`).join(' | ')} | MAP@R |${hasTree ? ' tree dist. of mistakes |' : ''}`;
  const sep = `|---|${KS.map(() => '---:').join('|')}|---:|${hasTree ? '---:|' : ''}`;
  const lines = heads.map(([run, head, label]) => {
    const s = results[run].map((x) => x[head]!);
    const cols = KS.map((_, i) => fmt(s.map((x) => x.recall[i])));
    const tree = hasTree ? ` ${fmt(s.map((x) => x.treeMistake ?? NaN), 1, 2)} |` : '';
    return `| ${label} | ${cols.join(' | ')} | ${fmt(s.map((x) => x.mapAtR))} |${tree}`;
  });
  const finalLoss = (v: string) => fmt(curves[v].map((cv) => cv.slice(-Math.max(1, Math.floor(cv.length / 10))).reduce((p, q) => p + q, 0) / Math.max(1, Math.floor(cv.length / 10))), 1, 3);
  const seconds = (performance.now() - t0) / 1000;
  const table = [header, sep, ...lines].join('\n');
  const md = [
    `# CHEST demo results`,
    ``,
    `${data.name}; train on ${C} classes, retrieve among ${split.testClasses.length} unseen classes; ${o.seeds} seed(s) (${o.seed}…${o.seed + o.seeds - 1}); ${o.epochs} epochs of ${stepsPerEpoch} steps; Recall@K and MAP@R in %, mean ± std over seeds.`,
    `The Euclidean head is scored with cosine similarity, the hyperbolic head with the geodesic distance of the ball (c = ${c}).`,
    ``,
    table,
    ``,
    `Final training loss (mean of the last 10% of steps): Euclidean ${finalLoss('euclidean')}, hyperbolic ${finalLoss('hyperbolic')}, CHEST ${finalLoss('chest')}.`,
    ``,
    `Pictures: poincare-disk.svg/png (D_H = 2 CHEST run, test classes), similarities.svg/png (positive vs negative pairs, hyperbolic head), loss-curves.svg/png.`,
    ``,
    `Run time ${seconds.toFixed(1)} s.`,
  ].join('\n');
  console.log(`\n${table}\n`);

  const lossRows = Object.entries(curves).flatMap(([v, cs]) =>
    cs[0].map((_, t) => {
      const vals = cs.map((cv) => cv[t]);
      return { run: v, step: t + 1, mean: meanStd(vals)[0], lo: Math.min(...vals), hi: Math.max(...vals) };
    }),
  );
  await render(diskSpec(pts, 'Test embeddings in the Poincaré disk (CHEST, D_H = 2)'), o.out, 'poincare-disk');
  await render(similaritySpec(simRows, 'Similarity of test pairs, hyperbolic head'), o.out, 'similarities');
  await render(lossSpec(lossRows, 'Training loss (mean and range over seeds)'), o.out, 'loss-curves');
  writeFileSync(join(o.out, 'results.md'), md + '\n');
  writeFileSync(
    join(o.out, 'results.json'),
    JSON.stringify({ dataset: data.name, options: o, seconds, ks: KS, results, finalLosses: Object.fromEntries(Object.entries(curves).map(([k, v]) => [k, v.map((cv) => cv[cv.length - 1])])) }, null, 1),
  );
  console.log(`wrote ${o.out}/results.md, results.json and the pictures (${seconds.toFixed(1)} s)`);
}

/** A sample of positive and negative pair similarities (−d) among test embeddings. */
function similarities(h: Tensor, y: Int32Array, ball: g.PoincareBall, run: string): Record<string, number | string>[] {
  const n = Math.min(h.shape[0], 300);
  const idx = Array.from({ length: n }, (_, i) => Math.floor((i * h.shape[0]) / n));
  const sub = g.take(h, idx);
  const d = g.toArray(ball.pairwiseDist(sub, sub));
  const rows: Record<string, number | string>[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) rows.push({ run, pair: y[idx[i]] === y[idx[j]] ? 'positive' : 'negative', similarity: -d[i * n + j] });
  return rows;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
