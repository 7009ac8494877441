// Model layer: a dilated depthwise convolution straight on the native kernels (depthwise.c reads the taps at their
// dilated positions), in place of dilation.ts's dense kernel with its holes written out (25 taps for a 3×3 at rate 2,
// 16 of them zeros) and its two copies a step.
import * as tf from '@tensorflow/tfjs';
import { nativeDepthwiseRegistered } from '../backend/kernels/native/Depthwise.js';
import { graphFusionEnabled } from './graphOps.js';
import { convByKernels } from './kernelConv.js';

let calls = 0;

/** How many dilated depthwise convolutions took this path (for tests: proof it ran or did not). */
export function dilatedDepthwiseCalls(): number {
  return calls;
}

/**
 * True when the native depthwise kernels serve the current backend, x and the kernel are float32 NHWC and
 * WORKBENCH_NATIVE_DILATED_DW is not '0' (nor WORKBENCH_FUSED_GRAPH).
 */
export function dilatedDepthwiseAvailable(x: tf.Tensor, kernel: tf.Tensor): boolean {
  return process.env.WORKBENCH_NATIVE_DILATED_DW !== '0' && graphFusionEnabled() && x.dtype === 'float32'
    && kernel.dtype === 'float32' && x.rank === 4 && kernel.rank === 4 && nativeDepthwiseRegistered(tf.getBackend());
}

/**
 * tf.depthwiseConv2d(x, dilateKernel(kernel, rate), strides, padding), the same bits for finite values: every output
 * sums the same products in the same order (taps ascending, then positions; the dense kernel's other taps add
 * x·0 = ±0 to a sum that starts at +0, which changes nothing). Only where x or dy holds ±∞/NaN under a hole does the dense
 * form give NaN and this one not. Its gradients are the native input and filter gradients at the dilation, the filter's
 * the dense kernel's taps at their dilated positions (the same sums, parts cut by the same output rows).
 */
export function dilatedDepthwise(x: tf.Tensor4D, kernel: tf.Tensor4D, strides: [number, number], padding: 'valid' | 'same',
  rate: [number, number]): tf.Tensor4D {
  calls++;
  return convByKernels({
    forward: tf.DepthwiseConv2dNative, inputGrad: tf.DepthwiseConv2dNativeBackpropInput, filterGrad: tf.DepthwiseConv2dNativeBackpropFilter,
  }, { strides, pad: padding, dilations: rate, dataFormat: 'NHWC' }, x, kernel);
}
