/**
 * The Node file loader: dispatch on the extension, `.npy` pairs, and `Left`
 * errors (never a rejected promise) for unreadable files, unknown types and a
 * missing labels file.
 */
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/Either';
import { describe, expect, test } from 'vitest';
import { toArray } from '../../lib/index.ts';
import { loadFeaturesFile, type FeatureSet } from '../../lib/data/index.ts';

const path = (name: string): string => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));
const X = [0.5, -1.25, 3.0, 1e-3, 2.5, -0.75, 4.0, 0.0, 1.5, -2.0, 0.125, 7.25].map(Math.fround);
const Y = [0, 2, 1, 2];

function check(r: E.Either<Error, FeatureSet>): void {
  if (E.isLeft(r)) throw new Error(`expected Right, got Left: ${r.left.message}`);
  expect(r.right.x.shape).toEqual([4, 3]);
  expect(toArray(r.right.x)).toEqual(X);
  expect(Array.from(r.right.labels)).toEqual(Y);
}

describe('loadFeaturesFile', () => {
  test('.csv, .tsv, .json and a .npy pair', async () => {
    check(await loadFeaturesFile(path('features.csv')));
    check(await loadFeaturesFile(path('features.tsv')));
    check(await loadFeaturesFile(path('features.json')));
    check(await loadFeaturesFile(path('features.npy'), { labelsPath: path('labels.npy') }));
  });
  test('options reach the parser', async () => {
    const r = await loadFeaturesFile(path('features.json'), { dtype: 'float64' });
    expect(E.isRight(r) && r.right.x.dtype).toBe('float64');
  });
  test('a missing file → Left io', async () => {
    const r = await loadFeaturesFile(path('no-such-file.csv'));
    expect(E.isLeft(r) && r.left.kind).toBe('io');
    expect(E.isLeft(r) && r.left.message).toMatch(/cannot read ".*no-such-file\.csv": ENOENT/);
    const l = await loadFeaturesFile(path('features.npy'), { labelsPath: path('no-labels.npy') });
    expect(E.isLeft(l) && l.left.message).toMatch(/no-labels\.npy/);
  });
  test('a .npy without labelsPath → Left labels', async () => {
    const r = await loadFeaturesFile(path('features.npy'));
    expect(E.isLeft(r) && r.left.kind).toBe('labels');
    expect(E.isLeft(r) && r.left.message).toMatch(/missing labels.*options\.labelsPath/);
  });
  test('an unknown extension or an empty path → Left', async () => {
    const r = await loadFeaturesFile(path('make_fixtures.py'));
    expect(E.isLeft(r) && r.left.message).toMatch(/unknown file type.*expected a \.csv, \.tsv, \.json or \.npy/);
    const e = await loadFeaturesFile('');
    expect(E.isLeft(e) && e.left.kind).toBe('io');
  });
  test('parse errors come through', async () => {
    const r = await loadFeaturesFile(path('features.npy'), { labelsPath: path('features.npy') });
    expect(E.isLeft(r) && r.left.message).toMatch(/labels have dtype float32; expected an integer dtype/);
  });
});
