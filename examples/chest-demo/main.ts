/**
 * The CHEST demo: the paper's ablation, run fairly, on protocols where
 * learning helps.
 *
 * For each protocol (data.ts: MNIST unseen digits, MNIST seen digits, the
 * synthetic hierarchy) it trains the same backbone (model.ts) with the same
 * budget under three losses — (1) Euclidean SoftTriple only, (2) hyperbolic
 * SoftTriple only, (3) CHEST — over several seeds (the same seeds, so runs
 * are paired: same initialisation, batches, augmentation and dropout masks),
 * and scores every head against (0) the untrained raw features. It prints and
 * writes results.md / results.json (mean ± std over seeds, paired t and sign
 * tests, stability over seeds and over the last epochs) and pictures.
 *
 *   npm run demo -- [--dataset all|mnist|hierarchy|features=PATH] [--seeds N] [--seed S] [--steps N] [--quick] [--out DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import * as g from '../../lib/index.ts';
import type { Tensor } from '../../lib/index.ts';
import { featuresProtocol, hierarchyProtocol, mnistProtocols, type Protocol } from './data.ts';
import { embed, fmtDelta, KS, quickScore, score, tableMetrics, type HeadScores, type TableMetric } from './evaluate.ts';
import { describeBackbone } from './model.ts';
import { diskSpec, lossSpec, render, similaritySpec } from './plots.ts';
import { fmtP, meanStd, pairedTest, type PairedTest } from './stats.ts';
import { train, type StepTerms, type TrainConfig } from './train.ts';
import { C_BALL, CLIP_R, configFor, VARIANT_NAME, VARIANTS, type MainVariant as Variant } from './config.ts';

// ---------------------------------------------------------------- options

interface Options {
  dataset: string;
  seed: number;
  seeds: number;
  steps: number | undefined;
  quick: boolean;
  out: string;
}

const USAGE = 'usage: npm run demo -- [--dataset all|mnist|hierarchy|features=PATH] [--seeds N] [--seed S] [--steps N] [--quick] [--out DIR]';

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { dataset: 'all', seed: 0, seeds: 5, steps: undefined, quick: false, out: 'demo-output' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] = a.includes('=') && !a.startsWith('--dataset=features') ? a.split('=', 2) : [a, undefined];
    const val = (): string => {
      if (a.startsWith('--dataset=')) return a.slice('--dataset='.length);
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      return v;
    };
    if (name === '--quick') o.quick = true;
    else if (name === '--dataset' || a.startsWith('--dataset=')) o.dataset = val();
    else if (name === '--seeds') o.seeds = Number(val());
    else if (name === '--seed') o.seed = Number(val());
    else if (name === '--steps') o.steps = Number(val());
    else if (name === '--out') o.out = val();
    else if (name === '--help' || name === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (o.quick) o.seeds = Math.min(o.seeds, 1);
  for (const [k, v, min] of [
    ['seeds', o.seeds, 1],
    ['seed', o.seed, 0],
    ['steps', o.steps ?? 1, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`--${k} must be an integer ≥ ${min}, got ${v}`);
  }
  return o;
}

// ---------------------------------------------------------------- running a protocol

type Head = 'e' | 'h';
interface RunRecord {
  readonly variant: Variant;
  readonly seed: number;
  readonly scores: Partial<Record<Head, HeadScores>>;
  /** R@1 / MAP@R of each trained head at the last checkpoints */
  readonly checkpoints: { step: number; value: Record<string, number> }[];
  readonly terms: StepTerms[];
  readonly seconds: number;
}
interface ProtocolResult {
  readonly protocol: Protocol;
  readonly cfg: TrainConfig;
  readonly lr: Record<Variant, number>;
  readonly raw: HeadScores;
  readonly runs: RunRecord[];
  readonly simRows: Record<string, number | string>[];
}

/** Test items scored at the stability checkpoints (at most; evenly spaced). */
const CHECKPOINT_ITEMS = 1000;
/** `min(n, k)` evenly spaced indices of `0 … n − 1`. */
const evenlySpaced = (n: number, k: number): number[] => Array.from({ length: Math.min(n, k) }, (_, i) => Math.floor((i * n) / Math.min(n, k)));

const headsOf = (v: Variant): Head[] => (v === 'euclidean' ? ['e'] : v === 'hyperbolic' ? ['h'] : ['e', 'h']);

