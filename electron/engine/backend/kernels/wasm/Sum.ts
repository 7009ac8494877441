// Backend layer: Sum over every axis but the last (a bias gradient) for wasm, in one pass over the heap;
// the shipped kernel first transposes the whole tensor to bring the reduced axes innermost.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import { f32, type WasmBackendLike } from './heap.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: WasmBackendLike; attrs: tf.NamedAttrMap };

export function makeSum(shipped: tf.KernelConfig | null): tf.KernelConfig {
  if (shipped == null) throw new Error('wasm backend has no Sum kernel');
  const kernelFunc = (args: Args): tf.TensorInfo | tf.TensorInfo[] => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = rank > 1 ? [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q) : [];
    const leading = rank > 1 && axes.length === rank - 1 && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return shipped.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
    const { backend } = args;
    const n = x.shape[rank - 1];
    const m = util.sizeFromShape(x.shape) / n;
    const out = backend.makeOutput(keepDims ? x.shape.map((d, i) => (i < rank - 1 ? 1 : d)) : [n], 'float32');
    const src = f32(backend, x);
    // Double accumulators, as the cpu backend's JavaScript sums.
    const acc = new Float64Array(n);
    for (let r = 0, p = 0; r < m; r++) for (let k = 0; k < n; k++, p++) acc[k] += src[p];
    f32(backend, out).set(acc);
    return out;
  };
  return { kernelName: tf.Sum, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
