/**
 * Timing for the linear-time checks of the parsers: the best time of each
 * workload over rounds that run every workload once, in turn, so that a
 * change of load on a shared machine (other test workers, other jobs)
 * touches the small and the large input alike and the ratio stays fair.
 */

/** The minimum wall time (ms) of each of `work` over `rounds` interleaved rounds. */
export function bestInterleaved(work: readonly (() => void)[], rounds = 5): number[] {
  const best = work.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    work.forEach((w, i) => {
      const t0 = performance.now();
      w();
      best[i] = Math.min(best[i], performance.now() - t0);
    });
  }
  return best;
}