function runProtocol(p: Protocol, o: Options): ProtocolResult {
  const ball = g.poincareBall({ c: C_BALL });
  const { cfg, lr } = configFor(p, o, p.images ? 64 : 16);
  const raw = score(p.xTest, p.yTest, 'cosine', p.tree);
  // stability over the last epochs: R@1 / MAP@R at 4 checkpoints in the last 40% of training, on a test subset
  const evalAt = [0.6, 0.733, 0.867, 1].map((f) => Math.max(1, Math.round(f * cfg.steps)));
  const sub = evenlySpaced(p.yTest.length, CHECKPOINT_ITEMS);
  const xSub = g.take(p.xTest, sub);
  const ySub = Int32Array.from(sub, (i) => p.yTest[i]);
  const runs: RunRecord[] = [];
  const simRows: Record<string, number | string>[] = [];
  const pairsIdx = evenlySpaced(p.yTest.length, 400);
  simRows.push(
    ...similarities(
      g.take(p.xTest, pairsIdx),
      pairsIdx.map((i) => p.yTest[i]),
      'raw features (cosine)',
      'cosine',
    ),
  );
  console.log(
    `\n${p.title}\n  ${p.xTrain.shape[0]} training items of ${p.trainClasses} classes, ${p.yTest.length} test items; ${cfg.steps} steps of ${cfg.classesPerBatch}×${cfg.samplesPerClass}; lr ${VARIANTS.map((v) => `${v} ${lr[v]}`).join(', ')}`,
  );
  for (const v of VARIANTS) {
    for (let s = 0; s < o.seeds; s++) {
      const seed = o.seed + s;
      const r = train(
        v,
        g.prngKey(seed),
        p.xTrain,
        p.yTrain,
        { ...cfg, lr: lr[v] },
        {
          evaluateAt: evalAt,
          evaluate: (params) => {
            const { e, h } = embed(params.net, xSub, ball);
            const out: Record<string, number> = {};
            for (const hd of headsOf(v)) {
              const q = hd === 'e' ? quickScore(e, ySub, 'cosine') : quickScore(h, ySub, ball.pairwiseDist);
              out[`${hd}R1`] = q.r1;
              out[`${hd}MAP`] = q.mapAtR;
            }
            return out;
          },
        },
      );
      const { e, h } = embed(r.params.net, p.xTest, ball);
      const scores: Partial<Record<Head, HeadScores>> = {};
      for (const hd of headsOf(v)) scores[hd] = hd === 'e' ? score(e, p.yTest, 'cosine', p.tree) : score(h, p.yTest, ball.pairwiseDist, p.tree);
      runs.push({ variant: v, seed, scores, checkpoints: r.checkpoints, terms: r.terms, seconds: r.seconds });
      const sc = Object.entries(scores)
        .map(([hd, x]) => `${hd === 'e' ? 'E' : 'H'} R@1 ${(100 * x.recall[0]).toFixed(1)} MAP@R ${(100 * x.mapAtR).toFixed(1)}`)
        .join(' · ');
      console.log(`  ${VARIANT_NAME[v].padEnd(22)} seed ${seed}: ${sc} (${r.seconds.toFixed(1)} s)`);
      if (seed === o.seed) {
        const pe = g.take(e, pairsIdx);
        const ph = g.take(h, pairsIdx);
        const yl = pairsIdx.map((i) => p.yTest[i]);
        for (const hd of headsOf(v)) {
          const name = `${VARIANT_NAME[v]}, ${hd === 'e' ? 'Euclidean head (cosine)' : 'hyperbolic head (−d)'}`;
          simRows.push(...(hd === 'e' ? similarities(pe, yl, name, 'cosine') : similarities(ph, yl, name, ball.pairwiseDist)));
        }
      }
    }
  }
  return { protocol: p, cfg, lr, raw, runs, simRows };
}

