/**
 * A pure parser of IDX files (the format of LeCun's MNIST distribution and its
 * relatives: Fashion-MNIST, EMNIST, KMNIST) from bytes, browser-safe, and the
 * MNIST images/labels pair built from two of them. Untrusted input: every
 * problem is a `Left` {@link FeatureLoadError}, and parsing is one linear pass.
 *
 * Format: two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16,
 * 0x0C int32, 0x0D float32, 0x0E float64), a rank byte, the dimensions as
 * big-endian uint32, then the values row-major, big-endian.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DType } from '../../kernels/types.ts';
import { fromStorage, type Tensor } from '../tensor/tensor.ts';
import { FeatureLoadError } from './errors.ts';

/** Element types of IDX files. */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array. */
export interface IdxArray {
  /** element type in the file */
  readonly dtype: IdxDType;
  /** the dimensions */
  readonly shape: readonly number[];
  /** the values, row-major: a Uint8Array for uint8 files (no copy of the file's bytes), otherwise a Float64Array */
  readonly data: Uint8Array | Float64Array;
}

const TYPES: Readonly<Record<number, { dtype: IdxDType; bytes: number }>> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

const left = (kind: ConstructorParameters<typeof FeatureLoadError>[0], msg: string): E.Either<FeatureLoadError, never> =>
  E.left(new FeatureLoadError(kind, msg));

/**
 * Parses the bytes of an IDX file.
 *
 * @param bytes the whole (uncompressed) file.
 * @param what a name for messages (default `'idx'`), e.g. `'train-images-idx3-ubyte'`.
 * @returns `Right` the array, or `Left` a {@link FeatureLoadError}: bad magic or
 *   an unknown type byte (`'dtype'`), a truncated header or a data length that
 *   does not match the dimensions (`'shape'`).
 */
