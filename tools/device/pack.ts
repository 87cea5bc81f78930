/**
 * Builds `.device/`: a self-contained pack of `bench/device-check.ts` that a
 * lent machine with nothing installed (no Node, no network, maybe no X) can
 * run with one command, `bash tools/device/run.sh`. Carry `.device` (one
 * ignored path, ≤ 64 MiB) with the working tree.
 *
 *   npx tsx tools/device/pack.ts          build .device/ (about a minute: gzip -9 of Node)
 *   npx tsx tools/device/pack.ts --test   … then unpack it in a temporary folder and run
 *                                         `run.sh --quick` from there, outside the repository's node_modules
 *
 * `.device/` holds:
 *  - `pack.tar.gz`: `bin/node` (this Node, `process.execPath`, stripped of
 *    its debug information), `app/device-check.mjs` (an esbuild bundle of
 *    bench/device-check.ts and everything it imports, except the native
 *    packages), `app/node_modules/` (the native packages — `gl` with its
 *    `webgl.node` and the JS it requires, `webgpu` with the Linux x64
 *    `dawn.node` only — and their runtime dependencies, build intermediates
 *    and sources left out), `fallback-lib/` (the non-glibc shared libraries
 *    they link: libstdc++, libgcc_s, the X client libraries of `webgl.node`),
 *    used only when the device lacks them, and `glibc/` (this machine's
 *    glibc and loader), used only when the bundled Node does not start on the
 *    device's own glibc, and `vulkan-lib/libvulkan.so.1` (the Vulkan loader,
 *    Debian's libvulkan1: this machine's, else fetched with `apt-get
 *    download`), which `dawn.node` dlopens to reach a Vulkan driver (the
 *    NVIDIA ICD), used only when the device has no loader of its own (GPU
 *    containers often carry the driver's ICD but no loader);
 *  - `pack.id`, `manifest.json` (what is inside, with sizes, the commit and
 *    whether the working tree was dirty), `sources.sha256` (the bundle's
 *    source files, so that run.sh can warn when the working tree has changed
 *    since the pack was built).
 *
 * gzip, not xz: `gzip` is part of every Linux base system, xz is not (xz
 * would save about 10 MB on Node). The whole pack must stay under 64 MiB;
 * the script exits 1 if it does not.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACK = path.join(ROOT, '.device');
const LIMIT = 64 * 2 ** 20;
const ENTRY = 'bench/device-check.ts';
/** Packages with native addons: kept out of the bundle and copied with their runtime dependencies. */
const NATIVE = (process.env.NATIVE_PKGS ?? 'gl webgpu').split(/[\s,]+/).filter((s) => s !== '');
/** Dependencies needed only to build or type a package, never at run time. */
const BUILD_ONLY = new Set(['nan', 'node-gyp', 'prebuild-install', 'node-abi', 'node-addon-api', '@webgpu/types']);
/** glibc's own libraries (bundled separately, used only as a last resort). */
const GLIBC = /^(ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libresolv\.so\.2|libutil\.so\.1)$/;

const MiB = (b: number): string => `${(b / 2 ** 20).toFixed(2)} MiB`;
const say = (s: string): void => console.log(`[pack] ${s}`);

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function duBytes(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((s, f) => s + duBytes(path.join(p, f)), 0);
}

function strip(file: string): void {
  if (!has('strip')) return;
  const r = spawnSync('strip', ['--strip-unneeded', file], { stdio: 'ignore' });
  if (r.status !== 0) say(`strip failed on ${file} (kept as is)`);
}

// ------------------------------------------------------------------ native packages

/** Directory of package `name` as Node would resolve it from `fromDir` (a package folder), or undefined. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const cand = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(cand, 'package.json'))) return cand;
    const up = path.dirname(dir);
    if (up === dir || !up.startsWith(ROOT)) return undefined;
    dir = up;
  }
}

const SKIP_DIRS = new Set(['node_modules', 'test', 'tests', 'example', 'examples', 'docs', 'doc', '.github', 'bench', 'benchmark']);

/** Folders of an installed package to descend into (nested node_modules are copied on their own when required). */
function keepDir(pkgName: string, rel: string): boolean {
  if (SKIP_DIRS.has(path.basename(rel))) return false;
  if (pkgName === 'gl') {
    // ANGLE, deps, the native sources and the object files are build-time; build/Release/webgl.node is what runs
    if (['angle', 'deps', path.join('src', 'native')].includes(rel)) return false;
    if (rel.startsWith(`build${path.sep}`) || rel === 'build') return rel === 'build' || rel === path.join('build', 'Release');
  }
  return true;
}

