/**
 * Gradients for the tfjs kernels the benchmark differentiates.
 *
 * `@tensorflow/tfjs-core`'s Node bundle (what `import '@tensorflow/tfjs-core'`
 * loads) registers almost no gradients: the `@tensorflow/tfjs` umbrella
 * package normally imports `@tensorflow/tfjs-core/dist/register_all_gradients`,
 * but that file is an extensionless ES-module tree that Node cannot load
 * directly. So the five gradient configs used here are re-registered below,
 * transcribed line for line from tfjs-core 4.22 `dist/gradients/{Multiply,Add,
 * Tanh,Sin,Sum}_grad.js` (same ops, same saved tensors), so the peer's
 * backward pass does the same work it does inside `@tensorflow/tfjs`.
 */
import * as tf from '@tensorflow/tfjs-core';

const { assertAndGetBroadcastShape, getReductionAxes } = tf.broadcast_util;

const configs: tf.GradConfig[] = [
  {
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const g = dy as tf.Tensor;
      const [a, b] = saved;
      const outShape = assertAndGetBroadcastShape(a.shape, b.shape);
      const derA = (): tf.Tensor => {
        const res = tf.mul(g, tf.cast(b, 'float32'));
        const reduceAxes = getReductionAxes(a.shape, outShape);
        if (reduceAxes.length > 0) return tf.reshape(tf.sum(res, reduceAxes), a.shape);
        return res;
      };
      const derB = (): tf.Tensor => {
        const res = tf.mul(g, tf.cast(a, 'float32'));
        const reduceAxes = getReductionAxes(b.shape, outShape);
        if (reduceAxes.length > 0) return tf.reshape(tf.sum(res, reduceAxes), b.shape);
        return res;
      };
      return { a: derA, b: derB };
    },
  },
  {
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const g = dy as tf.Tensor;
      const [a, b] = saved;
      const outShape = assertAndGetBroadcastShape(a.shape, b.shape);
      const derA = (): tf.Tensor => {
        let res = g;
        const reduceAxes = getReductionAxes(a.shape, outShape);
        if (reduceAxes.length > 0) res = tf.sum(res, reduceAxes);
        return tf.reshape(res, a.shape);
      };
      const derB = (): tf.Tensor => {
        let res = g;
        const reduceAxes = getReductionAxes(b.shape, outShape);
        if (reduceAxes.length > 0) res = tf.sum(res, reduceAxes);
        return tf.reshape(res, b.shape);
      };
      return { a: derA, b: derB };
    },
  },
  {
    kernelName: tf.Tanh,
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved;
      return { x: () => tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy as tf.Tensor) };
    },
  },
  {
    kernelName: tf.Sin,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => tf.mul(tf.cos(tf.cast(x, 'float32')), dy as tf.Tensor) };
    },
  },
  {
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const expandedDyShape = x.shape.slice();
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      for (const axis of axes) expandedDyShape[axis] = 1;
      const expandedDy = tf.reshape(dy as tf.Tensor, expandedDyShape);
      const derX = tf.mul(expandedDy, tf.ones(x.shape, 'float32'));
      return { x: () => derX };
    },
  },
];

/** Registers the gradients above for kernels that have none yet. */
export function registerBenchGradients(): void {
  for (const c of configs) {
    if (tf.getGradient(c.kernelName) === undefined) tf.registerGradient(c);
  }
}
