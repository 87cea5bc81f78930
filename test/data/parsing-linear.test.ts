/**
 * Number parsing in linear time and loaders that never throw or reject on their options (issue 15,
 * categories 9 and 5).
 *
 * The CSV parser's number regex /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/ backtracked quadratically
 * on a long run of digits ending in a non-digit (4 s at 24k characters, 20 s at 48k, minutes at
 * 100 kB); `isDecimalNumber` scans once. A multi-megabyte malformed line must now give `Left` well
 * under a second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { FeatureLoadError, loadFeatures, loadFeaturesFile, loadFeaturesNpy, parseFeaturesCsv, parseFeaturesJson } from '../../lib/data/index.ts';
import { isDecimalNumber } from '../../lib/data/features.ts';

const OLD_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

describe('isDecimalNumber', () => {
  test.prop([fc.string({ unit: fc.constantFrom('0', '7', '.', 'e', 'E', '+', '-', 'x', ' ', '9'), maxLength: 12 })], { numRuns: 2000 })(
    'accepts exactly what the former regular expression accepted',
    (s) => {
      expect(isDecimalNumber(s), JSON.stringify(s)).toBe(OLD_RE.test(s));
    },
  );

  it('examples', () => {
    for (const s of ['0', '-1', '+2.', '.5', '1e5', '1.5E-3', '-.5e+2', '007']) expect(isDecimalNumber(s), s).toBe(true);
    for (const s of ['', '+', '.', 'e5', '1e', '1e+', '1.2.3', '1 ', ' 1', '0x10', 'NaN', '1_000', '١']) expect(isDecimalNumber(s), s).toBe(false);
  });
});

describe('linear-time parsing of long malformed fields', () => {
  // long runs of digits that end in something else: the shapes that made the regex backtrack
  const longFields = (n: number): string[] => [
    '1'.repeat(n) + 'x',
    '1'.repeat(n) + '.' + '2'.repeat(n) + 'e',
    '-' + '9'.repeat(n) + 'e+',
    '.' + '5'.repeat(n) + '..',
  ];

  it('a 4 MB malformed feature field: Left in well under a second', () => {
    for (const f of longFields(1 << 20)) {
      const text = `${f},1,0\n1,2,1\n`;
      const t0 = performance.now();
      const r = loadFeatures(text);
      const ms = performance.now() - t0;
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) expect(r.left.kind).toBe('syntax');
      expect(ms, `${ms.toFixed(0)} ms for a ${f.length}-character field`).toBeLessThan(500);
    }
  });

  it('a 4 MB malformed label, and a 4 MB header-like first line: Left quickly', () => {
    for (const text of [`1,2,${'3'.repeat(1 << 22)}z\n`, `${'1'.repeat(1 << 22)}y,2,3\n1,2,0\n`]) {
      const t0 = performance.now();
      const r = parseFeaturesCsv(text, { header: false });
      expect(E.isLeft(r)).toBe(true);
      expect(performance.now() - t0).toBeLessThan(500);
    }
  });

  it('a 4 MB valid number still parses (to its value)', () => {
    const r = loadFeatures(`${'1'.repeat(1 << 22)},0\n`, { dtype: 'float64' });
    expect(E.isLeft(r)).toBe(true); // 10^(4M) overflows: a 'nonFinite' Left, not a hang
    if (E.isLeft(r)) expect(r.left.kind).toBe('nonFinite');
    const ok = loadFeatures(`0.${'1'.repeat(1 << 20)},0\n`, { dtype: 'float64' });
    expect(E.isRight(ok)).toBe(true);
  });
});

describe('loaders given null or non-object options return Left (never throw or reject)', () => {
  const bad = [null, 5, 'csv', [1]] as unknown[];

  it('loadFeatures, parseFeaturesCsv, parseFeaturesJson, loadFeaturesNpy', () => {
    for (const o of bad) {
      for (const r of [
        loadFeatures('1,2,0\n', o as never),
        parseFeaturesCsv('1,2,0\n', o as never),
        parseFeaturesJson('{"features":[[1]],"labels":[0]}', o as never),
        loadFeaturesNpy(new Uint8Array(0), new Uint8Array(0), o as never),
      ]) {
        expect(E.isLeft(r)).toBe(true);
        if (E.isLeft(r)) {
          expect(r.left).toBeInstanceOf(FeatureLoadError);
          expect(r.left.message).toMatch(/options must be an object/);
        }
      }
    }
  });

  it('loadFeaturesFile(path, null) resolves to Left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gyrograd-features-'));
    try {
      const file = join(dir, 'f.csv');
      writeFileSync(file, '1,2,0\n3,4,1\n');
      for (const o of bad) {
        const r = await loadFeaturesFile(file, o as never);
        expect(E.isLeft(r)).toBe(true);
        if (E.isLeft(r)) expect(r.left.message).toMatch(/^loadFeaturesFile: options must be an object/);
      }
      expect(E.isRight(await loadFeaturesFile(file))).toBe(true);
      expect(E.isRight(await loadFeaturesFile(file, undefined))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