/** Files of an installed package needed at run time. */
function keepFile(pkgName: string, rel: string): boolean {
  if (pkgName === 'gl' && rel.startsWith(`build${path.sep}`)) return rel === path.join('build', 'Release', 'webgl.node');
  if (/\.node$/.test(rel) && /(darwin|win32|linux-arm|arm64)[-.]/.test(path.basename(rel))) return false; // other platforms' prebuilt addons
  if (/\.(a|o|cc|cpp|c|h|hpp|gyp|gypi|map|ts)$/.test(rel) && !rel.endsWith('.d.ts')) return false;
  return true;
}

function copyPackageFiles(src: string, dst: string, pkgName: string, rel = ''): void {
  for (const f of readdirSync(path.join(src, rel))) {
    const r = path.join(rel, f);
    if (statSync(path.join(src, r)).isDirectory()) {
      if (keepDir(pkgName, r)) copyPackageFiles(src, dst, pkgName, r);
      continue;
    }
    if (!keepFile(pkgName, r)) continue;
    mkdirSync(path.join(dst, rel), { recursive: true });
    copyFileSync(path.join(src, r), path.join(dst, r));
    if (r.endsWith('.node')) strip(path.join(dst, r));
  }
}

/**
 * Copies package `name` (resolved from `fromDir`) and its runtime dependency
 * closure under `destModules`, keeping each package at its path relative to
 * the repository's node_modules, so that nested versions still resolve.
 */
function copyPackage(name: string, fromDir: string, destModules: string, done: Set<string>, missingOk: boolean): void {
  const dir = resolvePackageDir(name, fromDir);
  if (dir === undefined) {
    if (!missingOk) throw new Error(`package '${name}' is not installed (needed from ${path.relative(ROOT, fromDir) || '.'})`);
    say(`  ${name}: not installed, skipped`);
    return;
  }
  if (done.has(dir)) return;
  done.add(dir);
  const rel = path.relative(path.join(ROOT, 'node_modules'), dir);
  copyPackageFiles(dir, path.join(destModules, rel), name);
  const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const d of Object.keys(pj.dependencies ?? {})) if (!BUILD_ONLY.has(d)) copyPackage(d, dir, destModules, done, false);
  for (const d of Object.keys(pj.optionalDependencies ?? {})) if (!BUILD_ONLY.has(d)) copyPackage(d, dir, destModules, done, true);
}

// ------------------------------------------------------------------ shared libraries

/** Resolved shared libraries of an ELF file (ldd), name → path. */
function lddLibs(file: string): Map<string, string> {
  const out = new Map<string, string>();
  const r = spawnSync('ldd', [file], { encoding: 'utf8' });
  for (const line of `${r.stdout}`.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+\/(ld-linux[^\s/]*))\s/.exec(line);
    if (m === null) continue;
    if (m[0].includes('=>')) out.set(m[1], m[2]);
    else out.set(m[2], m[1]);
  }
  return out;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

// ------------------------------------------------------------------ the Vulkan loader

/**
 * The Vulkan loader (libvulkan.so.1) to carry, copied to `dst`: `VULKAN_LOADER`
 * if set, else this machine's (ldconfig), else Debian's libvulkan1 fetched with
 * `apt-get download` and unpacked with `dpkg-deb -x` into `work`. Returns a
 * description, or undefined (with the reason printed) when none can be had;
 * `NO_VULKAN_LOADER=1` skips it.
 */
