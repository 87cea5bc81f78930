/**
 * Parameter trees on disk in the safetensors format
 * (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON header, then the raw little-endian data.
 * The header maps each tensor's name to `{ dtype, shape, data_offsets }`
 * (offsets relative to the data section) and may hold a `__metadata__` map of
 * strings. Tree paths are the names: `{ layers: [{ w }] }` stores `"layers.0.w"`.
 *
 * `loadParams` parses untrusted bytes: every malformed input is a `Left`
 * (never a throw), and the work is linear in the input size (one JSON parse,
 * one pass over the data; the offsets are sorted, n log n in the number of
 * tensors).
 */
import * as E from 'fp-ts/lib/Either.js';
import { ArgumentError, GradError, ValueError, describe } from '../errors.ts';
import { treeLeavesWithPaths, type Tree } from '../autodiff/tree.ts';
import { boxOf, fromStorage, requireTensor, dataOf, dataRef, Tensor } from '../tensor/tensor.ts';
import type { Storage } from '../../kernels/types.ts';
import { strip } from '../autodiff/primitive.ts';

/** A malformed safetensors file (returned in a `Left` by {@link loadParams}). */
export class SafetensorsError extends ValueError {
  /** `'SafetensorsError'`, so that messages and `err.name` show the class. */
  override name = 'SafetensorsError';
}

/** The WHATWG text codecs (Node ≥ 11 and browsers), typed here: the library builds without DOM types. */
const codecs = globalThis as unknown as {
  TextEncoder: new () => { encode(s: string): Uint8Array };
  TextDecoder: new (label: string, options: { fatal: boolean }) => { decode(b: Uint8Array): string };
};

/** Header of at most this many bytes (safetensors' own limit is 100 MB). */
const MAX_HEADER = 100_000_000;

const DTYPES = { F32: { bytes: 4, dtype: 'float32' }, F64: { bytes: 8, dtype: 'float64' } } as const;

function checkKey(fn: string, seg: string, path: string): void {
  if (seg === '' || seg.includes('.') || seg === '__proto__') {
    throw new ArgumentError(
      `${fn}: the key ${JSON.stringify(seg)} at ${path || '(root)'} cannot be stored: keys must be non-empty, contain no '.' (it separates the path) and not be '__proto__' (loadParams could not rebuild it)`,
    );
  }
}

/**
 * A parameter tree as safetensors bytes: every leaf under its tree path
 * (object keys and array indices joined by `.`, e.g. `"layers.0.w"`; a lone
 * tensor is stored under the empty name `""`, which no tree path can produce), float32 as `F32` and float64
 * as `F64`, in sorted order, the header padded with spaces to a multiple of 8
 * bytes. `metadata` (string values) goes into `__metadata__`. Empty arrays and
 * objects hold no tensors and are not stored.
 * @throws ArgumentError when the tree holds something other than tensors, a
 *   key is empty or contains '.', or metadata is not an object of strings
 * @throws GradError for a tensor batched inside `vmap` (its values are the whole batch)
 */
export function saveParams(tree: Tree, metadata?: Readonly<Record<string, string>>): Uint8Array {
  return encodeParams('saveParams', tree, metadata);
}

/**
 * {@link saveParams} for trees that may hold tensors only readable
 * asynchronously (WebGPU-resident parameters, where `saveParams` throws a
 * `SyncReadError`): the same bytes, with every tensor read by an awaited
 * download. Validation errors are thrown synchronously, before anything is read.
 * @throws as {@link saveParams}
 */
export function saveParamsAsync(tree: Tree, metadata?: Readonly<Record<string, string>>): Promise<Uint8Array> {
  const plan = planParams('saveParamsAsync', tree, metadata);
  return (async () => {
    const values: Storage[] = [];
    for (const { leaf } of plan.named) values.push(await dataRef(strip(leaf)).hostAsync());
    return writeParams(plan, values);
  })();
}

/** {@link saveParams} with its errors naming `fn` (the public function called). @internal */
export function encodeParams(fn: string, tree: Tree, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const plan = planParams(fn, tree, metadata);
  return writeParams(
    plan,
    plan.named.map(({ leaf }) => dataOf(strip(leaf))),
  );
}

interface ParamsPlan {
  readonly named: readonly { readonly name: string; readonly leaf: Tensor }[];
  readonly headerBytes: Uint8Array;
  readonly dataBytes: number;
}

