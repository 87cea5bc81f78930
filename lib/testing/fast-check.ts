/**
 * fast-check, the optional peer dependency of `gyrograd/testing`, loaded so
 * that a missing install fails with a message saying what to install
 * (a static `import` would fail with Node's bare "Cannot find package").
 * The arbitraries modules import `fc` from here (and fast-check's types
 * from fast-check itself: type imports are erased, so they cannot fail).
 */
import type fcDefault from 'fast-check';

/** The message `gyrograd/testing` fails with when fast-check is not installed. */
export const FAST_CHECK_MISSING =
  "gyrograd/testing needs the optional peer dependency 'fast-check' (>= 4), which is not installed: npm install --save-dev fast-check";

const loaded = await import('fast-check').catch((e: unknown) => {
  const cause = e instanceof Error ? e.message.split('\n')[0] : String(e);
  throw new Error(`${FAST_CHECK_MISSING} (${cause})`);
});

/** fast-check's default export (`import fc from 'fast-check'`). */
export const fc: typeof fcDefault = loaded.default;
