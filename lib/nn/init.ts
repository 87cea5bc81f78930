/**
 * Seeded weight initialisers: Kaiming-uniform (PyTorch's `nn.Linear`
 * default), Glorot-uniform, and orthogonal (QR of a Gaussian matrix).
 */
import type { DType } from '../../kernels/types.ts';
import { ValueError } from '../errors.ts';
import { tensor, toArray } from '../tensor/create.ts';
import { randomNormal, randomUniform, type PRNGKey } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Names of the initialisers. */
export type Initializer = 'kaiming' | 'glorot' | 'orthogonal';

function checkDims(fn: string, fanIn: number, fanOut: number): void {
  if (!Number.isInteger(fanIn) || !Number.isInteger(fanOut) || fanIn < 1 || fanOut < 1) {
    throw new ValueError(`${fn}: dimensions must be positive integers, got ${fanIn} × ${fanOut}`);
  }
}

/**
 * `[fanIn, fanOut]` weights uniform in ±√(6 / ((1 + a²)·fanIn)); the default
 * a = √5 gives PyTorch's `nn.Linear` init, ±1/√fanIn.
 */
export function kaimingUniform(key: PRNGKey, fanIn: number, fanOut: number, dtype: DType = 'float32', a = Math.sqrt(5)): Tensor {
  checkDims('kaimingUniform', fanIn, fanOut);
  const bound = Math.sqrt(6 / ((1 + a * a) * fanIn));
  return randomUniform(key, [fanIn, fanOut], dtype, -bound, bound);
}

/** `[fanIn, fanOut]` weights uniform in ±√(6 / (fanIn + fanOut)). */
export function glorotUniform(key: PRNGKey, fanIn: number, fanOut: number, dtype: DType = 'float32'): Tensor {
  checkDims('glorotUniform', fanIn, fanOut);
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  return randomUniform(key, [fanIn, fanOut], dtype, -bound, bound);
}

/**
 * `[rows, cols]` matrix with orthonormal columns (rows ≥ cols) or rows
 * (rows < cols), times `gain`: the Q factor of a Gaussian matrix, with signs
 * fixed so the distribution is uniform (Saxe et al. 2014).
 */
export function orthogonal(key: PRNGKey, rows: number, cols: number, dtype: DType = 'float32', gain = 1): Tensor {
  checkDims('orthogonal', rows, cols);
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const a = toArray(randomNormal(key, [n, m], 'float64')); // n vectors of length m
  // modified Gram–Schmidt on the n rows of a (each of length m ≥ n), twice for stability
  const q = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const v = a.slice(i * m, (i + 1) * m);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let t = 0; t < m; t++) d += v[t] * q[j * m + t];
        for (let t = 0; t < m; t++) v[t] -= d * q[j * m + t];
      }
    }
    let nrm = 0;
    for (let t = 0; t < m; t++) nrm += v[t] * v[t];
    nrm = Math.sqrt(nrm);
    for (let t = 0; t < m; t++) q[i * m + t] = v[t] / nrm;
  }
  const out = new Array<number>(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? q[c * m + r] : q[r * m + c]);
  }
  return tensor(out, [rows, cols], dtype);
}
