/**
 * The TensorFlow.js peers of the benchmarks: tfjs-core 4.22 with the pure-JS
 * `cpu` backend and with the `wasm` backend (XNNPACK; SIMD, single-threaded in
 * Node), both registered in one process.
 *
 * tfjs-core runs one backend at a time and every tensor belongs to the backend
 * it was created on (using it on another backend copies it over). The
 * benchmarks therefore switch with {@link useTf} before each side's timed
 * sample (outside the timing) and create each side's input tensors once, on
 * that side's backend, so no transfer is ever timed.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setupTfWasm } from './chest-tfjs.ts';

export type TfBackend = 'cpu' | 'wasm';

/** Registers and initialises both tfjs backends and every gradient the peers need; returns the wasm flavour. */
export async function setupTfPeers(): Promise<{ wasm: string }> {
  const wasm = await setupTfWasm(); // wasm files from node_modules; registers the gradients (bench/chest-tfjs.ts)
  await useTf('cpu');
  // The cpu backend prints a one-time advert for tfjs-node on its first write; keep the report clean.
  const warn = console.warn;
  console.warn = () => {};
  try {
    tf.scalar(0).dispose();
  } finally {
    console.warn = warn;
  }
  return { wasm };
}

/** Makes `name` the active tfjs backend (a no-op when it already is). */
export async function useTf(name: TfBackend): Promise<void> {
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs: could not switch to the ${name} backend (active: ${tf.getBackend()})`);
}

/** Creates tensors on backend `name` (switching to it first). */
export async function onTf<T>(name: TfBackend, make: () => T): Promise<T> {
  await useTf(name);
  return make();
}
