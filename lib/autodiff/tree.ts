/**
 * Parameter trees: tensors nested in plain objects and arrays, as in JAX's
 * pytrees. Object keys are visited in sorted order, so two trees with the same
 * keys always flatten to the same leaf order.
 */
import { ArgumentError, describe as describeValue, requireFunction } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';

/** A tensor, or plain objects / arrays of trees. */
export type Tree = Tensor | readonly Tree[] | { readonly [key: string]: Tree };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

/** The tensors of a tree, in a deterministic order. */
export function treeLeaves(tree: Tree, fn = 'treeLeaves'): Tensor[] {
  const out: Tensor[] = [];
  const walk = (t: unknown, path: string): void => {
    if (t instanceof Tensor) out.push(t);
    else if (Array.isArray(t)) t.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (isPlainObject(t)) for (const k of Object.keys(t).sort()) walk(t[k], `${path}.${k}`);
    else throw new ArgumentError(`${fn}: leaf at ${path || '(root)'} is ${describe(t)}; expected a Tensor or a plain object / array of tensors`);
  };
  walk(tree, '');
  return out;
}

/**
 * The tensors of a tree with their paths (object keys and array indices as
 * strings), in {@link treeLeaves} order; a lone tensor has the empty path.
 */
export function treeLeavesWithPaths(tree: Tree, fn = 'treeLeavesWithPaths'): [string[], Tensor][] {
  const out: [string[], Tensor][] = [];
  const walk = (t: unknown, path: string[]): void => {
    if (t instanceof Tensor) out.push([path, t]);
    else if (Array.isArray(t)) t.forEach((c, i) => walk(c, [...path, String(i)]));
    else if (isPlainObject(t)) for (const k of Object.keys(t).sort()) walk(t[k], [...path, k]);
    else
      throw new ArgumentError(
        `${fn}: leaf at ${path.length ? path.join('.') : '(root)'} is ${describe(t)}; expected a Tensor or a plain object / array of tensors`,
      );
  };
  walk(tree, []);
  return out;
}

/**
 * Rebuilds a tree with the structure of `tree` from leaves in `treeLeaves` order.
 */
export function treeUnflatten<T extends Tree>(tree: T, leaves: readonly Tensor[]): T {
  if (!Array.isArray(leaves)) throw new ArgumentError(`treeUnflatten: leaves must be an array of tensors, got ${describeValue(leaves)}`);
  leaves.forEach((l, j) => {
    if (!(l instanceof Tensor)) throw new ArgumentError(`treeUnflatten: leaf ${j} is ${describeValue(l)}; expected a Tensor`);
  });
  let i = 0;
  const build = (t: unknown): unknown => {
    if (t instanceof Tensor) {
      if (i >= leaves.length) throw new ArgumentError(`treeUnflatten: ${leaves.length} leaves are too few for the tree`);
      return leaves[i++];
    }
    if (Array.isArray(t)) return t.map(build);
    const o = t as Record<string, unknown>;
    const r: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) r[k] = build(o[k]);
    return r;
  };
  treeLeaves(tree, 'treeUnflatten');
  const out = build(tree) as T;
  if (i !== leaves.length) throw new ArgumentError(`treeUnflatten: got ${leaves.length} leaves for a tree with ${i}`);
  return out;
}

/**
 * Maps `f` over the leaves of one tree, or of several trees of the same
 * structure at once (`f` gets the corresponding leaves), as `jax.tree.map`.
 */
export function treeMap<T extends Tree>(f: (leaf: Tensor, ...rest: Tensor[]) => Tensor, tree: T, ...rest: T[]): T {
  requireFunction('treeMap', f, 'f');
  const leaves = treeLeaves(tree, 'treeMap');
  const others = rest.map((r, j) => {
    const l = treeLeaves(r, 'treeMap');
    if (l.length !== leaves.length || !sameStructure(tree, r)) {
      throw new ArgumentError(`treeMap: tree ${j + 1} has a different structure from the first tree; expected identical keys and lengths`);
    }
    return l;
  });
  const mapped = leaves.map((x, i) => {
    const y = f(x, ...others.map((o) => o[i]));
    if (!(y instanceof Tensor)) throw new ArgumentError(`treeMap: f must return a Tensor for every leaf, got ${describeValue(y)} for leaf ${i}`);
    return y;
  });
  return treeUnflatten(tree, mapped);
}

/** Whether two trees have the same nesting, keys and lengths (leaves are not compared). */
export function sameStructure(a: unknown, b: unknown): boolean {
  if (a instanceof Tensor || b instanceof Tensor) return a instanceof Tensor && b instanceof Tensor;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameStructure(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameStructure(a[k], b[k]));
  }
  return false;
}
