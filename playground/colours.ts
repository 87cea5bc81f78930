/** The playground's colours (shared by the drawing code and the end-to-end test's pixel statistics). */

/** Ten distinguishable class colours (Tableau 10). */
export const CLASS_COLOURS: readonly string[] = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** Superclass ring colours. */
export const SUPER_COLOURS: readonly string[] = ['#222222', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
