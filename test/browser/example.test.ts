/**
 * The notebook-style browser example (examples/browser/: index.html with an
 * import map, notebook.js a plain ES module) runs in headless Chromium with
 * `gyrograd` mapped to a local code-split bundle of the library (as a CDN's
 * ES-module build would serve it): no console error, every printed number
 * finite, the gradient equal to its closed form, ball distances growing
 * towards the boundary, the CHEST loss falling. Skipped, with the reason
 * printed, only when Chromium is missing.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFiles, chromiumUnavailableReason, launchChromium, serveDir } from '../../tools/browser/harness.ts';

const root = join(import.meta.dirname, '..', '..');
const reason = chromiumUnavailableReason();
if (reason !== null) console.log(`[browser example] SKIPPING: ${reason}`);

interface NotebookResult {
  backend: string;
  gradError: number;
  distances: number[];
  losses: number[];
}

describe('examples/browser', () => {
  it.skipIf(reason !== null)(
    'runs the notebook in a plain <script type="module"> page',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gyrograd-example-'));
      const files = await bundleFiles(join(root, 'test', 'bundle', 'full-size.ts'), { minify: true });
      for (const [path, { text }] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, 'gyrograd', path)), { recursive: true });
        writeFileSync(join(dir, 'gyrograd', path), text);
      }
      for (const f of ['index.html', 'notebook.js']) copyFileSync(join(root, 'examples', 'browser', f), join(dir, f));
      const server = await serveDir(dir);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        const lines: string[] = [];
        page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : lines.push(m.text())));
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(server.url);
        await page.waitForFunction(() => (globalThis as { __result?: { losses?: unknown } }).__result?.losses !== undefined, undefined, { timeout: 90_000 });
        const r = (await page.evaluate(() => (globalThis as unknown as { __result: unknown }).__result)) as NotebookResult;
        const text = await page.locator('#cells').innerText();
        console.log(`[browser example] ${lines.join('\n')}`);
        expect(errors).toEqual([]);
        expect(text).not.toMatch(/NaN|Infinity/);
        expect(r.backend).toBe('wasm');
        expect(r.gradError).toBeLessThan(1e-12);
        expect(r.distances[0]).toBeCloseTo(0, 12);
        for (let i = 1; i < r.distances.length; i++) expect(r.distances[i]).toBeGreaterThan(r.distances[i - 1]);
        expect(r.distances.at(-1)!).toBeCloseTo(2 * Math.atanh(0.999), 8);
        expect(r.losses).toHaveLength(30);
        expect(r.losses.every(Number.isFinite)).toBe(true);
        expect(r.losses[29]).toBeLessThan(0.8 * r.losses[0]);
      } finally {
        await browser.close();
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
