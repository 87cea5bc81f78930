import { defineConfig } from 'vitest/config';
import { SLOW_SUITES } from './vitest.suites.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'property-tests/**/*.test.ts'],
    // the integration suites run in `npm run test:slow` (vitest.slow.config.ts; CI runs both)
    exclude: [...SLOW_SUITES, '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './tools/summary-reporter.ts'],
    setupFiles: ['./tools/vitest-setup.ts'],
  },
});
