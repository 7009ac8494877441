// Backend layer: Conv2D on the wasm heap through the native im2col + GEMM (both cores).
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { convGeometry, type ConvAttrs } from './conv-geometry.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

export function nativeConv2D(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    const g = x.dtype === 'float32' && filter.dtype === 'float32'
      ? convGeometry(x.shape, filter.shape, a.strides, a.pad, a.dilations ?? 1, a.dataFormat, a.dimRoundingMode) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[7], g[8], g[6]], 'float32');
    addon.conv2d(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, filter), -1, offsetOf(backend, out), 0, ...g));
    return out;
  };
  return { kernelName: tf.Conv2D, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
