/**
 * A pure parser of NumPy `.npy` files (format versions 1.0, 2.0 and 3.0,
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
 * from bytes, browser-safe: no Node APIs. Only plain numeric dtypes of either
 * byte order are read (`f4 f8 i1 i2 i4 i8 u1 u2 u4 u8`); structured, complex,
 * string, object, bool and float16 arrays are rejected, as is Fortran order
 * for arrays of rank ≥ 2 (for rank ≤ 1 the two orders are the same bytes).
 */
import * as E from 'fp-ts/lib/Either.js';
import { FeatureLoadError } from './errors.ts';

/** Element types {@link parseNpy} reads. */
export type NpyDType = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64';

/** A parsed `.npy` array. */
export interface NpyArray {
  /** element type in the file */
  readonly dtype: NpyDType;
  /** the array's shape (`[]` for a scalar) */
  readonly shape: readonly number[];
  /**
   * the values in row-major order: a Float32Array for float32, otherwise a
   * Float64Array (integers are exact; 64-bit integers beyond ±2⁵³ are rejected)
   */
  readonly data: Float32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const KINDS: Readonly<Record<string, NpyDType>> = {
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
};

const left = (kind: ConstructorParameters<typeof FeatureLoadError>[0], msg: string): E.Either<FeatureLoadError, never> =>
  E.left(new FeatureLoadError(kind, msg));

/**
 * Parses the bytes of a `.npy` file.
 *
 * @param bytes the whole file.
 * @param what a name for messages (default `'npy'`), e.g. `'features .npy'`.
 * @returns `Right` the array, or `Left` a {@link FeatureLoadError} saying what is wrong:
 *   bad magic or version (`'dtype'`), a malformed header (`'syntax'`), an
 *   unsupported dtype or Fortran order (`'dtype'`), or a data length that does
 *   not match the shape (`'shape'`).
 */
export function parseNpy(bytes: Uint8Array, what = 'npy'): E.Either<FeatureLoadError, NpyArray> {
  const fn = `parseNpy(${what})`;
  if (!(bytes instanceof Uint8Array)) return left('syntax', `${fn}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    return left('dtype', `${fn}: bad magic: the file does not start with \\x93NUMPY (first bytes ${hex(bytes.subarray(0, 8))}); expected a NumPy .npy file`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) {
    return left('dtype', `${fn}: unsupported .npy format version ${major}.${minor}; expected 1.0, 2.0 or 3.0`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) return left('syntax', `${fn}: truncated header (${bytes.length} bytes)`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  const dataStart = start + headerLen;
  if (dataStart > bytes.length) {
    return left('syntax', `${fn}: the header claims ${headerLen} bytes but the file has only ${bytes.length - start} after the length field (truncated file)`);
  }
  // latin-1 decoding: the keys and values read here are ASCII (a version-3.0
  // UTF-8 header differs only in structured field names, which are rejected)
  let header = '';
  for (let i = start; i < dataStart; i++) header += String.fromCharCode(bytes[i]);
  const h = header.trim();
  if (!h.startsWith('{') || !h.endsWith('}')) {
    return left('syntax', `${fn}: malformed header ${JSON.stringify(header.slice(0, 80))}; expected a Python dict literal`);
  }
  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(h);
  if (!descrM) {
    return /['"]descr['"]\s*:\s*\[/.test(h)
      ? left('dtype', `${fn}: structured (record) dtypes are not supported; expected a plain numeric array`)
      : left('syntax', `${fn}: header has no 'descr' string: ${JSON.stringify(h)}`);
  }
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)\b/.exec(h);
  if (!fortranM) return left('syntax', `${fn}: header has no 'fortran_order': True/False: ${JSON.stringify(h)}`);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(h);
  if (!shapeM) return left('syntax', `${fn}: header has no 'shape' tuple: ${JSON.stringify(h)}`);
  const shape: number[] = [];
  for (const part of shapeM[1].split(',')) {
    const p = part.trim();
    if (p === '') continue;
    if (!/^\d+L?$/.test(p)) return left('syntax', `${fn}: bad shape entry ${JSON.stringify(p)} in (${shapeM[1]}); expected non-negative integers`);
    shape.push(Number.parseInt(p, 10));
  }
  const descr = descrM[2];
  const order = descr[0];
  const dtype = KINDS[descr.slice(1)];
  if (!'<>|='.includes(order) || descr.length < 2 || dtype === undefined) {
    return left(
      'dtype',
      `${fn}: unsupported dtype ${JSON.stringify(descr)}; expected one of float32/float64 ('<f4', '<f8') or an integer type ('<i4', '<i8', …)`,
    );
  }
  if (fortranM[1] === 'True' && shape.length >= 2) {
    return left('dtype', `${fn}: Fortran (column-major) order is not supported for shape (${shape.join(', ')}); save a C-ordered array (np.ascontiguousarray)`);
  }
  const little = order !== '>';
  const size = Number(descr.slice(2));
  let count = 1;
  for (const s of shape) count *= s;
  const available = bytes.length - dataStart;
  if (available !== count * size) {
    return left(
      'shape',
      `${fn}: shape (${shape.join(', ')}) of ${descr} needs ${count * size} data bytes but the file has ${available}${available < count * size ? ' (truncated file)' : ' (trailing bytes)'}`,
    );
  }
  const data = dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0, o = dataStart; i < count; i++, o += size) {
    let v: number;
    switch (dtype) {
      case 'float32':
        v = view.getFloat32(o, little);
        break;
      case 'float64':
        v = view.getFloat64(o, little);
        break;
      case 'int8':
        v = view.getInt8(o);
        break;
      case 'uint8':
        v = view.getUint8(o);
        break;
      case 'int16':
        v = view.getInt16(o, little);
        break;
      case 'uint16':
        v = view.getUint16(o, little);
        break;
      case 'int32':
        v = view.getInt32(o, little);
        break;
      case 'uint32':
        v = view.getUint32(o, little);
        break;
      case 'int64':
      case 'uint64': {
        const b = dtype === 'int64' ? view.getBigInt64(o, little) : view.getBigUint64(o, little);
        if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) {
          return left('dtype', `${fn}: ${dtype} value ${b} at flat index ${i} is beyond ±2^53 and cannot be represented exactly`);
        }
        v = Number(b);
        break;
      }
    }
    data[i] = v;
  }
  return E.right({ dtype, shape, data });
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
