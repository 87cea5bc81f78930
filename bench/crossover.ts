/**
 * Crossover measurement: for every available float32 backend other than js,
 * from which size on does it beat the js backend? This is what the library's
 * small-tensor thresholds (a backend's `minWork`) are set from.
 *
 * Kernels measured, each through the public op (so op overhead is included):
 *  - matmul: square float32 n×n · n×n, n on a log grid 4 … 512 (work n³ multiply-adds);
 *  - poincarePairwiseDist, N = M = n points in dimension D = 128, c = 1,
 *    forward only and forward + backward (a fixed cotangent), n on 8 … 1024.
 *
 * A backend whose threshold the bench knows how to remove (bench/backends.ts:
 * gpu.js, wasm) is measured *raw* (`name[raw]`, minWork = 0), so the table shows
 * its kernel, not its js fallback; any other backend is measured as shipped.
 * Each size alternates backend and js (medians of the rounds), after warm-up;
 * the first call of each shape (kernel compile / module growth, if any) is
 * reported separately as "first call".
 *
 * "Crossover" = the smallest grid size from which the backend is faster than
 * js at that size and at every larger size measured ("never, up to N" if not
 * even at the largest).
 *
 *   npm run bench:crossover              full run
 *   npm run bench:crossover -- --quick   smoke run (small grids)
 *   options: --backends=wasm,gpujs-webasm  --kernels=matmul,poincare
 */
import os from 'node:os';
import { setBackend, tensor, toTypedArray, matmul, vjp, type Tensor } from '../lib/index.ts';
import { poincarePairwiseDist } from '../lib/ops/fused/poincarePairwiseDist.ts';
import { argList, knownMinWork, oursBackends, prepareDisplay, rawVariant, stopDisplay } from './backends.ts';
import { alternate } from './timing.ts';
import { ballPoints, fmt, mulberry32, randomFloat32, relL2 } from './util.ts';

const QUICK = process.argv.includes('--quick');
const KERNELS = argList('kernels') ?? ['matmul', 'poincare'];

/** log grid with ratio √2 from lo to hi (both powers of two), rounded */
function grid(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.log2(lo); e <= Math.log2(hi) + 1e-9; e += 0.5) out.push(Math.round(2 ** e));
  return out;
}

const CFG = QUICK
  ? { mm: [4, 8, 16, 32, 64], pc: [8, 16, 32], D: 16, rounds: 3, minSampleMs: 10 }
  : { mm: grid(4, 512), pc: [8, 16, 32, 64, 128, 256, 512, 1024], D: 128, rounds: 5, minSampleMs: 60 };

const now = (): number => performance.now();
let failures = 0;

interface Row {
  n: number;
  work: number;
  jsMs: number;
  beMs: number;
  firstMs: number;
}

interface Case {
  /** work of size n (multiply-adds for matmul; output entries N·M for the Poincaré kernels) */
  work(n: number): number;
  /** builds the inputs of size n and returns one call (which reads its result back) */
  make(n: number): () => Float32Array[];
  /** relative tolerance of the backend's result against js's */
  tol: number;
}

const CASES: Record<string, Case> = {
  matmul: {
    work: (n) => n ** 3,
    make: (n) => {
      const rng = mulberry32(n);
      const A = tensor(randomFloat32(rng, n * n), [n, n]),
        B = tensor(randomFloat32(rng, n * n), [n, n]);
      return () => [toTypedArray(matmul(A, B)) as Float32Array];
    },
    tol: 1e-5,
  },
  'poincare fwd': {
    work: (n) => n * n,
    make: (n) => {
      const { X, Y, c } = poincareInputs(n);
      return () => [toTypedArray(poincarePairwiseDist(X, Y, c)) as Float32Array];
    },
    tol: 1e-4,
  },
  'poincare fwd+bwd': {
    work: (n) => n * n,
    make: (n) => {
      const { X, Y, c, G } = poincareInputs(n);
      const f = (x: Tensor, y: Tensor): Tensor => poincarePairwiseDist(x, y, c);
      return () => {
        const [d, back] = vjp(f, X, Y);
        const [gx, gy] = back(G);
        return [toTypedArray(d), toTypedArray(gx), toTypedArray(gy)] as Float32Array[];
      };
    },
    tol: 1e-4,
  },
};

function poincareInputs(n: number): { X: Tensor; Y: Tensor; c: Tensor; G: Tensor } {
  const rng = mulberry32(7 * n);
  const D = CFG.D;
  return {
    X: tensor(ballPoints(rng, n, D), [n, D]),
    Y: tensor(ballPoints(rng, n, D), [n, D]),
    c: tensor(new Float32Array([1]), []),
    G: tensor(randomFloat32(rng, n * n), [n, n]),
  };
}

