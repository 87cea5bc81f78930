/**
 * Generates the WebAssembly SIMD module of the float32 matmul micro-kernel.
 *
 * Exported function `gemm(aPtr, bPtr, cPtr, p0, p1, nq, K, Mp, Np)` (all i32;
 * pointers are byte addresses, sizes are elements) computes, for the row
 * panels p0 ≤ p < p1 and every column panel 0 ≤ q < nq,
 *
 *     C[p·MR + r, q·NR + s] += Σ_k A[p·MR + r, k] · B[k, q·NR + s]
 *
 * on operands packed by kernels/wasm/pack.ts (GotoBLAS-style): K is cut into
 * blocks of KC; inside block `pc` (starting at element k0 = pc·KC, of length
 * kc), row panel p of A is `kc·MR` contiguous floats at `aPtr + 4·(k0·Mp +
 * p·kc·MR)`, laid out k-major (`[k][r]`), and column panel q of B is `kc·NR`
 * floats at `bPtr + 4·(k0·Np + q·kc·NR)`, laid out `[k][s]`. C is row-major
 * with row length Np (padded; Mp and Np are multiples of MR and NR); the
 * caller clears it. (Zeroing the accumulators in the first k block instead
 * of loading C was measured 5 % slower at 1024³: V8 then moves the eight
 * accumulators between the two branches.)
 *
 * The register block is MR×NR floats in MR·NR/4 `v128` accumulators; per k,
 * NR/4 vector loads of B, MR broadcast loads of A (`v128.load32_splat`) and
 * MR·NR/4 multiply–adds (`f32x4.mul` then `f32x4.add`: the fused multiply-add
 * of relaxed SIMD is not enabled by default in Node 20). The k loop is
 * unrolled U times. Sums are accumulated in float32, in k order within a
 * block and block by block through C.
 */
import { assemble, Code, I32, V128, type MemoryImport, type ValType } from './encode.ts';

/** Shape parameters of the generated kernel. */
export interface GemmParams {
  /** rows of the register block */
  MR: number;
  /** columns of the register block (a multiple of 4) */
  NR: number;
  /** k block (elements): an MR×KC panel of A and a KC×NR panel of B stay in L1 */
  KC: number;
  /** unroll factor of the k loop (a power of two) */
  U: number;
}

/** The default kernel shape (measured fastest of the variants tried; see BENCHMARKS.md). */
export const DEFAULT_GEMM: GemmParams = { MR: 4, NR: 8, KC: 256, U: 1 };

