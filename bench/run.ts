/**
 * Benchmarks gyrograd against TensorFlow.js in one process, alternating the
 * sides round by round and reporting medians:
 *
 *  (a) float32 matmul of square n×n matrices (product, then read the whole
 *      result): ours on EVERY available backend that implements float32
 *      matmul (js, the gpu.js routes, any backend added later) against
 *      tfjs-core on its pure-JS `cpu` backend and on its `wasm` backend;
 *  (b) autodiff overhead: forward + backward of a chain of many small
 *      elementwise ops on shape [16], summed to a scalar (ours vs tfjs cpu);
 *  (c) Poincaré pairwise distances [1024 × 1000] in dimension 128, c = 1,
 *      forward + backward for a fixed random cotangent, w.r.t. both inputs
 *      (ours on every backend implementing matmul or the Poincaré kernels vs
 *      the same closed form written with tfjs primitives on tfjs-wasm);
 *  (d) a float32 2-D convolution layer (the CHEST demo's two: 28×28×1 → 5×5/1
 *      → 32 channels, and 12×12×32 → 3×3/2 → 64 channels; batch 120), forward +
 *      backward w.r.t. input, kernel and bias for a fixed random cotangent: ours
 *      (`conv2d.apply`, NHWC, 'valid', under `vjp`) on the default backend vs
 *      `tf.conv2d` + bias under `tf.valueAndGrads` on tfjs-wasm (tfjs-cpu too in
 *      the quick run).
 *
 * Every side is checked against the others and against a float64 reference
 * before anything is timed, so a wrong-but-fast kernel cannot win.
 *
 *   npm run bench              full run (a few minutes on 2 cores)
 *   npm run bench -- --quick   smoke run (small sizes, few rounds; seconds)
 *   options: --backends=js,gpujs-webasm  measure only these of our backends
 *            --sections=matmul,chain,poincare,conv  run only these sections
 *
 * Exits with status 1 if a correctness check fails.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { defaultBackend, setBackend } from '../lib/index.ts';
import { oursBackends, prepareDisplay, stopDisplay, WASM_1T } from './backends.ts';
import { setupTfPeers, useTf } from './tfjs-peers.ts';
import { checks, fmt } from './util.ts';
import { QUICK, SECTIONS, CONFIG, now } from './sections/config.ts';
import { benchMatmul, printMatmul } from './sections/matmul.ts';
import { benchChain } from './sections/chain.ts';
import { benchPoincare } from './sections/poincare.ts';
import { benchConv } from './sections/conv.ts';

async function main(): Promise<void> {
  const t0 = now();
  const displayNote = await prepareDisplay(); // before any backend is probed
  const peers = await setupTfPeers();
  const cpus = os.cpus();
  console.log(`# gyrograd vs tfjs-core ${tf.version_core} (cpu and wasm backends)${QUICK ? ' — QUICK smoke run' : ''}\n`);
  console.log(
    `- machine: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores, ${os.platform()} ${os.arch()}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(`- node ${process.version}; date ${new Date().toISOString()}`);
  console.log(`- tfjs-wasm: ${peers.wasm}; ${displayNote}`);
  console.log('- sides alternate round by round; medians reported; every side is checked before timing');

  try {
    if (SECTIONS.includes('matmul')) {
      const { names, skipped } = oursBackends(['matmul']);
      console.log(`\n## (a) float32 matmul, n×n · n×n (product + read the whole result)\n`);
      console.log(`ours measured on: ${names.join(', ')}${skipped.length > 0 ? `; not measured: ${skipped.join('; ')}` : ''}`);
      console.log('GFLOP/s = 2n³ / time; ratios are speed ratios (tfjs ms / ours ms; > 1: ours faster)');
      for (const [idx, n] of CONFIG.sizes.entries()) printMatmul(await benchMatmul(n, names, 1000 + idx));
    }

    if (SECTIONS.includes('chain')) {
      await useTf('cpu');
      setBackend('js');
      console.log(`\n## (b) autodiff: forward + backward of a ${CONFIG.chainOps}-op elementwise chain on shape [16] (ours js vs tfjs-cpu)\n`);
      const r = benchChain(CONFIG.chainOps, CONFIG.chainRounds, 7);
      console.log('| ops | ours ms | tfjs ms | ours µs/op | tfjs µs/op | tfjs/ours (speed) |');
      console.log('|---:|---:|---:|---:|---:|---:|');
      console.log(
        `| ${r.ops} | ${fmt(r.oursMs)} | ${fmt(r.tfMs)} | ${fmt((r.oursMs * 1000) / r.ops)} | ${fmt((r.tfMs * 1000) / r.ops)} | **${fmt(r.tfMs / r.oursMs)}×** |`,
      );
      const us = (ms: number): string => fmt((ms * 1000) / r.ops);
      console.log(
        `\nbreakdown (µs per op, medians): forward only, no autodiff — ours ${us(r.oursFwdMs)}, tfjs ${us(r.tfFwdMs)}; ours traced forward without backward ${us(r.oursTracedFwdMs)}, so ours' backward ≈ ${us(r.oursMs - r.oursTracedFwdMs)}`,
      );
      console.log(
        `\nchecks: gradients agree (max rel diff ours↔tfjs ${r.maxRelDiffTf.toExponential(1)}, ours↔float64 ${r.maxRelDiffRef.toExponential(1)}; |grad| ∈ [${r.gradRange[0].toExponential(1)}, ${r.gradRange[1].toExponential(1)}])`,
      );
    }

    if (SECTIONS.includes('poincare')) {
      const { names, skipped } = oursBackends(['matmul', 'poincarePairwiseForward', 'poincarePairwiseBackward']);
      const { N, M, D } = CONFIG.poincare;
      console.log(`\n## (c) Poincaré pairwise distance [${N} × ${M}], D = ${D}, forward + backward (ours vs tfjs-wasm)\n`);
      console.log(`ours measured on: ${names.join(', ')}${skipped.length > 0 ? `; not measured: ${skipped.join('; ')}` : ''}`);
      await benchPoincare(names);
    }

    if (SECTIONS.includes('conv')) {
      const name = defaultBackend();
      const { batch } = CONFIG.conv;
      console.log(
        `\n## (d) float32 conv2d layer, batch ${batch}, forward + backward w.r.t. input, kernel and bias (ours ${name} vs tfjs-wasm${QUICK ? ' and tfjs-cpu' : ''})\n`,
      );
      // like-for-like with single-threaded tfjs-wasm: wasm on one thread too (registered by oursBackends)
      const names = name === 'wasm' ? oursBackends(['matmul']).names.filter((n) => n === 'wasm' || n === WASM_1T) : [name];
      console.log(
        `ours measured on the default backend (${name})${name === 'wasm' ? ', which runs large products on every core (worker threads), and on wasm-1thread, one thread like tfjs-wasm' : ''}`,
      );
      await benchConv(names);
    }
  } finally {
    stopDisplay();
  }

  console.log(
    `\nload average after: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; total ${fmt((now() - t0) / 1000)} s`,
  );
  console.log(checks.failures === 0 ? 'all correctness checks passed' : `${checks.failures} correctness check(s) FAILED`);
  if (checks.failures > 0) process.exitCode = 1;
}

await main();
