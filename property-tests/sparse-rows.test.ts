/**
 * Row updates of immutable tables (issue 14): `TensorData.withRows` gives a
 * new version of a table with some rows replaced in O(rows), sharing one
 * buffer between versions (Baker's persistent arrays). Every version must
 * keep its values whatever order versions are made and read in (reads of an
 * old version reroot the buffer); the row-sparse data of `take`'s gradient
 * must read as its dense scatter.
 */
import { describe, expect, it } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';
import { replaceRows } from '../lib/optim/sparse.ts';
import { coalesce, rowSparse, rowSparseOf } from '../lib/tensor/row-sparse.ts';
import { dataRef } from '../lib/tensor/tensor.ts';

/** a script: each step derives a new version from an existing one, or reads one */
const stepArb = (rows: number) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('update' as const),
      from: fc.nat(),
      rows: fc.uniqueArray(fc.integer({ min: 0, max: rows - 1 }), { minLength: 0, maxLength: rows }),
      value: fc.integer({ min: -50, max: 50 }),
    }),
    fc.record({ kind: fc.constant('read' as const), which: fc.nat() }),
  );

describe('replaceRows: persistent versions of a table', () => {
  test.prop(
    [
      fc
        .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom('float32' as const, 'float64' as const))
        .chain(([n, d, dt]) => fc.tuple(fc.constant(n), fc.constant(d), fc.constant(dt), fc.array(stepArb(n), { minLength: 1, maxLength: 30 }))),
    ],
    { numRuns: 300 },
  )('every version keeps its values, whatever the order of updates and reads', ([n, d, dtype, script]) => {
    const start = Array.from({ length: n * d }, (_, i) => i + 1);
    const versions: Tensor[] = [g.tensor(start, [n, d], dtype)];
    const expected: number[][] = [start];
    const check = (k: number) => expect(g.toArray(versions[k]), `version ${k}`).toEqual(expected[k]);
    for (const s of script) {
      if (s.kind === 'read') {
        check(s.which % versions.length);
        continue;
      }
      const from = s.from % versions.length;
      const idx = Int32Array.from(s.rows);
      const rows = g.tensor(
        s.rows.flatMap((r) => Array.from({ length: d }, (_, j) => s.value * 100 + r * d + j)),
        [s.rows.length, d],
        dtype,
      );
      versions.push(replaceRows(versions[from], idx, rows));
      const e = expected[from].slice();
      s.rows.forEach((r) => {
        for (let j = 0; j < d; j++) e[r * d + j] = s.value * 100 + r * d + j;
      });
      expected.push(e);
    }
    // every version, newest first and then oldest first
    for (let k = versions.length - 1; k >= 0; k--) check(k);
    for (let k = 0; k < versions.length; k++) check(k);
  });

  it('O(rows), not O(table): from the second update on, the new version takes over the buffer (no copy)', () => {
    const x0 = g.tensor(
      Array.from({ length: 40 }, (_, i) => i),
      [20, 2],
      'float64',
    );
    const x1 = replaceRows(x0, Int32Array.from([3]), g.tensor([[-1, -1]], undefined, 'float64'));
    const buf1 = dataRef(x1).host();
    expect(dataRef(x0).host()).not.toBe(buf1); // the first update copies a table it does not own
    const x2 = replaceRows(
      x1,
      Int32Array.from([5, 7]),
      g.tensor(
        [
          [-2, -2],
          [-3, -3],
        ],
        undefined,
        'float64',
      ),
    );
    expect(dataRef(x2).host()).toBe(buf1); // the second one writes 2 rows into the same buffer
    expect(g.toArray(x1)[10]).toBe(10); // and x1 still reads its own values (rerooted)
    expect(g.toArray(x2)[10]).toBe(-2);
  });

  it('the old table is not changed by an update (public optimizer, repeated in a loop)', () => {
    const x0 = g.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      undefined,
      'float64',
    );
    const opt = g.sgd({ lr: 1 });
    let x = x0;
    let s = opt.init(x);
    const seen: Tensor[] = [];
    for (let t = 0; t < 5; t++) {
      const gr = g.grad((u: Tensor) => g.sum(g.take(u, [t % 3])))(x);
      [x, s] = opt.update(gr, s, x);
      seen.push(x);
    }
    expect(g.toArray(x0)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.map((v) => g.toArray(v))).toEqual([
      [0, 1, 3, 4, 5, 6],
      [0, 1, 2, 3, 5, 6],
      [0, 1, 2, 3, 4, 5],
      [-1, 0, 2, 3, 4, 5],
      [-1, 0, 1, 2, 4, 5],
    ]);
    expect(g.toArray(x)).toEqual([-1, 0, 1, 2, 4, 5]);
  });
});

describe('row-sparse data', () => {
  test.prop([
    fc
      .integer({ min: 1, max: 6 })
      .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 10 }), fc.integer({ min: 1, max: 3 }))),
  ])('reads as its scatter; coalesce sums repeats into distinct ascending rows', ([n, idx, d]) => {
    const rows = g.tensor(
      idx.flatMap((_, i) => Array.from({ length: d }, (_, j) => i * 10 + j + 0.5)),
      [idx.length, d],
      'float64',
    );
    const t = rowSparse([n, d], Int32Array.from(idx), rows);
    const want = new Array(n * d).fill(0);
    idx.forEach((r, i) => {
      for (let j = 0; j < d; j++) want[r * d + j] += i * 10 + j + 0.5;
    });
    const c = coalesce(rowSparseOf(t)!);
    expect(Array.from(c.indices)).toEqual([...new Set(idx)].sort((a, b) => a - b));
    const fromC = new Array(n * d).fill(0);
    const cr = g.toArray(c.rows);
    c.indices.forEach((r, i) => {
      for (let j = 0; j < d; j++) fromC[r * d + j] = cr[i * d + j];
    });
    expect(fromC).toEqual(want);
    expect(g.toArray(t)).toEqual(want);
  });
});
