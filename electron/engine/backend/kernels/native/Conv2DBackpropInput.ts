// Backend layer: the input gradient of Conv2D on the wasm heap: dy · fᵀ then col2im, parallel over images.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { convGeometry } from './conv-geometry.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

export function nativeConv2DBackpropInput(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const g = dy.dtype === 'float32' && filter.dtype === 'float32'
      ? convGeometry([...a.inputShape], filter.shape, a.strides, a.pad, 1, a.dataFormat, a.dimRoundingMode) : null;
    if (g == null || g[7] !== dy.shape[1] || g[8] !== dy.shape[2]) return fallback(args);
    const out = backend.makeOutput([...a.inputShape], 'float32');
    addon.conv2dInputGrad(heapOf(backend), Float64Array.of(offsetOf(backend, dy), offsetOf(backend, filter), offsetOf(backend, out), ...g));
    return out;
  };
  return { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
