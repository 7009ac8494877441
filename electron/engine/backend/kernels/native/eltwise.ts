// Backend layer: shared plumbing of the native element-wise kernels (Add, Multiply, Relu, Step).
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type WasmBackendInternals } from './heap.js';

/** Below this many elements the shipped single-threaded kernel is as fast; above, two cores and one pass pay. */
export const MIN_NATIVE_ELEMENTS = 32768;

export const OP = { add: 0, addRow: 1, mul: 2, relu: 3, step: 4 } as const;

export function bigFloat(...infos: tf.TensorInfo[]): boolean {
  return infos.every((i) => i.dtype === 'float32') && util.sizeFromShape(infos[0].shape) >= MIN_NATIVE_ELEMENTS;
}

export function sameShape(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** True when `row` is a bias for `x`: a vector (or [1, …, 1, n]) as long as x's last axis, x at least as high a rank. */
export function isRowOf(row: tf.TensorInfo, x: tf.TensorInfo): boolean {
  const n = x.shape[x.shape.length - 1];
  return row.shape.length >= 1 && row.shape.length <= x.shape.length && row.shape[row.shape.length - 1] === n
    && row.shape.slice(0, -1).every((d) => d === 1) && util.sizeFromShape(row.shape) === n;
}

export function runEltwise(addon: NativeAddon, backend: WasmBackendInternals, op: number, a: tf.TensorInfo, b: tf.TensorInfo | null,
  cols = 1, alpha = 0): tf.TensorInfo {
  const out = backend.makeOutput([...a.shape], 'float32');
  addon.eltwise(heapOf(backend), Float64Array.of(op, offsetOf(backend, a), b ? offsetOf(backend, b) : -1, offsetOf(backend, out),
    util.sizeFromShape(a.shape), cols, alpha));
  return out;
}
