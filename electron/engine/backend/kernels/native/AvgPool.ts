// Backend layer: AvgPool and AvgPoolGrad on the wasm heap, parallel over images ('valid' and 'same', any stride).
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';
import { poolGeometry } from './pool-geometry.js';

export function nativeAvgPool(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as tf.AvgPoolAttrs;
    const g = x.dtype === 'float32' ? poolGeometry(x.shape, a.filterSize, a.strides, a.pad, a.dimRoundingMode) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[6], g[7], g[3]], 'float32');
    addon.avgPool(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out), ...g));
    return out;
  };
  return { kernelName: tf.AvgPool, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** dx sums dy over the windows covering each input, divided by the full window size, as tfjs's gradient does. */
export function nativeAvgPoolGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const a = args.attrs as unknown as tf.AvgPoolGradAttrs;
    const g = input.dtype === 'float32' && dy.dtype === 'float32' ? poolGeometry(input.shape, a.filterSize, a.strides, a.pad) : null;
    if (g == null || g[6] !== dy.shape[1] || g[7] !== dy.shape[2]) return fallback(args);
    const out = backend.makeOutput([...input.shape], 'float32');
    addon.avgPoolGrad(heapOf(backend), Float64Array.of(offsetOf(backend, dy), offsetOf(backend, out), ...g));
    return out;
  };
  return { kernelName: tf.AvgPoolGrad, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
