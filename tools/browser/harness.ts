/**
 * Test harness: runs library code inside a real headless Chromium, from a
 * vitest test (or any Node script).
 *
 * How it works, for `runInBrowser('test/browser/pages/x.ts')`:
 * 1. {@link bundle} bundles the page entry (TypeScript importing from
 *    `lib/index.ts`, `gpu.js`, …) with esbuild for the browser: one ES module,
 *    `platform: 'browser'`, target es2022. `gpu.js` resolves through its
 *    package's `browser` field to `dist/gpu-browser.js` (a UMD build without
 *    `require('gl')` or other Node modules; its `module.exports` is the `GPU`
 *    class, which carries itself as `GPU.GPU`, so `import { GPU } from 'gpu.js'`
 *    works). `mnist` (a 21 MB optional peer dependency the library imports
 *    lazily) and `node:*` built-ins stay external: a call that needs them fails
 *    in the page, nothing else does.
 * 2. {@link serve} serves an HTML page that loads the bundle as a module from a
 *    tiny HTTP server on 127.0.0.1 (a free port). By default it sends
 *    COOP `same-origin` / COEP `require-corp`, so the page is
 *    `crossOriginIsolated` (SharedArrayBuffer, WebAssembly threads).
 * 3. {@link launchChromium} starts the system Chromium (`/usr/bin/chromium`,
 *    Debian's package; playwright-core drives it, and never downloads a
 *    browser) with WebGL on SwiftShader (`--use-angle=swiftshader`).
 * 4. The page publishes its result: the entry calls `publish(fn)` from
 *    `tools/browser/page.ts`, which stores `fn()`'s (awaited) JSON-able value
 *    on `window.__result`, or `{ name, message, stack }` on `window.__error`.
 *    {@link runInBrowser} waits for either (with a timeout), forwards the
 *    page's console to the Node console prefixed `[browser]`, returns the
 *    result or throws the page's error (with its stack), and always closes the
 *    browser and the server. An uncaught error or rejection in the page before
 *    a result fails the run at once.
 *
 * Tests guard themselves with {@link chromiumUnavailableReason} (null when the
 * browser exists and starts):
 *
 * ```ts
 * const reason = chromiumUnavailableReason();
 * if (reason !== null) console.log(`SKIPPING browser tests: ${reason}`);
 * it.skipIf(reason !== null)('…', async () => { const r = await runInBrowser(entry); … }, 120_000);
 * ```
 *
 * In CI, `.ci/run` installs Debian's `chromium` package with apt.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type ConsoleMessage } from 'playwright-core';

/** The repository root (this file is `tools/browser/harness.ts`). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Chromium the harness drives: Debian's `chromium` package. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The arguments every launch gets: no sandbox (CI runs as root in a
 * container), no network chatter, and WebGL rendered by SwiftShader through
 * ANGLE (there is no GPU).
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
]);

/**
 * Extra arguments that give a page a WebGPU adapter (`navigator.gpu.requestAdapter()`
 * resolves to SwiftShader's fallback adapter, vendor `google`, architecture
 * `swiftshader`), in order of preference: measured with Debian's Chromium 156,
 * `--enable-unsafe-webgpu` alone suffices; without it `requestAdapter()`
 * resolves null ("No available adapters"). The second set (Vulkan on
 * SwiftShader, named explicitly) is the fallback to try when the first
 * finds no adapter.
 */
export const WEBGPU_ARG_SETS: readonly (readonly string[])[] = Object.freeze([
  Object.freeze(['--enable-unsafe-webgpu']),
  Object.freeze(['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader']),
]);

/** Specifiers left out of every bundle (see the header). */
const EXTERNAL: readonly string[] = ['mnist', 'node:*'];

/** Options of {@link bundle} and {@link bundleFiles}. */
export interface BundleOptions {
  /** more specifiers to leave external (added to `mnist` and `node:*`) */
  readonly external?: readonly string[];
  /** minify (default false: page stacks then point into readable code) */
  readonly minify?: boolean;
  /** `browser` (default) or `node` */
  readonly platform?: 'browser' | 'node';
}

