// Backend layer: Cast for wasm: shares memory when the dtype does not change (the relu gradient casts float32 to
// float32), and casts to bool as 0/1 (the shipped kernel wrote the truncated value, e.g. 2 or 255).
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { WasmBackendLike } from './heap.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

/** A no-op cast copied the whole tensor in the shipped kernel; casts other than these still go to it. */
export function makeCast(shipped: tf.KernelConfig | null): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo | tf.TensorInfo[] => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (dtype === x.dtype && dtype !== 'string') {
      args.backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }
    if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
      const backend = args.backend as WasmBackendLike;
      const out = backend.makeOutput([...x.shape], 'bool');
      const src = backend.typedArrayFromHeap(x);
      const dst = backend.typedArrayFromHeap(out);
      for (let i = 0, n = util.sizeFromShape(x.shape); i < n; i++) dst[i] = src[i] !== 0 ? 1 : 0;
      return out;
    }
    if (shipped == null) throw new Error('wasm backend has no Cast kernel');
    return shipped.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
  };
  return { kernelName: tf.Cast, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
