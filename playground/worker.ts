/**
 * The playground's training worker: loads gyrograd's gpu.js backends (on
 * demand), reports the available ones, and runs training epochs on request,
 * posting after each epoch the losses, Recall@1 of both heads, the
 * hyperbolic test embeddings, step time and transfer counts. Between epochs
 * it yields to its message queue, so Stop and a backend switch take effect
 * at the next epoch boundary; the page never blocks.
 */
import * as g from 'gyrograd';
import { loadDataset } from './data.ts';
import { makeTrainer } from './model.ts';
import type { FromWorker, ToWorker, TrainConfig } from './protocol.ts';

const post = (m: FromWorker): void => (self as unknown as { postMessage(m: FromWorker): void }).postMessage(m);
const MNIST_URL = new URL(`${import.meta.env.BASE_URL}mnist-subset.bin`, self.location.origin).href;

let stopRequested = false;
let running = false;
const pending: ToWorker[] = [];

/** Lets queued messages arrive (a macrotask turn). */
const yieldToQueue = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

async function switchBackend(name: string): Promise<void> {
  try {
    await g.setBackend(name);
    post({ type: 'backend', backend: g.backend(), error: null });
  } catch (e) {
    post({ type: 'backend', backend: g.backend(), error: e instanceof Error ? e.message : String(e) });
  }
}

/** Applies the backend switches queued while training. */
async function applyPending(): Promise<void> {
  while (pending.length > 0) {
    const m = pending.shift()!;
    if (m.type === 'backend') await switchBackend(m.name);
  }
}

async function train(config: TrainConfig): Promise<void> {
  running = true;
  stopRequested = false;
  try {
    const data = await loadDataset(config.dataset, config.seed, MNIST_URL);
    const trainer = makeTrainer(data, config);
    post({ type: 'started', classes: data.classes, superclasses: data.superclasses, labels: data.yTest, testSize: data.yTest.length });
    for (let epoch = 0; epoch < config.epochs && !stopRequested; epoch++) {
      let lossSum = 0,
        ms = 0;
      const before = g.transferStats();
      for (let t = 0; t < trainer.stepsPerEpoch; t++) {
        const t0 = performance.now();
        const l = trainer.step(epoch, t);
        lossSum += (await g.toArrayAsync(l))[0];
        ms += performance.now() - t0;
      }
      const after = g.transferStats();
      const steps = trainer.stepsPerEpoch;
      const terms = await trainer.terms();
      const ev = await trainer.evaluate();
      post({
        type: 'epoch',
        epoch: epoch + 1,
        loss: { ...terms, total: lossSum / steps },
        recall: ev.recall,
        points: ev.points,
        proxies: ev.proxies,
        stepMs: ms / steps,
        transfers: { uploads: (after.uploads - before.uploads) / steps, readbacks: (after.readbacks - before.readbacks) / steps },
        backend: g.backend(),
      });
      await yieldToQueue();
      // a backend switch asked for during the epoch applies from the next one
      await applyPending();
    }
    // and one asked for during the last epoch (or before a stop) applies now, not after the next run's first epoch
    await applyPending();
    post({ type: 'done', stopped: stopRequested });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  } finally {
    running = false;
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>): void => {
  const m = ev.data;
  if (m.type === 'stop') stopRequested = true;
  else if (m.type === 'backend') {
    if (running) pending.push(m);
    else void switchBackend(m.name);
  } else if (m.type === 'start' && !running) void train(m.config);
};

// gpu.js is loaded on demand: load it once so the selector lists its backends
void g.loadGpuBackends().then(
  (available) => post({ type: 'ready', available, backend: g.backend() }),
  (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
);
