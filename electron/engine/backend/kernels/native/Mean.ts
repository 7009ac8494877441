// Backend layer: Mean over a block of axes before the last (global average pooling over H,W; batch moments over N,H,W)
// on the wasm heap, without the transpose the shipped kernel makes first.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

export function nativeMean(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.MeanAttrs;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank < 2 || util.sizeFromShape(x.shape) === 0) return fallback(args);
    const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
    const first = axes[0], last = axes[axes.length - 1];
    // One contiguous block that leaves the last axis: x is [outer, mid, inner] and the mean runs over mid.
    if (axes.length === 0 || last - first + 1 !== axes.length || last >= rank - 1) return fallback(args);
    const outer = util.sizeFromShape(x.shape.slice(0, first));
    const mid = util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = util.sizeFromShape(x.shape.slice(last + 1));
    const shape = keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
    const out = backend.makeOutput(shape, 'float32');
    addon.mean(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out), outer, mid, inner));
    return out;
  };
  return { kernelName: tf.Mean, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
