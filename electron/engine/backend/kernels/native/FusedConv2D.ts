// Backend layer: FusedConv2D (conv + bias + relu/linear) on the wasm heap, the post-ops applied while the output is in cache.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { convGeometry, type ConvAttrs } from './conv-geometry.js';
import { ACTIVATIONS, heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

export function nativeFusedConv2D(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const a = args.attrs as unknown as ConvAttrs & { activation: string };
    const act = ACTIVATIONS[a.activation ?? 'linear'];
    const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
    const ok = x!.dtype === 'float32' && filter!.dtype === 'float32' && act != null && preluActivationWeights == null
      && (bias == null || (bias.dtype === 'float32' && size(bias.shape) === filter!.shape[3]));
    const g = ok ? convGeometry(x!.shape, filter!.shape, a.strides, a.pad, a.dilations ?? 1, a.dataFormat, a.dimRoundingMode) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[7], g[8], g[6]], 'float32');
    addon.conv2d(heapOf(backend), Float64Array.of(
      offsetOf(backend, x!), offsetOf(backend, filter!), bias ? offsetOf(backend, bias) : -1, offsetOf(backend, out), act, ...g));
    return out;
  };
  return { kernelName: tf.FusedConv2D, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
