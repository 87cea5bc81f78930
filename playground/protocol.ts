/**
 * Messages between the playground page (main.ts) and its training worker
 * (worker.ts). Typed arrays travel by structured clone.
 */

/** Which data set to train on. */
export type DatasetName = 'mnist' | 'hierarchy';

/** What the page's controls set. */
export interface TrainConfig {
  readonly dataset: DatasetName;
  /** curvature c of the Poincaré ball (the ball has curvature −c) */
  readonly c: number;
  /** weights of the three CHEST terms */
  readonly weights: { readonly euclidean: number; readonly hyperbolic: number; readonly hyphc: number };
  /** proxies per class */
  readonly K: number;
  /** learning rate of the network (the proxies use 10×) */
  readonly lr: number;
  /** epochs to run */
  readonly epochs: number;
  /** seed of every random choice (initialisation, batches, triplets) */
  readonly seed: number;
}

/** Page → worker. */
export type ToWorker =
  { readonly type: 'start'; readonly config: TrainConfig } | { readonly type: 'stop' } | { readonly type: 'backend'; readonly name: string };

/** The mean loss terms of an epoch. */
export interface LossTerms {
  readonly total: number;
  readonly euclidean: number;
  readonly hyperbolic: number;
  readonly hyphc: number;
}

/** One epoch's report (without the points: see {@link EpochMessage}). */
export interface EpochReport {
  readonly epoch: number;
  /** mean training loss over the epoch's steps, and the three terms on a fixed batch */
  readonly loss: LossTerms;
  /** Recall@1 on the test set of the Euclidean (cosine) and hyperbolic (geodesic) heads */
  readonly recall: { readonly euclidean: number; readonly hyperbolic: number };
  /** mean milliseconds per training step (forward, backward, update, reading the loss) */
  readonly stepMs: number;
  /** host↔device copies per step (0 on CPU backends) */
  readonly transfers: { readonly uploads: number; readonly readbacks: number };
  /** the backend the epoch ran on */
  readonly backend: string;
}

/** Worker → page. */
export type FromWorker =
  | { readonly type: 'ready'; readonly available: readonly string[]; readonly backend: string }
  | { readonly type: 'backend'; readonly backend: string; readonly error: string | null }
  | { readonly type: 'started'; readonly classes: number; readonly superclasses: Int32Array | null; readonly labels: Int32Array; readonly testSize: number }
  | (EpochReport & {
      readonly type: 'epoch';
      /** `[testSize, 2]` hyperbolic test embeddings, scaled into the unit disk */
      readonly points: Float32Array;
      /** `[C·K, 2]` hyperbolic proxies, scaled into the unit disk */
      readonly proxies: Float32Array;
    })
  | { readonly type: 'done'; readonly stopped: boolean }
  | { readonly type: 'error'; readonly message: string };

/** What the page publishes on `window.__playground` (read by the end-to-end test). */
export interface PlaygroundState {
  ready: boolean;
  running: boolean;
  /** the worker's `availableBackends()` */
  available: string[];
  /** the backend the worker runs */
  backend: string;
  /** the reports of the current (or last) run */
  epochs: EpochReport[];
  /** training or worker errors */
  errors: string[];
  /** errors of backend switches */
  backendErrors: string[];
  /** training runs started */
  runs: number;
}