async function measure(kernelName: string, be: string, sizes: number[]): Promise<Row[]> {
  const c = CASES[kernelName];
  const rows: Row[] = [];
  for (const n of sizes) {
    const call = c.make(n);
    // first call of this shape on the backend (compile, module growth, …), then a correctness check against js
    setBackend(be);
    const t0 = now();
    const got = call();
    const firstMs = now() - t0;
    setBackend('js');
    const want = call();
    got.forEach((g, i) => {
      const r = relL2(g, want[i]);
      if (!(r <= c.tol)) {
        failures++;
        console.error(`CHECK FAILED: ${kernelName} n=${n} on ${be}: output ${i} differs from js by ${r.toExponential(1)} (rel L2) > ${c.tol}`);
      }
    });
    const [tBe, tJs] = await alternate(
      [
        { label: be, activate: () => setBackend(be), run: () => void call() },
        { label: 'js', activate: () => setBackend('js'), run: () => void call() },
      ],
      { rounds: CFG.rounds, minSampleMs: CFG.minSampleMs, warmup: 2 },
    );
    rows.push({ n, work: c.work(n), jsMs: tJs.med, beMs: tBe.med, firstMs });
  }
  setBackend('js');
  return rows;
}

/** smallest n from which the backend is faster at every larger measured size */
function crossover(rows: Row[]): Row | undefined {
  let from: Row | undefined;
  for (let i = rows.length - 1; i >= 0; i--) {
    if (rows[i].beMs < rows[i].jsMs) from = rows[i];
    else break;
  }
  return from;
}

async function main(): Promise<void> {
  const t0 = now();
  const displayNote = await prepareDisplay();
  const cpus = os.cpus();
  console.log(`# Crossover: from which size does each float32 backend beat js?${QUICK ? ' — QUICK smoke run' : ''}\n`);
  console.log(
    `- machine: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores, ${os.platform()} ${os.arch()}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(`- node ${process.version}; date ${new Date().toISOString()}; ${displayNote}`);
  console.log(
    `- medians of ${CFG.rounds} alternating rounds (backend, js) per size; samples ≥ ${CFG.minSampleMs} ms; ratio = js ms / backend ms (> 1: backend faster)`,
  );

  const summary: string[] = [];
  try {
    const plan: [string, string[], number[]][] = [];
    if (KERNELS.includes('matmul')) plan.push(['matmul', ['matmul'], CFG.mm]);
    if (KERNELS.includes('poincare')) {
      const ks = ['matmul', 'poincarePairwiseForward', 'poincarePairwiseBackward'] as const;
      plan.push(['poincare fwd', [...ks], CFG.pc], ['poincare fwd+bwd', [...ks], CFG.pc]);
    }
    for (const [kernelName, needs, sizes] of plan) {
      const { names } = oursBackends(needs as Parameters<typeof oursBackends>[0]);
      for (const name of names.filter((n) => n !== 'js')) {
        const raw = rawVariant(name);
        const be = raw ?? name;
        const shipped = knownMinWork(name);
        const unit = kernelName === 'matmul' ? 'multiply-adds n³' : 'output entries N·M';
        const note = raw
          ? ` (threshold removed; as shipped, ${name} has minWork = ${shipped ?? '?'}: multiply-adds for matmul, output entries for its elementwise kernels)`
          : ' (as shipped: its own thresholds apply)';
        console.log(`\n## ${kernelName} — ${be}${note}\n`);
        const mmCol = kernelName === 'matmul' ? '' : ` matmul MACs N·M·${CFG.D} |`;
        console.log(`| n | work (${unit}) |${mmCol} js ms | ${be} ms | js/${be} | first call on ${be} ms |`);
        console.log(`|---:|---:|${mmCol ? '---:|' : ''}---:|---:|---:|---:|`);
        const rows = await measure(kernelName, be, sizes);
        for (const r of rows) {
          const ratio = r.jsMs / r.beMs;
          const mm = kernelName === 'matmul' ? '' : ` ${r.work * CFG.D} |`;
          console.log(
            `| ${r.n} | ${r.work} |${mm} ${fmt(r.jsMs)} | ${fmt(r.beMs)} | ${ratio > 1 ? `**${fmt(ratio)}×**` : `${fmt(ratio)}×`} | ${fmt(r.firstMs)} |`,
          );
        }
        const x = crossover(rows);
        const last = rows[rows.length - 1];
        const line =
          x === undefined
            ? `${kernelName} on ${be}: never beats js, up to n = ${last.n} (js/${be} = ${fmt(last.jsMs / last.beMs)}× there)`
            : `${kernelName} on ${be}: beats js from n ${x === rows[0] ? '≤' : '='} ${x.n}${x === rows[0] ? ' (the smallest size measured)' : ''} (work ${x.work}${kernelName === 'matmul' ? '' : `; matmul MACs ${x.work * CFG.D}`}) on; js/${be} = ${fmt(x.jsMs / x.beMs)}× there, ${fmt(last.jsMs / last.beMs)}× at n = ${last.n}`;
        console.log(`\n**${line}**`);
        summary.push(line);
      }
    }
  } finally {
    stopDisplay();
  }
  console.log('\n## Summary (crossover = smallest size from which the backend is faster at every larger size measured)\n');
  for (const s of summary) console.log(`- ${s}`);
  console.log(
    `\nload average after: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; total ${fmt((now() - t0) / 1000)} s`,
  );
  console.log(failures === 0 ? 'all correctness checks passed' : `${failures} correctness check(s) FAILED`);
  if (failures > 0) process.exitCode = 1;
}

await main();
