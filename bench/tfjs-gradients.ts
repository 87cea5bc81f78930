/**
 * Gradients for the tfjs kernels the benchmark differentiates.
 *
 * `@tensorflow/tfjs-core`'s Node bundle (what `import '@tensorflow/tfjs-core'`
 * loads) registers almost no gradients: the `@tensorflow/tfjs` umbrella
 * package normally imports `@tensorflow/tfjs-core/dist/register_all_gradients`,
 * but that file is an extensionless ES-module tree that Node cannot load
 * directly. So the five elementwise/reduction gradient configs used here are
 * re-registered below, transcribed line for line from tfjs-core 4.22
 * `dist/gradients/{Multiply,Add,Tanh,Sin,Sum}_grad.js` (same ops, same saved
 * tensors), so the peer's backward pass does the same work it does inside
 * `@tensorflow/tfjs`. A sixth, Conv2D's (the conv2d section), runs tfjs's
 * Conv2DBackpropInput and Conv2DBackpropFilter kernels; tfjs-wasm has no
 * Conv2DBackpropFilter, so there ∂w is the same sum as one forward Conv2D.
 */
import * as tf from '@tensorflow/tfjs-core';

const { assertAndGetBroadcastShape, getReductionAxes } = tf.broadcast_util;

/** ∂w of a 'valid' NHWC convolution as one forward Conv2D: Σ_{n,oy,ox} x[n, oy·s+ky, ox·s+kx, ci]·dy[n, oy, ox, co]. */
function filterGradByConv(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], strides: [number, number]): tf.Tensor4D {
  const [kh, kw] = filterShape;
  const xt = tf.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, N]: the batch becomes the channels
  const f = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const full = tf.conv2d(xt, f, 1, 'valid', 'NHWC', strides); // [Ci, H − (Ho−1)·sh, W − (Wo−1)·sw, Co]
  const crop = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [-1, kh, kw, -1]);
  return tf.transpose(crop, [1, 2, 0, 3]);
}

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
  {
    kernelName: tf.Conv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const g = dy as tf.Tensor4D;
      const [x4D, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { dilations, strides, pad, dataFormat } = attrs as unknown as tf.Conv2DAttrs;
      const one = (v: number | [number, number]): boolean => (typeof v === 'number' ? v === 1 : v[0] === 1 && v[1] === 1);
      if (!one(dilations)) throw new Error(`gradient of conv2D: dilation rates greater than 1 are not supported, got ${String(dilations)}`);
      const filterShape = filter.shape;
      return {
        x: () =>
          tf.engine().runKernel<tf.Tensor4D>(tf.Conv2DBackpropInput, { dy: g, filter }, {
            strides,
            pad,
            dataFormat,
            inputShape: x4D.shape,
          } as unknown as tf.NamedAttrMap),
        filter: () => {
          if (tf.getKernel(tf.Conv2DBackpropFilter, tf.getBackend()) !== undefined) {
            return tf
              .engine()
              .runKernel<tf.Tensor4D>(tf.Conv2DBackpropFilter, { x: x4D, dy: g }, { strides, pad, dataFormat, filterShape } as unknown as tf.NamedAttrMap);
          }
          if (pad !== 'valid' || dataFormat !== 'NHWC')
            throw new Error('bench Conv2D filter gradient without Conv2DBackpropFilter: NHWC and valid padding only');
          return filterGradByConv(x4D, g, filterShape, typeof strides === 'number' ? [strides, strides] : strides);
        },
      };
    },
  },
];

/** Registers the gradients above for kernels that have none yet. */
export function registerBenchGradients(): void {
  for (const c of configs) {
    if (tf.getGradient(c.kernelName) === undefined) tf.registerGradient(c);
  }
}
