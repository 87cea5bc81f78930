/**
 * Learning-rate tuning for the demo: for every protocol and loss, trains one
 * seed at each rate of the grid on a validation split of the training data
 * (data.ts `validationProtocol`; test items are never seen) and picks the rate
 * with the best MAP@R (mean over the loss's heads). Writes tuning.md and
 * tuning.json; the chosen rates go into config.ts `TUNED_LR` by hand.
 *
 *   npx tsx examples/chest-demo/tune.ts [--quick] [--out DIR] [--protocol ID]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as g from '../../lib/index.ts';
import { C_BALL, configFor, LR_GRID, VARIANT_NAME, VARIANTS, type MainVariant } from './config.ts';
import { hierarchyProtocol, mnistProtocols, validationProtocol } from './data.ts';
import { embed, quickScore } from './evaluate.ts';
import { train } from './train.ts';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const outIdx = argv.indexOf('--out');
  const out = outIdx >= 0 ? argv[outIdx + 1] : 'demo-output';
  mkdirSync(out, { recursive: true });
  const t0 = performance.now();
  const ball = g.poincareBall({ c: C_BALL });
  const pIdx = argv.indexOf('--protocol');
  const only = pIdx >= 0 ? argv[pIdx + 1] : undefined;
  const protocols = [...(await mnistProtocols(2000, quick)), hierarchyProtocol(2000, quick)].filter((p) => only === undefined || p.id === only);
  if (protocols.length === 0) throw new Error(`--protocol ${only}: no such protocol (mnist-unseen, mnist-seen, hierarchy-seen)`);
  const rows: { protocol: string; variant: MainVariant; lr: number; map: number; r1: number }[] = [];
  const budget: Record<string, number> = {};
  const best: Record<string, Record<string, number>> = {};
  for (const p of protocols) {
    const v = validationProtocol(p, 1000);
    const { cfg } = configFor(v, { quick }, v.images ? 64 : 16);
    budget[p.id] = cfg.steps;
    best[p.id] = {};
    for (const variant of VARIANTS) {
      let bestMap = -1;
      for (const lr of LR_GRID) {
        const r = train(variant, g.prngKey(100), v.xTrain, v.yTrain, { ...cfg, lr });
        const { e, h } = embed(r.params.net, v.xTest, ball);
        const heads =
          variant === 'euclidean'
            ? [quickScore(e, v.yTest, 'cosine')]
            : variant === 'hyperbolic'
              ? [quickScore(h, v.yTest, ball.pairwiseDist)]
              : [quickScore(e, v.yTest, 'cosine'), quickScore(h, v.yTest, ball.pairwiseDist)];
        const map = heads.reduce((s, x) => s + x.mapAtR, 0) / heads.length;
        const r1 = heads.reduce((s, x) => s + x.r1, 0) / heads.length;
        rows.push({ protocol: p.id, variant, lr, map, r1 });
        console.log(`${p.id} ${variant} lr ${lr}: MAP@R ${(100 * map).toFixed(1)} R@1 ${(100 * r1).toFixed(1)} (${r.seconds.toFixed(1)} s)`);
        if (map > bestMap) {
          bestMap = map;
          best[p.id][variant] = lr;
        }
      }
    }
  }
  const md = [
    '# Learning-rate tuning (validation splits of the training data)',
    '',
    `Grid ${LR_GRID.join(', ')} per loss, seed 100, the demo's budget (${protocols.map((p) => `${p.id} ${budget[p.id]} steps`).join(', ')}); validation MAP@R / R@1 in % (mean over the loss's heads). Best by MAP@R in bold.`,
    '',
    `| protocol | loss | ${LR_GRID.map((lr) => `lr ${lr}`).join(' | ')} |`,
    `|---|---|${LR_GRID.map(() => '---:').join('|')}|`,
    ...protocols.flatMap((p) =>
      VARIANTS.map(
        (variant) =>
          `| ${p.id} | ${VARIANT_NAME[variant]} | ${LR_GRID.map((lr) => {
            const r = rows.find((x) => x.protocol === p.id && x.variant === variant && x.lr === lr)!;
            const cell = `${(100 * r.map).toFixed(1)} / ${(100 * r.r1).toFixed(1)}`;
            return best[p.id][variant] === lr ? `**${cell}**` : cell;
          }).join(' | ')} |`,
      ),
    ),
    '',
    `Run time ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
  ].join('\n');
  writeFileSync(join(out, 'tuning.md'), md + '\n');
  writeFileSync(join(out, 'tuning.json'), JSON.stringify({ rows, best }, null, 1));
  console.log(`\n${md}\n\nbest: ${JSON.stringify(best)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
