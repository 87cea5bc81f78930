/**
 * Euclidean space Rᴰ as a {@link Manifold}: the flat reference model, so code
 * written against the interface runs unchanged in flat space.
 */
import { randomNormal } from '../tensor/random.ts';
import { add, mul, sub } from '../ops/elementwise.ts';
import { norm } from '../ops/reduce.ts';
import { sum } from '../ops/broadcast.ts';
import type { Manifold } from './manifold.ts';

/** Rᴰ with the standard metric. */
export function euclidean(): Manifold {
  return Object.freeze({
    name: 'euclidean',
    projx: (x) => x,
    proju: (_x, u) => u,
    egrad2rgrad: (_x, g) => g,
    inner: (_x, u, v) => sum(mul(u, v ?? u), -1),
    norm: (_x, u) => norm(u, -1),
    expmap: (x, u) => add(x, u),
    logmap: (x, y) => sub(y, x),
    retr: (x, u) => add(x, u),
    transp: (_x, _y, v) => v,
    dist: (x, y) => norm(sub(x, y), -1),
    randomPoint: (key, n, dim, dtype = 'float32') => randomNormal(key, [n, dim], dtype),
  } satisfies Manifold);
}
