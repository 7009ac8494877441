// Backend layer: lets a kernel we add to the wasm backend compose the backend's own kernels without the op layer.
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../../errors.js';

type Inputs = Record<string, tf.TensorInfo>;
type Attrs = Record<string, unknown>;

/**
 * Runs a registered kernel of `backend` directly. Kernels cannot call ops (that would record on the
 * gradient tape and count tensors), so composites call kernel functions and free their intermediates.
 */
export function callKernel(kernelName: string, backend: tf.KernelBackend, inputs: Inputs, attrs: Attrs = {}): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, tf.getBackend());
  if (kernel == null) throw new BackendError(`kernel ${kernelName} is not registered for backend ${tf.getBackend()}`, tf.getBackend());
  const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, attrs: attrs as tf.NamedAttrMap, backend });
  if (Array.isArray(out)) throw new BackendError(`kernel ${kernelName} returned several outputs where one was expected`);
  return out;
}

/** Frees intermediate results of `callKernel`. */
export function release(backend: tf.KernelBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
