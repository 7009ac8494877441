// Backend layer: PadV2 (ZeroPadding2D's forward, tf.pad) and Max over a block of axes before the last (global max
// pooling's forward) on the wasm heap: the shipped kernels run them single-threaded, Max after a transpose.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { MIN_NATIVE_ELEMENTS } from './eltwise.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** native/src/tn.h's TN_PAD_MAX_RANK; beyond rank 6 the shipped kernel (XNNPACK) returns garbage without an error. */
const PAD_MAX_RANK = 8;

export function nativePadV2(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
    if (typeof addon.pad !== 'function' || (x.dtype !== 'float32' && x.dtype !== 'int32')) return fallback(args);
    // The kernel writes the constant as a float32: for int32 data only a zero constant has the same bits.
    if (x.dtype === 'int32' && constantValue !== 0) return fallback(args);
    if (util.sizeFromShape(x.shape) === 0) return fallback(args);
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    if (util.sizeFromShape(outShape) < MIN_NATIVE_ELEMENTS || x.shape.length > PAD_MAX_RANK) return fallback(args);
    if (paddings.some(([b, e]) => b < 0 || e < 0)) return fallback(args);
    // Rank 1 as [1, n]: the kernel splits its work along the first axis.
    const dims: Array<[number, number, number]> = x.shape.map((d, i) => [d, paddings[i][0], paddings[i][1]]);
    if (dims.length === 1) dims.unshift([1, 0, 0]);
    const out = backend.makeOutput(outShape, x.dtype);
    const spec = new Float64Array(4 + 3 * dims.length);
    spec.set([offsetOf(backend, x), offsetOf(backend, out), dims.length, constantValue]);
    dims.forEach((d, i) => spec.set(d, 4 + 3 * i));
    addon.pad(heapOf(backend), spec);
    return out;
  };
  return { kernelName: tf.PadV2, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function nativeMax(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reductionIndices, keepDims } = args.attrs as unknown as tf.MaxAttrs;
    const rank = x.shape.length;
    if (typeof addon.maxMiddle !== 'function' || x.dtype !== 'float32' || rank < 2) return fallback(args);
    if (util.sizeFromShape(x.shape) < MIN_NATIVE_ELEMENTS) return fallback(args);
    const axes = [...new Set(util.parseAxisParam(reductionIndices, x.shape))].sort((p, q) => p - q);
    const first = axes[0], last = axes[axes.length - 1];
    // One contiguous block that leaves the last axis: x is [outer, mid, inner] and the max runs over mid.
    if (axes.length === 0 || last - first + 1 !== axes.length || last >= rank - 1) return fallback(args);
    const outer = util.sizeFromShape(x.shape.slice(0, first));
    const mid = util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = util.sizeFromShape(x.shape.slice(last + 1));
    if (mid === 0) return fallback(args);
    const shape = keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
    const out = backend.makeOutput(shape, 'float32');
    addon.maxMiddle(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out), outer, mid, inner));
    return out;
  };
  return { kernelName: tf.Max, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
