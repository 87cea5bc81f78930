/**
 * Specialised loops for the elementwise kernels, generated once per
 * operation with `new Function` and cached, so that each loop body is
 * monomorphic (a shared loop calling per-op closures is several times slower
 * in V8). If code generation is unavailable (a strict Content-Security-Policy),
 * the generic closure-based loops are used instead.
 */

/** out[i] = f(x[i]) for i < n */
export type MapLoop = (x: ArrayLike<number>, out: { [i: number]: number }, n: number, p0: number, p1: number) => void;
/**
 * A broadcasting inner loop over `n` output elements starting at `o`, reading
 * `a` from `ia` with stride `sa` (0 or 1) and `b` from `ib` with stride `sb`.
 */
export type ZipLoop = (
  a: ArrayLike<number>,
  ia: number,
  sa: number,
  b: ArrayLike<number>,
  ib: number,
  sb: number,
  out: { [i: number]: number },
  o: number,
  n: number,
) => void;

let canGenerate: boolean | undefined;
function generationAllowed(): boolean {
  if (canGenerate === undefined) {
    try {
      canGenerate = new Function('return 1')() === 1;
    } catch {
      canGenerate = false;
    }
  }
  return canGenerate;
}

const mapCache = new Map<string, MapLoop>();
const zipCache = new Map<string, ZipLoop>();

/**
 * A loop computing `expr` of `x` (and the parameters `p0`, `p1`) for each
 * element; `fallback` is the same map as a function.
 */
export function mapLoop(expr: string, fallback: (x: number, p0: number, p1: number) => number): MapLoop {
  let f = mapCache.get(expr);
  if (f) return f;
  if (generationAllowed()) {
    f = new Function('X', 'out', 'n', 'p0', 'p1', `for (let i = 0; i < n; i++) { const x = X[i]; out[i] = ${expr}; }`) as MapLoop;
  } else {
    f = (X, out, n, p0, p1) => {
      for (let i = 0; i < n; i++) out[i] = fallback(X[i], p0, p1);
    };
  }
  mapCache.set(expr, f);
  return f;
}

/** A broadcasting loop computing `expr` of `a` and `b`; `fallback` is the same map as a function. */
export function zipLoop(expr: string, fallback: (a: number, b: number) => number): ZipLoop {
  let f = zipCache.get(expr);
  if (f) return f;
  if (generationAllowed()) {
    const body = (ia: string, ib: string) => `for (let i = 0; i < n; i++) { const a = A[${ia}], b = B[${ib}]; out[o + i] = ${expr}; }`;
    f = new Function(
      'A',
      'ia',
      'sa',
      'B',
      'ib',
      'sb',
      'out',
      'o',
      'n',
      `if (sa === 1 && sb === 1) { ${body('ia + i', 'ib + i')} }
       else if (sa === 1) { const b = B[ib]; for (let i = 0; i < n; i++) { const a = A[ia + i]; out[o + i] = ${expr}; } }
       else if (sb === 1) { const a = A[ia]; for (let i = 0; i < n; i++) { const b = B[ib + i]; out[o + i] = ${expr}; } }
       else { const a = A[ia], b = B[ib]; const v = ${expr}; for (let i = 0; i < n; i++) out[o + i] = v; }`,
    ) as ZipLoop;
  } else {
    f = (A, ia, sa, B, ib, sb, out, o, n) => {
      for (let i = 0; i < n; i++) out[o + i] = fallback(A[ia + i * sa], B[ib + i * sb]);
    };
  }
  zipCache.set(expr, f);
  return f;
}
