/**
 * Feature loaders: valid CSV / JSON / `.npy` round trips (including `.npy`
 * files written by NumPy itself, in test/fixtures/data, and `.npy` bytes built
 * by hand here), and a `Left` with a clear message for every kind of
 * malformed input.
 */
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/Either';
import { describe, expect, test } from 'vitest';
import { toArray, toNested } from '../../lib/index.ts';
import {
  FeatureLoadError,
  loadFeatures,
  loadFeaturesNpy,
  parseFeaturesCsv,
  parseFeaturesJson,
  parseNpy,
  type FeatureLoadErrorKind,
  type FeatureSet,
} from '../../lib/data/index.ts';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/data/${name}`, import.meta.url)));
const fixtureText = (name: string): string => readFileSync(new URL(`../fixtures/data/${name}`, import.meta.url), 'utf8');

/** The features of the fixtures (see make_fixtures.py). */
/** (written by NumPy as float32, so 1e-3 is stored as its float32 rounding) */
const X = [
  [0.5, -1.25, 3.0],
  [1e-3, 2.5, -0.75],
  [4.0, 0.0, 1.5],
  [-2.0, 0.125, 7.25],
].map((r) => r.map(Math.fround));
const Y = [0, 2, 1, 2];

function right(r: E.Either<FeatureLoadError, FeatureSet>): FeatureSet {
  if (E.isLeft(r)) throw new Error(`expected Right, got Left: ${r.left.message}`);
  return r.right;
}

function expectLeft(r: E.Either<FeatureLoadError, unknown>, kind: FeatureLoadErrorKind, message: RegExp): void {
  if (E.isRight(r)) throw new Error(`expected Left(${kind}), got Right`);
  expect(r.left).toBeInstanceOf(FeatureLoadError);
  expect(r.left.kind).toBe(kind);
  expect(r.left.message).toMatch(message);
}

function expectFixture(fs: FeatureSet, dtype: 'float32' | 'float64' = 'float32'): void {
  expect(fs.x.shape).toEqual([4, 3]);
  expect(fs.x.dtype).toBe(dtype);
  expect(toArray(fs.x)).toEqual(X.flat());
  expect(Array.from(fs.labels)).toEqual(Y);
  expect(fs.labels).toBeInstanceOf(Int32Array);
}

// ------------------------------------------------------------ hand-built .npy bytes

/** A .npy file: magic, version, header length, the padded header, then `data`. */
function npy(header: string, data: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  let h = header;
  const total = pre + h.length + 1;
  h += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[pre + i] = h.charCodeAt(i);
  out.set(data, pre + h.length);
  return out;
}

function dict(descr: string, shape: readonly number[], fortran = false): string {
  const s = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${s}, }`;
}

const f32 = (xs: readonly number[], little = true): Uint8Array => {
  const b = new Uint8Array(4 * xs.length);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setFloat32(4 * i, x, little));
  return b;
};
const f64 = (xs: readonly number[], little = true): Uint8Array => {
  const b = new Uint8Array(8 * xs.length);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setFloat64(8 * i, x, little));
  return b;
};
const i64 = (xs: readonly (number | bigint)[], little = true): Uint8Array => {
  const b = new Uint8Array(8 * xs.length);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setBigInt64(8 * i, BigInt(x), little));
  return b;
};
const i32 = (xs: readonly number[]): Uint8Array => new Uint8Array(Int32Array.from(xs).buffer);

const FEAT = npy(dict('<f4', [4, 3]), f32(X.flat()));
const LAB = npy(dict('<i8', [4]), i64(Y));