/**
 * Bundles the TypeScript entry `entryFile` (absolute, or relative to the
 * repository root) into one browser ES module: esbuild, `format: 'esm'`,
 * `platform: 'browser'`, `target: 'es2022'`, not minified (page stacks
 * point into `bundle.js`, where esbuild's `// lib/…` comments name each
 * source file). Dynamic imports (gpu.js, loaded on demand) are inlined.
 * Rejects with esbuild's messages when the build fails.
 *
 * @returns the bundle's JavaScript source.
 */
export async function bundle(entryFile: string, options: BundleOptions = {}): Promise<string> {
  const result = await build({
    entryPoints: [resolve(ROOT, entryFile)],
    absWorkingDir: ROOT,
    nodePaths: [join(ROOT, 'node_modules')],
    bundle: true,
    format: 'esm',
    platform: options.platform ?? 'browser',
    target: 'es2022',
    minify: options.minify ?? false,
    external: [...EXTERNAL, ...(options.external ?? [])],
    write: false,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error(`bundle(${entryFile}): esbuild produced no output`);
  return out.text;
}

/** One output file of {@link bundleFiles}. */
export interface BundleChunk {
  /** the file's text */
  readonly text: string;
  /** whether it loads with the entry (the entry, and chunks it imports statically, transitively) */
  readonly initial: boolean;
}

/** What {@link bundleFiles} produced: output files by URL path (`/bundle.js` is the entry). */
export type BundleFiles = Readonly<Record<string, BundleChunk>>;

/**
 * Bundles `entryFile` like {@link bundle} but with code splitting: every
 * dynamic `import()` (gpu.js, which the library loads on demand) becomes a
 * chunk of its own, as a production bundler (Vite, Rollup, esbuild with
 * `splitting`) emits it. The entry is `/bundle.js`; each file says whether
 * it loads with the entry (`initial`) or on demand.
 */
export async function bundleFiles(entryFile: string, options: BundleOptions = {}): Promise<BundleFiles> {
  const result = await build({
    entryPoints: { bundle: resolve(ROOT, entryFile) },
    absWorkingDir: ROOT,
    nodePaths: [join(ROOT, 'node_modules')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: options.platform ?? 'browser',
    target: 'es2022',
    minify: options.minify ?? false,
    external: [...EXTERNAL, ...(options.external ?? [])],
    outdir: join(ROOT, '.bundle-out'), // not written (write: false): names the outputs
    chunkNames: '[name]-[hash]',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const outdir = join(ROOT, '.bundle-out');
  const key = (p: string): string => `/${relative(outdir, resolve(ROOT, p)).split('\\').join('/')}`;
  const meta = result.metafile.outputs;
  const initial = new Set<string>();
  const visit = (p: string): void => {
    if (initial.has(p)) return;
    initial.add(p);
    for (const i of meta[p]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  const entry = Object.keys(meta).find((p) => meta[p].entryPoint !== undefined);
  if (entry === undefined) throw new Error(`bundleFiles(${entryFile}): esbuild produced no entry`);
  visit(entry);
  const files: Record<string, BundleChunk> = {};
  for (const out of result.outputFiles) {
    const rel = relative(ROOT, out.path);
    files[key(rel)] = { text: out.text, initial: initial.has(rel) };
  }
  return files;
}

/** Options of {@link launchChromium}. */
export interface LaunchOptions {
  /** arguments added after {@link CHROMIUM_ARGS}, e.g. `['--enable-unsafe-webgpu']` */
  readonly extraArgs?: readonly string[];
  /** how long the launch may take (default 60 s) */
  readonly timeoutMs?: number;
}

/**
 * Launches the system Chromium headless through playwright-core with
 * {@link CHROMIUM_ARGS} plus `extraArgs`. The caller closes it
 * (`browser.close()`).
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    timeout: options.timeoutMs ?? 60_000,
  });
}

/** A running {@link serve} server. */
export interface PageServer {
  /** the page's address, `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** stops the server (open connections are closed) */
  close(): Promise<void>;
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /** send COOP/COEP headers so the page is `crossOriginIsolated` (default true) */
  readonly crossOriginIsolated?: boolean;
  /** the page's title (default `gyrograd browser test`) */
  readonly title?: string;
}

/** Starts `server` on 127.0.0.1 at a free port; `close` also ends open connections. */
async function listenLocally(server: Server): Promise<PageServer> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * Serves `js` as `/bundle.js` (or every file of a {@link bundleFiles} output
 * at its path) and, at `/`, an HTML page that loads `/bundle.js` with
 * `<script type="module">`, on 127.0.0.1 at a free port. Anything else is 404.
 */
export async function serve(js: string | BundleFiles, options: ServeOptions = {}): Promise<PageServer> {
  const files = new Map<string, string>(typeof js === 'string' ? [['/bundle.js', js]] : Object.entries(js).map(([p, c]) => [p, c.text]));
  const isolated = options.crossOriginIsolated ?? true;
  const title = (options.title ?? 'gyrograd browser test').replace(/[<&]/g, '');
  const html =
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"></head>\n` +
    `<body><script type="module" src="/bundle.js"></script></body></html>\n`;
  const headers = (type: string): Record<string, string> => ({
    'content-type': `${type}; charset=utf-8`,
    'cache-control': 'no-store',
    ...(isolated
      ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' }
      : {}),
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, headers('text/html')).end(req.method === 'HEAD' ? undefined : html);
    } else if (files.has(path)) {
      res.writeHead(200, headers('text/javascript')).end(req.method === 'HEAD' ? undefined : files.get(path));
    } else {
      res.writeHead(404, headers('text/plain')).end('not found');
    }
  });
  return listenLocally(server);
}

/** Content types {@link serveDir} sends, by file extension. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
};

/**
 * Serves the static files under `dir` (a built site, e.g. the playground's
 * `vite build` output) on 127.0.0.1 at a free port: `/` is `index.html`,
 * paths outside `dir` and missing files are 404. COOP/COEP as {@link serve}.
 */
export async function serveDir(dir: string, options: Pick<ServeOptions, 'crossOriginIsolated'> = {}): Promise<PageServer> {
  const isolated = options.crossOriginIsolated ?? true;
  const base = resolve(dir);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    } catch {
      // a malformed percent-escape: a 400, not an exception thrown out of the server's handler
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
      return;
    }
    const file = resolve(base, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    const type = CONTENT_TYPES[extname(file)];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !file.startsWith(base + sep) || type === undefined || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res
      .writeHead(200, {
        'content-type': type,
        'cache-control': 'no-store',
        ...(isolated
          ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' }
          : {}),
      })
      .end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
  return listenLocally(server);
}

/** Options of {@link runInBrowser}. */
export interface RunInBrowserOptions extends LaunchOptions, ServeOptions, BundleOptions {
  /** how long the page may take to publish its result, from navigation on (default 90 s) */
  readonly resultTimeoutMs?: number;
  /** where page console lines go (default: the Node console, prefixed `[browser]`) */
  readonly onConsole?: (line: string, type: string) => void;
  /** bundle with code splitting ({@link bundleFiles}): dynamic imports load as chunks, as in a production build */
  readonly splitting?: boolean;
}

/** The error a page published on `window.__error`. */
interface PageError {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
}

/** Forwards one page console message to the Node console, prefixed `[browser]`. */
function forwardConsole(line: string, type: string): void {
  if (type === 'error') console.error(line);
  else if (type === 'warning') console.warn(line);
  else console.log(line);
}

/**
 * Bundles `entryFile` ({@link bundle}), serves it ({@link serve}), opens it
 * in a fresh headless Chromium ({@link launchChromium}) and waits until the
 * page publishes `window.__result` (returned) or `window.__error` (thrown as
 * an Error carrying the page's name, message and stack). Page console
 * messages are forwarded prefixed `[browser]`. Rejects when the page throws
 * uncaught or rejects unhandled before publishing, when the page crashes,
 * or after `resultTimeoutMs`. The browser and the server are always closed.
 *
 * @param entryFile the page entry, absolute or relative to the repository root;
 *   it should call `publish` from `tools/browser/page.ts`.
 * @returns the published value, as structured-cloned out of the page (JSON-able values survive unchanged).
 */
export async function runInBrowser(entryFile: string, options: RunInBrowserOptions = {}): Promise<unknown> {
  const js = options.splitting === true ? await bundleFiles(entryFile, options) : await bundle(entryFile, options);
  const server = await serve(js, options);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium(options);
    const page = await browser.newPage();
    const log = options.onConsole ?? forwardConsole;
    page.on('console', (msg: ConsoleMessage) => log(`[browser] ${msg.type() === 'log' ? '' : `${msg.type()}: `}${msg.text()}`, msg.type()));
    // an uncaught error or a crash before the result fails the run at once
    let fatal: ((e: Error) => void) | undefined;
    const failed = new Promise<never>((_, reject) => {
      fatal = reject;
    });
    failed.catch(() => undefined);
    page.on('pageerror', (e: Error) => {
      const err = new Error(`[browser] uncaught in the page: ${e.stack ?? e.message}`);
      err.stack = err.message;
      fatal?.(err);
    });
    page.on('crash', () => fatal?.(new Error('[browser] the page crashed')));
    const timeout = options.resultTimeoutMs ?? 90_000;
    const done = (async () => {
      await page.goto(server.url, { waitUntil: 'load', timeout });
      await page
        .waitForFunction(() => '__result' in globalThis || '__error' in globalThis, undefined, { timeout, polling: 50 })
        .catch((e: unknown) => {
          throw new Error(
            `runInBrowser(${entryFile}): the page published neither __result nor __error within ${timeout} ms (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
          );
        });
      return page.evaluate(() => {
        const g = globalThis as { __result?: unknown; __error?: unknown };
        return '__error' in g ? { error: g.__error } : { result: g.__result };
      });
    })();
    done.catch(() => undefined); // when `failed` wins, `done` rejects later (browser closed): not unhandled
    const outcome = await Promise.race([done, failed]);
    fatal = undefined;
    if ('error' in outcome) {
      const pe = (outcome.error ?? {}) as PageError;
      const err = new Error(`[browser] ${String(pe.name ?? 'Error')}: ${String(pe.message ?? pe)}`);
      if (typeof pe.stack === 'string') err.stack = `${err.message}\n--- page stack ---\n${pe.stack}`;
      throw err;
    }
    return outcome.result;
  } finally {
    await browser?.close().catch(() => undefined);
    await server.close();
  }
}

let unavailable: string | null | undefined;

/**
 * Why the harness cannot run here, or `null` when it can: `/usr/bin/chromium`
 * exists and starts headless (it is asked to print the DOM of a blank page,
 * synchronously, once per process; the answer is cached). Meant for
 * `it.skipIf(chromiumUnavailableReason() !== null)` with the reason printed.
 */
export function chromiumUnavailableReason(): string | null {
  if (unavailable !== undefined) return unavailable;
  if (!existsSync(CHROMIUM_PATH)) {
    unavailable = `${CHROMIUM_PATH} does not exist (install Debian's 'chromium' package: apt-get install chromium)`;
    return unavailable;
  }
  // a throwaway profile: neither the user's profile nor a running Chromium's is touched
  const profile = mkdtempSync(join(tmpdir(), 'gyrograd-chromium-'));
  const r = spawnSync(CHROMIUM_PATH, ['--headless', ...CHROMIUM_ARGS, '--disable-gpu', `--user-data-dir=${profile}`, '--dump-dom', 'about:blank'], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  rmSync(profile, { recursive: true, force: true });
  if (r.error !== undefined) {
    unavailable = `${CHROMIUM_PATH} did not start: ${r.error.message}`;
  } else if (r.status !== 0 || !r.stdout.includes('<html')) {
    const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
    unavailable = `${CHROMIUM_PATH} --headless --dump-dom about:blank failed (exit ${r.status ?? r.signal}): ${tail || 'no output'}`;
  } else {
    unavailable = null;
  }
  return unavailable;
}
