/**
 * Class hierarchies: tree queries on hand-drawn trees, the synthetic
 * hierarchical data set (structure, determinism, the offset scales per level
 * checked in standard errors), the mean tree distance of nearest-neighbour
 * mistakes on a hand-derived case, and dendrogram purity (hand cases and a
 * brute-force reference under fast-check).
 */
import { fc, test as propTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { ArgumentError, ShapeError, ValueError, prngKey, tensor, toArray } from '../../lib/index.ts';
import { precisionAt1 } from '../../lib/metrics/index.ts';
import { classTree, dendrogramPurity, hierarchicalDataset, meanTreeDistanceOfMistakes } from '../../lib/data/index.ts';

//          0
//        /   \
//       1     2
//      / \   /|\
//     3   4 5 6 7        classes (childless nodes, ascending): 3→0, 4→1, 5→2, 6→3, 7→4
const PARENT = [-1, 0, 0, 1, 1, 2, 2, 2];

describe('classTree', () => {
  const t = classTree(PARENT);
  test('structure', () => {
    expect(t.numNodes).toBe(8);
    expect(t.numClasses).toBe(5);
    expect(Array.from(t.leaves)).toEqual([3, 4, 5, 6, 7]);
    expect(Array.from(t.depth)).toEqual([0, 1, 1, 2, 2, 2, 2, 2]);
    expect(Array.from(t.ancestors(0))).toEqual([3, 1, 0]);
    expect(Array.from(t.ancestors(4))).toEqual([7, 2, 0]);
  });
  test('LCA, LCA depth and tree distance', () => {
    expect(t.lca(0, 1)).toBe(1);
    expect(t.lca(2, 4)).toBe(2);
    expect(t.lca(1, 3)).toBe(0);
    expect(t.lcaDepth(0, 1)).toBe(1);
    expect(t.lcaDepth(0, 2)).toBe(0);
    expect(t.treeDistance(0, 0)).toBe(0);
    expect(t.treeDistance(0, 1)).toBe(2); // 3 – 1 – 4
    expect(t.treeDistance(0, 2)).toBe(4); // 3 – 1 – 0 – 2 – 5
    expect(t.treeDistance(3, 2)).toBe(2);
  });
  test('tree distance is a metric on the classes', () => {
    for (let a = 0; a < 5; a++) {
      for (let b = 0; b < 5; b++) {
        expect(t.treeDistance(a, b)).toBe(t.treeDistance(b, a));
        for (let c = 0; c < 5; c++) expect(t.treeDistance(a, c)).toBeLessThanOrEqual(t.treeDistance(a, b) + t.treeDistance(b, c));
      }
    }
  });
  test('classes at different depths, and explicit class nodes', () => {
    const u = classTree([-1, 0, 0, 1]); // leaves 2 (depth 1) and 3 (depth 2)
    expect(u.treeDistance(0, 1)).toBe(3);
    const v = classTree(PARENT, [1, 2]); // two superclasses as classes
    expect(v.treeDistance(0, 1)).toBe(2);
  });
  test('errors', () => {
    expect(() => classTree([-1, -1])).toThrow(/both have parent -1/);
    expect(() => classTree([1, 0])).toThrow(/no node has parent -1/);
    expect(() => classTree([-1, 2, 1])).toThrow(/cycle/);
    expect(() => classTree([-1, 5])).toThrow(ValueError);
    expect(() => classTree([-1, 0], [1, 1])).toThrow(/two classes/);
    expect(() => classTree([])).toThrow(ValueError);
    expect(() => t.treeDistance(0, 5)).toThrow(/class 5 is out of range/);
    expect(() => classTree('x' as never)).toThrow(ArgumentError);
  });
});

describe('hierarchicalDataset', () => {
  const opts = { depth: 2, branching: 3, dim: 4, perLeaf: 5, noise: 0.01 };
  test('shapes, class-major labels and the complete tree', () => {
    const d = hierarchicalDataset(prngKey(0), opts);
    expect(d.x.shape).toEqual([45, 4]);
    expect(d.x.dtype).toBe('float32');
    expect(Array.from(d.labels.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 1]);
    expect(d.tree.numNodes).toBe(13);
    expect(d.tree.numClasses).toBe(9);
    expect(Array.from(d.tree.parent)).toEqual([-1, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    expect(d.tree.treeDistance(0, 1)).toBe(2);
    expect(d.tree.treeDistance(0, 3)).toBe(4);
    expect(d.means.shape).toEqual([13, 4]);
    expect(toArray(d.means).slice(0, 4)).toEqual([0, 0, 0, 0]);
  });
  test('deterministic in the key', () => {
    const a = hierarchicalDataset(prngKey(1), opts);
    const b = hierarchicalDataset(prngKey(1), opts);
    const c = hierarchicalDataset(prngKey(2), opts);
    expect(toArray(a.x)).toEqual(toArray(b.x));
    expect(toArray(a.x)).not.toEqual(toArray(c.x));
  });
  test('with noise 0 every sample is its leaf mean', () => {
    const d = hierarchicalDataset(prngKey(3), { ...opts, noise: 0, dtype: 'float64' });
    const x = toArray(d.x);
    const m = toArray(d.means);
    for (let i = 0; i < 45; i++) {
      const node = d.tree.leaves[d.labels[i]];
      expect(x.slice(i * 4, i * 4 + 4)).toEqual(m.slice(node * 4, node * 4 + 4));
    }
  });
  test('offsets at level l have standard deviation scale · decay^(l−1) (within 5 standard errors)', () => {
    const dim = 3000;
    const d = hierarchicalDataset(prngKey(4), { depth: 3, branching: 2, dim, perLeaf: 1, noise: 0, scale: 2, decay: 0.3 });
    const m = toArray(d.means);
    for (let level = 1; level <= 3; level++) {
      let s = 0,
        n = 0;
      for (let v = 0; v < d.tree.numNodes; v++) {
        if (d.tree.depth[v] !== level) continue;
        const p = d.tree.parent[v];
        for (let j = 0; j < dim; j++) {
          s += (m[v * dim + j] - m[p * dim + j]) ** 2;
          n++;
        }
      }
      const sigma = 2 * 0.3 ** (level - 1);
      // the mean of n squared N(0, σ²) values has mean σ² and standard error σ²·√(2/n)
      expect(Math.abs(s / n - sigma ** 2)).toBeLessThan(5 * sigma ** 2 * Math.sqrt(2 / n));
    }
  });
  test('small noise: classes are separable, and siblings are closer than cousins', () => {
    const d = hierarchicalDataset(prngKey(5), { depth: 2, branching: 3, dim: 16, perLeaf: 4, noise: 0.05 });
    expect(precisionAt1(d.x, d.labels, 'euclidean')).toBe(1);
    const m = toArray(d.means);
    const dist = (u: number, v: number): number => Math.sqrt(m.slice(u * 16, u * 16 + 16).reduce((s, a, j) => s + (a - m[v * 16 + j]) ** 2, 0));
    let sib = 0,
      cousin = 0,
      ns = 0,
      nc = 0;
    for (let a = 0; a < 9; a++) {
      for (let b = a + 1; b < 9; b++) {
        const dd = dist(d.tree.leaves[a], d.tree.leaves[b]);
        if (d.tree.treeDistance(a, b) === 2) {
          sib += dd;
          ns++;
        } else {
          cousin += dd;
          nc++;
        }
      }
    }
    expect(sib / ns).toBeLessThan(cousin / nc);
  });
  test('errors', () => {
    expect(() => hierarchicalDataset(prngKey(0), { ...opts, depth: 0 })).toThrow(/depth must be an integer ≥ 1/);
    expect(() => hierarchicalDataset(prngKey(0), { ...opts, branching: 1 })).toThrow(/branching/);
    expect(() => hierarchicalDataset(prngKey(0), { ...opts, noise: -1 })).toThrow(/noise/);
    expect(() => hierarchicalDataset(prngKey(0), { ...opts, decay: 0 })).toThrow(/decay/);
    expect(() => hierarchicalDataset(prngKey(0), { ...opts, depth: 30 })).toThrow(/too large/);
    expect(() => hierarchicalDataset({} as never, opts)).toThrow(ArgumentError);
  });
});

describe('meanTreeDistanceOfMistakes', () => {
  // tree: root → {A, B}, A → {class 0, class 1}, B → {class 2, class 3}; siblings are 2 edges apart, cousins 4
  const tree = hierarchicalDataset(prngKey(0), { depth: 2, branching: 2, dim: 1, perLeaf: 1, noise: 0 }).tree;
  // positions 0, 0.4, 1, 5, 11 with classes 0, 0, 1, 2, 3; nearest neighbours (euclidean):
  //   q0 → 0.4 (class 0, right)   q1 → 0 (right)   q2 (1) → 0.4 (class 0: a mistake, distance 2)
  //   q3 (5) → 1 (class 1: a mistake, distance 4)   q4 (11) → 5 (class 2: a mistake, distance 2)
  // mean over the 3 mistakes = 8/3
  const x = tensor([[0], [0.4], [1], [5], [11]], undefined, 'float64');
  test('hand-derived case', () => {
    expect(meanTreeDistanceOfMistakes(x, [0, 0, 1, 2, 3], tree, 'euclidean')).toBeCloseTo(8 / 3, 15);
  });
  test('no mistakes → 0', () => {
    expect(meanTreeDistanceOfMistakes(x, [1, 1, 1, 1, 1], tree, 'euclidean')).toBe(0);
  });
  test('errors', () => {
    expect(() => meanTreeDistanceOfMistakes(x, [0, 0, 1, 2, 4], tree, 'euclidean')).toThrow(/label 4 at position 4 is not a class of the tree/);
    expect(() => meanTreeDistanceOfMistakes(x, [0, 0, 1], tree)).toThrow(ShapeError);
    expect(() => meanTreeDistanceOfMistakes(x, [0, 0, 1, 2, 3], {} as never)).toThrow(ArgumentError);
  });
});

describe('dendrogramPurity', () => {
  test('hand-derived cases (points 0, 1 of class a; 2, 3 of class b)', () => {
    // {0,1} and {2,3} joined first: every same-class pair's LCA is pure
    expect(dendrogramPurity([4, 4, 5, 5, 6, 6, -1], [0, 0, 1, 1])).toBe(1);
    // {0,2}, {1,3}: both same-class pairs meet at the root, half of whose leaves share their class
    expect(dendrogramPurity([4, 5, 4, 5, 6, 6, -1], [0, 0, 1, 1])).toBe(0.5);
    // chain ((0,1),2),3: pair (0,1) meets at a pure node (1), pair (2,3) at the root (½)
    expect(dendrogramPurity([4, 4, 5, 6, 5, 6, -1], [0, 0, 1, 1])).toBe(0.75);
    // singleton classes contribute no pairs
    expect(dendrogramPurity([4, 4, 5, 5, 6, 6, -1], [0, 0, 1, 2])).toBe(1);
  });
  const dendro = fc
    .record({
      labels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 16 }),
      merges: fc.array(fc.nat(), { minLength: 32, maxLength: 32 }),
    })
    .filter(({ labels }) => new Set(labels).size < labels.length);
  propTest.prop([dendro], { numRuns: 100 })('equals the definition computed pair by pair on random binary dendrograms', ({ labels, merges }) => {
    const N = labels.length;
    const parent: number[] = new Array(N).fill(-1);
    let roots = Array.from({ length: N }, (_, i) => i);
    let t = 0;
    while (roots.length > 1) {
      const i = merges[t++ % merges.length] % roots.length;
      const a = roots[i];
      roots = roots.filter((_, k) => k !== i);
      const j = merges[t++ % merges.length] % roots.length;
      const b = roots[j];
      roots = roots.filter((_, k) => k !== j);
      const v = parent.length;
      parent.push(-1);
      parent[a] = v;
      parent[b] = v;
      roots.push(v);
    }
    const up = (u: number): number[] => {
      const p = [u];
      while (parent[p[p.length - 1]] >= 0) p.push(parent[p[p.length - 1]]);
      return p;
    };
    const leavesUnder = (v: number): number[] => Array.from({ length: N }, (_, i) => i).filter((i) => up(i).includes(v));
    let sum = 0,
      pairs = 0;
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        if (labels[i] !== labels[j]) continue;
        const ai = up(i);
        const lca = up(j).find((u) => ai.includes(u)) as number;
        const under = leavesUnder(lca);
        sum += under.filter((k) => labels[k] === labels[i]).length / under.length;
        pairs++;
      }
    }
    expect(dendrogramPurity(parent, labels)).toBeCloseTo(sum / pairs, 12);
  });
  test('errors', () => {
    expect(() => dendrogramPurity([4, 4, 5, 5, 6, 6, -1], [0, 1, 2, 3])).toThrow(/no class has two points/);
    expect(() => dendrogramPurity([2, 2, -1], [0, 0, 0])).toThrow(/points 0 … 2 must be leaves/);
    expect(() => dendrogramPurity([2, -1], [0, 0, 0])).toThrow(ShapeError);
    expect(() => dendrogramPurity([2, 2, 2], [0, 0])).toThrow(ValueError);
  });
});