/** Validates a tree and lays out its file: the padded header and the sorted tensors (reads no values). */
function planParams(fn: string, tree: Tree, metadata?: Readonly<Record<string, string>>): ParamsPlan {
  const lone = tree instanceof Tensor;
  const entries = lone ? [{ path: [] as string[], leaf: tree }] : treeLeavesWithPaths(tree, fn).map(([path, leaf]) => ({ path, leaf }));
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) {
      throw new ArgumentError(`${fn}: metadata must be an object of string values, got ${describe(metadata)}`);
    }
  }
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = { ...metadata };
  const named = entries.map(({ path, leaf }) => {
    path.forEach((seg) => checkKey(fn, seg, path.join('.')));
    requireTensor(fn, leaf, path.join('.'));
    if (boxOf(strip(leaf)) !== undefined) {
      throw new GradError(`${fn}: the tensor at ${path.join('.') || '(root)'} is batched inside vmap; save the parameters outside the vmapped function`);
    }
    return { name: path.join('.'), leaf };
  });
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let offset = 0;
  for (const { name, leaf } of named) {
    if (name === '__metadata__') throw new ArgumentError(`${fn}: '__metadata__' is reserved and cannot name a tensor`);
    const bytes = leaf.size * (leaf.dtype === 'float64' ? 8 : 4);
    header[name] = { dtype: leaf.dtype === 'float64' ? 'F64' : 'F32', shape: leaf.shape.slice(), data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const enc = new codecs.TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    hb = enc.encode(json);
  }
  return { named, headerBytes: hb, dataBytes: offset };
}

/** The file's bytes from its plan and each tensor's values (in the plan's order). */
function writeParams(plan: ParamsPlan, values: readonly Storage[]): Uint8Array {
  const hb = plan.headerBytes;
  const out = new Uint8Array(8 + hb.length + plan.dataBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, hb.length, true);
  view.setUint32(4, 0, true);
  out.set(hb, 8);
  let at = 8 + hb.length;
  plan.named.forEach(({ leaf }, k) => {
    const v = values[k];
    if (leaf.dtype === 'float64') for (let i = 0; i < v.length; i++, at += 8) view.setFloat64(at, v[i], true);
    else for (let i = 0; i < v.length; i++, at += 4) view.setFloat32(at, v[i], true);
  });
  return out;
}

/** The contents of a safetensors file: the parameter tree and its metadata. */
export interface LoadedParams {
  /** the tensors, nested by their dotted names (all-integer key sets 0…n−1 become arrays) */
  readonly params: Tree;
  /** the `__metadata__` strings (empty when absent) */
  readonly metadata: Readonly<Record<string, string>>;
}

/** A `Left` whose message names `fn`, the public function the user called. */
const failAs =
  (fn: string) =>
  (msg: string): E.Either<SafetensorsError, never> =>
    E.left(new SafetensorsError(`${fn}: ${msg}`));

/** Nests dotted names into objects, turning objects whose keys are exactly 0…n−1 into arrays. */
function nest(fn: string, named: readonly { name: string; t: Tensor }[]): E.Either<SafetensorsError, Tree> {
  const fail = failAs(fn);
  if (named.length === 1 && named[0].name === '') return E.right(named[0].t);
  type Node = Map<string, Node | Tensor>;
  const root: Node = new Map();
  for (const { name, t } of named) {
    const segs = name.split('.');
    if (segs.some((s) => s === '')) return fail(`tensor name ${JSON.stringify(name)} has an empty path segment`);
    // assigning '__proto__' would set the tree object's prototype: the tensor would vanish from the tree
    if (segs.includes('__proto__'))
      return fail(`tensor name ${JSON.stringify(name)} has the path segment "__proto__", which cannot be a key of a parameter tree`);
    let node = root;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      const cur = node.get(s);
      if (i === segs.length - 1) {
        if (cur !== undefined) return fail(`tensor name ${JSON.stringify(name)} clashes with another name's path`);
        node.set(s, t);
      } else {
        if (cur === undefined) {
          const next: Node = new Map();
          node.set(s, next);
          node = next;
        } else if (cur instanceof Map) node = cur;
        else return fail(`tensor name ${JSON.stringify(name)} continues below the tensor ${JSON.stringify(segs.slice(0, i + 1).join('.'))}`);
      }
    }
  }
  const build = (n: Node): Tree => {
    const keys = [...n.keys()];
    const isArray = keys.length > 0 && keys.every((k) => /^(0|[1-9][0-9]*)$/.test(k)) && keys.every((_, i) => n.has(String(i)));
    const conv = (v: Node | Tensor): Tree => (v instanceof Map ? build(v) : v);
    if (isArray) return keys.map((_, i) => conv(n.get(String(i))!));
    const o: Record<string, Tree> = {};
    for (const k of keys) o[k] = conv(n.get(k)!);
    return o;
  };
  return E.right(build(root));
}

