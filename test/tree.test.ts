/**
 * Parameter trees (treeLeaves / treeMap / treeUnflatten / sameStructure) and
 * how `grad`, `valueAndGrad`, `vjp` and `stopGradient` treat tree arguments.
 * Expected gradients are derived by hand in the comments.
 */
import { describe, expect, test } from 'vitest';
import {
  ArgumentError,
  Tensor,
  add,
  grad,
  isTensor,
  mul,
  sameStructure,
  scalar,
  square,
  stopGradient,
  sub,
  sum,
  tensor,
  toArray,
  toNested,
  treeLeaves,
  treeMap,
  treeUnflatten,
  valueAndGrad,
  vjp,
  item,
  type Tree,
} from '../lib/index.ts';

const t = (v: number[]): Tensor => tensor(v, undefined, 'float64');

function expectClose(actual: Tensor, expected: number[], tol = 1e-12): void {
  const a = toArray(actual);
  expect(a).toHaveLength(expected.length);
  a.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]))));
}

describe('treeLeaves', () => {
  test('a single tensor is its only leaf', () => {
    const a = t([1]);
    expect(treeLeaves(a)).toEqual([a]);
    expect(treeLeaves(a)[0]).toBe(a);
  });

  test('object keys are visited in sorted order regardless of insertion order', () => {
    const a = t([1]);
    const b = t([2]);
    const c = t([3]);
    const leaves = treeLeaves({ zeta: c, alpha: a, mid: b });
    expect(leaves[0]).toBe(a);
    expect(leaves[1]).toBe(b);
    expect(leaves[2]).toBe(c);
    // Same keys inserted in another order flatten identically.
    const again = treeLeaves({ mid: b, zeta: c, alpha: a });
    expect(again.map((x, i) => x === leaves[i])).toEqual([true, true, true]);
  });

  test('arrays keep their order; nesting is visited depth first', () => {
    const ts = [0, 1, 2, 3, 4, 5].map((i) => t([i]));
    const tree = { b: [ts[3], { y: ts[5], x: ts[4] }], a: [ts[0], [ts[1], ts[2]]] };
    expect(treeLeaves(tree).map((x) => toArray(x)[0])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('empty containers have no leaves', () => {
    expect(treeLeaves([])).toEqual([]);
    expect(treeLeaves({})).toEqual([]);
    expect(treeLeaves({ a: [], b: {} })).toEqual([]);
  });

  test('a null-prototype object is accepted as a plain object', () => {
    const o = Object.create(null) as Record<string, Tensor>;
    o.b = t([2]);
    o.a = t([1]);
    expect(treeLeaves(o).map((x) => toArray(x)[0])).toEqual([1, 2]);
  });

  test('non-tensor leaves are rejected with an ArgumentError naming the path', () => {
    expect(() => treeLeaves({ a: t([1]), b: 3 } as unknown as Tree)).toThrow(ArgumentError);
    expect(() => treeLeaves({ a: t([1]), b: 3 } as unknown as Tree)).toThrow(/\.b.*number/);
    expect(() => treeLeaves([t([1]), [null]] as unknown as Tree)).toThrow(/\[1\]\[0\].*null/);
    expect(() => treeLeaves(new Map() as unknown as Tree)).toThrow(ArgumentError);
    expect(() => treeLeaves(5 as unknown as Tree)).toThrow(/root/);
  });
});

describe('treeMap', () => {
  test('maps one tree, keeping its structure (a new tree, input untouched)', () => {
    const tree = { w: t([1, 2]), layers: [t([3]), { b: t([4, 5]) }] };
    const out = treeMap((x) => mul(x, 10), tree);
    expect(sameStructure(out, tree)).toBe(true);
    expect(toArray(out.w)).toEqual([10, 20]);
    expect(toArray(out.layers[0] as Tensor)).toEqual([30]);
    expect(toArray((out.layers[1] as { b: Tensor }).b)).toEqual([40, 50]);
    expect(toArray(tree.w)).toEqual([1, 2]);
    expect(out).not.toBe(tree);
  });

  test('maps several trees of the same structure together', () => {
    const p = { a: t([1, 2]), b: [t([3])] };
    const g = { a: t([10, 20]), b: [t([30])] };
    const m = { b: [t([0.5])], a: t([1, 1]) }; // other insertion order: still the same structure
    const out = treeMap((x, y, z) => add(x, mul(y, z)), p, g, m);
    expect(toArray(out.a)).toEqual([11, 22]);
    expect(toArray(out.b[0] as Tensor)).toEqual([18]);
  });

  test('a single tensor maps to a tensor', () => {
    const out = treeMap((x) => add(x, 1), t([1, 2]));
    expect(isTensor(out)).toBe(true);
    expect(toArray(out)).toEqual([2, 3]);
  });

  test('the function is called once per leaf, in leaf order', () => {
    const seen: number[] = [];
    treeMap(
      (x) => {
        seen.push(toArray(x)[0]);
        return x;
      },
      { c: t([3]), a: t([1]), b: [t([2]), t([2.5])] },
    );
    expect(seen).toEqual([1, 2, 2.5, 3]);
  });

  test('structure mismatch throws an ArgumentError', () => {
    const a = { x: t([1]), y: t([2]) };
    expect(() => treeMap((u, v) => add(u, v), a, { x: t([1]), z: t([2]) } as unknown as typeof a)).toThrow(ArgumentError);
    expect(() => treeMap((u, v) => add(u, v), a, { x: t([1]) } as unknown as typeof a)).toThrow(/structure/);
    expect(() => treeMap((u, v) => add(u, v), [t([1]), t([2])], [t([1])])).toThrow(ArgumentError);
    // same number of leaves but different nesting
    expect(() => treeMap((u, v) => add(u, v), [t([1]), t([2])] as Tree, [[t([1]), t([2])]] as Tree)).toThrow(ArgumentError);
    expect(() => treeMap((u, v) => add(u, v), a as Tree, [t([1]), t([2])] as Tree)).toThrow(ArgumentError);
  });
});

describe('treeUnflatten', () => {
  test('rebuilds the structure from leaves in treeLeaves order', () => {
    const tree = { b: [t([0]), t([0])], a: t([0]) };
    const leaves = [t([1]), t([2]), t([3])];
    const out = treeUnflatten(tree, leaves);
    // sorted keys: a first, then b[0], b[1]
    expect(out.a).toBe(leaves[0]);
    expect(out.b[0]).toBe(leaves[1]);
    expect(out.b[1]).toBe(leaves[2]);
  });

  test('round trip: treeUnflatten(tree, treeLeaves(tree)) has the same leaves', () => {
    const tree = { p: [t([1]), { q: t([2]), r: [t([3])] }], s: t([4]) };
    const back = treeUnflatten(tree, treeLeaves(tree));
    expect(sameStructure(back, tree)).toBe(true);
    const l1 = treeLeaves(back);
    const l0 = treeLeaves(tree);
    l0.forEach((x, i) => expect(l1[i]).toBe(x));
  });

  test('a tensor tree unflattens to the single leaf', () => {
    const x = t([7]);
    expect(treeUnflatten(t([0]), [x])).toBe(x);
  });

  test('too few or too many leaves throw an ArgumentError', () => {
    const tree = [t([1]), t([2])];
    expect(() => treeUnflatten(tree, [t([1])])).toThrow(ArgumentError);
    expect(() => treeUnflatten(tree, [t([1]), t([2]), t([3])])).toThrow(ArgumentError);
    expect(() => treeUnflatten(tree, [t([1]), t([2]), t([3])])).toThrow(/3/);
  });
});

describe('sameStructure', () => {
  test('compares nesting, keys and lengths but not leaf values or shapes', () => {
    expect(sameStructure({ a: t([1]), b: [t([2])] }, { b: [t([5, 6])], a: t([9]) })).toBe(true);
    expect(sameStructure({ a: t([1]) }, { b: t([1]) })).toBe(false);
    expect(sameStructure([t([1])], [t([1]), t([1])])).toBe(false);
    expect(sameStructure([t([1])], { 0: t([1]) })).toBe(false);
    expect(sameStructure(t([1]), [t([1])])).toBe(false);
    expect(sameStructure([], [])).toBe(true);
  });
});

describe('grad over tree arguments', () => {
  // f({w, b}) = Σ_i (w_i·x_i + b)²    (b is a scalar)
  // ∂f/∂w_i = 2 (w_i x_i + b) x_i ;  ∂f/∂b = 2 Σ_i (w_i x_i + b)
  const x = t([1, 2, 3]);
  const f = (p: { w: Tensor; b: Tensor }): Tensor => sum(square(add(mul(p.w, x), p.b)));

  test('returns a tree of the same structure with hand-derived values', () => {
    const w = [0.5, -1, 2];
    const b = 0.25;
    const g = grad(f)({ w: t(w), b: scalar(b, 'float64') });
    expect(sameStructure(g, { w: t(w), b: scalar(b) })).toBe(true);
    expect(g.w.shape).toEqual([3]);
    expect(g.b.shape).toEqual([]);
    const xs = [1, 2, 3];
    const r = xs.map((xi, i) => w[i] * xi + b);
    expectClose(
      g.w,
      r.map((ri, i) => 2 * ri * xs[i]),
    );
    expectClose(g.b, [2 * r.reduce((s, v) => s + v, 0)]);
  });

  test('nested trees: arrays inside objects', () => {
    // f(p) = Σ a ⊙ c[0] + 3 Σ c[1]²   →  ∂/∂a = c[0], ∂/∂c[0] = a, ∂/∂c[1] = 6 c[1]
    const p = { c: [t([4, 5]), t([-1, 2])], a: t([1, 2]) };
    const g = grad((q: typeof p) => add(sum(mul(q.a, q.c[0])), mul(sum(square(q.c[1])), 3)))(p);
    expect(toArray(g.a)).toEqual([4, 5]);
    expect(toArray(g.c[0])).toEqual([1, 2]);
    expect(toArray(g.c[1])).toEqual([-6, 12]);
  });

  test('leaves the function does not use get zero gradients of their own shape', () => {
    const g = grad((p: { used: Tensor; unused: Tensor }) => sum(p.used))({ used: t([1, 2]), unused: t([3, 4, 5]) });
    expect(toArray(g.used)).toEqual([1, 1]);
    expect(toArray(g.unused)).toEqual([0, 0, 0]);
    expect(g.unused.dtype).toBe('float64');
  });

  test('valueAndGrad returns the value and the tree gradient', () => {
    const [v, g] = valueAndGrad(f)({ w: t([1, 1, 1]), b: scalar(0, 'float64') });
    // f = 1 + 4 + 9 = 14 ; ∂/∂w = 2 x² = [2, 8, 18] ; ∂/∂b = 2 (1 + 2 + 3) = 12
    expect(item(v)).toBe(14);
    expect(toArray(g.w)).toEqual([2, 8, 18]);
    expect(item(g.b)).toBe(12);
  });

  test('argnums as an array returns a tuple in the requested order', () => {
    // h(a, b, c) = Σ a·b + 2 Σ c    → ∂/∂a = b, ∂/∂b = a, ∂/∂c = 2
    const h = (a: Tensor, b: Tensor, c: Tensor): Tensor => add(sum(mul(a, b)), mul(sum(c), 2));
    const a = t([1, 2]);
    const b = t([3, 4]);
    const c = t([5]);
    const g = grad(h, [0, 2])(a, b, c);
    expect(Array.isArray(g)).toBe(true);
    expect(g).toHaveLength(2);
    expect(toArray(g[0])).toEqual([3, 4]);
    expect(toArray(g[1])).toEqual([2]);
    const rev = grad(h, [2, 1])(a, b, c);
    expect(toArray(rev[0])).toEqual([2]);
    expect(toArray(rev[1])).toEqual([1, 2]);
    // a single-element array still gives a tuple
    const one = grad(h, [1])(a, b, c);
    expect(one).toHaveLength(1);
    expect(toArray(one[0])).toEqual([1, 2]);
  });

  test('argnums with a tree argument and a plain tensor argument', () => {
    // k(p, y) = Σ p.u · y + Σ p.v   →  ∂/∂p.u = y, ∂/∂p.v = 1, ∂/∂y = p.u
    const k = (p: { u: Tensor; v: Tensor }, y: Tensor): Tensor => add(sum(mul(p.u, y)), sum(p.v));
    const [gp, gy] = grad(k, [0, 1])({ u: t([2, 3]), v: t([7]) }, t([5, 6]));
    expect(toArray(gp.u)).toEqual([5, 6]);
    expect(toArray(gp.v)).toEqual([1]);
    expect(toArray(gy)).toEqual([2, 3]);
  });

  test('the same tensor at two positions of a tree gets one gradient per position', () => {
    // f([a, b]) = Σ (2a + 3b²) evaluated at a = b = s:  ∂/∂a = 2, ∂/∂b = 6 b
    const s = t([1, -2]);
    const g = grad((p: Tensor[]) => sum(add(mul(p[0], 2), mul(square(p[1]), 3))))([s, s]);
    expect(g).toHaveLength(2);
    expect(toArray(g[0])).toEqual([2, 2]);
    expect(toArray(g[1])).toEqual([6, -12]);
    // and in an object
    const go = grad((p: { a: Tensor; b: Tensor }) => sum(sub(p.a, mul(p.b, 4))))({ a: s, b: s });
    expect(toArray(go.a)).toEqual([1, 1]);
    expect(toArray(go.b)).toEqual([-4, -4]);
  });

  test('vjp over a tree primal returns cotangents with the tree structure', () => {
    // f(p) = p.a ⊙ p.b (elementwise), cotangent c: ∂/∂a = c ⊙ b, ∂/∂b = c ⊙ a
    const p = { b: t([3, 4]), a: t([1, 2]) };
    const [y, back] = vjp((q: typeof p) => mul(q.a, q.b), p);
    expect(toArray(y)).toEqual([3, 8]);
    const [gp] = back(t([10, 100]));
    expect(toArray(gp.a)).toEqual([30, 400]);
    expect(toArray(gp.b)).toEqual([10, 200]);
  });

  test('the input tree is not modified by grad', () => {
    const p = { w: t([1, 2, 3]), b: scalar(1, 'float64') };
    const keys = Object.keys(p);
    const w = p.w;
    grad(f)(p);
    expect(Object.keys(p)).toEqual(keys);
    expect(p.w).toBe(w);
    expect(toArray(p.w)).toEqual([1, 2, 3]);
  });
});

describe('stopGradient of a tree', () => {
  test('outside a trace: same structure and values', () => {
    const tree = { a: t([1, 2]), b: [t([3])] };
    const s = stopGradient(tree);
    expect(sameStructure(s, tree)).toBe(true);
    expect(toArray(s.a)).toEqual([1, 2]);
    expect(toArray(s.b[0])).toEqual([3]);
  });

  test('inside grad: every leaf of the stopped tree is a constant', () => {
    // f(p) = Σ p.a ⊙ sg(p).a + Σ sg(p).b[0] ⊙ p.b[0]  → ∂/∂a = a (not 2a), ∂/∂b[0] = b[0] (not 2b)
    const p = { a: t([1, 2]), b: [t([3, -4])] };
    const g = grad((q: typeof p) => {
      const s = stopGradient(q);
      return add(sum(mul(q.a, s.a)), sum(mul(s.b[0], q.b[0])));
    })(p);
    expect(toArray(g.a)).toEqual([1, 2]);
    expect(toArray(g.b[0])).toEqual([3, -4]);
  });

  test('a function of only stopped values has zero gradient', () => {
    const g = grad((q: { a: Tensor }) => sum(square(stopGradient(q).a)))({ a: t([5, 6]) });
    expect(toArray(g.a)).toEqual([0, 0]);
  });

  test('stopGradient inside an inner grad keeps outer gradients zero through that path', () => {
    // outer(x) = Σ grad(inner)(x) where inner(y) = Σ y · sg(y)² → ∂inner/∂y = sg(y)² = x² (as a constant),
    // so outer(x) = Σ x² with x treated as constant inside: d outer/dx = 0.
    const inner = (y: Tensor): Tensor => sum(mul(y, square(stopGradient(y))));
    const g = grad((x: Tensor) => sum(grad(inner)(x)))(t([1, 2]));
    expect(toNested(g)).toEqual([0, 0]);
  });
});
