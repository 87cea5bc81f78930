/**
 * What CHEST's gain is made of: two controls run on the seen-class
 * protocols, with the same backbone, budget, seeds and learning rate as the
 * demo's CHEST runs, and compared seed by seed with the demo's own runs
 * (read from its results.json):
 * - CHEST without its HypHC term (`weights.hyphc = 0`): does HypHC matter?
 * - two Euclidean SoftTriple heads on one backbone (CHEST with both spaces
 *   Euclidean): is the gain the hyperbolic space, or training two heads?
 * - hyperbolic-only at CHEST's learning rate (where its tuned rate differs):
 *   is CHEST's hyperbolic head better only because it trains at a larger rate?
 * - CHEST at another rate (`--rate R`, e.g. a re-tuned one): how much of
 *   CHEST's result is its rate?
 * Writes ablation.md; scores each head like the demo (the second head of the
 * two-Euclidean control with cosine), and the controls' scores to
 * ablation-<protocol>.json. The demo's results.json is read once the controls
 * are trained (waiting for it if the demo is still running), so both may run
 * at the same time.
 *
 *   npx tsx examples/chest-demo/ablation.ts [--demo DIR] [--seeds N] [--out DIR]
 *     [--protocols mnist-seen,hierarchy-seen] [--controls chestNoHyphc,twoEuclidean,hyperbolicAtChestRate,chestAtRate] [--rate R]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as g from '../../lib/index.ts';
import { C_BALL, configFor } from './config.ts';
import { hierarchyProtocol, mnistProtocols } from './data.ts';
import { embed, fmtDelta, score, tableMetrics, type HeadScores } from './evaluate.ts';
import { fmtP, meanStd, pairedTest } from './stats.ts';
import { train, type Variant } from './train.ts';

type Scores = Partial<Record<'e' | 'h', HeadScores>>;
const CONTROLS = ['chestNoHyphc', 'twoEuclidean', 'hyperbolicAtChestRate', 'chestAtRate'] as const;
type Control = (typeof CONTROLS)[number];
type Head = 'e' | 'h';
/** a table row: label, scores per seed, head */
type Row = readonly [string, Scores[], Head];
/** a paired comparison: label, first runs and head, second runs and head */
type Comparison = readonly [string, Scores[], Head, Scores[], Head];

/**
 * What each control trains (variant, rate) and reports (its rows, and its
 * comparisons with the demo's runs `demo(variant)`), keyed by control so that
 * a new control is one entry.
 */
