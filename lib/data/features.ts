/**
 * Loaders of precomputed backbone features with class labels, for evaluating
 * or training heads on frozen features. Three formats:
 *
 * - CSV: one row per item, the features then the label in the last column,
 *   an optional header line (detected automatically by default);
 * - JSON: `{ "features": number[][], "labels": number[] }`;
 * - NumPy: a 2-D float32/float64 features `.npy` plus a 1-D integer labels `.npy`.
 *
 * Every function here is pure and browser-safe (strings and `Uint8Array` in,
 * no I/O); `lib/data/node.ts` adds the file-reading wrapper. Input is treated
 * as untrusted: instead of throwing, each loader returns an fp-ts `Either`
 * whose `Left` is a {@link FeatureLoadError} naming the problem and where it is
 * (line and column, row, byte counts …). Labels must be non-negative integers
 * below 2³¹ (integral floats such as `3.0` are accepted); features must be
 * finite and, for float32 output, within float32 range.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DType } from '../../kernels/types.ts';
import { fromStorage, type Tensor } from '../tensor/tensor.ts';
import { FeatureLoadError, type FeatureLoadErrorKind } from './errors.ts';
import { parseNpy } from './npy.ts';

/** Features and their labels. */
export interface FeatureSet {
  /** `[N, D]` features */
  readonly x: Tensor;
  /** N class labels (non-negative integers) */
  readonly labels: Int32Array;
}

/** Options shared by the feature loaders. */
export interface FeatureLoadOptions {
  /** dtype of the features tensor (default `'float32'`) */
  readonly dtype?: DType;
}

/** Options of {@link parseFeaturesCsv}. */
export interface CsvOptions extends FeatureLoadOptions {
  /**
   * whether the first line is a header: `true`, `false` or `'auto'` (default:
   * a header iff none of the first line's feature fields, all but the last, is a
   * number; numeric column names such as `0,1,2,label` need `header: true`)
   */
  readonly header?: boolean | 'auto';
  /** field separator (default `','`) */
  readonly delimiter?: string;
}

/** Options of {@link loadFeatures}. */
export interface LoadFeaturesOptions extends CsvOptions {
  /** `'csv'`, `'json'` or `'auto'` (default: JSON if the text starts with `{`, else CSV) */
  readonly format?: 'csv' | 'json' | 'auto';
}

type Result = E.Either<FeatureLoadError, FeatureSet>;

const fail = (kind: FeatureLoadErrorKind, msg: string): E.Either<FeatureLoadError, never> => E.left(new FeatureLoadError(kind, msg));

const FLOAT32_MAX = 3.4028234663852886e38;
const NONFINITE_RE = /^[+-]?(nan|inf|infinity)$/i;

const isDigit = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/**
 * Whether `s` is a decimal number: `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`.
 * One left-to-right pass, so linear in the length of `s`: the regular expression it replaces,
 * /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, backtracks quadratically on a long run of digits
 * that ends in a non-digit (`\d+` and `\d*` can split the run in n ways), which made a 100 kB
 * malformed field take minutes.
 */
export function isDecimalNumber(s: string): boolean {
  const n = s.length;
  let i = 0;
  if (i < n && (s[i] === '+' || s[i] === '-')) i++;
  const intStart = i;
  while (i < n && isDigit(s, i)) i++;
  let digits = i - intStart;
  if (i < n && s[i] === '.') {
    i++;
    const fracStart = i;
    while (i < n && isDigit(s, i)) i++;
    digits += i - fracStart;
  }
  if (digits === 0) return false;
  if (i < n && (s[i] === 'e' || s[i] === 'E')) {
    i++;
    if (i < n && (s[i] === '+' || s[i] === '-')) i++;
    const expStart = i;
    while (i < n && isDigit(s, i)) i++;
    if (i === expStart) return false;
  }
  return i === n;
}

