/**
 * Drives the playground (playground/) in headless Chromium, for its
 * end-to-end test (test/browser/playground.test.ts) and for the README
 * screenshot (playground/tools/screenshot.ts): {@link buildPlayground} runs
 * `vite build` into a directory, {@link openPlayground} serves it on
 * 127.0.0.1 and opens it, collecting console errors, and the returned
 * handle trains, switches backends and reads `window.__playground`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, serveDir, type PageServer } from './harness.ts';
import type { PlaygroundState } from '../../playground/protocol.ts';

const PLAYGROUND = fileURLToPath(new URL('../../playground/', import.meta.url));

/** Builds the playground with its Vite config into `outDir`. */
export async function buildPlayground(outDir: string): Promise<void> {
  await build({ configFile: join(PLAYGROUND, 'vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'error' });
}

/** What {@link PlaygroundHandle.train} sets besides the defaults of the page. */
export interface TrainSettings {
  readonly dataset?: 'mnist' | 'hierarchy';
  readonly epochs: number;
  readonly c?: number;
  readonly K?: number;
  readonly lr?: number;
}

/** An open playground page. */
export interface PlaygroundHandle {
  readonly page: Page;
  /** console errors, page errors and failed requests seen so far */
  readonly errors: string[];
  /** the page's published state */
  state(): Promise<PlaygroundState>;
  /** chooses a backend in the selector and waits until the worker runs it (or reports why not) */
  selectBackend(name: string): Promise<PlaygroundState>;
  /** sets the controls, clicks Train and waits until the run ends */
  train(settings: TrainSettings, timeoutMs?: number): Promise<PlaygroundState>;
  /** a PNG screenshot of the element `selector` */
  screenshot(selector: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Serves the built playground in `dir`, opens it in a fresh Chromium and waits until its worker is ready. */
export async function openPlayground(dir: string): Promise<PlaygroundHandle> {
  const server: PageServer = await serveDir(dir);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { __playground?: PlaygroundState }).__playground?.ready === true ||
        ((globalThis as unknown as { __playground?: PlaygroundState }).__playground?.errors.length ?? 0) > 0,
      undefined,
      { timeout: 60_000 },
    );
    const state = (): Promise<PlaygroundState> => page.evaluate(() => (globalThis as unknown as { __playground: PlaygroundState }).__playground);
    const b = browser;
    return {
      page,
      errors,
      state,
      async selectBackend(name) {
        const n = (await state()).backendErrors.length;
        await page.selectOption('#backend', name);
        await page.waitForFunction(
          ([want, k]) => {
            const s = (globalThis as unknown as { __playground: PlaygroundState }).__playground;
            return s.backend === want || s.backendErrors.length > (k as number);
          },
          [name, n] as const,
          { timeout: 60_000 },
        );
        return state();
      },
      async train(settings, timeoutMs = 120_000) {
        if (settings.dataset !== undefined) await page.selectOption('#dataset', settings.dataset);
        for (const [id, v] of [
          ['epochs', settings.epochs],
          ['c', settings.c],
          ['K', settings.K],
          ['lr', settings.lr],
        ] as const) {
          if (v !== undefined) await page.fill(`#${id}`, String(v));
        }
        const runs = (await state()).runs;
        await page.click('#start');
        await page.waitForFunction(
          (r) => {
            const s = (globalThis as unknown as { __playground: PlaygroundState }).__playground;
            return s.runs > r && !s.running;
          },
          runs,
          { timeout: timeoutMs, polling: 100 },
        );
        return state();
      },
      async screenshot(selector) {
        return new Uint8Array(await page.locator(selector).screenshot());
      },
      async close() {
        await b.close().catch(() => undefined);
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.close();
    throw e;
  }
}
