/**
 * `einsum`: Einstein summation over explicitly lettered axes, routed to
 * `matmul`, `transpose`, `reshape` and `sum` (never an elementwise product
 * over the full index space).
 *
 * Plan: per operand, repeated letters take a diagonal (`'ii->i'`, `'ii->'`)
 * and letters used nowhere else are summed out; operands are then contracted
 * left to right, each pair as one batched `matmul` of
 * `[batch, free₁, contracted] · [batch, contracted, free₂]` (a plain matmul
 * when no letter is batched; an outer product contracts nothing); finally the
 * result is transposed into the output order. Every step is an op, so
 * `einsum` is differentiable to any order and batches under `vmap`.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.ts';
import { eye } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { sum } from './broadcast.ts';
import { mul } from './elementwise.ts';
import { matmul } from './linalg.ts';
import { reshape, transpose } from './shape.ts';
import { checkTensor, promote } from './util.ts';
import { cast } from './cast.ts';

interface Term {
  t: Tensor;
  letters: string[];
}

const LETTER = /^[A-Za-z]$/;

function parse(spec: string, n: number): { inputs: string[][]; output: string[] } {
  if (typeof spec !== 'string') throw new ValueError(`einsum: spec must be a string such as 'ij,jk->ik', got ${typeof spec}`);
  const s = spec.replace(/\s+/g, '');
  if (s.includes('.')) throw new ValueError(`einsum: ellipsis ('...') is not supported in ${JSON.stringify(spec)}; write every axis as a letter`);
  const parts = s.split('->');
  if (parts.length > 2) throw new ValueError(`einsum: spec ${JSON.stringify(spec)} has more than one '->'`);
  const inputs = parts[0].split(',').map((p) => [...p]);
  for (const letters of inputs) {
    for (const c of letters) {
      if (!LETTER.test(c))
        throw new ValueError(`einsum: spec ${JSON.stringify(spec)} has the character ${JSON.stringify(c)}; expected letters a–z, A–Z, ',' and '->'`);
    }
  }
  if (inputs.length !== n) {
    throw new ValueError(`einsum: spec ${JSON.stringify(spec)} names ${inputs.length} operand(s) but ${n} tensor(s) were given`);
  }
  let output: string[];
  if (parts.length === 2) {
    output = [...parts[1]];
    for (const c of output) {
      if (!LETTER.test(c)) throw new ValueError(`einsum: output of ${JSON.stringify(spec)} has the character ${JSON.stringify(c)}; expected letters`);
      if (!inputs.some((l) => l.includes(c))) throw new ValueError(`einsum: output letter '${c}' of ${JSON.stringify(spec)} appears in no operand`);
    }
    if (new Set(output).size !== output.length) throw new ValueError(`einsum: output of ${JSON.stringify(spec)} repeats a letter`);
  } else {
    // implicit output: the letters that appear exactly once, in alphabetical order (NumPy)
    const count = new Map<string, number>();
    for (const l of inputs) for (const c of l) count.set(c, (count.get(c) ?? 0) + 1);
    output = [...count]
      .filter(([, k]) => k === 1)
      .map(([c]) => c)
      .sort();
  }
  return { inputs, output };
}

/** Removes repeated letters of one operand by taking diagonals. */
function diagonals(term: Term): Term {
  let { t, letters } = term;
  for (;;) {
    const q = letters.findIndex((c, i) => letters.indexOf(c) !== i);
    if (q < 0) return { t, letters };
    const p = letters.indexOf(letters[q]);
    const n = t.shape[p];
    const maskShape = t.shape.map((_, i) => (i === p || i === q ? n : 1));
    // keep the entries with equal p and q indices, then sum the q axis away
    t = sum(mul(t, reshape(eye(n, n, t.dtype), maskShape)), q);
    letters = letters.filter((_, i) => i !== q);
  }
}

/** Sums out the letters of `term` that are not in `keep`. */
function sumOut(term: Term, keep: Set<string>): Term {
  const axes = term.letters.flatMap((c, i) => (keep.has(c) ? [] : [i]));
  if (axes.length === 0) return term;
  return { t: sum(term.t, axes), letters: term.letters.filter((c) => keep.has(c)) };
}

function permuteTo(term: Term, order: readonly string[]): Tensor {
  return transpose(
    term.t,
    order.map((c) => term.letters.indexOf(c)),
  );
}