describe('.npy: valid files', () => {
  test('hand-built float32 features + int64 labels', () => {
    expectFixture(right(loadFeaturesNpy(FEAT, LAB)));
  });
  test('hand-built big-endian float64, int32 labels, float64 output', () => {
    const r = right(loadFeaturesNpy(npy(dict('>f8', [4, 3]), f64(X.flat(), false)), npy(dict('<i4', [4]), i32(Y)), { dtype: 'float64' }));
    expectFixture(r, 'float64');
  });
  test('format versions 2.0 and 3.0, labels of shape (N, 1), a byte-offset view', () => {
    expectFixture(right(loadFeaturesNpy(npy(dict('<f4', [4, 3]), f32(X.flat()), 2), npy(dict('|u1', [4, 1]), Uint8Array.from(Y), 3))));
    const padded = new Uint8Array(FEAT.length + 3);
    padded.set(FEAT, 3);
    expectFixture(right(loadFeaturesNpy(padded.subarray(3), LAB)));
  });
  test('files written by NumPy (fixtures): float32, >f8, version 2.0; int64 and int32 labels', () => {
    expectFixture(right(loadFeaturesNpy(fixture('features.npy'), fixture('labels.npy'))));
    expectFixture(right(loadFeaturesNpy(fixture('features-f8-be.npy'), fixture('labels-i4.npy'), { dtype: 'float64' })), 'float64');
    expectFixture(right(loadFeaturesNpy(fixture('features-v2.npy'), fixture('labels.npy'))));
  });
  test('parseNpy reads dtype and shape; Fortran order is fine for 1-D', () => {
    const r = parseNpy(npy(dict('<i2', [3], true), new Uint8Array(new Int16Array([-1, 2, 300]).buffer)));
    expect(E.isRight(r) && r.right.dtype).toBe('int16');
    expect(E.isRight(r) && Array.from(r.right.data)).toEqual([-1, 2, 300]);
    const s = parseNpy(npy(dict('<f8', []), f64([2.5])));
    expect(E.isRight(s) && s.right.shape).toEqual([]);
  });
});

