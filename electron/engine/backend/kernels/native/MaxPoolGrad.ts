// Backend layer: MaxPoolGrad on the wasm heap, parallel over images; routes each gradient to its window's first maximum.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';
import { poolGeometry } from './pool-geometry.js';

export function nativeMaxPoolGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const a = args.attrs as unknown as tf.MaxPoolGradAttrs;
    const g = input.dtype === 'float32' && dy.dtype === 'float32' ? poolGeometry(input.shape, a.filterSize, a.strides, a.pad, a.dimRoundingMode) : null;
    if (g == null || g[6] !== dy.shape[1] || g[7] !== dy.shape[2]) return fallback(args);
    const out = backend.makeOutput([...input.shape], 'float32');
    addon.maxPoolGrad(heapOf(backend), Float64Array.of(offsetOf(backend, input), offsetOf(backend, dy), offsetOf(backend, out), ...g));
    return out;
  };
  return { kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
