// Backend layer: Sum over every axis but the last (bias gradients) or over all, on the wasm heap, without a transpose.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/**
 * The shipped kernel first transposes the reduced axes innermost: for a conv's bias gradient that is a
 * full copy of a [128, 26, 26, 32] tensor before a single pass. Column sums need no copy.
 */
export function nativeSum(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank === 0) return fallback(args);
    const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
    const all = axes.length === rank;
    const leading = axes.length === rank - 1 && axes.every((a, i) => a === i);
    if (!all && !leading) return fallback(args);
    const n = all ? 1 : x.shape[rank - 1];
    const m = util.sizeFromShape(x.shape) / n;
    const shape = keepDims ? x.shape.map((d, i) => (all || i < rank - 1 ? 1 : d)) : all ? [] : [n];
    const out = backend.makeOutput(shape, 'float32');
    addon.sumRows(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out), m, n));
    return out;
  };
  return { kernelName: tf.Sum, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
