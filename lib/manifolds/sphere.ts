/**
 * The unit sphere Sᴰ⁻¹ ⊂ Rᴰ as a {@link Manifold}: where cosine-similarity
 * embeddings live. Distances use atan2 (accurate for near and antipodal
 * points); transport is the true parallel transport along the geodesic.
 */
import { randomNormal } from '../tensor/random.ts';
import { add, atan2, cos, div, greater, maximum, mul, sin, sub, where } from '../ops/elementwise.ts';
import { norm } from '../ops/reduce.ts';
import { sum } from '../ops/broadcast.ts';
import { squeeze } from '../ops/shape.ts';
import { normalize } from '../ops/nn.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Manifold } from './manifold.ts';
import { MIN_NORM, rowDot, rowNorm } from './numerics.ts';

function proju(x: Tensor, u: Tensor): Tensor {
  return sub(u, mul(rowDot(x, u), x));
}

/** geodesic distance with a kept last axis */
function distK(x: Tensor, y: Tensor): Tensor {
  const c = rowDot(x, y);
  return atan2(norm(sub(y, mul(c, x)), -1, true), c);
}

function logmap(x: Tensor, y: Tensor): Tensor {
  const u = proju(x, sub(y, x));
  const d = distK(x, y);
  const un = rowNorm(u);
  return where(greater(d, 1e-12), mul(u, div(d, un)), u);
}

function expmap(x: Tensor, u: Tensor): Tensor {
  const n = rowNorm(u);
  return normalize(add(mul(cos(n), x), mul(div(sin(n), n), u)));
}

/** The unit sphere in Rᴰ. */
export function sphere(): Manifold {
  return Object.freeze({
    name: 'sphere',
    projx: (x) => normalize(x),
    proju,
    egrad2rgrad: proju,
    inner: (_x, u, v) => sum(mul(u, v ?? u), -1),
    norm: (_x, u) => norm(u, -1),
    expmap,
    logmap,
    retr: (x, u) => normalize(add(x, u)),
    transp: (x, y, v) => {
      // Parallel transport along the minimising geodesic, in closed form:
      // P(v) = v − ⟨y, v⟩/(1 + ⟨x, y⟩) · (x + y); the identity when x = y. (The equivalent
      // v − ⟨log_x y, v⟩/d² · (log_x y + log_y x) divides an O(u) rounding error by d² for
      // nearby points; this form is accurate except near antipodal pairs, where the
      // geodesic — and so the transport — is not unique.)
      const den = maximum(add(rowDot(x, y), 1), MIN_NORM);
      return sub(v, mul(div(rowDot(y, v), den), add(x, y)));
    },
    dist: (x, y) => squeeze(distK(x, y), -1),
    randomPoint: (key, n, dim, dtype = 'float32') => normalize(randomNormal(key, [n, dim], dtype)),
  } satisfies Manifold);
}
