/**
 * Writes docs/playground.png, the README's picture of the playground:
 * builds it, opens it in headless Chromium, trains CHEST on the MNIST subset
 * for 15 epochs (wasm) and screenshots the page's panels.
 * Run: npx tsx playground/tools/screenshot.ts [output.png]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlayground, openPlayground } from '../../tools/browser/playground.ts';

const out = process.argv[2] ?? join(import.meta.dirname, '..', '..', 'docs', 'playground.png');
const dir = mkdtempSync(join(tmpdir(), 'gyrograd-playground-'));
try {
  await buildPlayground(dir);
  const pg = await openPlayground(dir);
  try {
    const s = await pg.train({ dataset: 'mnist', epochs: 15 }, 300_000);
    const last = s.epochs.at(-1);
    if (last === undefined || pg.errors.length > 0 || s.errors.length > 0) throw new Error(`the run failed: ${[...pg.errors, ...s.errors].join('; ')}`);
    writeFileSync(out, await pg.screenshot('body'));
    console.log(
      `wrote ${out}: epoch ${last.epoch}, loss ${last.loss.total.toFixed(3)}, R@1 E ${last.recall.euclidean.toFixed(3)} H ${last.recall.hyperbolic.toFixed(3)} on ${last.backend}`,
    );
  } finally {
    await pg.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
