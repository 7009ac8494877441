// Backend layer: FusedConv2D (conv + bias + relu/linear in the epilogue, elu/relu6/sigmoid as one pass after) on the wasm heap.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { convGeometry, type ConvAttrs } from './conv-geometry.js';
import { fusedActivationPlan, heapOf, offsetOf, withPostActivation, type Fallback, type KernelArgs } from './heap.js';

export function nativeFusedConv2D(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const a = args.attrs as unknown as ConvAttrs & { activation: string };
    const plan = fusedActivationPlan(a.activation);
    const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
    const ok = x!.dtype === 'float32' && filter!.dtype === 'float32' && plan != null && preluActivationWeights == null
      && (bias == null || (bias.dtype === 'float32' && size(bias.shape) === filter!.shape[3]));
    const g = ok ? convGeometry(x!.shape, filter!.shape, a.strides, a.pad, a.dilations ?? 1, a.dataFormat, a.dimRoundingMode) : null;
    if (g == null) return fallback(args);
    return withPostActivation(addon, backend, [g[0], g[7], g[8], g[6]], plan!.post, (out) => addon.conv2d(heapOf(backend), Float64Array.of(
      offsetOf(backend, x!), offsetOf(backend, filter!), bias ? offsetOf(backend, bias) : -1, offsetOf(backend, out), plan!.epilogue, ...g)));
  };
  return { kernelName: tf.FusedConv2D, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