/** Contracts two operands (each without repeated letters) keeping the letters of `keep`. */
function contract(a: Term, b: Term, keep: Set<string>): Term {
  const inB = new Set(b.letters);
  const inA = new Set(a.letters);
  const batch = a.letters.filter((c) => inB.has(c) && keep.has(c));
  const summed = a.letters.filter((c) => inB.has(c) && !keep.has(c));
  const freeA = a.letters.filter((c) => !inB.has(c));
  const freeB = b.letters.filter((c) => !inA.has(c));
  const size = (t: Term, cs: readonly string[]): number[] => cs.map((c) => t.t.shape[t.letters.indexOf(c)]);
  const prod = (xs: readonly number[]): number => xs.reduce((p, d) => p * d, 1);
  const nb = prod(size(a, batch)),
    nm = prod(size(a, freeA)),
    nk = prod(size(a, summed)),
    nn = prod(size(b, freeB));
  const A = reshape(permuteTo(a, [...batch, ...freeA, ...summed]), batch.length ? [nb, nm, nk] : [nm, nk]);
  const B = reshape(permuteTo(b, [...batch, ...summed, ...freeB]), batch.length ? [nb, nk, nn] : [nk, nn]);
  const C = matmul(A, B);
  const letters = [...batch, ...freeA, ...freeB];
  return { t: reshape(C, [...size(a, batch), ...size(a, freeA), ...size(b, freeB)]), letters };
}

/**
 * Einstein summation, e.g. `einsum('ij,jk->ik', a, b)` (matmul),
 * `einsum('bij,bjk->bik', a, b)` (batched matmul), `einsum('i,j->ij', u, v)`
 * (outer), `einsum('ii->', a)` (trace), `einsum('ij->ji', a)` (transpose),
 * `einsum('ii->i', a)` (diagonal), `einsum('ij->', a)` (sum). Without `->` the
 * output is the letters that appear once, alphabetically (NumPy's rule).
 * Letters are single ASCII letters; a letter's axes must have equal lengths
 * (no broadcasting). Operands of mixed dtypes are promoted to float64.
 * @throws ValueError for a malformed spec (bad characters, ellipsis, an
 *   operand count that does not match, an output letter repeated or absent
 *   from the inputs)
 * @throws ShapeError when an operand's rank differs from its letter count or
 *   one letter labels axes of different lengths
 */
export function einsum(spec: string, ...operands: Tensor[]): Tensor {
  operands.forEach((t, i) => checkTensor('einsum', t, `operands[${i}]`));
  if (operands.length === 0) throw new ValueError('einsum: expected at least one operand tensor');
  const { inputs, output } = parse(spec, operands.length);
  const sizes = new Map<string, number>();
  operands.forEach((t, i) => {
    if (t.rank !== inputs[i].length) {
      throw new ShapeError(
        `einsum: operand ${i} has shape ${fmtShape(t.shape)} (rank ${t.rank}) but '${inputs[i].join('')}' names ${inputs[i].length} axes in ${JSON.stringify(spec)}`,
      );
    }
    inputs[i].forEach((c, k) => {
      const d = sizes.get(c);
      if (d !== undefined && d !== t.shape[k]) {
        throw new ShapeError(
          `einsum: letter '${c}' labels axes of lengths ${d} and ${t.shape[k]} in ${JSON.stringify(spec)} (shapes ${operands.map((o) => fmtShape(o.shape)).join(', ')}); expected equal lengths`,
        );
      }
      sizes.set(c, t.shape[k]);
    });
  });
  const dt = operands.reduce((d, t) => promote(d, t.dtype), operands[0].dtype);
  let terms: Term[] = operands.map((t, i) => diagonals({ t: cast(t, dt), letters: inputs[i] }));
  const outSet = new Set(output);
  const neededAfter = (k: number): Set<string> => {
    const s = new Set(outSet);
    for (let j = k + 1; j < terms.length; j++) for (const c of terms[j].letters) s.add(c);
    return s;
  };
  // letters of one operand that no other operand and not the output use are summed first
  terms = terms.map((term, i) => {
    const keep = new Set(outSet);
    terms.forEach((o, j) => {
      if (j !== i) for (const c of o.letters) keep.add(c);
    });
    return sumOut(term, keep);
  });
  let acc = terms[0];
  for (let k = 1; k < terms.length; k++) {
    const keep = neededAfter(k);
    acc = sumOut(contract(acc, terms[k], keep), keep);
  }
  acc = sumOut(acc, outSet);
  return permuteTo(acc, output);
}