describe('.npy: malformed input → Left with a message', () => {
  test('bad magic', () => {
    expectLeft(loadFeaturesNpy(new TextEncoder().encode('not a numpy file at all'), LAB), 'dtype', /bad magic.*\\x93NUMPY/);
    expectLeft(loadFeaturesNpy(FEAT, new Uint8Array(4)), 'dtype', /labels \.npy.*bad magic/);
  });
  test('unsupported version', () => {
    const b = FEAT.slice();
    b[6] = 4;
    expectLeft(loadFeaturesNpy(b, LAB), 'dtype', /unsupported \.npy format version 4\.0/);
  });
  test('header longer than the file / malformed header / missing keys', () => {
    expectLeft(loadFeaturesNpy(FEAT.slice(0, 40), LAB), 'syntax', /truncated file/);
    expectLeft(loadFeaturesNpy(npy("'descr': '<f4'", f32([1])), LAB), 'syntax', /malformed header/);
    expectLeft(loadFeaturesNpy(npy("{'fortran_order': False, 'shape': (1, 1), }", f32([1])), LAB), 'syntax', /no 'descr'/);
    expectLeft(loadFeaturesNpy(npy("{'descr': '<f4', 'shape': (1, 1), }", f32([1])), LAB), 'syntax', /no 'fortran_order'/);
    expectLeft(loadFeaturesNpy(npy("{'descr': '<f4', 'fortran_order': False, }", f32([1])), LAB), 'syntax', /no 'shape'/);
    expectLeft(loadFeaturesNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }", f32([1])), LAB), 'syntax', /bad shape entry "-2"/);
  });
  test('unknown or unsupported dtypes', () => {
    expectLeft(loadFeaturesNpy(npy(dict('<c8', [4, 3]), new Uint8Array(96)), LAB), 'dtype', /unsupported dtype "<c8"/);
    expectLeft(loadFeaturesNpy(npy(dict('<U3', [4, 3]), new Uint8Array(144)), LAB), 'dtype', /unsupported dtype "<U3"/);
    expectLeft(loadFeaturesNpy(npy(dict('<f2', [4, 3]), new Uint8Array(24)), LAB), 'dtype', /unsupported dtype "<f2"/);
    expectLeft(loadFeaturesNpy(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", f32([1, 2, 3, 4])), LAB), 'dtype', /structured/);
    expectLeft(
      loadFeaturesNpy(npy(dict('<i4', [4, 3]), i32(X.flat().map(Math.round))), LAB),
      'dtype',
      /features have dtype int32; expected float32 or float64/,
    );
    expectLeft(loadFeaturesNpy(FEAT, npy(dict('<f8', [4]), f64(Y))), 'dtype', /labels have dtype float64; expected an integer dtype/);
  });
  test('Fortran order for a 2-D array (hand-built and written by NumPy)', () => {
    expectLeft(loadFeaturesNpy(npy(dict('<f4', [4, 3], true), f32(X.flat())), LAB), 'dtype', /Fortran \(column-major\) order is not supported/);
    expectLeft(loadFeaturesNpy(fixture('features-fortran.npy'), LAB), 'dtype', /Fortran/);
  });
  test('data length does not match the shape', () => {
    expectLeft(
      loadFeaturesNpy(npy(dict('<f4', [4, 3]), f32(X.flat().slice(0, 11))), LAB),
      'shape',
      /needs 48 data bytes but the file has 44 \(truncated file\)/,
    );
    expectLeft(loadFeaturesNpy(npy(dict('<f4', [4, 3]), f32([...X.flat(), 1])), LAB), 'shape', /trailing bytes/);
  });
  test('wrong ranks and lengths', () => {
    expectLeft(loadFeaturesNpy(npy(dict('<f4', [12]), f32(X.flat())), LAB), 'shape', /features have shape \(12\); expected a 2-D/);
    expectLeft(loadFeaturesNpy(npy(dict('<f4', [2, 2, 3]), f32(X.flat())), LAB), 'shape', /expected a 2-D/);
    expectLeft(loadFeaturesNpy(FEAT, npy(dict('<i8', [2, 2]), i64(Y))), 'shape', /labels have shape \(2, 2\); expected a 1-D/);
    expectLeft(loadFeaturesNpy(FEAT, npy(dict('<i8', [3]), i64([0, 1, 2]))), 'shape', /3 labels for 4 feature rows/);
  });
  test('empty data', () => {
    expectLeft(loadFeaturesNpy(npy(dict('<f4', [0, 3]), new Uint8Array(0)), npy(dict('<i8', [0]), new Uint8Array(0))), 'empty', /shape \(0, 3\)/);
    expectLeft(loadFeaturesNpy(npy(dict('<f4', [4, 0]), new Uint8Array(0)), LAB), 'empty', /at least one row and one column/);
  });
  test('NaN, infinite, or float32-overflowing features', () => {
    const bad = X.flat();
    bad[4] = NaN;
    expectLeft(loadFeaturesNpy(npy(dict('<f4', [4, 3]), f32(bad)), LAB), 'nonFinite', /NaN at row 1, column 1 is not finite/);
    bad[4] = -Infinity;
    expectLeft(loadFeaturesNpy(npy(dict('<f8', [4, 3]), f64(bad)), LAB), 'nonFinite', /-Infinity at row 1, column 1/);
    bad[4] = 1e300;
    expectLeft(loadFeaturesNpy(npy(dict('<f8', [4, 3]), f64(bad)), LAB), 'nonFinite', /overflows float32/);
    expect(E.isRight(loadFeaturesNpy(npy(dict('<f8', [4, 3]), f64(bad)), LAB, { dtype: 'float64' }))).toBe(true);
  });
  test('missing, negative or oversized labels', () => {
    expectLeft(loadFeaturesNpy(FEAT, undefined as unknown as Uint8Array), 'labels', /missing labels/);
    expectLeft(loadFeaturesNpy(FEAT, npy(dict('<i8', [4]), i64([0, -3, 1, 2]))), 'labels', /label -3 at labels\[1\] is negative/);
    expectLeft(loadFeaturesNpy(FEAT, npy(dict('<i8', [4]), i64([0, 2 ** 31, 1, 2]))), 'labels', /does not fit in an int32/);
    expectLeft(loadFeaturesNpy(FEAT, npy(dict('<i8', [4]), i64([0, 2n ** 60n, 1, 2]))), 'dtype', /beyond ±2\^53/);
  });
  test('not bytes / a bad output dtype', () => {
    expectLeft(loadFeaturesNpy('abc' as unknown as Uint8Array, LAB), 'syntax', /Uint8Array/);
    expectLeft(loadFeaturesNpy(FEAT, LAB, { dtype: 'int32' as never }), 'dtype', /unsupported output dtype "int32"/);
  });
});

// ------------------------------------------------------------ CSV

describe('CSV: valid input', () => {
  test('with a header (auto-detected), from the fixture', () => {
    expectFixture(right(parseFeaturesCsv(fixtureText('features.csv'))));
  });
  test('without a header, CRLF line ends, blank lines, quoted fields, spaces', () => {
    const text = '\r\n 0.5, -1.25 ,3,0\r\n"0.001",2.5,-0.75,2\r\n\r\n4,0,1.5,1\n-2,0.125,7.25,"2"\n\n';
    expectFixture(right(parseFeaturesCsv(text)));
  });
  test('exponents, integral-float labels and float64 output', () => {
    const r = right(parseFeaturesCsv('1e-3,2.5E+1,3\n.5,-0.,4.0\n', { dtype: 'float64' }));
    expect(toNested(r.x)).toEqual([
      [0.001, 25],
      [0.5, -0],
    ]);
    expect(Array.from(r.labels)).toEqual([3, 4]);
  });
  test('header detection: names are a header, numeric names need header: true', () => {
    expect(E.isRight(parseFeaturesCsv(',f1,label\n1,2,0\n'))).toBe(true);
    expectLeft(parseFeaturesCsv('0,1,label\n1,2,0\n'), 'labels', /label "label" at line 1.*pass header: true/);
    expect(toNested(right(parseFeaturesCsv('0,1,label\n1,2,0\n', { header: true })).x)).toEqual([[1, 2]]);
  });
  test('a tab delimiter and an explicit header flag', () => {
    expectFixture(right(parseFeaturesCsv(fixtureText('features.tsv'), { delimiter: '\t', header: false })));
    // header: true drops a numeric first line
    const r = right(parseFeaturesCsv('9,9,9\n1,2,0\n', { header: true }));
    expect(toNested(r.x)).toEqual([[1, 2]]);
  });
});

describe('CSV: malformed input → Left with a message', () => {
  test('empty data', () => {
    expectLeft(parseFeaturesCsv(''), 'empty', /no data/);
    expectLeft(parseFeaturesCsv('\n \n'), 'empty', /no data/);
    expectLeft(parseFeaturesCsv('a,b,label\n'), 'empty', /no data rows after the header \(line 1\)/);
  });
  test('ragged rows', () => {
    expectLeft(parseFeaturesCsv('1,2,0\n3,4,5,1\n'), 'shape', /ragged rows: line 2 has 4 columns but line 1 has 3/);
    expectLeft(parseFeaturesCsv('x,y,label\n1,2\n'), 'shape', /header \(line 1\) has 3 columns but line 2 has 2/);
  });
  test('a single column: no room for both features and a label', () => {
    expectLeft(parseFeaturesCsv('1\n2\n'), 'shape', /expected at least 2 \(features…, label\)/);
  });
  test('non-numeric and empty feature fields', () => {
    expectLeft(parseFeaturesCsv('1,2,0\n3,abc,1\n'), 'syntax', /"abc" at line 2, column 2 is not a number/);
    expectLeft(parseFeaturesCsv('1,2,0\n0x10,1,1\n'), 'syntax', /"0x10" at line 2, column 1/);
    expectLeft(parseFeaturesCsv('1,,0\n'), 'syntax', /empty feature field at line 1, column 2/);
  });
  test('NaN and infinities (written out or by overflow)', () => {
    expectLeft(parseFeaturesCsv('1,NaN,0\n'), 'nonFinite', /NaN at line 1, column 2 is not finite/);
    expectLeft(parseFeaturesCsv('1,2,0\n-inf,2,1\n'), 'nonFinite', /-inf at line 2, column 1/);
    expectLeft(parseFeaturesCsv('Infinity,2,0\n'), 'nonFinite', /Infinity at line 1, column 1/);
    expectLeft(parseFeaturesCsv('1e999,2,0\n'), 'nonFinite', /Infinity at line 1, column 1/);
    expectLeft(parseFeaturesCsv('1e39,2,0\n'), 'nonFinite', /overflows float32/);
  });
  test('missing, non-numeric, non-integer and negative labels', () => {
    expectLeft(parseFeaturesCsv('1,2,0\n3,4,\n'), 'labels', /missing label at line 2/);
    expectLeft(parseFeaturesCsv('1,2,cat\n'), 'labels', /label "cat" at line 1, column 3 is not a number.*pass header: true/);
    expectLeft(parseFeaturesCsv('1,2,0\n3,4,1.5\n'), 'labels', /label 1.5 at line 2, column 3 is not an integer/);
    expectLeft(parseFeaturesCsv('1,2,-1\n'), 'labels', /label -1 at line 1, column 3 is negative/);
    expectLeft(parseFeaturesCsv('1,2,3e10\n'), 'labels', /does not fit in an int32/);
  });
  test('not a string / bad options', () => {
    expectLeft(parseFeaturesCsv(42 as unknown as string), 'syntax', /expected the CSV text as a string/);
    expectLeft(parseFeaturesCsv('1,0', { delimiter: '' }), 'syntax', /delimiter/);
  });
});

// ------------------------------------------------------------ JSON

describe('JSON: valid input', () => {
  test('the fixture', () => {
    expectFixture(right(parseFeaturesJson(fixtureText('features.json'))));
  });
  test('float64 output keeps full precision', () => {
    const r = right(parseFeaturesJson('{"features": [[0.1, 1e-300]], "labels": [7]}', { dtype: 'float64' }));
    expect(toArray(r.x)).toEqual([0.1, 1e-300]);
  });
});

describe('JSON: malformed input → Left with a message', () => {
  test('invalid JSON or wrong top level', () => {
    expectLeft(parseFeaturesJson('{"features": [[1, 2]], '), 'syntax', /invalid JSON/);
    expectLeft(parseFeaturesJson('[[1, 2]]'), 'syntax', /expected an object.*got an array/);
    expectLeft(parseFeaturesJson('null'), 'syntax', /got null/);
  });
  test('missing or wrong features', () => {
    expectLeft(parseFeaturesJson('{"labels": [0]}'), 'syntax', /missing "features"/);
    expectLeft(parseFeaturesJson('{"features": "1,2", "labels": [0]}'), 'syntax', /"features" is the string "1,2"/);
    expectLeft(parseFeaturesJson('{"features": [1, 2], "labels": [0, 1]}'), 'shape', /features\[0\] is number; expected a row/);
  });
  test('empty data', () => {
    expectLeft(parseFeaturesJson('{"features": [], "labels": []}'), 'empty', /no rows/);
    expectLeft(parseFeaturesJson('{"features": [[]], "labels": [0]}'), 'empty', /features\[0\] is empty/);
  });
  test('ragged rows and non-number values', () => {
    expectLeft(parseFeaturesJson('{"features": [[1, 2], [3]], "labels": [0, 1]}'), 'shape', /ragged rows: features\[1\] has 1 values but features\[0\] has 2/);
    expectLeft(parseFeaturesJson('{"features": [[1, 2], 3], "labels": [0, 1]}'), 'shape', /features\[1\] is number/);
    expectLeft(parseFeaturesJson('{"features": [[1, "2"]], "labels": [0]}'), 'syntax', /features\[0\]\[1\] is the string "2"; expected a number/);
  });
  test('NaN / Infinity (null in JSON, or overflow)', () => {
    expectLeft(parseFeaturesJson(JSON.stringify({ features: [[1, NaN]], labels: [0] })), 'nonFinite', /features\[0\]\[1\] is null \(JSON.stringify writes NaN/);
    expectLeft(parseFeaturesJson('{"features": [[1e999, 1]], "labels": [0]}'), 'nonFinite', /Infinity at features\[0\]\[0\] is not finite/);
  });
  test('missing, mismatched, non-integer and negative labels', () => {
    expectLeft(parseFeaturesJson('{"features": [[1, 2]]}'), 'labels', /missing "labels"/);
    expectLeft(parseFeaturesJson('{"features": [[1, 2]], "labels": 0}'), 'labels', /"labels" is number/);
    expectLeft(parseFeaturesJson('{"features": [[1, 2], [3, 4]], "labels": [0]}'), 'shape', /1 labels for 2 feature rows/);
    expectLeft(parseFeaturesJson('{"features": [[1, 2]], "labels": [null]}'), 'labels', /labels\[0\] is null/);
    expectLeft(parseFeaturesJson('{"features": [[1, 2]], "labels": [2.5]}'), 'labels', /label 2.5 at labels\[0\] is not an integer/);
    expectLeft(parseFeaturesJson('{"features": [[1, 2]], "labels": [-2]}'), 'labels', /is negative/);
  });
});

describe('loadFeatures dispatches on the text', () => {
  test('JSON when the text starts with {, CSV otherwise; an explicit format wins', () => {
    expectFixture(right(loadFeatures(fixtureText('features.json'))));
    expectFixture(right(loadFeatures(fixtureText('features.csv'))));
    expectLeft(loadFeatures(fixtureText('features.json'), { format: 'csv' }), 'syntax', /is not a number/);
    expectLeft(loadFeatures('1,2', { format: 'xml' as never }), 'syntax', /unknown format "xml"/);
    expectLeft(loadFeatures(undefined as unknown as string), 'syntax', /expected the file's text as a string/);
  });
  test('a Left is a throwable, typed error', () => {
    const r = loadFeatures('');
    expect(E.isLeft(r) && r.left).toBeInstanceOf(Error);
    expect(E.isLeft(r) && r.left.name).toBe('FeatureLoadError');
  });
});
