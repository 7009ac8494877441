// Model layer: a convolution run as three registered kernels (forward, input gradient, filter gradient) under one
// custom gradient, as tfjs's own conv ops wire theirs: the shape of dilatedConv.ts's and dilatedDepthwise.ts's ops.
import * as tf from '@tensorflow/tfjs';

/** The three kernels' names: forward (x, filter), input gradient (dy, filter), filter gradient (x, dy). */
export interface ConvKernels { forward: string; inputGrad: string; filterGrad: string }

/**
 * x ⊛ kernel through `kernels`, every call given `attrs`; the input gradient also gets inputShape, the filter gradient
 * filterShape. Only x and kernel are saved for the gradient, as tfjs's conv2d saves them.
 */
export function convByKernels(kernels: ConvKernels, attrs: object, x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad(((input: tf.Tensor4D, filter: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([input, filter]);
    return {
      value: tf.engine().runKernel(kernels.forward, { x: input, filter }, attrs as never) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sx, sf] = saved;
        return [
          tf.engine().runKernel(kernels.inputGrad, { dy, filter: sf }, { ...attrs, inputShape: sx.shape } as never) as tf.Tensor,
          tf.engine().runKernel(kernels.filterGrad, { x: sx, dy }, { ...attrs, filterShape: sf.shape } as never) as tf.Tensor,
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor4D;
  return op(x, kernel);
}
