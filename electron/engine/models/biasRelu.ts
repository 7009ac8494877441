// Model layer: a depthwise / separable (or dilated) convolution layer's bias add and relu as one native pass forward
// (WorkbenchBiasRelu) and one backward (the conv layers' fused relu + bias gradient), in place of tfjs's Reshape, Add,
// Relu forward and relu gradient, Sum, Reshape backward. Same bits; WORKBENCH_NATIVE_BIAS_RELU=0 (or
// WORKBENCH_FUSED_GRAPH=0) keeps tfjs's ops.
import * as tf from '@tensorflow/tfjs';
import { BIAS_RELU } from '../backend/kernels/native/GraphOps.js';
import { BIAS_ACT_GRAD_KERNEL, RELU_MASK, type BiasActGradAttrs } from '../backend/kernels/native/ConvLayer.js';
import { graphFusionEnabled } from './graphOps.js';

let calls = 0;

/** How many layer calls took the fused bias + relu (tests: proof it ran or did not). */
export function biasReluCalls(): number {
  return calls;
}

/** True when the switches are on and the current backend has both fused kernels. */
export function biasReluKernels(): boolean {
  const backend = tf.getBackend();
  return process.env.WORKBENCH_NATIVE_BIAS_RELU !== '0' && graphFusionEnabled()
    && tf.getKernel(BIAS_RELU, backend) != null && tf.getKernel(BIAS_ACT_GRAD_KERNEL, backend) != null;
}

/** True when relu(x + bias) over x's last axis can run as the fused kernels on the current backend. */
export function biasReluAvailable(x: tf.Tensor, bias: tf.Tensor): boolean {
  return x.dtype === 'float32' && bias.dtype === 'float32' && x.rank >= 1 && bias.rank === 1
    && bias.shape[0] === x.shape[x.rank - 1] && x.shape[x.rank - 1] > 0 && biasReluKernels();
}

/**
 * relu(x + bias) (bias [C] over x's last axis) with tfjs's float operations: the add, then z < 0 ? 0 : z. Its gradient
 * is tfjs's relu gradient dy·step(z) (here from the output y: step(y) = step(z), −0 and NaN included) and, for the
 * bias, the column sums of that over every other axis, as Add's gradient sums them (the same adds in the same order
 * as the Sum kernel: ConvLayer.ts's bias gradient is the same pass).
 */
export function biasRelu(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  calls++;
  const op = tf.customGrad(((xi: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = tf.engine().runKernel(BIAS_RELU, { x: xi, bias: b }) as tf.Tensor;
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sy] = saved;
        return tf.engine().runKernel(BIAS_ACT_GRAD_KERNEL, { dy, x: sy, y: sy },
          { fn: RELU_MASK, bias: true } satisfies BiasActGradAttrs as never) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  return op(x, bias);
}
