/**
 * Dropout with an explicit PRNG key: a pure function of `(key, x, rate,
 * training)`, so the same key drops the same units (JAX / Flax style, no
 * hidden random state).
 */
import { ArgumentError, ValueError, describe, describeKind } from '../errors.ts';
import { mul } from '../ops/elementwise.ts';
import { checkTensor } from '../ops/util.ts';
import { toTypedArray } from '../tensor/create.ts';
import { randomUniform, type PRNGKey } from '../tensor/random.ts';
import { fromStorage, type Tensor } from '../tensor/tensor.ts';

function isKey(k: unknown): k is PRNGKey {
  return typeof k === 'object' && k !== null && (k as { kind?: unknown }).kind === 'PRNGKey';
}

/**
 * Inverted dropout: in training, each entry of `x` is zeroed with probability
 * `rate` and the kept entries are scaled by `1 / (1 − rate)`, so the expected
 * value of every entry is unchanged; outside training (or for `rate = 0`) `x`
 * itself is returned. The mask is a pure function of `key` and `x.shape`: pass
 * `foldIn(key, step)` for a fresh mask per step. Differentiable in `x` (the
 * gradient is the same mask times the upstream gradient). Inside `vmap`, `x`
 * has the per-example shape, so every example gets the same mask (keys are
 * not batched); for independent masks apply dropout to the whole batch
 * outside `vmap`, or pass `foldIn(key, i)` per example in a loop.
 *
 * @param key PRNG key of the mask.
 * @param x any tensor.
 * @param rate probability of dropping an entry, in `[0, 1)`.
 * @param training apply dropout (default `true`); `false` returns `x`.
 * @returns a tensor of the shape and dtype of `x`.
 * @throws ArgumentError for a key that is not a PRNGKey or a non-boolean `training`; ValueError for a rate outside `[0, 1)`.
 */
export function dropout(key: PRNGKey, x: Tensor, rate: number, training = true): Tensor {
  const fn = 'dropout';
  if (!isKey(key)) throw new ArgumentError(`${fn}: key must be a PRNGKey (prngKey(seed), split, foldIn), got ${describeKind(key)}`);
  checkTensor(fn, x);
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new ValueError(`${fn}: rate must be a number in [0, 1), got ${describe(rate)}`);
  if (typeof training !== 'boolean') throw new ArgumentError(`${fn}: training must be a boolean, got ${describeKind(training)}`);
  if (!training || rate === 0 || x.size === 0) return x;
  const u = toTypedArray(randomUniform(key, x.shape, 'float64'));
  const scale = 1 / (1 - rate);
  const m = x.dtype === 'float64' ? new Float64Array(u.length) : new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) m[i] = u[i] >= rate ? scale : 0;
  return mul(x, fromStorage(m, x.shape.slice(), x.dtype));
}
