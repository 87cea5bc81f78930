/**
 * Page-side half of the browser harness (tools/browser/harness.ts): a page
 * entry calls {@link publish} once with the function that computes its
 * result. Runs in the browser; uses no DOM types (the repository type-checks
 * without the DOM library).
 */

/** What a page publishes on `window.__error`: a plain object, so it survives serialisation. */
export interface PublishedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
}

/**
 * Runs `compute` and publishes its awaited value on `globalThis.__result`
 * (make it JSON-able: numbers, strings, booleans, null, arrays, plain
 * objects), or, if it throws or rejects, `{ name, message, stack }` on
 * `globalThis.__error`. `runInBrowser` waits for one of the two.
 */
export function publish(compute: () => unknown): void {
  const g = globalThis as { __result?: unknown; __error?: PublishedError };
  Promise.resolve()
    .then(compute)
    .then(
      (value) => {
        g.__result = value;
      },
      (e: unknown) => {
        g.__error = e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { name: 'NonError', message: String(e), stack: undefined };
      },
    );
}

/** The message of a caught value, for reports. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