/**
 * The options argument of a loader: omitted (undefined) or an object; `null`, a number, a string or
 * an array is a `'syntax'` Left naming `fn` (the loaders return errors, they never throw). @internal
 */
export function checkOptionsArg(fn: string, options: unknown): FeatureLoadError | undefined {
  if (options === undefined || (typeof options === 'object' && options !== null && !Array.isArray(options))) return undefined;
  const what = options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options;
  return new FeatureLoadError('syntax', `${fn}: options must be an object (or omitted), got ${what}`);
}

function checkDTypeOption(fn: string, dtype: unknown): E.Either<FeatureLoadError, DType> {
  const d = dtype ?? 'float32';
  return d === 'float32' || d === 'float64'
    ? E.right(d)
    : fail('dtype', `${fn}: unsupported output dtype ${JSON.stringify(d)}; expected 'float32' or 'float64'`);
}

/** Checks a feature value; `where` locates it for messages. */
function checkValue(fn: string, v: number, dtype: DType, where: () => string): FeatureLoadError | undefined {
  if (!Number.isFinite(v)) return new FeatureLoadError('nonFinite', `${fn}: feature value ${v} at ${where()} is not finite; expected finite numbers`);
  if (dtype === 'float32' && Math.abs(v) > FLOAT32_MAX) {
    return new FeatureLoadError('nonFinite', `${fn}: feature value ${v} at ${where()} overflows float32 (max ${FLOAT32_MAX}); use dtype 'float64'`);
  }
  return undefined;
}

/** Checks a label value; `where` locates it for messages. */
function checkLabel(fn: string, v: number, where: () => string): FeatureLoadError | undefined {
  if (!Number.isFinite(v) || !Number.isInteger(v))
    return new FeatureLoadError('labels', `${fn}: label ${v} at ${where()} is not an integer; expected non-negative integer class ids`);
  if (v < 0) return new FeatureLoadError('labels', `${fn}: label ${v} at ${where()} is negative; expected non-negative integer class ids`);
  if (v >= 2 ** 31) return new FeatureLoadError('labels', `${fn}: label ${v} at ${where()} does not fit in an int32; expected class ids below 2^31`);
  return undefined;
}

