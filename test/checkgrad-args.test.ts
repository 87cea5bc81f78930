/**
 * checkGrad with non-differentiable extra arguments (labels, options, index
 * arrays): they pass through unchanged and are not checked by default; errors
 * name checkGrad (issue 16: a labels argument with argnums [0, 1] used to fail
 * with an error naming treeMap).
 */
import { describe, expect, it } from 'vitest';
import * as g from '../lib/index.ts';
import type { Tensor } from '../lib/index.ts';

const loss = (x: Tensor, w: Tensor, labels: readonly number[], opts: { scale: number }): Tensor => g.mul(g.crossEntropy(g.matmul(x, w), labels), opts.scale);

describe('checkGrad with extra arguments', () => {
  const x = g.tensor(
    [
      [0.3, -1.2],
      [0.8, 0.1],
      [-0.5, 0.7],
    ],
    undefined,
    'float64',
  );
  const w = g.tensor(
    [
      [0.2, -0.4, 1.1],
      [0.9, 0.05, -0.3],
    ],
    undefined,
    'float64',
  );

  it('checks only the tensor arguments by default and passes labels / options unchanged', () => {
    const r = g.checkGrad(loss, [x, w, [0, 2, 1], { scale: 2 }]);
    expect(r.ok, r.message).toBe(true);
    expect(r.worst).toBeLessThan(1);
  });

  it('finds a wrong gradient through the extra arguments (the check can fail)', () => {
    const wrong = g.customGrad(
      (a: Tensor) => g.mul(a, 3),
      (gg) => [g.mul(gg, 2)],
      'wrong',
    );
    const r = g.checkGrad((a: Tensor, labels: Int32Array) => g.crossEntropy(wrong(a), labels), [g.matmul(x, w), Int32Array.from([1, 0, 2])]);
    expect(r.ok).toBe(false);
    expect(r.mismatches.length).toBeGreaterThan(0);
    expect(r.mismatches.every((m) => m.arg === 0)).toBe(true);
  });

  it('argnums selects among the tensor arguments', () => {
    const r = g.checkGrad(loss, [x, w, [0, 2, 1], { scale: 1 }], { argnums: [1] });
    expect(r.ok, r.message).toBe(true);
    expect(r.mismatches).toEqual([]);
  });

  it('a non-tensor argument in argnums is an ArgumentError naming checkGrad, not treeMap', () => {
    let err: unknown;
    try {
      g.checkGrad(loss, [x, w, [0, 2, 1], { scale: 1 }], { argnums: [0, 2] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(g.ArgumentError);
    expect((err as Error).message).toMatch(/^checkGrad: argument 2 \(in argnums\)/);
    expect((err as Error).message).not.toMatch(/treeMap/);
    expect(() => g.checkGrad(loss, [x, w, [0, 2, 1], { scale: 1 }], { argnums: [7] })).toThrow(/checkGrad: option argnums/);
  });

  it('never passes vacuously: nothing to check, an empty argnums, or a tree mixing tensors with numbers is an error', () => {
    const f = (p: { w: Tensor; scale: number }): Tensor => g.sum(g.mul(p.w, p.scale));
    // a params tree with a number in it used to be skipped silently: ok true, nothing checked
    expect(() => g.checkGrad(f, [{ w, scale: 2 }])).toThrow(g.ArgumentError);
    expect(() => g.checkGrad(f, [{ w, scale: 2 }])).toThrow(/^checkGrad: argument 0 mixes tensors with other values/);
    expect(() => g.checkGrad((a: number[]) => g.scalar(a.length), [[1, 2]])).toThrow(/^checkGrad: no argument holds a tensor/);
    expect(() => g.checkGrad((a: Tensor) => g.sum(a), [x], { argnums: [] })).toThrow(g.ValueError);
    expect(() => g.checkGrad((a: Tensor) => g.sum(a), [x], { argnums: [] })).toThrow(/^checkGrad: option argnums is empty/);
    // the same tree without the number is checked, and a wrong gradient inside it is found
    const wrong = g.customGrad(
      (a: Tensor) => g.mul(a, 3),
      (gg) => [g.mul(gg, 2)],
      'wrong',
    );
    const r = g.checkGrad((p: { w: Tensor }) => g.sum(wrong(p.w)), [{ w }]);
    expect(r.ok).toBe(false);
    expect(r.mismatches.length).toBe(w.size);
  });
});