function controlSpecs(
  chestRate: number,
  rate: number,
): Record<Control, { variant: Variant; lr: number; rows: (c: Scores[]) => Row[]; comparisons: (c: Scores[], demo: (v: string) => Scores[]) => Comparison[] }> {
  return {
    chestNoHyphc: {
      variant: 'chestNoHyphc',
      lr: chestRate,
      rows: (c) => [
        ['CHEST without HypHC, Euclidean head', c, 'e'],
        ['CHEST without HypHC, hyperbolic head', c, 'h'],
      ],
      comparisons: (c, demo) => [
        ['CHEST − CHEST without HypHC (Euclidean head)', demo('chest'), 'e', c, 'e'],
        ['CHEST − CHEST without HypHC (hyperbolic head)', demo('chest'), 'h', c, 'h'],
      ],
    },
    twoEuclidean: {
      variant: 'twoEuclidean',
      lr: chestRate,
      rows: (c) => [
        ['two Euclidean heads, first head', c, 'e'],
        ['two Euclidean heads, second head', c, 'h'],
      ],
      comparisons: (c, demo) => [
        ['CHEST Euclidean head − two Euclidean heads (first head)', demo('chest'), 'e', c, 'e'],
        ['two Euclidean heads (first head) − Euclidean-only', c, 'e', demo('euclidean'), 'e'],
        ['CHEST hyperbolic head − two Euclidean heads (second head)', demo('chest'), 'h', c, 'h'],
      ],
    },
    hyperbolicAtChestRate: {
      variant: 'hyperbolic',
      lr: chestRate,
      rows: (c) => [[`hyperbolic-only at CHEST's rate ${chestRate}`, c, 'h']],
      comparisons: (c, demo) => [
        ["CHEST hyperbolic head − hyperbolic-only at CHEST's rate", demo('chest'), 'h', c, 'h'],
        ["hyperbolic-only at CHEST's rate − hyperbolic-only (tuned rate)", c, 'h', demo('hyperbolic'), 'h'],
      ],
    },
    chestAtRate: {
      variant: 'chest',
      lr: rate,
      rows: (c) => [
        [`CHEST at rate ${rate}, Euclidean head`, c, 'e'],
        [`CHEST at rate ${rate}, hyperbolic head`, c, 'h'],
      ],
      comparisons: (c, demo) => [
        [`CHEST at rate ${rate} − Euclidean-only (Euclidean head)`, c, 'e', demo('euclidean'), 'e'],
        [`CHEST at rate ${rate} − hyperbolic-only (hyperbolic head)`, c, 'h', demo('hyperbolic'), 'h'],
        [`CHEST at rate ${chestRate} − CHEST at rate ${rate} (Euclidean head)`, demo('chest'), 'e', c, 'e'],
        [`CHEST at rate ${chestRate} − CHEST at rate ${rate} (hyperbolic head)`, demo('chest'), 'h', c, 'h'],
      ],
    },
  };
}
interface DemoJson {
  protocols: { id: string; runs: { variant: string; seed: number; scores: Scores }[] }[];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
  const demoDir = arg('--demo', 'demo-output');
  const out = arg('--out', demoDir);
  const seeds = Number(arg('--seeds', '5'));
  // the output folder exists before any control is trained (a missing one once lost a 55-minute run at its first write)
  mkdirSync(out, { recursive: true });
  // read when the controls are trained, so that the demo and this script can run side by side:
  // waits (up to 3 hours) for a demo still running to write its results.json
  let demoJson: DemoJson | undefined;
  const demo = (): DemoJson => {
    const file = join(demoDir, 'results.json');
    for (let waited = 0; !existsSync(file); waited += 30) {
      if (waited >= 3 * 3600) throw new Error(`${file} did not appear; run the demo first`);
      if (waited === 0) console.log(`waiting for ${file} (the demo's runs) …`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
    }
    return (demoJson ??= JSON.parse(readFileSync(file, 'utf8')) as DemoJson);
  };
  const t0 = performance.now();
  const ball = g.poincareBall({ c: C_BALL });
  const wanted = arg('--protocols', 'mnist-seen,hierarchy-seen').split(',');
  const controls = arg('--controls', 'chestNoHyphc,twoEuclidean').split(',') as Control[];
  for (const c of controls) if (!CONTROLS.includes(c)) throw new Error(`--controls: unknown control ${c} (${CONTROLS.join(', ')})`);
  const rate = Number(arg('--rate', 'NaN'));
  if (controls.includes('chestAtRate') && !(rate > 0)) throw new Error(`--controls chestAtRate needs --rate R > 0, got ${arg('--rate', '(none)')}`);
  const protocols = [...(await mnistProtocols(2000, false)), hierarchyProtocol(2000, false)].filter((p) => wanted.includes(p.id));
  if (protocols.length !== wanted.length) throw new Error(`--protocols ${wanted.join(',')}: expected ids among mnist-unseen, mnist-seen, hierarchy-seen`);
  const md: string[] = [
    `# What CHEST's gain is made of (${wanted.join(', ')})`,
    '',
    `Controls trained with CHEST's learning rate, budget and seeds 0…${seeds - 1}, paired with the demo's runs of the same seeds. R@1 and MAP@R in % (on the hierarchy also the mean tree distance of retrieval mistakes, in tree edges, lower is better, and the dendrogram purity in %), mean ± std over seeds; Δ = first − second, two-sided paired t-test (uncorrected); seeds Δ > 0 counts the seeds where the first is larger.`,
  ];
  for (const p of protocols) {
    const { cfg, lr } = configFor(p, { quick: false }, p.images ? 64 : 16);
    // the demo's runs of one protocol, looked up once they are needed
    let base: DemoJson['protocols'][number] | undefined;
    const runsOf = (v: string): Scores[] =>
      Array.from({ length: seeds }, (_, s) => {
        base ??= demo().protocols.find((x) => x.id === p.id);
        if (!base) throw new Error(`${demoDir}/results.json has no ${p.id} runs; run the demo first`);
        const r = base.runs.find((x) => x.variant === v && x.seed === s);
        if (!r) throw new Error(`${demoDir}/results.json lacks ${v} seed ${s}`);
        return r.scores;
      });
    const specs = controlSpecs(lr.chest, rate);
    const control: Partial<Record<Control, Scores[]>> = {};
    for (const c of controls) {
      const { variant: v, lr: rateOf } = specs[c];
      control[c] = [];
      for (let s = 0; s < seeds; s++) {
        const r = train(v, g.prngKey(s), p.xTrain, p.yTrain, { ...cfg, lr: rateOf });
        const { e, h } = embed(r.params.net, p.xTest, ball);
        const second = v === 'twoEuclidean' ? score(g.normalize(h), p.yTest, 'cosine', p.tree) : score(h, p.yTest, ball.pairwiseDist, p.tree);
        control[c].push({ e: score(e, p.yTest, 'cosine', p.tree), h: second });
        console.log(
          `${p.id} ${c} seed ${s}: Euclidean head MAP@R ${(100 * control[c][s].e!.mapAtR).toFixed(1)}${v === 'hyperbolic' ? ' (untrained)' : ''} · ${v === 'twoEuclidean' ? 'second' : 'hyperbolic'} head MAP@R ${(100 * second.mapAtR).toFixed(1)} (${r.seconds.toFixed(1)} s)`,
        );
      }
    }
    // the controls' scores, kept whatever happens next
    writeFileSync(join(out, `ablation-${p.id}.json`), JSON.stringify({ protocol: p.id, controls: control }, null, 1));
    const rows: Row[] = [
      ['Euclidean-only', runsOf('euclidean'), 'e'],
      ['hyperbolic-only', runsOf('hyperbolic'), 'h'],
      ['CHEST, Euclidean head', runsOf('chest'), 'e'],
      ['CHEST, hyperbolic head', runsOf('chest'), 'h'],
      ...controls.flatMap((c) => specs[c].rows(control[c]!)),
    ];
    // R@1 and MAP@R, and the tree metrics on the hierarchy
    const metrics = tableMetrics(p.tree !== undefined);
    const f = (xs: number[], unit: 'pts' | 'edges') => {
      const [m, sd] = meanStd(xs.map((v) => (unit === 'pts' ? 100 * v : v)));
      const d = unit === 'pts' ? 1 : 2;
      return `${m.toFixed(d)} ± ${sd.toFixed(d)}`;
    };
    md.push('', `## ${p.title}`, '', `| run | ${metrics.map((m) => m.label).join(' | ')} |`, `|---|${metrics.map(() => '---:').join('|')}|`);
    for (const [label, sc, hd] of rows)
      md.push(
        `| ${label} | ${metrics
          .map((m) =>
            f(
              sc.map((x) => m.f(x[hd]!)),
              m.unit,
            ),
          )
          .join(' | ')} |`,
      );
    const cmp = controls.flatMap((c) => specs[c].comparisons(control[c]!, runsOf));
    md.push(
      '',
      `| comparison | ${metrics.map((m) => `${m.label} Δ (${m.unit}) | p (paired t) | seeds Δ > 0`).join(' | ')} |`,
      `|---|${metrics.map(() => '---:|---:|---:').join('|')}|`,
    );
    for (const [label, a, ha, b, hb] of cmp) {
      const cells = metrics.map((m) => {
        const t = pairedTest(
          a.map((x) => m.f(x[ha]!)),
          b.map((x) => m.f(x[hb]!)),
        );
        return `${fmtDelta(t.meanDiff, m.unit)} | ${fmtP(t.pT)} | ${t.wins}/${t.n}`;
      });
      md.push(`| ${label} | ${cells.join(' | ')} |`);
    }
  }
  md.push('', `Run time ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
  writeFileSync(join(out, 'ablation.md'), md.join('\n') + '\n');
  console.log(md.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
