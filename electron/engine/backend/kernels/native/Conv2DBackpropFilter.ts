// Backend layer: the filter gradient of Conv2D on the wasm heap: col(x)ᵀ · dy with per-thread partial sums.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { convGeometry } from './conv-geometry.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

export function nativeConv2DBackpropFilter(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const g = x.dtype === 'float32' && dy.dtype === 'float32'
      ? convGeometry(x.shape, a.filterShape, a.strides, a.pad, 1, a.dataFormat, a.dimRoundingMode) : null;
    if (g == null || g[7] !== dy.shape[1] || g[8] !== dy.shape[2]) return fallback(args);
    const out = backend.makeOutput([...a.filterShape], 'float32');
    addon.conv2dFilterGrad(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out), ...g));
    return out;
  };
  return { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
