/**
 * Linear algebra: `matmul` (2-D, batched with broadcast batch axes, either
 * operand transposed; 1-D operands are treated as a row / column vector as in
 * NumPy), plus `dot` and `outer`.
 */
import { kernel } from '../../kernels/registry.ts';
import { bind, definePrimitive, type PrimitiveDef } from '../autodiff/primitive.ts';
import { ShapeError, fmtShape, optionsOf } from '../errors.ts';
import { broadcastShapes, checkSize } from '../tensor/shape.ts';
import { dataRef, fromData, type Tensor } from '../tensor/tensor.ts';
import { mul } from './elementwise.ts';
import { sum, sumTo } from './broadcast.ts';
import { concat, expandDims, reshape, squeeze } from './shape.ts';
import { checkTensor, coercePair } from './util.ts';

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** use the transpose of the last two axes of `a` */
  readonly transposeA?: boolean;
  /** use the transpose of the last two axes of `b` */
  readonly transposeB?: boolean;
}

interface MatmulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly batchShape: readonly number[];
  readonly outShape: readonly number[];
}

const matmulP: PrimitiveDef<MatmulAttrs> = definePrimitive<MatmulAttrs>({
  name: 'matmul',
  forward: ([a, b], at) =>
    fromData(
      kernel(
        'matmul',
        a.dtype,
      )({
        a: dataRef(a),
        aShape: a.shape,
        b: dataRef(b),
        bShape: b.shape,
        transposeA: at.transposeA,
        transposeB: at.transposeB,
        batchShape: at.batchShape,
        dtype: a.dtype,
      }),
      at.outShape,
    ),
  vjp: (g, [a, b], _o, { transposeA: tA, transposeB: tB }, needs) => {
    // C = op(A)·op(B): dop(A) = g·op(B)ᵀ, dop(B) = op(A)ᵀ·g, then undo the op and the batch broadcast.
    let ga: Tensor | undefined;
    let gb: Tensor | undefined;
    if (needs[0]) {
      ga = tA ? matmul(b, g, { transposeA: tB, transposeB: true }) : matmul(g, b, { transposeB: !tB });
      ga = sumTo(ga, a.shape);
    }
    if (needs[1]) {
      gb = tB ? matmul(g, a, { transposeA: true, transposeB: tA }) : matmul(a, g, { transposeA: !tA });
      gb = sumTo(gb, b.shape);
    }
    return [ga, gb];
  },
  // bilinear: d(A·B) = dA·B + A·dB, one product [dA | A]·[B ; dB] over the contraction axis when both
  // are perturbed (a tangent has its primal's shape, so the attributes carry over)
  jvp: ([a, b], [ta, tb], _o, attrs) => {
    if (ta === undefined) return tb && bind(matmulP, [a, tb], attrs);
    if (tb === undefined) return bind(matmulP, [ta, b], attrs);
    const ka = attrs.transposeA ? -2 : -1;
    const kb = attrs.transposeB ? -1 : -2;
    return bind(matmulP, [concat([ta, a], ka), concat([b, tb], kb)], attrs);
  },
  // the batch axis becomes the first batch axis of the product; both operands are lined up to the
  // full batch rank (an unbatched one broadcasts with a leading 1)
  batch: ([a, b], [ba, bb], at, size) => {
    const nb = at.batchShape.length;
    const line = (x: Tensor, batched: boolean): Tensor => {
      const s = batched ? x.shape.slice(1) : x.shape;
      return reshape(x, [batched ? size : 1, ...new Array<number>(nb - (s.length - 2)).fill(1), ...s]);
    };
    return bind(matmulP, [line(a, ba), line(b, bb)], { ...at, batchShape: [size, ...at.batchShape], outShape: [size, ...at.outShape] });
  },
});

/**
 * Matrix product of the last two axes, batched over the broadcast leading axes.
 * A 1-D `a` is a row vector and a 1-D `b` a column vector (their axis is
 * dropped from the result), as in NumPy.
 */
export function matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor {
  options = optionsOf('matmul', options);
  checkTensor('matmul', a, 'a');
  checkTensor('matmul', b, 'b');
  [a, b] = coercePair('matmul', a, b);
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(`matmul: operands must have at least one axis, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; use mul for scalars`);
  }
  const tA = options.transposeA ?? false;
  const tB = options.transposeB ?? false;
  const vecA = a.rank === 1;
  const vecB = b.rank === 1;
  const A = vecA ? expandDims(a, 0) : a;
  const Bm = vecB ? expandDims(b, 1) : b;
  const ra = A.rank,
    rb = Bm.rank;
  const k1 = tA ? A.shape[ra - 2] : A.shape[ra - 1];
  const k2 = tB ? Bm.shape[rb - 1] : Bm.shape[rb - 2];
  if (k1 !== k2) {
    throw new ShapeError(
      `matmul: inner dimensions differ: a ${fmtShape(a.shape)}${tA ? 'ᵀ' : ''} · b ${fmtShape(b.shape)}${tB ? 'ᵀ' : ''} contracts ${k1} with ${k2}; expected equal lengths`,
    );
  }
  const M = tA ? A.shape[ra - 1] : A.shape[ra - 2];
  const N = tB ? Bm.shape[rb - 2] : Bm.shape[rb - 1];
  const batchShape = broadcastShapes('matmul (batch axes)', A.shape.slice(0, ra - 2), Bm.shape.slice(0, rb - 2));
  const outShape = [...batchShape, M, N];
  checkSize(
    'matmul',
    outShape.reduce((p, d) => p * d, 1),
    outShape,
  );
  const out = bind(matmulP, [A, Bm], { transposeA: tA, transposeB: tB, batchShape, outShape });
  if (vecA && vecB) return reshape(out, out.shape.slice(0, -2));
  if (vecA) return squeeze(out, -2);
  if (vecB) return squeeze(out, -1);
  return out;
}

/** Inner product of two 1-D tensors of equal length. */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor('dot', a, 'a');
  checkTensor('dot', b, 'b');
  if (a.rank !== 1 || b.rank !== 1 || a.size !== b.size) {
    throw new ShapeError(`dot: expected two 1-D tensors of equal length, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return sum(mul(a, b));
}

/** Outer product `a bᵀ` of two 1-D tensors. */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor('outer', a, 'a');
  checkTensor('outer', b, 'b');
  if (a.rank !== 1 || b.rank !== 1) throw new ShapeError(`outer: expected two 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return mul(expandDims(a, 1), expandDims(b, 0));
}
