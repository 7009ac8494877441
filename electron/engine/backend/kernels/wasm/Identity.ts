// Backend layer: Identity for wasm that shares the tensor's memory instead of copying it.
import * as tf from '@tensorflow/tfjs';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

/**
 * The shipped kernel copies. tfjs calls Identity (through clone) on every tensor it saves for the
 * backward pass, so a CNN step copied ~45 MB a batch for nothing. Tensors are immutable and the wasm
 * backend reference-counts its buffers (its own Reshape already shares them), so sharing is safe; the
 * cpu backend's Identity does the same. String tensors (kept outside the heap) go to the shipped kernel.
 */
export function makeIdentity(shipped: tf.KernelConfig | null): tf.KernelConfig {
  const kernelFunc = (args: Args): tf.TensorInfo | tf.TensorInfo[] => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string' && shipped) return shipped.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
