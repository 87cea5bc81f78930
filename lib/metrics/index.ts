/**
 * Retrieval and clustering metrics (docs/math.md §6): Recall@K,
 * precision@1, R-precision, MAP@R, NMI of seeded k-means, and exact k-NN
 * lists. Re-exports only.
 * @packageDocumentation
 */
export { type ClassLabels } from './labels.ts';
export { knn, type Distance, type NeighbourLists } from './neighbours.ts';
export { recallAtK, precisionAt1, rPrecision, mapAtR, retrievalMetrics, type RetrievalMetrics, type RetrievalMetricsOptions } from './retrieval.ts';
export { kmeans, nmi, normalizedMutualInformation, type KMeansOptions, type KMeansResult, type NmiOptions } from './clustering.ts';