/**
 * Parses safetensors bytes into the parameter tree and metadata. Supports
 * `F32` and `F64` data (a float32 / float64 tensor each); names nest by `.`.
 * Returns a `Left` of {@link SafetensorsError} for anything malformed: fewer
 * than 8 bytes, a header length beyond the file (or above 100 MB), invalid
 * UTF-8 or JSON, a header that is not an object, an entry without a valid
 * dtype / shape / data_offsets, offsets that overlap, leave gaps, run past
 * the data or do not match the shape's size, or names whose paths clash or
 * contain the segment `__proto__`.
 */
export function loadParamsWithMetadata(bytes: Uint8Array): E.Either<SafetensorsError, LoadedParams> {
  return decodeParams('loadParamsWithMetadata', bytes);
}

/** {@link loadParamsWithMetadata} with its errors naming `fn` (the public function called). @internal */
export function decodeParams(fn: string, bytes: Uint8Array): E.Either<SafetensorsError, LoadedParams> {
  const fail = failAs(fn);
  if (!(bytes instanceof Uint8Array)) return fail(`expected a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length < 8) return fail(`the file has ${bytes.length} bytes; a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (hi !== 0 || n > MAX_HEADER) return fail(`header length ${n} is above the limit of ${MAX_HEADER} bytes`);
  if (8 + n > bytes.length) return fail(`header length ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new codecs.TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    return fail(`the header is not valid UTF-8 JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('the header must be a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: keyof typeof DTYPES; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') return fail(`__metadata__ entry ${JSON.stringify(k)} is not a string`);
        // an own property even for the key '__proto__' (plain assignment would drop it)
        Object.defineProperty(metadata, k, { value: s, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(`entry ${JSON.stringify(name)} must be an object`);
    const { dtype, shape, data_offsets: offs } = v as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype))
      return fail(`entry ${JSON.stringify(name)} has dtype ${JSON.stringify(dtype)}; supported: F32, F64`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      return fail(`entry ${JSON.stringify(name)} has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[0] > offs[1]) {
      return fail(`entry ${JSON.stringify(name)} has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    let size = (shape as number[]).includes(0) ? 0 : 1;
    for (const d of shape as number[]) {
      if (size > dataLen) break; // already too large: the size check below fails
      size *= d;
    }
    const want = size * DTYPES[dtype as keyof typeof DTYPES].bytes;
    if (offs[1] - offs[0] !== want) {
      return fail(`entry ${JSON.stringify(name)} spans ${offs[1] - offs[0]} bytes but ${dtype} ${JSON.stringify(shape)} needs ${want}`);
    }
    if (offs[1] > dataLen) return fail(`entry ${JSON.stringify(name)} ends at byte ${offs[1]} past the ${dataLen}-byte data section (truncated?)`);
    entries.push({ name, dtype: dtype as keyof typeof DTYPES, shape: shape as number[], begin: offs[0], end: offs[1] });
  }
  const byOffset = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of byOffset) {
    if (e.begin < at) return fail(`entry ${JSON.stringify(e.name)} at bytes [${e.begin}, ${e.end}) overlaps the previous tensor (which ends at ${at})`);
    if (e.begin > at) return fail(`the data section has a gap at bytes [${at}, ${e.begin}) before entry ${JSON.stringify(e.name)}`);
    at = e.end;
  }
  if (at !== dataLen) return fail(`the data section has ${dataLen} bytes but the tensors cover ${at}`);
  const named = entries.map((e) => {
    const count = (e.end - e.begin) / DTYPES[e.dtype].bytes;
    const base = dataStart + e.begin;
    let t: Tensor;
    if (e.dtype === 'F64') {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(base + 8 * i, true);
      t = fromStorage(a, e.shape, 'float64');
    } else {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(base + 4 * i, true);
      t = fromStorage(a, e.shape, 'float32');
    }
    return { name: e.name, t };
  });
  return E.map((params: Tree) => ({ params, metadata }))(nest(fn, named));
}

/**
 * Parses safetensors bytes (as written by {@link saveParams}, or by other
 * tools for F32/F64 data) into a parameter tree; `Left` for malformed input
 * (see {@link loadParamsWithMetadata}, which also returns the metadata).
 */
export function loadParams(bytes: Uint8Array): E.Either<SafetensorsError, Tree> {
  return E.map((l: LoadedParams) => l.params)(decodeParams('loadParams', bytes));
}
