// Backend layer: BatchMatMul on the wasm heap through the native packed GEMM (transposes folded into packing).
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';
import { matMulGeometry } from './matmul-geometry.js';

export function nativeBatchMatMul(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const g = a.dtype === 'float32' && b.dtype === 'float32' ? matMulGeometry(a.shape, b.shape, transposeA, transposeB) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput(g.outShape, 'float32');
    addon.matmul(heapOf(backend), Float64Array.of(offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out), -1, 0,
      g.batch, g.batchA, g.batchB, g.m, g.n, g.k, transposeA ? 1 : 0, transposeB ? 1 : 0));
    return out;
  };
  return { kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