/** Similarities of all pairs of the given test items: cosine, or −distance for a distance function. */
function similarities(
  x: Tensor,
  y: readonly number[],
  run: string,
  distance: 'cosine' | ((a: Tensor, b: Tensor) => Tensor),
): Record<string, number | string>[] {
  const n = x.shape[0];
  const m = g.toArray(distance === 'cosine' ? g.pairwiseCosine(x, x) : distance(x, x));
  const rows: Record<string, number | string>[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      rows.push({ run, pair: y[i] === y[j] ? 'positive' : 'negative', similarity: distance === 'cosine' ? m[i * n + j] : -m[i * n + j] });
  return rows;
}

// ---------------------------------------------------------------- report

const pct = (xs: readonly number[], digits = 1): string => {
  const [m, s] = meanStd(xs.map((v) => 100 * v));
  return xs.length > 1 ? `${m.toFixed(digits)} ± ${s.toFixed(digits)}` : m.toFixed(digits);
};
const num = (xs: readonly number[], digits = 2): string => {
  const [m, s] = meanStd(xs);
  return xs.length > 1 ? `${m.toFixed(digits)} ± ${s.toFixed(digits)}` : m.toFixed(digits);
};
const ROWS: [Variant, Head, string][] = [
  ['euclidean', 'e', '(1) Euclidean SoftTriple — Euclidean head'],
  ['hyperbolic', 'h', '(2) hyperbolic SoftTriple — hyperbolic head'],
  ['chest', 'e', '(3) CHEST — Euclidean head'],
  ['chest', 'h', '(3) CHEST — hyperbolic head'],
];
const scoresOf = (r: ProtocolResult, v: Variant, hd: Head): HeadScores[] => r.runs.filter((x) => x.variant === v).map((x) => x.scores[hd]!);

function resultTable(r: ProtocolResult): string {
  const tree = r.protocol.tree !== undefined;
  const head = `| run | ${KS.map((k) => `R@${k}`).join(' | ')} | MAP@R |${tree ? ' tree dist. of mistakes ↓ | dendrogram purity |' : ''} R@1 range over the last 4 checkpoints (at 60–100% of training, on ${Math.min(r.protocol.yTest.length, CHECKPOINT_ITEMS)} test items) |`;
  const sep = `|---|${KS.map(() => '---:').join('|')}|---:|${tree ? '---:|---:|' : ''}---:|`;
  const line = (label: string, s: HeadScores[], spread: string): string => {
    const cols = KS.map((_, i) => pct(s.map((x) => x.recall[i])));
    const t = tree ? ` ${num(s.map((x) => x.treeMistake!))} | ${pct(s.map((x) => x.purity!))} |` : '';
    return `| ${label} | ${cols.join(' | ')} | ${pct(s.map((x) => x.mapAtR))} |${t} ${spread} |`;
  };
  const lines = [line('(0) raw features, untrained (cosine)', [r.raw], '—')];
  for (const [v, hd, label] of ROWS) lines.push(line(label, scoresOf(r, v, hd), lastEpochSpread(r, v, hd)));
  return [head, sep, ...lines].join('\n');
}

/** Mean over seeds of (max − min) of R@1 (in points) over the last checkpoints. */
function lastEpochSpreadValues(r: ProtocolResult, v: Variant, hd: Head, key = 'R1'): number[] {
  return r.runs
    .filter((x) => x.variant === v)
    .map((x) => {
      const vals = x.checkpoints.map((c) => c.value[`${hd}${key}`]);
      return 100 * (Math.max(...vals) - Math.min(...vals));
    });
}
function lastEpochSpread(r: ProtocolResult, v: Variant, hd: Head): string {
  return `${num(lastEpochSpreadValues(r, v, hd), 2)} pts`;
}

function fmtTest(t: PairedTest, unit: TableMetric['unit']): string {
  return `${fmtDelta(t.meanDiff, unit)} | ${Number.isNaN(t.t) ? '—' : Number.isFinite(t.t) ? t.t.toFixed(2) : String(t.t)} | ${fmtP(t.pT)} | ${t.wins}/${t.losses} | ${fmtP(t.pSign)}`;
}

function testsTable(r: ProtocolResult): string {
  const lines = [
    '| comparison (paired by seed) | metric | mean Δ (pts) | t | p (paired t) | seeds Δ > 0 / Δ < 0 | p (sign test) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  const cmp: [string, Variant, Head, Variant, Head][] = [
    ['CHEST E head − Euclidean-only', 'chest', 'e', 'euclidean', 'e'],
    ['CHEST H head − hyperbolic-only', 'chest', 'h', 'hyperbolic', 'h'],
    ['hyperbolic-only − Euclidean-only', 'hyperbolic', 'h', 'euclidean', 'e'],
  ];
  for (const [label, va, ha, vb, hb] of cmp) {
    const a = scoresOf(r, va, ha);
    const b = scoresOf(r, vb, hb);
    for (const { label: metric, f, unit } of tableMetrics(r.protocol.tree !== undefined))
      lines.push(`| ${label} | ${metric}${unit === 'edges' ? ' (Δ in edges)' : ''} | ${fmtTest(pairedTest(a.map(f), b.map(f)), unit)} |`);
  }
  return lines.join('\n');
}

/** Each trained head against the raw features: mean Δ, seeds above, and the one-sample t-test of the per-seed Δ (two-sided). */
function vsRaw(r: ProtocolResult): string {
  return ROWS.map(([v, hd, label]) => {
    const s = scoresOf(r, v, hd);
    const cell = (f: (x: HeadScores) => number): string => {
      const t = pairedTest(
        s.map(f),
        s.map(() => f(r.raw)),
      );
      return `${fmtDelta(t.meanDiff, 'pts')} | ${t.wins}/${s.length} | ${fmtP(t.pT)}`;
    };
    return `| ${label.replace(/^\(\d\) /, '')} | ${cell((x) => x.recall[0])} | ${cell((x) => x.mapAtR)} |`;
  }).join('\n');
}

/** Plain-language summary lines of a protocol, computed from the numbers (no judgement by hand). */
function verdict(r: ProtocolResult): string[] {
  const above = (metric: (x: HeadScores) => number) => ROWS.filter(([v, hd]) => meanStd(scoresOf(r, v, hd).map(metric))[0] > metric(r.raw)).length;
  const r1 = above((x) => x.recall[0]);
  const mp = above((x) => x.mapAtR);
  const lines = [`- Trained heads above the raw features (mean over seeds): R@1 ${r1} of ${ROWS.length}, MAP@R ${mp} of ${ROWS.length}.`];
  const pairs: [string, Variant, Head, Variant, Head][] = [
    ["CHEST's Euclidean head vs Euclidean-only", 'chest', 'e', 'euclidean', 'e'],
    ["CHEST's hyperbolic head vs hyperbolic-only", 'chest', 'h', 'hyperbolic', 'h'],
  ];
  for (const [label, va, ha, vb, hb] of pairs) {
    const a = scoresOf(r, va, ha);
    const b = scoresOf(r, vb, hb);
    const parts = tableMetrics(false).map(({ label: m, f }) => {
      const t = pairedTest(a.map(f), b.map(f));
      const sig = t.pT < 0.05 ? (t.meanDiff > 0 ? 'better (p < 0.05, uncorrected)' : 'worse (p < 0.05, uncorrected)') : 'no significant difference at 0.05';
      return `${m} ${fmtDelta(t.meanDiff, 'pts')} pts, ${sig}, paired t p = ${fmtP(t.pT)}, wins ${t.wins}/${t.n}`;
    });
    lines.push(`- ${label}: ${parts.join('; ')}.`);
  }
  return lines;
}

function stabilityTable(r: ProtocolResult): string {
  const lines = [
    '| run | std of R@1 over seeds (pts) | std of MAP@R over seeds (pts) | R@1 range, last 4 checkpoints (pts) | MAP@R range, last 4 checkpoints (pts) | training loss: std over the last 10% of steps |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [v, hd, label] of ROWS) {
    const s = scoresOf(r, v, hd);
    const lossStd = r.runs
      .filter((x) => x.variant === v)
      .map((x) => meanStd(x.terms.slice(-Math.max(2, Math.floor(x.terms.length / 10))).map((t) => t.total))[1]);
    lines.push(
      `| ${label.replace(/^\(\d\) /, '')} | ${meanStd(s.map((x) => 100 * x.recall[0]))[1].toFixed(2)} | ${meanStd(s.map((x) => 100 * x.mapAtR))[1].toFixed(2)} | ${num(lastEpochSpreadValues(r, v, hd, 'R1'))} | ${num(lastEpochSpreadValues(r, v, hd, 'MAP'))} | ${num(lossStd, 3)} |`,
    );
  }
  return lines.join('\n');
}

/** Loss curve rows per run and term: mean ± std over seeds, averaged in ~60 windows of steps. */
function lossRows(r: ProtocolResult): Record<string, number | string>[] {
  const rows: Record<string, number | string>[] = [];
  for (const v of VARIANTS) {
    const runs = r.runs.filter((x) => x.variant === v);
    const T = runs[0].terms.length;
    const w = Math.max(1, Math.round(T / 60));
    const terms = (['euclidean', 'hyperbolic', 'hyphc', 'total'] as const).filter(
      (k) => runs[0].terms[0][k] !== undefined && !(k === 'total' && v !== 'chest'),
    );
    for (const term of terms) {
      for (let t0 = 0; t0 < T; t0 += w) {
        const vals = runs.map((x) => meanStd(x.terms.slice(t0, t0 + w).map((t) => t[term]!))[0]);
        const [m, s] = meanStd(vals);
        rows.push({
          run: VARIANT_NAME[v],
          term: term === 'hyphc' ? 'HypHC' : term === 'total' ? 'total (weighted)' : term === 'euclidean' ? 'Euclidean SoftTriple' : 'hyperbolic SoftTriple',
          step: t0 + Math.min(w, T - t0) / 2,
          mean: m,
          // the plot's axis is logarithmic: a band reaching 0 or below is drawn down to a tenth of the mean
          lo: m - s > 0 ? m - s : m / 10,
          hi: m + s,
        });
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const load0 = loadavg()[0];
  mkdirSync(o.out, { recursive: true });
  const testSize = o.quick ? 200 : 2000;
  const protocols: Protocol[] = [];
  if (o.dataset === 'all' || o.dataset === 'mnist') protocols.push(...(await mnistProtocols(testSize, o.quick)));
  if (o.dataset === 'all' || o.dataset === 'hierarchy') protocols.push(hierarchyProtocol(testSize, o.quick));
  if (o.dataset.startsWith('features=')) protocols.push(await featuresProtocol(o.dataset.slice('features='.length), testSize));
  if (protocols.length === 0) throw new Error(`unknown --dataset ${o.dataset}; expected all, mnist, hierarchy or features=PATH`);
  console.log(`CHEST demo: ${protocols.length} protocol(s) × ${VARIANTS.length} losses × ${o.seeds} seed(s) from ${o.seed}`);

  const results = protocols.map((p) => runProtocol(p, o));

  // the Poincaré-disk pictures: CHEST runs with a 2-dimensional hyperbolic head
  console.log('\ntraining D_H = 2 CHEST runs for the Poincaré-disk picture …');
  const ball = g.poincareBall({ c: C_BALL });
  const diskPoints: Record<string, number | string>[] = [];
  for (const p of protocols) {
    const { cfg, lr } = configFor(p, o, 2);
    const r2 = train('chest', g.prngKey(o.seed), p.xTrain, p.yTrain, { ...cfg, lr: lr.chest });
    const idx = evenlySpaced(p.yTest.length, 1000);
    const disk = embed(r2.params.net, g.take(p.xTest, idx), ball).h;
    const xy = g.toNested(disk) as number[][];
    const short =
      p.id === 'mnist-unseen'
        ? 'MNIST unseen digits 5–9, by digit'
        : p.id === 'mnist-seen'
          ? 'MNIST seen digits (test images), by digit'
          : p.id === 'hierarchy-seen'
            ? 'hierarchy test points, by class'
            : p.id;
    xy.forEach(([x, y], i) => {
      const label = p.yTest[idx[i]];
      diskPoints.push({ panel: short, x: x / ball.radius, y: y / ball.radius, group: p.id.startsWith('mnist') ? `digit ${label}` : `class ${label}` });
      if (p.superclass) diskPoints.push({ panel: 'hierarchy test points, by superclass', x: x / ball.radius, y: y / ball.radius, group: p.superclass(label) });
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const load1 = loadavg()[0];

  const md: string[] = [
    '# CHEST demo results',
    '',
    `${o.seeds} seed(s) (${o.seed}…${o.seed + o.seeds - 1}) per loss; every run of a protocol has the same backbone, budget (steps × batch) and schedule, and seed s gives every loss the same initialisation, batches, shifts and dropout masks (paired runs). Recall@K and MAP@R in %, mean ± std over seeds. The Euclidean head is scored with cosine similarity, the hyperbolic head with the geodesic distance of the ball (c = ${C_BALL}); raw features with cosine.`,
  ];
  for (const r of results) {
    md.push(
      '',
      `## ${r.protocol.title}`,
      '',
      `${r.protocol.xTrain.shape[0]} training items (${r.protocol.trainClasses} classes), ${r.protocol.yTest.length} test items; ${r.cfg.steps} steps of ${r.cfg.classesPerBatch} classes × ${r.cfg.samplesPerClass}; ${describeBackbone(r.cfg.model)}, D_E = ${r.cfg.model.dimE}, D_H = ${r.cfg.model.dimH}, ${r.cfg.model.proxiesPerClass} proxies per class, SoftTriple λ = ${r.cfg.la ?? '20 (Euclidean) and 5 (hyperbolic)'}, dropout ${r.cfg.model.dropout}, weight decay ${r.cfg.weightDecay}${r.cfg.maxShift ? `, random shifts ±${r.cfg.maxShift} px` : ''}; learning rates ${VARIANTS.map((v) => `${VARIANT_NAME[v]} ${r.lr[v]}`).join(', ')}.`,
      '',
      resultTable(r),
      '',
      ...verdict(r),
      '',
      'Trained heads against the raw features (Δ in points, mean over seeds; p: two-sided one-sample t-test of the per-seed Δ, uncorrected):',
      '',
      '| run | R@1 Δ | seeds above | p (one-sample t) | MAP@R Δ | seeds above | p (one-sample t) |',
      '|---|---:|---:|---:|---:|---:|---:|',
      vsRaw(r),
      '',
      'Paired tests over seeds (Δ = first − second; p uncorrected for the number of comparisons):',
      '',
      testsTable(r),
      '',
      `Stability (checkpoints at 60, 73, 87 and 100% of training, scored on ${Math.min(r.protocol.yTest.length, CHECKPOINT_ITEMS)} evenly spaced test items; the loss column compares a run with itself only: CHEST's loss is a weighted sum of three terms, on another scale):`,
      '',
      stabilityTable(r),
    );
  }
  md.push(
    '',
    `Pictures: poincare-disk.png (D_H = 2 CHEST runs), similarities-<protocol>.png (density histograms of positive and negative test pairs, seed ${o.seed}), loss-<protocol>.png (loss terms on a log axis, mean ± std over seeds).`,
    '',
    `Run time ${seconds.toFixed(0)} s wall, ${cpuSeconds.toFixed(0)} s CPU (all threads of the process), ${new Date().toISOString().slice(0, 10)}; machine load average ${load0.toFixed(1)} at the start and ${load1.toFixed(1)} at the end (the machine is shared: a load above its 2 cores slows the wall time).`,
  );
  const text = md.join('\n');
  for (const r of results) console.log(`\n${r.protocol.title}\n${resultTable(r)}\n\n${testsTable(r)}`);

  for (const r of results) {
    await render(
      similaritySpec(r.simRows, `Similarity of test pairs — ${r.protocol.id}`, 'similarity (cosine, or −d in the ball)'),
      o.out,
      `similarities-${r.protocol.id}`,
    );
    await render(lossSpec(lossRows(r), `Training loss terms — ${r.protocol.id} (mean ± std over ${o.seeds} seed(s))`), o.out, `loss-${r.protocol.id}`);
  }
  await render(diskSpec(diskPoints, `Test embeddings in the Poincaré disk (CHEST, D_H = 2, c = ${C_BALL})`, C_BALL, CLIP_R), o.out, 'poincare-disk');
  writeFileSync(join(o.out, 'results.md'), text + '\n');
  writeFileSync(
    join(o.out, 'results.json'),
    JSON.stringify(
      {
        options: o,
        seconds,
        cpuSeconds,
        loadAverage: [load0, load1],
        ks: KS,
        protocols: results.map((r) => ({
          id: r.protocol.id,
          title: r.protocol.title,
          lr: r.lr,
          raw: r.raw,
          runs: r.runs.map((x) => ({
            variant: x.variant,
            seed: x.seed,
            scores: x.scores,
            checkpoints: x.checkpoints,
            finalLoss: x.terms[x.terms.length - 1].total,
            seconds: x.seconds,
          })),
        })),
      },
      null,
      1,
    ),
  );
  console.log(`\nwrote ${o.out}/results.md, results.json and the pictures (${seconds.toFixed(1)} s)`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