function vulkanLoader(dst: string, work: string): string | undefined {
  if (process.env.NO_VULKAN_LOADER === '1') {
    say('vulkan-lib: skipped (NO_VULKAN_LOADER=1)');
    return undefined;
  }
  let src = process.env.VULKAN_LOADER;
  let from = src === undefined ? '' : `VULKAN_LOADER=${src}`;
  if (src === undefined) {
    const r = spawnSync('sh', ['-c', 'ldconfig -p 2>/dev/null || /sbin/ldconfig -p'], { encoding: 'utf8' });
    const m = /^\s*libvulkan\.so\.1 \(libc6,x86-64\)\s*=>\s*(\S+)/m.exec(`${r.stdout}`);
    if (m !== null) {
      src = m[1];
      from = `this machine (${src})`;
    }
  }
  if (src === undefined) {
    if (!has('apt-get') || !has('dpkg-deb')) {
      say('vulkan-lib: no libvulkan.so.1 here and no apt-get/dpkg-deb to fetch one: not carried');
      return undefined;
    }
    const dir = path.join(work, 'libvulkan1');
    mkdirSync(dir, { recursive: true });
    const dl = spawnSync('apt-get', ['download', 'libvulkan1'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (dl.status !== 0 || deb === undefined) {
      say(`vulkan-lib: 'apt-get download libvulkan1' failed (${`${dl.stderr}`.trim().split('\n').pop()}): not carried`);
      return undefined;
    }
    execFileSync('dpkg-deb', ['-x', path.join(dir, deb), path.join(dir, 'x')]);
    src = [path.join(dir, 'x', 'usr', 'lib', 'x86_64-linux-gnu', 'libvulkan.so.1')].find((f) => existsSync(f));
    if (src === undefined) {
      say(`vulkan-lib: ${deb} holds no usr/lib/x86_64-linux-gnu/libvulkan.so.1: not carried`);
      return undefined;
    }
    from = `Debian's ${deb} (apt-get download)`;
  }
  mkdirSync(path.dirname(dst), { recursive: true });
  copyFileSync(src, dst); // follows the symlink
  strip(dst);
  return from;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const t0 = Date.now();
  for (const tool of ['tar', 'gzip', 'ldd']) if (!has(tool)) throw new Error(`pack needs '${tool}' on this machine`);
  const stage = mkdtempSync(path.join(os.tmpdir(), 'gyrograd-pack-'));
  const p = path.join(stage, 'p');
  try {
    mkdirSync(path.join(p, 'bin'), { recursive: true });
    mkdirSync(path.join(p, 'app', 'node_modules'), { recursive: true });
    mkdirSync(path.join(p, 'fallback-lib'), { recursive: true });
    mkdirSync(path.join(p, 'glibc'), { recursive: true });

    // 1. Node
    const nodeSrc = process.env.NODE_BIN ?? process.execPath;
    const node = path.join(p, 'bin', 'node');
    copyFileSync(nodeSrc, node);
    chmodSync(node, 0o755);
    strip(node);
    const nodeVersion = sh(node, ['-v']);
    say(`node ${nodeVersion} from ${nodeSrc}: ${MiB(statSync(nodeSrc).size)} → ${MiB(statSync(node).size)} stripped`);

    // 2. the bundle
    const result = await build({
      entryPoints: [path.join(ROOT, ENTRY)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: path.join(p, 'app', 'device-check.mjs'),
      external: NATIVE,
      metafile: true,
      legalComments: 'none',
      logLevel: 'warning',
      // CommonJS code in the bundle (gpu.js) calls require('gl'): give the ES module a require of its own
      banner: { js: "import { createRequire as __gyrogradCreateRequire } from 'node:module';\nconst require = __gyrogradCreateRequire(import.meta.url);" },
    });
    const sources = Object.keys(result.metafile.inputs)
      .filter((f) => !f.includes('node_modules'))
      .sort();
    const bundled = [
      ...new Set(
        Object.keys(result.metafile.inputs)
          .filter((f) => f.includes('node_modules'))
          .map((f) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? f),
      ),
    ].sort();
    say(`bundle: ${MiB(statSync(path.join(p, 'app', 'device-check.mjs')).size)}, ${sources.length} source files, packages ${bundled.join(', ')}`);

    // 3. native packages and their runtime dependencies
    const done = new Set<string>();
    for (const n of NATIVE) copyPackage(n, ROOT, path.join(p, 'app', 'node_modules'), done, true);
    say(
      `native packages: ${[...done].map((d) => path.relative(path.join(ROOT, 'node_modules'), d)).join(', ')} (${MiB(duBytes(path.join(p, 'app', 'node_modules')))})`,
    );

    // 4. shared libraries: non-glibc ones as fallbacks, glibc as the last resort
    const elfs = [node, ...listFiles(path.join(p, 'app', 'node_modules')).filter((f) => f.endsWith('.node'))];
    const libs = new Map<string, string>();
    for (const e of elfs) for (const [k, v] of lddLibs(e)) libs.set(k, v);
    const glibcNames = ['ld-linux-x86-64.so.2', 'libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'librt.so.1'];
    for (const [name, file] of libs) {
      if (name.startsWith('linux-vdso')) continue;
      copyFileSync(file, path.join(p, GLIBC.test(name) ? 'glibc' : 'fallback-lib', name)); // copyFileSync follows symlinks
    }
    for (const name of glibcNames) {
      const dst = path.join(p, 'glibc', name);
      if (existsSync(dst)) continue;
      const src = [`/lib/x86_64-linux-gnu/${name}`, `/lib64/${name}`, `/usr/lib/x86_64-linux-gnu/${name}`].find((f) => existsSync(f));
      if (src !== undefined) copyFileSync(src, dst);
    }
    chmodSync(path.join(p, 'glibc', 'ld-linux-x86-64.so.2'), 0o755);
    const glibcVersion = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime ?? '?';
    say(`fallback-lib: ${readdirSync(path.join(p, 'fallback-lib')).join(' ')} (${MiB(duBytes(path.join(p, 'fallback-lib')))})`);
    say(`glibc ${glibcVersion}: ${readdirSync(path.join(p, 'glibc')).join(' ')} (${MiB(duBytes(path.join(p, 'glibc')))})`);

    // 4b. the Vulkan loader, for Dawn
    const vulkanFrom = vulkanLoader(path.join(p, 'vulkan-lib', 'libvulkan.so.1'), stage);
    if (vulkanFrom !== undefined) say(`vulkan-lib: libvulkan.so.1 from ${vulkanFrom} (${MiB(duBytes(path.join(p, 'vulkan-lib')))})`);

    // 5. the tarball (gzip -9)
    rmSync(PACK, { recursive: true, force: true });
    mkdirSync(PACK, { recursive: true });
    const tarball = path.join(PACK, 'pack.tar.gz');
    execFileSync('sh', ['-c', `tar -C "${p}" -cf - . | gzip -9 > "${tarball}"`], { stdio: 'inherit' });
    const id = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
    writeFileSync(path.join(PACK, 'pack.id'), `${id}\n`);
    writeFileSync(
      path.join(PACK, 'sources.sha256'),
      sources
        .map(
          (f) =>
            `${createHash('sha256')
              .update(readFileSync(path.join(ROOT, f)))
              .digest('hex')}  ${f}`,
        )
        .join('\n') + '\n',
    );

    let commit = 'unknown',
      dirty = 'unknown';
    try {
      commit = sh('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT });
      dirty = sh('git', ['status', '--porcelain', '--', ...sources], { cwd: ROOT }) === '' ? 'no' : 'yes';
    } catch {
      // not a git checkout
    }
    const parts = {
      'bin/node': duBytes(node),
      'app/device-check.mjs': duBytes(path.join(p, 'app', 'device-check.mjs')),
      'app/node_modules': duBytes(path.join(p, 'app', 'node_modules')),
      'fallback-lib': duBytes(path.join(p, 'fallback-lib')),
      glibc: duBytes(path.join(p, 'glibc')),
      'vulkan-lib': existsSync(path.join(p, 'vulkan-lib')) ? duBytes(path.join(p, 'vulkan-lib')) : 0,
    };
    const manifest = {
      id,
      built: new Date().toISOString(),
      commit,
      bundleSourcesDirty: dirty,
      node: nodeVersion,
      glibc: glibcVersion,
      entry: ENTRY,
      nativePackages: NATIVE,
      vulkanLoader: vulkanFrom ?? 'not carried',
      unpackedBytes: parts,
      unpackedTotal: Object.values(parts).reduce((s, x) => s + x, 0),
      tarballBytes: statSync(tarball).size,
      carriedBytes: 0,
    };
    writeFileSync(path.join(PACK, 'manifest.json'), JSON.stringify(manifest, null, 2));
    manifest.carriedBytes = duBytes(PACK);
    writeFileSync(path.join(PACK, 'manifest.json'), JSON.stringify(manifest, null, 2));
    say(
      `unpacked: ${Object.entries(parts)
        .map(([k, v]) => `${k} ${MiB(v)}`)
        .join(', ')}; total ${MiB(manifest.unpackedTotal)}`,
    );
    say(
      `.device/: pack.tar.gz ${MiB(manifest.tarballBytes)}; carried in all ${MiB(manifest.carriedBytes)} (limit ${MiB(LIMIT)}); id ${id}, commit ${commit}${dirty === 'yes' ? ' + uncommitted changes' : ''}; ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    if (manifest.carriedBytes > LIMIT) {
      console.error(`[pack] .device is ${MiB(manifest.carriedBytes)} > ${MiB(LIMIT)}: too large to carry`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }

  if (process.argv.includes('--test') && process.exitCode !== 1) {
    // unpack and run outside the repository: nothing can resolve from its node_modules
    const t = mkdtempSync(path.join(os.tmpdir(), 'gyrograd-packtest-'));
    try {
      say(`--test: run.sh --quick with DEVICE_RUN_DIR and OUT under ${t}`);
      const r = spawnSync(
        'bash',
        [path.join(ROOT, 'tools', 'device', 'run.sh'), '--quick', ...process.argv.slice(2).filter((a) => a.startsWith('--backends='))],
        {
          stdio: 'inherit',
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: t, DEVICE_RUN_DIR: path.join(t, 'run'), OUT: path.join(t, 'out') },
        },
      );
      say(`--test: run.sh exited with ${r.status}`);
      if (r.status !== 0) process.exitCode = 1;
      cpSync(path.join(t, 'out'), path.join(ROOT, 'bench', 'out', 'pack-test'), { recursive: true });
      say(`--test: its report is copied to bench/out/pack-test/`);
    } finally {
      rmSync(t, { recursive: true, force: true });
    }
  }
}

await main();