/** Builds the module bytes for `params`, importing `env.memory` with the given limits. */
export function gemmModule(params: GemmParams, memory: Omit<MemoryImport, 'module' | 'name'>): Uint8Array {
  const { MR, NR, KC, U } = params;
  const posInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
  if (!posInt(MR) || MR > 8 || !posInt(NR) || NR % 4 !== 0 || NR > 16 || !posInt(U) || (U & (U - 1)) !== 0 || !posInt(KC) || KC < U) {
    throw new RangeError(`gemmModule: expected integers 1 ≤ MR ≤ 8, NR ∈ {4, 8, 12, 16}, U a power of two and KC ≥ U; got ${JSON.stringify(params)}`);
  }
  const NV = NR / 4;
  // parameters
  const aPtr = 0,
    bPtr = 1,
    cPtr = 2,
    p0 = 3,
    p1 = 4,
    nq = 5,
    K = 6,
    Mp = 7,
    Np = 8;
  // i32 locals
  let next = 9;
  const pc = next++,
    kc = next++,
    aBlk = next++,
    bBlk = next++,
    p = next++,
    q = next++;
  const ap = next++,
    bp = next++,
    cp = next++,
    cr = next++,
    crow = next++,
    aEnd = next++,
    aEndMain = next++,
    ldc = next++;
  const i32Count = next - 9;
  // v128 locals
  const acc = (r: number, v: number): number => next + r * NV + v;
  const bv = (v: number): number => next + MR * NV + v;
  const av = next + MR * NV + NV;
  const v128Count = MR * NV + NV + 1;

  const c = new Code();
  // ldc = Np·4 (bytes per C row); pc = 0
  c.get(Np).i32(4).mul().set(ldc);
  c.i32(0).set(pc);
  c.loop(); // PC
  {
    c.get(K).get(pc).sub().set(kc);
    c.get(kc).i32(KC).gtU().if().i32(KC).set(kc).end();
    c.get(aPtr).get(pc).get(Mp).mul().i32(4).mul().add().set(aBlk);
    c.get(bPtr).get(pc).get(Np).mul().i32(4).mul().add().set(bBlk);
    c.get(p0).set(p);
    c.loop(); // P
    {
      c.get(cPtr).get(p).i32(MR).mul().get(ldc).mul().add().set(crow);
      c.i32(0).set(q);
      c.loop(); // Q
      {
        c.get(bBlk)
          .get(q)
          .get(kc)
          .mul()
          .i32(NR * 4)
          .mul()
          .add()
          .set(bp);
        c.get(crow)
          .get(q)
          .i32(NR * 4)
          .mul()
          .add()
          .set(cp);
        c.get(aBlk)
          .get(p)
          .get(kc)
          .mul()
          .i32(MR * 4)
          .mul()
          .add()
          .set(ap);
        c.get(ap)
          .get(kc)
          .i32(MR * 4)
          .mul()
          .add()
          .set(aEnd);
        c.get(ap)
          .get(kc)
          .i32(~(U - 1))
          .and()
          .i32(MR * 4)
          .mul()
          .add()
          .set(aEndMain);
        // accumulators ← C tile
        c.get(cp).set(cr);
        for (let r = 0; r < MR; r++) {
          for (let v = 0; v < NV; v++)
            c.get(cr)
              .v128Load(v * 16)
              .set(acc(r, v));
          if (r + 1 < MR) c.get(cr).get(ldc).add().set(cr);
        }
        const step = (u: number): void => {
          for (let v = 0; v < NV; v++)
            c.get(bp)
              .v128Load((u * NR + v * 4) * 4)
              .set(bv(v));
          for (let r = 0; r < MR; r++) {
            c.get(ap)
              .v128Load32Splat((u * MR + r) * 4)
              .set(av);
            for (let v = 0; v < NV; v++) c.get(acc(r, v)).get(av).get(bv(v)).f32x4Mul().f32x4Add().set(acc(r, v));
          }
        };
        // main loop: U steps per iteration
        c.block().get(ap).get(aEndMain).geU().brIf(0);
        c.loop();
        for (let u = 0; u < U; u++) step(u);
        c.get(ap)
          .i32(U * MR * 4)
          .add()
          .set(ap);
        c.get(bp)
          .i32(U * NR * 4)
          .add()
          .set(bp);
        c.get(ap).get(aEndMain).ltU().brIf(0);
        c.end().end();
        // remainder: one step per iteration
        c.block().get(ap).get(aEnd).geU().brIf(0);
        c.loop();
        step(0);
        c.get(ap)
          .i32(MR * 4)
          .add()
          .set(ap);
        c.get(bp)
          .i32(NR * 4)
          .add()
          .set(bp);
        c.get(ap).get(aEnd).ltU().brIf(0);
        c.end().end();
        // C tile ← accumulators
        c.get(cp).set(cr);
        for (let r = 0; r < MR; r++) {
          for (let v = 0; v < NV; v++)
            c.get(cr)
              .get(acc(r, v))
              .v128Store(v * 16);
          if (r + 1 < MR) c.get(cr).get(ldc).add().set(cr);
        }
        c.get(q).i32(1).add().tee(q).get(nq).ltU().brIf(0);
      }
      c.end();
      c.get(p).i32(1).add().tee(p).get(p1).ltU().brIf(0);
    }
    c.end();
    c.get(pc).i32(KC).add().tee(pc).get(K).ltU().brIf(0);
  }
  c.end();

  const locals: ValType[] = [...new Array<ValType>(i32Count).fill(I32), ...new Array<ValType>(v128Count).fill(V128)];
  return assemble({ module: 'env', name: 'memory', ...memory }, [{ name: 'gemm', params: new Array<ValType>(9).fill(I32), results: [], locals, code: c }]);
}