export function parseIdx(bytes: Uint8Array, what = 'idx'): E.Either<FeatureLoadError, IdxArray> {
  const fn = `parseIdx(${what})`;
  if (!(bytes instanceof Uint8Array)) return left('syntax', `${fn}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    return left(
      'dtype',
      `${fn}: bad magic: an IDX file starts with two zero bytes (got ${bytes.length} byte(s)${bytes.length >= 2 ? `, first ${bytes[0]} ${bytes[1]}` : ''})`,
    );
  }
  const type = TYPES[bytes[2]];
  if (type === undefined) return left('dtype', `${fn}: unknown type byte 0x${bytes[2].toString(16).padStart(2, '0')}; expected one of 08 09 0b 0c 0d 0e`);
  const rank = bytes[3];
  const header = 4 + 4 * rank;
  if (bytes.length < header) return left('shape', `${fn}: truncated header: rank ${rank} needs ${header} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const expected = header + count * type.bytes;
  if (bytes.length !== expected) {
    return left('shape', `${fn}: dimensions [${shape.join(', ')}] of ${type.dtype} need ${expected} bytes, the file has ${bytes.length}`);
  }
  if (type.dtype === 'uint8') return E.right({ dtype: 'uint8', shape, data: bytes.subarray(header) });
  const data = new Float64Array(count);
  const read = READ[type.dtype];
  for (let i = 0; i < count; i++) data[i] = read(view, header + i * type.bytes);
  if (type.dtype === 'float32' || type.dtype === 'float64') {
    for (let i = 0; i < count; i++) if (!Number.isFinite(data[i])) return left('nonFinite', `${fn}: value ${i} is ${data[i]}`);
  }
  return E.right({ dtype: type.dtype, shape, data });
}

const READ: Readonly<Record<Exclude<IdxDType, 'uint8'>, (v: DataView, at: number) => number>> = {
  int8: (v, at) => v.getInt8(at),
  int16: (v, at) => v.getInt16(at, false),
  int32: (v, at) => v.getInt32(at, false),
  float32: (v, at) => v.getFloat32(at, false),
  float64: (v, at) => v.getFloat64(at, false),
};

/** Options of {@link parseMnistIdx}. */
export interface MnistIdxOptions {
  /** keep only the images of these labels, in file order (default: all) */
  readonly digits?: readonly number[];
  /** at most this many images of each kept label, the first ones in file order (default: all) */
  readonly perClass?: number;
  /** dtype of the images (default `'float32'`) */
  readonly dtype?: Extract<DType, 'float32' | 'float64'>;
}

/** Images and labels read from an IDX pair. */
export interface MnistIdxData {
  /** `[N, H·W]` pixel intensities in [0, 1] (the bytes / 255), each image row-major */
  readonly x: Tensor;
  /** the label of each row */
  readonly labels: Int32Array;
  /** the image height and width */
  readonly imageShape: readonly [number, number];
}

/**
 * Images and labels from the bytes of an MNIST-style IDX pair (e.g.
 * `train-images-idx3-ubyte` and `train-labels-idx1-ubyte`): uint8 images
 * `[N, H, W]` and uint8 labels `[N]`, in file order, optionally filtered by
 * label and capped per label. Linear in the file sizes.
 *
 * @returns `Right` the data, or `Left` a {@link FeatureLoadError}: a parse
 *   error of either file, images that are not rank-3 uint8 or labels that
 *   are not rank-1 uint8 (`'dtype'` / `'shape'`), different counts (`'shape'`),
 *   bad options (`'labels'` / `'syntax'`), or nothing left after filtering (`'empty'`).
 */
export function parseMnistIdx(images: Uint8Array, labels: Uint8Array, options: MnistIdxOptions = {}): E.Either<FeatureLoadError, MnistIdxData> {
  const fn = 'parseMnistIdx';
  if (options === null || typeof options !== 'object') return left('syntax', `${fn}: options must be an object, got ${String(options)}`);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') return left('syntax', `${fn}: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  const perClass = options.perClass ?? Infinity;
  if (perClass !== Infinity && (!Number.isInteger(perClass) || perClass < 1)) return left('syntax', `${fn}: perClass must be an integer ≥ 1, got ${perClass}`);
  const digits = options.digits;
  if (digits !== undefined && (!Array.isArray(digits) || digits.some((d) => !Number.isInteger(d) || d < 0 || d > 255))) {
    return left('labels', `${fn}: digits must be an array of integers 0 … 255, got ${JSON.stringify(digits)}`);
  }
  const im = parseIdx(images, 'images');
  if (E.isLeft(im)) return im;
  const lb = parseIdx(labels, 'labels');
  if (E.isLeft(lb)) return lb;
  const I = im.right;
  const L = lb.right;
  if (I.dtype !== 'uint8' || I.shape.length !== 3) return left('shape', `${fn}: images must be uint8 [N, H, W], got ${I.dtype} [${I.shape.join(', ')}]`);
  if (L.dtype !== 'uint8' || L.shape.length !== 1) return left('shape', `${fn}: labels must be uint8 [N], got ${L.dtype} [${L.shape.join(', ')}]`);
  const [n, h, w] = I.shape;
  if (L.shape[0] !== n) return left('shape', `${fn}: ${n} images but ${L.shape[0]} labels`);
  const keep = digits === undefined ? null : new Set(digits);
  const taken = new Map<number, number>();
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = L.data[i];
    if (keep !== null && !keep.has(l)) continue;
    const t = taken.get(l) ?? 0;
    if (t >= perClass) continue;
    taken.set(l, t + 1);
    rows.push(i);
  }
  if (rows.length === 0) return left('empty', `${fn}: no image left (${n} in the file, digits ${JSON.stringify(digits)})`);
  const px = h * w;
  const out = dtype === 'float64' ? new Float64Array(rows.length * px) : new Float32Array(rows.length * px);
  const src = I.data;
  rows.forEach((r, j) => {
    const base = r * px;
    for (let p = 0; p < px; p++) out[j * px + p] = src[base + p] / 255;
  });
  return E.right({ x: fromStorage(out, [rows.length, px], dtype), labels: Int32Array.from(rows, (r) => L.data[r]), imageShape: [h, w] });
}
