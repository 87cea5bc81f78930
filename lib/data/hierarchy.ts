/**
 * Class hierarchies: a tree whose leaves are the classes
 * ({@link classTree}), a seeded synthetic hierarchical data set
 * ({@link hierarchicalDataset}), and hierarchy-aware evaluation: the mean tree
 * distance of nearest-neighbour mistakes ({@link meanTreeDistanceOfMistakes},
 * the "mistake severity" of Bertinetto et al., CVPR 2020, measured as a path
 * length) and dendrogram purity ({@link dendrogramPurity}, Heller &
 * Ghahramani 2005).
 */
import type { DType } from '../../kernels/types.ts';
import { ArgumentError, ShapeError, ValueError, optionsOf } from '../errors.ts';
import { type ClassLabels, denseLabels } from '../metrics/labels.ts';
import { checkDistance, checkEmbeddings, neighbourLists, type Distance } from '../metrics/neighbours.ts';
import { randomNormal, split, type PRNGKey } from '../tensor/random.ts';
import { dataOf, fromStorage, type Tensor } from '../tensor/tensor.ts';

/** A rooted tree whose designated nodes are the classes (class `c` is node `leaves[c]`). */
export interface ClassTree {
  /** number of nodes */
  readonly numNodes: number;
  /** number of classes */
  readonly numClasses: number;
  /** parent of each node; `-1` for the root */
  readonly parent: Int32Array;
  /** depth of each node (the root has depth 0) */
  readonly depth: Int32Array;
  /** the node of each class */
  readonly leaves: Int32Array;
  /** the nodes from class `c`'s node up to the root, both included */
  ancestors(c: number): Int32Array;
  /** the lowest common ancestor (a node id) of the nodes of classes `a` and `b` */
  lca(a: number, b: number): number;
  /** the depth of {@link ClassTree.lca} (root 0): larger means more similar classes */
  lcaDepth(a: number, b: number): number;
  /**
   * number of edges on the tree path between the nodes of classes `a` and `b`
   * (0 iff `a = b`); in a tree with all classes at depth `h` this is
   * `2 · (h − lcaDepth(a, b))`, twice the "height of the LCA" mistake severity
   */
  treeDistance(a: number, b: number): number;
}

function toInt32(fn: string, what: string, v: unknown): Int32Array {
  if (!(v instanceof Int32Array) && !Array.isArray(v)) throw new ArgumentError(`${fn}: ${what} must be an Int32Array or an array of integers, got ${typeof v}`);
  const a = v as ArrayLike<unknown>;
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new ValueError(`${fn}: ${what}[${i}] = ${String(x)} is not an integer`);
    out[i] = x;
  }
  return out;
}

/** Depths from parent pointers; throws unless they form one rooted tree. */
function depthsOf(fn: string, parent: Int32Array): Int32Array {
  const n = parent.length;
  let root = -1;
  for (let v = 0; v < n; v++) {
    const p = parent[v];
    if (p === -1) {
      if (root >= 0) throw new ValueError(`${fn}: nodes ${root} and ${v} both have parent -1; expected exactly one root`);
      root = v;
    } else if (p < 0 || p >= n || p === v) {
      throw new ValueError(`${fn}: parent[${v}] = ${p} is not another node in [0, ${n - 1}] (or -1 for the root)`);
    }
  }
  if (root < 0) throw new ValueError(`${fn}: no node has parent -1; expected exactly one root`);
  const depth = new Int32Array(n).fill(-1);
  depth[root] = 0;
  const path: number[] = [];
  for (let v = 0; v < n; v++) {
    let u = v;
    path.length = 0;
    while (depth[u] < 0) {
      path.push(u);
      if (path.length > n) throw new ValueError(`${fn}: the parent pointers contain a cycle through node ${v}`);
      u = parent[u];
    }
    for (let i = path.length - 1, d = depth[u] + 1; i >= 0; i--, d++) depth[path[i]] = d;
  }
  return depth;
}

/**
 * A class tree from parent pointers.
 *
 * @param parent `parent[v]` for each node `v`; `-1` for the one root.
 * @param leaves the node of each class (distinct); default: the nodes without
 *   children in ascending order, so class `c` is the `c`-th childless node.
 * @throws ValueError unless the pointers form one rooted tree and the class nodes are distinct nodes.
 */
