/** The core bundle measured by test/bundle.test.ts: a program that imports `tensor` and `matmul` only. */
import { matmul, tensor, toArray } from '../../lib/index.ts';

console.log(
  toArray(
    matmul(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([[5], [6]]),
    ),
  ),
);