function build(values: Float64Array | Float32Array, n: number, d: number, labels: Int32Array, dtype: DType): FeatureSet {
  const data =
    dtype === 'float64'
      ? values instanceof Float64Array
        ? values
        : Float64Array.from(values)
      : values instanceof Float32Array
        ? values
        : Float32Array.from(values);
  return { x: fromStorage(data, [n, d], dtype), labels };
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

/**
 * Parses CSV features: each line is `f_1, …, f_D, label`; blank lines are
 * skipped; fields may be double-quoted; `\n` or `\r\n` line ends.
 *
 * @param text the file's contents.
 * @param options `header` (`'auto'` by default), `delimiter` (`','`), `dtype` (`'float32'`).
 * @returns `Right({ x: [N, D], labels })`, or `Left` for: no data rows
 *   (`'empty'`), fewer than two columns or ragged rows (`'shape'`), a field that
 *   is not a number (`'syntax'`), NaN / ±Infinity / float32 overflow
 *   (`'nonFinite'`), an empty, non-integer or negative label (`'labels'`).
 */
export function parseFeaturesCsv(text: string, options: CsvOptions = {}): Result {
  const fn = 'parseFeaturesCsv';
  const bad = checkOptionsArg(fn, options);
  if (bad) return E.left(bad);
  options ??= {};
  if (typeof text !== 'string') return fail('syntax', `${fn}: expected the CSV text as a string, got ${typeof text}`);
  const dt = checkDTypeOption(fn, options.dtype);
  if (E.isLeft(dt)) return dt;
  const dtype = dt.right;
  const delim = options.delimiter ?? ',';
  if (typeof delim !== 'string' || delim.length === 0) return fail('syntax', `${fn}: delimiter must be a non-empty string`);
  const lines: { no: number; fields: string[] }[] = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    if (raw[i].trim() === '') continue;
    lines.push({ no: i + 1, fields: raw[i].split(delim).map(unquote) });
  }
  if (lines.length === 0) return fail('empty', `${fn}: no data: the text has no non-blank lines; expected rows of features followed by a label`);
  const numeric = (f: string): boolean => isDecimalNumber(f) || NONFINITE_RE.test(f);
  const header = options.header ?? 'auto';
  // auto: a header iff no feature field of the first line (all but its last) is a number
  const hasHeader = header === 'auto' ? !lines[0].fields.slice(0, Math.max(1, lines[0].fields.length - 1)).some(numeric) : header;
  const rows = hasHeader ? lines.slice(1) : lines;
  if (rows.length === 0) return fail('empty', `${fn}: no data rows after the header (line ${lines[0].no}); expected rows of features followed by a label`);
  const cols = rows[0].fields.length;
  if (hasHeader && lines[0].fields.length !== cols) {
    return fail(
      'shape',
      `${fn}: the header (line ${lines[0].no}) has ${lines[0].fields.length} columns but line ${rows[0].no} has ${cols}; expected the same number`,
    );
  }
  if (cols < 2) {
    return fail('shape', `${fn}: line ${rows[0].no} has ${cols} column; expected at least 2 (features…, label), with the label in the last column`);
  }
  const n = rows.length;
  const d = cols - 1;
  const values = new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const { no, fields } = rows[r];
    if (fields.length !== cols) {
      return fail(
        'shape',
        `${fn}: ragged rows: line ${no} has ${fields.length} columns but line ${rows[0].no} has ${cols}; expected every row to have ${d} features and a label`,
      );
    }
    for (let c = 0; c < d; c++) {
      const f = fields[c];
      if (f === '') return fail('syntax', `${fn}: empty feature field at line ${no}, column ${c + 1}; expected a number`);
      if (!numeric(f)) return fail('syntax', `${fn}: ${JSON.stringify(f)} at line ${no}, column ${c + 1} is not a number`);
      if (NONFINITE_RE.test(f)) return fail('nonFinite', `${fn}: feature value ${f} at line ${no}, column ${c + 1} is not finite; expected finite numbers`);
      const v = Number(f);
      const err = checkValue(fn, v, dtype, () => `line ${no}, column ${c + 1}`);
      if (err) return E.left(err);
      values[r * d + c] = v;
    }
    const lf = fields[d];
    if (lf === '') return fail('labels', `${fn}: missing label at line ${no} (the last column, ${cols}, is empty); expected an integer class id`);
    if (!isDecimalNumber(lf)) {
      const hint = r === 0 && !hasHeader ? ' (if the first line is a header, pass header: true)' : '';
      return fail('labels', `${fn}: label ${JSON.stringify(lf)} at line ${no}, column ${cols} is not a number; expected an integer class id${hint}`);
    }
    const y = Number(lf);
    const err = checkLabel(fn, y, () => `line ${no}, column ${cols}`);
    if (err) return E.left(err);
    labels[r] = y;
  }
  return E.right(build(values, n, d, labels, dtype));
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v)}` : typeof v;
}

/**
 * Parses JSON features: `{ "features": [[f_1, …, f_D], …], "labels": [y, …] }`.
 *
 * @param text the file's contents.
 * @param options `dtype` (`'float32'` by default).
 * @returns `Right({ x: [N, D], labels })`, or `Left` for: invalid JSON or a
 *   missing / non-array `features` (`'syntax'`), no rows or no columns
 *   (`'empty'`), ragged rows or a labels array of another length (`'shape'`),
 *   `null` (how `JSON.stringify` writes NaN and ±Infinity) or a value
 *   overflowing the dtype (`'nonFinite'`), missing, non-integer or negative
 *   labels (`'labels'`).
 */
export function parseFeaturesJson(text: string, options: FeatureLoadOptions = {}): Result {
  const fn = 'parseFeaturesJson';
  const bad = checkOptionsArg(fn, options);
  if (bad) return E.left(bad);
  options ??= {};
  if (typeof text !== 'string') return fail('syntax', `${fn}: expected the JSON text as a string, got ${typeof text}`);
  const dt = checkDTypeOption(fn, options.dtype);
  if (E.isLeft(dt)) return dt;
  const dtype = dt.right;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail('syntax', `${fn}: invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return fail('syntax', `${fn}: expected an object { "features": number[][], "labels": number[] }, got ${describe(doc)}`);
  }
  const o = doc as Record<string, unknown>;
  const feats = o.features;
  if (feats === undefined) return fail('syntax', `${fn}: missing "features"; expected { "features": number[][], "labels": number[] }`);
  if (!Array.isArray(feats)) return fail('syntax', `${fn}: "features" is ${describe(feats)}; expected an array of rows (number[][])`);
  if (feats.length === 0) return fail('empty', `${fn}: "features" has no rows; expected at least one`);
  const first: unknown = feats[0];
  if (!Array.isArray(first)) return fail('shape', `${fn}: features[0] is ${describe(first)}; expected a row (an array of numbers)`);
  const n = feats.length;
  const d = first.length;
  if (d === 0) return fail('empty', `${fn}: features[0] is empty; expected at least one feature column`);
  const values = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row: unknown = feats[i];
    if (!Array.isArray(row)) return fail('shape', `${fn}: features[${i}] is ${describe(row)}; expected a row of ${d} numbers`);
    if (row.length !== d)
      return fail('shape', `${fn}: ragged rows: features[${i}] has ${row.length} values but features[0] has ${d}; expected every row to have ${d}`);
    for (let j = 0; j < d; j++) {
      const v: unknown = row[j];
      if (v === null)
        return fail('nonFinite', `${fn}: features[${i}][${j}] is null (JSON.stringify writes NaN and ±Infinity as null); expected a finite number`);
      if (typeof v !== 'number') return fail('syntax', `${fn}: features[${i}][${j}] is ${describe(v)}; expected a number`);
      const err = checkValue(fn, v, dtype, () => `features[${i}][${j}]`);
      if (err) return E.left(err);
      values[i * d + j] = v;
    }
  }
  const labs = o.labels;
  if (labs === undefined) return fail('labels', `${fn}: missing "labels"; expected an array of ${n} integer class ids`);
  if (!Array.isArray(labs)) return fail('labels', `${fn}: "labels" is ${describe(labs)}; expected an array of ${n} integer class ids`);
  if (labs.length !== n) return fail('shape', `${fn}: ${labs.length} labels for ${n} feature rows; expected one label per row`);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y: unknown = labs[i];
    if (typeof y !== 'number') return fail('labels', `${fn}: labels[${i}] is ${describe(y)}; expected an integer class id`);
    const err = checkLabel(fn, y, () => `labels[${i}]`);
    if (err) return E.left(err);
    labels[i] = y;
  }
  return E.right(build(values, n, d, labels, dtype));
}

