// Backend layer: MaxPool on the wasm heap, parallel over images.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';
import { poolGeometry } from './pool-geometry.js';

export function nativeMaxPool(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as tf.MaxPoolAttrs;
    const g = x.dtype === 'float32' ? poolGeometry(x.shape, a.filterSize, a.strides, a.pad, a.dimRoundingMode) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[6], g[7], g[3]], 'float32');
    addon.maxPool(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out), ...g));
    return out;
  };
  return { kernelName: tf.MaxPool, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