export function classTree(parent: Int32Array | readonly number[], leaves?: Int32Array | readonly number[]): ClassTree {
  const fn = 'classTree';
  const par = toInt32(fn, 'parent', parent);
  if (par.length === 0) throw new ValueError(`${fn}: parent is empty; expected at least a root`);
  const depth = depthsOf(fn, par);
  const n = par.length;
  let lv: Int32Array;
  if (leaves === undefined) {
    const hasChild = new Uint8Array(n);
    for (let v = 0; v < n; v++) if (par[v] >= 0) hasChild[par[v]] = 1;
    const out: number[] = [];
    for (let v = 0; v < n; v++) if (!hasChild[v]) out.push(v);
    lv = Int32Array.from(out);
  } else {
    lv = toInt32(fn, 'leaves', leaves);
    if (lv.length === 0) throw new ValueError(`${fn}: leaves is empty; expected at least one class`);
    const seen = new Set<number>();
    for (let c = 0; c < lv.length; c++) {
      if (lv[c] < 0 || lv[c] >= n) throw new ValueError(`${fn}: leaves[${c}] = ${lv[c]} is not a node in [0, ${n - 1}]`);
      if (seen.has(lv[c])) throw new ValueError(`${fn}: node ${lv[c]} is the node of two classes; expected distinct nodes`);
      seen.add(lv[c]);
    }
  }
  return makeTree(par, depth, lv);
}

function makeTree(parent: Int32Array, depth: Int32Array, leaves: Int32Array): ClassTree {
  const C = leaves.length;
  const checkClass = (fn: string, c: number): number => {
    if (!Number.isInteger(c) || c < 0 || c >= C) throw new ValueError(`ClassTree.${fn}: class ${c} is out of range; expected an integer in [0, ${C - 1}]`);
    return leaves[c];
  };
  const lcaNode = (u: number, v: number): number => {
    while (depth[u] > depth[v]) u = parent[u];
    while (depth[v] > depth[u]) v = parent[v];
    while (u !== v) {
      u = parent[u];
      v = parent[v];
    }
    return u;
  };
  const tree: ClassTree = {
    numNodes: parent.length,
    numClasses: C,
    parent,
    depth,
    leaves,
    ancestors: (c) => {
      let u = checkClass('ancestors', c);
      const out = new Int32Array(depth[u] + 1);
      for (let i = 0; u >= 0; i++, u = parent[u]) out[i] = u;
      return out;
    },
    lca: (a, b) => lcaNode(checkClass('lca', a), checkClass('lca', b)),
    lcaDepth: (a, b) => depth[lcaNode(checkClass('lcaDepth', a), checkClass('lcaDepth', b))],
    treeDistance: (a, b) => {
      const u = checkClass('treeDistance', a);
      const v = checkClass('treeDistance', b);
      return depth[u] + depth[v] - 2 * depth[lcaNode(u, v)];
    },
  };
  return Object.freeze(tree);
}

/** Options of {@link hierarchicalDataset}. */
export interface HierarchicalDatasetOptions {
  /** levels below the root (≥ 1); the classes are the `branching^depth` leaves */
  readonly depth: number;
  /** children per internal node (≥ 2) */
  readonly branching: number;
  /** dimension of the points (≥ 1) */
  readonly dim: number;
  /** samples per class (≥ 1) */
  readonly perLeaf: number;
  /** standard deviation of the per-sample noise around the leaf mean (≥ 0) */
  readonly noise: number;
  /** standard deviation (per coordinate) of the offsets of the root's children (default 1) */
  readonly scale?: number;
  /** factor by which the offset scale shrinks per level, in (0, 1] (default 0.5) */
  readonly decay?: number;
  /** dtype of `x` (default `'float32'`) */
  readonly dtype?: DType;
}

/** A synthetic hierarchical data set. */
export interface HierarchicalDataset {
  /** `[classes · perLeaf, dim]` samples, class-major (all of class 0, then class 1, …) */
  readonly x: Tensor;
  /** the class (leaf) of each sample */
  readonly labels: Int32Array;
  /** the class tree; nodes are numbered level by level (root 0, then its children, …), and class `c` is the `c`-th node of the deepest level */
  readonly tree: ClassTree;
  /** `[numNodes, dim]` mean of every node (float64) */
  readonly means: Tensor;
}

