/**
 * Bundle entry of test/bundle.test.ts: imports only `tensor`, `matmul` and
 * `toArray` — no backend function — runs a float32 product (the first
 * kernel use, where the registry chooses the default), and only then loads
 * the backend API in a chunk of its own to report which backend ran it.
 * Prints the report as JSON in Node; publishes it in a browser page.
 */
import { matmul, tensor, toArray } from '../../lib/index.ts';
import { publish } from '../../tools/browser/page.ts';

const n = 64;
const a = tensor(
  Float32Array.from({ length: n * n }, (_, i) => (i % 7) - 3),
  [n, n],
);
const product = toArray(matmul(a, a));
// loaded after the product ran: the choice above was made without lib/backend.ts
const { backend } = await import('./backend-check.ts');
const report = { backend: backend(), checksum: product.reduce((s, v, i) => s + v * ((i % 5) + 1), 0) };

if ((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined) console.log(JSON.stringify(report));
else {
  // the scripts the page fetched: gpu.js's chunk must not be among them
  const perf = globalThis as unknown as { performance: { getEntriesByType(t: string): { name: string }[] } };
  publish(() => ({ ...report, fetched: perf.performance.getEntriesByType('resource').map((e) => e.name) }));
}