/**
 * Parses features from text, CSV or JSON (see {@link parseFeaturesCsv} and
 * {@link parseFeaturesJson}); with `format: 'auto'` (default) text whose first
 * non-blank character is `{` is JSON and anything else CSV.
 */
export function loadFeatures(text: string, options: LoadFeaturesOptions = {}): Result {
  const bad = checkOptionsArg('loadFeatures', options);
  if (bad) return E.left(bad);
  options ??= {};
  if (typeof text !== 'string') return fail('syntax', `loadFeatures: expected the file's text as a string, got ${typeof text}`);
  const format = options.format ?? 'auto';
  if (format !== 'csv' && format !== 'json' && format !== 'auto') {
    return fail('syntax', `loadFeatures: unknown format ${JSON.stringify(format)}; expected 'csv', 'json' or 'auto'`);
  }
  const json = format === 'json' || (format === 'auto' && text.trimStart().startsWith('{'));
  return json ? parseFeaturesJson(text, options) : parseFeaturesCsv(text, options);
}

/**
 * Loads NumPy features: a 2-D float32/float64 `.npy` of `[N, D]` features and
 * a 1-D (or `[N, 1]`) integer `.npy` of N labels (int8 … int64, uint8 … uint64).
 *
 * @param featuresBytes the bytes of the features file.
 * @param labelsBytes the bytes of the labels file.
 * @param options `dtype` of the output features (`'float32'` by default).
 * @returns `Right({ x: [N, D], labels })`, or `Left` for: a bad magic,
 *   version, dtype (e.g. integer features, float labels) or Fortran order
 *   (`'dtype'`), a malformed header (`'syntax'`), features that are not 2-D,
 *   labels that are not 1-D, lengths that differ or truncated data
 *   (`'shape'`), zero rows or columns (`'empty'`), NaN or infinite features
 *   (`'nonFinite'`), negative or too large labels (`'labels'`).
 */