/**
 * A seeded synthetic data set whose classes are the leaves of a complete
 * `branching`-ary tree of the given depth. The root's mean is 0; a node at
 * level `l ≥ 1` has mean `parent mean + scale · decay^(l−1) · z` with
 * `z ~ N(0, I_dim)`, so siblings deep in the tree are close; a sample is its
 * leaf's mean plus `noise · N(0, I_dim)`. A pure function of `key` and the options.
 *
 * @param key PRNG key (split into one key for the means and one for the noise).
 * @throws ValueError for options out of range (at most 2²⁰ classes and 2²⁶ values).
 */
export function hierarchicalDataset(key: PRNGKey, options: HierarchicalDatasetOptions): HierarchicalDataset {
  const fn = 'hierarchicalDataset';
  optionsOf(fn, options, '{ depth, branching, dim, perLeaf, noise }');
  const { depth, branching, dim, perLeaf, noise } = options;
  const scale = options.scale ?? 1;
  const decay = options.decay ?? 0.5;
  const dtype = options.dtype ?? 'float32';
  const int = (name: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw new ValueError(`${fn}: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int('depth', depth, 1);
  int('branching', branching, 2);
  int('dim', dim, 1);
  int('perLeaf', perLeaf, 1);
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new ValueError(`${fn}: noise must be a finite number ≥ 0, got ${noise}`);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new ValueError(`${fn}: scale must be a finite number > 0, got ${scale}`);
  if (!(decay > 0 && decay <= 1)) throw new ValueError(`${fn}: decay must be in (0, 1], got ${decay}`);
  if (dtype !== 'float32' && dtype !== 'float64') throw new ValueError(`${fn}: dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  const L = branching ** depth;
  if (L > 2 ** 20 || L * perLeaf * dim > 2 ** 26) {
    throw new ValueError(`${fn}: ${L} classes × ${perLeaf} samples × ${dim} dimensions is too large (at most 2^20 classes and 2^26 values)`);
  }
  // nodes level by level: level l occupies [start[l], start[l] + branching^l)
  const start: number[] = [0];
  for (let l = 1; l <= depth + 1; l++) start.push(start[l - 1] + branching ** (l - 1));
  const numNodes = start[depth + 1];
  const parent = new Int32Array(numNodes);
  const nodeDepth = new Int32Array(numNodes);
  parent[0] = -1;
  for (let l = 1; l <= depth; l++) {
    for (let j = 0; j < branching ** l; j++) {
      parent[start[l] + j] = start[l - 1] + Math.floor(j / branching);
      nodeDepth[start[l] + j] = l;
    }
  }
  const leaves = new Int32Array(L);
  for (let c = 0; c < L; c++) leaves[c] = start[depth] + c;
  const [kMeans, kNoise] = split(key, 2);
  const z = dataOf(randomNormal(kMeans, [numNodes, dim], 'float64'));
  const means = new Float64Array(numNodes * dim);
  for (let v = 1; v < numNodes; v++) {
    const s = scale * decay ** (nodeDepth[v] - 1);
    const p = parent[v];
    for (let d = 0; d < dim; d++) means[v * dim + d] = means[p * dim + d] + s * z[v * dim + d];
  }
  const N = L * perLeaf;
  const eps = dataOf(randomNormal(kNoise, [N, dim], 'float64'));
  const x = dtype === 'float64' ? new Float64Array(N * dim) : new Float32Array(N * dim);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = Math.floor(i / perLeaf);
    labels[i] = c;
    const m = leaves[c] * dim;
    for (let d = 0; d < dim; d++) x[i * dim + d] = means[m + d] + noise * eps[i * dim + d];
  }
  return {
    x: fromStorage(x, [N, dim], dtype),
    labels,
    tree: makeTree(parent, nodeDepth, leaves),
    means: fromStorage(means, [numNodes, dim], 'float64'),
  };
}

/**
 * Mean tree distance between a query's class and its nearest neighbour's
 * class, over the queries whose nearest neighbour (itself excluded) has
 * another class: how bad the retrieval mistakes are, in edges of the class
 * tree ({@link ClassTree.treeDistance}). Every item is a query. Returns 0
 * when there are no mistakes.
 *
 * @param embeddings `[N, D]`, N ≥ 2.
 * @param labels N class ids in `[0, tree.numClasses)`.
 * @param tree the class tree.
 * @param distance `'cosine'` (default), `'euclidean'` or a distance function.
 * @throws ShapeError / ValueError for mismatched or out-of-range labels, bad embeddings.
 */
export function meanTreeDistanceOfMistakes(embeddings: Tensor, labels: ClassLabels, tree: ClassTree, distance: Distance = 'cosine'): number {
  const fn = 'meanTreeDistanceOfMistakes';
  checkEmbeddings(fn, embeddings);
  checkDistance(fn, distance);
  const n = embeddings.shape[0];
  if (typeof tree !== 'object' || tree === null || typeof tree.treeDistance !== 'function') {
    throw new ArgumentError(`${fn}: tree must be a ClassTree (from classTree or hierarchicalDataset)`);
  }
  denseLabels(fn, labels, n);
  for (let i = 0; i < n; i++) {
    if (labels[i] < 0 || labels[i] >= tree.numClasses) {
      throw new ValueError(`${fn}: label ${labels[i]} at position ${i} is not a class of the tree; expected an integer in [0, ${tree.numClasses - 1}]`);
    }
  }
  const { indices } = neighbourLists(fn, embeddings, 1, distance);
  let mistakes = 0;
  let total = 0;
  for (let q = 0; q < n; q++) {
    const a = labels[q];
    const b = labels[indices[q]];
    if (a === b) continue;
    mistakes++;
    total += tree.treeDistance(a, b);
  }
  return mistakes === 0 ? 0 : total / mistakes;
}

/**
 * Dendrogram purity (Heller & Ghahramani 2005; as used by HypHC): the mean,
 * over all unordered pairs of distinct points of the same class, of the
 * fraction of the leaves under their lowest common ancestor that share that
 * class. 1 for a dendrogram that first joins each class completely.
 *
 * @param parent the dendrogram as parent pointers: nodes `0 … N−1` are the N
 *   points (they must have no children), nodes `≥ N` are merges, `-1` marks the root.
 * @param labels N integer class ids (of the points `0 … N−1`).
 * @throws ValueError for a malformed tree; ShapeError if there are fewer than N nodes;
 *   ValueError when no class has two points.
 */
export function dendrogramPurity(parent: Int32Array | readonly number[], labels: ClassLabels): number {
  const fn = 'dendrogramPurity';
  const par = toInt32(fn, 'parent', parent);
  const { ids, counts } = denseLabels(fn, labels);
  const N = ids.length;
  if (par.length < N) throw new ShapeError(`${fn}: the dendrogram has ${par.length} nodes for ${N} points; expected the points to be nodes 0 … ${N - 1}`);
  const depth = depthsOf(fn, par);
  const M = par.length;
  for (let v = 0; v < M; v++) {
    if (par[v] >= 0 && par[v] < N) throw new ValueError(`${fn}: node ${v} has parent ${par[v]}, a point; points 0 … ${N - 1} must be leaves`);
  }
  let totalPairs = 0;
  for (const c of counts) totalPairs += (c * (c - 1)) / 2;
  if (totalPairs === 0) throw new ValueError(`${fn}: no class has two points; dendrogram purity is undefined`);
  // class counts under each node, merged bottom-up (children are deeper than their parent).
  // Σ over same-class pairs of the purity of their LCA = Σ_v Σ_c (pairs of class c first joined at v) · n_vc / n_v,
  // where the pairs first joined at v are C(n_vc, 2) − Σ_children C(n_child,c, 2).
  const order = Array.from({ length: M }, (_, v) => v).sort((u, v) => depth[v] - depth[u]);
  const under: (Map<number, number> | undefined)[] = new Array(M);
  const childPairs: (Map<number, number> | undefined)[] = new Array(M);
  const size = new Float64Array(M);
  for (let i = 0; i < N; i++) {
    under[i] = new Map([[ids[i], 1]]);
    size[i] = 1;
  }
  const pairs = (k: number): number => (k * (k - 1)) / 2;
  let sum = 0;
  for (const v of order) {
    const m = under[v];
    if (m === undefined) continue; // a merge node with no points below it
    const cp = childPairs[v];
    if (cp !== undefined) {
      for (const [c, k] of m) sum += ((pairs(k) - (cp.get(c) ?? 0)) * k) / size[v];
    }
    const p = par[v];
    if (p >= 0) {
      const pm = under[p] ?? new Map<number, number>();
      const pp = childPairs[p] ?? new Map<number, number>();
      under[p] = pm;
      childPairs[p] = pp;
      for (const [c, k] of m) {
        pm.set(c, (pm.get(c) ?? 0) + k);
        pp.set(c, (pp.get(c) ?? 0) + pairs(k));
      }
      size[p] += size[v];
    }
    under[v] = undefined;
    childPairs[v] = undefined;
  }
  return sum / totalPairs;
}
