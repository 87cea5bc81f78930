/**
 * The playground page: reads the controls, drives the training worker
 * (worker.ts), and redraws the disk, the loss and Recall@1 charts, the epoch
 * table and the status line (backend, ms per step, transfers per step) as
 * each epoch's report arrives. The page state is also published as
 * `window.__playground` for the end-to-end test (test/browser/playground.test.ts).
 */
import { drawChart, drawDisk, type DiskScene } from './draw.ts';
import type { EpochReport, FromWorker, PlaygroundState, ToWorker, TrainConfig } from './protocol.ts';

const state: PlaygroundState = { ready: false, running: false, available: [], backend: '', epochs: [], errors: [], backendErrors: [], runs: 0 };
(window as unknown as { __playground: PlaygroundState }).__playground = state;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`playground: #${id} is missing`);
  return el as T;
};
const ctx2d = (id: string): CanvasRenderingContext2D => {
  const c = $<HTMLCanvasElement>(id).getContext('2d');
  if (c === null) throw new Error(`playground: no 2-D context for #${id}`);
  return c;
};
const disk = ctx2d('disk'),
  lossChart = ctx2d('loss'),
  recallChart = ctx2d('recall');
const backendSelect = $<HTMLSelectElement>('backend');
const startButton = $<HTMLButtonElement>('start'),
  stopButton = $<HTMLButtonElement>('stop');
const status = $('status'),
  errorBox = $('error');
const tbody = $<HTMLTableElement>('epochs-table').tBodies[0];

let scene: Pick<DiskScene, 'labels' | 'superclasses' | 'K'> | null = null;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker): void => worker.postMessage(m);

function num(id: string): number {
  const v = Number($<HTMLInputElement>(id).value);
  if (!Number.isFinite(v)) throw new Error(`playground: #${id} is not a number`);
  return v;
}

function config(): TrainConfig {
  return {
    dataset: $<HTMLSelectElement>('dataset').value === 'hierarchy' ? 'hierarchy' : 'mnist',
    c: num('c'),
    weights: { euclidean: num('wE'), hyperbolic: num('wH'), hyphc: num('wHyp') },
    K: Math.max(1, Math.round(num('K'))),
    lr: num('lr'),
    epochs: Math.max(1, Math.round(num('epochs'))),
    seed: 0,
  };
}

function setRunning(running: boolean): void {
  state.running = running;
  startButton.disabled = running || !state.ready;
  stopButton.disabled = !running;
}

function redrawCharts(): void {
  const e = state.epochs;
  drawChart(lossChart, 'loss (terms: on a fixed batch)', [
    { name: 'total', colour: '#222', values: e.map((r) => r.loss.total) },
    { name: 'SoftTriple E', colour: '#4e79a7', values: e.map((r) => r.loss.euclidean) },
    { name: 'SoftTriple H', colour: '#e15759', values: e.map((r) => r.loss.hyperbolic) },
    { name: 'HypHC', colour: '#59a14f', values: e.map((r) => r.loss.hyphc) },
  ]);
  drawChart(
    recallChart,
    'Recall@1 on the test set',
    [
      { name: 'Euclidean head', colour: '#4e79a7', values: e.map((r) => r.recall.euclidean) },
      { name: 'hyperbolic head', colour: '#e15759', values: e.map((r) => r.recall.hyperbolic) },
    ],
    [0, 1],
  );
}

function showStatus(r?: EpochReport): void {
  const lines = [`backend: ${state.backend} (available: ${state.available.join(', ')})`];
  if (r !== undefined) {
    lines.push(
      `epoch ${r.epoch}: ${r.stepMs.toFixed(1)} ms/step on ${r.backend}; per step ${r.transfers.uploads.toFixed(1)} uploads, ${r.transfers.readbacks.toFixed(1)} readbacks`,
    );
  }
  status.textContent = lines.join('\n');
}

worker.onmessage = (ev: MessageEvent<FromWorker>): void => {
  const m = ev.data;
  switch (m.type) {
    case 'ready':
      state.ready = true;
      state.available = [...m.available];
      state.backend = m.backend;
      backendSelect.innerHTML = '';
      for (const name of m.available) backendSelect.add(new Option(name, name, false, name === m.backend));
      backendSelect.disabled = false;
      setRunning(false);
      showStatus();
      break;
    case 'backend':
      state.backend = m.backend;
      backendSelect.value = m.backend;
      if (m.error !== null) {
        state.backendErrors.push(m.error);
        errorBox.textContent = m.error;
      }
      showStatus(state.epochs.at(-1));
      break;
    case 'started':
      scene = { labels: m.labels, superclasses: m.superclasses, K: config().K };
      drawDisk(disk, null);
      break;
    case 'epoch': {
      const { type: _, points, proxies, ...report } = m;
      state.epochs.push(report);
      state.backend = report.backend;
      if (scene !== null) drawDisk(disk, { ...scene, points, proxies });
      redrawCharts();
      const row = tbody.insertRow();
      for (const v of [
        String(report.epoch),
        report.loss.total.toFixed(3),
        report.recall.euclidean.toFixed(3),
        report.recall.hyperbolic.toFixed(3),
        report.stepMs.toFixed(1),
        report.backend,
      ]) {
        row.insertCell().textContent = v;
      }
      showStatus(report);
      break;
    }
    case 'done':
      setRunning(false);
      break;
    case 'error':
      state.errors.push(m.message);
      errorBox.textContent = m.message;
      setRunning(false);
      break;
  }
};
worker.onerror = (e: ErrorEvent): void => {
  state.errors.push(e.message);
  errorBox.textContent = `worker: ${e.message}`;
};

startButton.onclick = (): void => {
  state.epochs = [];
  state.runs++;
  tbody.innerHTML = '';
  errorBox.textContent = '';
  setRunning(true);
  send({ type: 'start', config: config() });
};
stopButton.onclick = (): void => send({ type: 'stop' });
backendSelect.onchange = (): void => send({ type: 'backend', name: backendSelect.value });

drawDisk(disk, null);
redrawCharts();
