import { defineConfig } from 'vitest/config';
import { SLOW_SUITES } from './vitest.suites.ts';

/**
 * `npm run test:slow`: the integration suites that take a browser, a package
 * install, whole examples and demos, or thousands of steps (see
 * vitest.suites.ts). CI runs them after `npm test`, so nothing is left out;
 * `npm test` stays the quick loop.
 */
export default defineConfig({
  test: {
    include: [...SLOW_SUITES],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default', './tools/summary-reporter.ts'],
    setupFiles: ['./tools/vitest-setup.ts'],
  },
});
