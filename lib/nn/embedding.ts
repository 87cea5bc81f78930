/**
 * An embedding table: `init(key, count, dim) → { table }` and
 * `apply(params, ids) → rows of the table` (a `take`), the lookup layer of
 * word, node and class embeddings. The gradient with respect to the table is
 * row-sparse (the upstream rows and their ids, as `take`'s VJP gives them; any
 * op reads it as the dense `[count, dim]` scatter-add), and the optimizers
 * update only the touched rows, so a step costs O(ids · dim), not O(count · dim).
 */
import type { DType } from '../../kernels/types.ts';
import { ArgumentError, ValueError, describe, describeKind, optionsOf } from '../errors.ts';
import { take, toIndices, type Indices } from '../ops/indexing.ts';
import { mul } from '../ops/elementwise.ts';
import { checkDType } from '../tensor/create.ts';
import { randomNormal, type PRNGKey } from '../tensor/random.ts';
import { isTensor, type Tensor } from '../tensor/tensor.ts';

/** Parameters of an {@link embedding}: one row per id. */
export type EmbeddingParams = {
  /** the table `[count, dim]` */
  readonly table: Tensor;
};

/** Options of {@link embedding}'s init. */
export interface EmbeddingInitOptions {
  /** standard deviation of the Gaussian init (default 1, PyTorch's `nn.Embedding`) */
  readonly std?: number;
  /** dtype of the table (default `'float32'`) */
  readonly dtype?: DType;
}

/** A lookup table of `count` learnable `dim`-vectors. */
export const embedding = {
  /**
   * A seeded `[count, dim]` table with entries N(0, std²).
   * @throws ValueError for sizes that are not positive integers or a bad std; ArgumentError for a bad key.
   */
  init(key: PRNGKey, count: number, dim: number, options?: EmbeddingInitOptions): EmbeddingParams {
    const fn = 'embedding.init';
    if (typeof key !== 'object' || key === null || (key as { kind?: unknown }).kind !== 'PRNGKey') {
      throw new ArgumentError(`${fn}: key must be a PRNGKey, got ${describeKind(key)}`);
    }
    for (const [name, v] of [
      ['count', count],
      ['dim', dim],
    ] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${fn}: ${name} must be an integer ≥ 1, got ${describe(v)}`);
    }
    const o = optionsOf(fn, options);
    const dtype = o.dtype ?? 'float32';
    checkDType(fn, dtype);
    const std = o.std ?? 1;
    if (typeof std !== 'number' || !(std > 0) || !Number.isFinite(std)) throw new ValueError(`${fn}: std must be a finite number > 0, got ${describe(std)}`);
    const t = randomNormal(key, [count, dim], dtype);
    return { table: std === 1 ? t : mul(t, std) };
  },
  /**
   * The rows `ids` of the table: `[ids.length, dim]`, row `i` = `table[ids[i]]`
   * (ids may repeat; their gradients accumulate).
   * @throws ArgumentError for params not from `embedding.init` or ids that are not an array; ValueError for an id outside `[0, count)`.
   */
  apply(params: EmbeddingParams, ids: Indices): Tensor {
    const fn = 'embedding.apply';
    const p = params as Partial<EmbeddingParams> | null;
    if (typeof p !== 'object' || p === null || !isTensor(p.table) || p.table.rank !== 2) {
      throw new ArgumentError(`${fn}: params must be { table: [count, dim] Tensor } (from embedding.init), got ${describe(params)}`);
    }
    return take(p.table, toIndices(fn, ids, p.table.shape[0], 'id'), 0);
  },
};
