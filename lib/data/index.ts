/**
 * Data: MNIST from the `mnist` package, a seeded synthetic hierarchical data
 * set with its class tree and hierarchy-aware metrics, loaders of precomputed
 * features (CSV / JSON / `.npy`, returning fp-ts `Either`), the standard DML
 * class split and class-balanced batch sampling. Re-exports only.
 *
 * `./node.ts` (`loadFeaturesFile`) is the one module of the library that uses
 * Node APIs; it loads `node:fs` lazily, so re-exporting it here is safe in a
 * browser as long as it is not called there.
 * @packageDocumentation
 */
export { loadMnist, MNIST_PIXELS, type MnistData, type MnistOptions } from './mnist.ts';
export {
  classTree,
  hierarchicalDataset,
  meanTreeDistanceOfMistakes,
  dendrogramPurity,
  type ClassTree,
  type HierarchicalDataset,
  type HierarchicalDatasetOptions,
} from './hierarchy.ts';
export { FeatureLoadError, type FeatureLoadErrorKind } from './errors.ts';
export { parseIdx, parseMnistIdx, type IdxArray, type IdxDType, type MnistIdxOptions, type MnistIdxData } from './idx.ts';
export { parseNpy, type NpyArray, type NpyDType } from './npy.ts';
export {
  loadFeatures,
  parseFeaturesCsv,
  parseFeaturesJson,
  loadFeaturesNpy,
  type FeatureSet,
  type FeatureLoadOptions,
  type CsvOptions,
  type LoadFeaturesOptions,
} from './features.ts';
export { loadFeaturesFile, loadMnistIdxFiles, type LoadFeaturesFileOptions } from './node.ts';
export { dmlSplit, classBalancedBatches, type DmlSplit, type DmlSplitOptions, type ClassBalancedBatchesOptions } from './splits.ts';
export { randomShift, type RandomShiftOptions } from './augment.ts';
