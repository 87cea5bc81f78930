/**
 * The playground's two data sets, split into train and test:
 * - `mnist`: the bundled subset (public/mnist-subset.bin, written by
 *   tools/make-mnist-subset.ts): 120 images of each digit at 14×14; the
 *   first 80 of each digit train, the last 40 test (same digits, other images);
 * - `hierarchy`: `hierarchicalDataset` (a 3-ary tree of depth 2: 9 classes in
 *   3 superclasses, 16-dimensional points); even samples train, odd test.
 */
import * as g from 'gyrograd';
import type { Tensor } from 'gyrograd';
import type { DatasetName } from './protocol.ts';

/** A data set split for training and retrieval. */
export interface Split {
  readonly xTrain: Tensor;
  readonly yTrain: Int32Array;
  readonly xTest: Tensor;
  readonly yTest: Int32Array;
  /** number of classes */
  readonly classes: number;
  /** superclass of each class (hierarchy only) */
  readonly superclasses: Int32Array | null;
}

const PER_DIGIT = 120,
  TRAIN_PER_DIGIT = 80,
  PIXELS = 14 * 14;

/** Fetches and splits the bundled MNIST subset. */
async function mnist(url: string): Promise<Split> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch the MNIST subset at ${url}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length !== 10 * PER_DIGIT * PIXELS) throw new Error(`the MNIST subset has ${bytes.length} bytes, expected ${10 * PER_DIGIT * PIXELS}`);
  const pick = (from: number, to: number): { x: Tensor; y: Int32Array } => {
    const n = 10 * (to - from);
    const x = new Float32Array(n * PIXELS),
      y = new Int32Array(n);
    let row = 0;
    for (let d = 0; d < 10; d++) {
      for (let i = from; i < to; i++, row++) {
        const src = (d * PER_DIGIT + i) * PIXELS;
        for (let p = 0; p < PIXELS; p++) x[row * PIXELS + p] = bytes[src + p] / 255;
        y[row] = d;
      }
    }
    return { x: g.tensor(x, [n, PIXELS]), y };
  };
  const train = pick(0, TRAIN_PER_DIGIT),
    test = pick(TRAIN_PER_DIGIT, PER_DIGIT);
  return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, classes: 10, superclasses: null };
}

/** The synthetic hierarchy, split by alternate samples. */
function hierarchy(seed: number): Split {
  const data = g.hierarchicalDataset(g.prngKey(seed), { depth: 2, branching: 3, dim: 16, perLeaf: 60, noise: 0.45 });
  const n = data.labels.length;
  const train = Int32Array.from({ length: n / 2 }, (_, i) => 2 * i);
  const test = Int32Array.from({ length: n / 2 }, (_, i) => 2 * i + 1);
  const classes = data.tree.numClasses;
  // the superclass of a class: its ancestor one level below the root, numbered in order of appearance
  const ids = new Map<number, number>();
  const superclasses = Int32Array.from({ length: classes }, (_, c) => {
    const path = data.tree.ancestors(c); // class node … root
    const node = path[path.length - 2];
    if (!ids.has(node)) ids.set(node, ids.size);
    return ids.get(node)!;
  });
  return {
    xTrain: g.take(data.x, train),
    yTrain: Int32Array.from(train, (i) => data.labels[i]),
    xTest: g.take(data.x, test),
    yTest: Int32Array.from(test, (i) => data.labels[i]),
    classes,
    superclasses,
  };
}

/** Loads data set `name` (`mnistUrl`: where the subset file is served). */
export function loadDataset(name: DatasetName, seed: number, mnistUrl: string): Promise<Split> {
  return name === 'mnist' ? mnist(mnistUrl) : Promise.resolve(hierarchy(seed));
}
