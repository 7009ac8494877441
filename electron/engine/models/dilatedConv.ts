// Model layer: a dilated Conv2D straight on the native kernels (conv_dilated.c reads the taps at their dilated
// positions), in place of dilation.ts's dense kernel with its holes written out (25 taps for a 3×3 at rate 2, 16 of
// them zeros: 2.8× the multiplies) and its two copies a step.
import * as tf from '@tensorflow/tfjs';
import {
  DILATED_CONV_FILTER_GRAD_KERNEL, DILATED_CONV_INPUT_GRAD_KERNEL, DILATED_CONV_KERNEL, nativeDilatedConvReady, type DilatedConvAttrs,
} from '../backend/kernels/native/DilatedConv.js';
import { graphFusionEnabled } from './graphOps.js';
import { convByKernels } from './kernelConv.js';

let calls = 0;

/** How many dilated convolutions took this path (for tests: proof it ran or did not). */
export function dilatedConvCalls(): number {
  return calls;
}

/**
 * True when the native dilated kernels serve the current backend, x and the kernel are float32 rank 4 and
 * WORKBENCH_NATIVE_DILATED_CONV is not '0' (nor WORKBENCH_FUSED_GRAPH); read at every call.
 */
export function dilatedConvAvailable(x: tf.Tensor, kernel: tf.Tensor): boolean {
  return process.env.WORKBENCH_NATIVE_DILATED_CONV !== '0' && graphFusionEnabled() && x.dtype === 'float32'
    && kernel.dtype === 'float32' && x.rank === 4 && kernel.rank === 4 && nativeDilatedConvReady(tf.getBackend());
}

/**
 * tf.conv2d(x, dilateKernel(kernel, rate), strides, padding), the same bits for finite values where that dense
 * convolution runs as im2col + GEMM (conv_dilated.c says why; a 2×2 kernel at rate 2 is a dense 3×3, which conv.c
 * may run as Winograd, another arithmetic). Its gradients are the native input and filter gradients at the dilation,
 * the filter's being the dense kernel gradient's taps.
 */
export function dilatedConv(x: tf.Tensor4D, kernel: tf.Tensor4D, strides: [number, number], padding: 'valid' | 'same',
  rate: [number, number]): tf.Tensor4D {
  calls++;
  const attrs: DilatedConvAttrs = { strides, pad: padding, dilations: rate };
  return convByKernels({ forward: DILATED_CONV_KERNEL, inputGrad: DILATED_CONV_INPUT_GRAD_KERNEL, filterGrad: DILATED_CONV_FILTER_GRAD_KERNEL },
    attrs, x, kernel);
}