export function loadFeaturesNpy(featuresBytes: Uint8Array, labelsBytes: Uint8Array, options: FeatureLoadOptions = {}): Result {
  const fn = 'loadFeaturesNpy';
  const bad = checkOptionsArg(fn, options);
  if (bad) return E.left(bad);
  options ??= {};
  const dt = checkDTypeOption(fn, options.dtype);
  if (E.isLeft(dt)) return dt;
  const dtype = dt.right;
  if (!(featuresBytes instanceof Uint8Array))
    return fail('syntax', `${fn}: expected the features file's bytes as a Uint8Array, got ${describe(featuresBytes)}`);
  if (!(labelsBytes instanceof Uint8Array))
    return fail('labels', `${fn}: missing labels: expected the labels file's bytes as a Uint8Array, got ${describe(labelsBytes)}`);
  const fr = parseNpy(featuresBytes, 'features .npy');
  if (E.isLeft(fr)) return fr;
  const f = fr.right;
  if (f.dtype !== 'float32' && f.dtype !== 'float64') {
    return fail('dtype', `${fn}: features have dtype ${f.dtype}; expected float32 or float64 (x.astype(np.float32))`);
  }
  if (f.shape.length !== 2) {
    return fail('shape', `${fn}: features have shape (${f.shape.join(', ')}); expected a 2-D [N, D] array`);
  }
  const [n, d] = f.shape;
  if (n === 0 || d === 0) return fail('empty', `${fn}: features have shape (${n}, ${d}); expected at least one row and one column`);
  const lr = parseNpy(labelsBytes, 'labels .npy');
  if (E.isLeft(lr)) return lr;
  const l = lr.right;
  if (l.dtype === 'float32' || l.dtype === 'float64') {
    return fail('dtype', `${fn}: labels have dtype ${l.dtype}; expected an integer dtype such as int32 or int64 (y.astype(np.int64))`);
  }
  if (!(l.shape.length === 1 || (l.shape.length === 2 && l.shape[1] === 1))) {
    return fail('shape', `${fn}: labels have shape (${l.shape.join(', ')}); expected a 1-D array of N labels`);
  }
  if (l.shape[0] !== n) return fail('shape', `${fn}: ${l.shape[0]} labels for ${n} feature rows; expected one label per row`);
  for (let i = 0; i < f.data.length; i++) {
    const err = checkValue(fn, f.data[i], dtype, () => `row ${Math.floor(i / d)}, column ${i % d}`);
    if (err) return E.left(err);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const err = checkLabel(fn, l.data[i], () => `labels[${i}]`);
    if (err) return E.left(err);
    labels[i] = l.data[i];
  }
  return E.right(build(f.data, n, d, labels, dtype));
}
