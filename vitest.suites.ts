/**
 * The suites of `npm run test:slow` (vitest.slow.config.ts): each takes tens
 * of seconds on 2 cores because it drives a real browser, installs the
 * packed package, runs whole examples or the demo, or soaks thousands of
 * steps. `npm test` (vitest.config.ts) runs everything else; CI runs both.
 */
export const SLOW_SUITES = [
  'test/browser/device.test.ts',
  'test/browser/playground.test.ts',
  'test/browser/example.test.ts',
  'test/package.test.ts',
  'test/examples.test.ts',
  'test/demo.test.ts',
  'property-tests/kernels/soak.test.ts',
] as const;
