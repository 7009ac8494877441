// Backend layer: fused activations on the wasm heap: one native pass forward (x -> y) and one backward (dy and the saved
// x or y -> dx), for the layers' tf.customGrad (models/activations.ts) and for tfjs's own Elu and EluGrad kernels.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** Kernels of our own (no tfjs counterpart): registered on wasm only when the native addon loaded. */
export const ACTIVATION_KERNEL = 'WorkbenchActivation';
export const ACTIVATION_GRAD_KERNEL = 'WorkbenchActivationGrad';

/** Keras activation name -> the addon's function number (TN_ACT_* in native/src/tn.h). */
export const NATIVE_ACTIVATIONS: Readonly<Record<string, number>> = {
  elu: 0, selu: 1, relu6: 2, sigmoid: 3, tanh: 4, softplus: 5, swish: 6, gelu: 7,
};
/** The gradient reads y for these, x for the others (tn_act_grad_needs). */
const GRAD_FROM_Y = new Set([0, 3, 4]);

export interface ActivationAttrs { fn: number }

function run(addon: NativeAddon, backend: KernelArgs['backend'], fn: number, x: tf.TensorInfo | null, y: tf.TensorInfo | null,
  dy: tf.TensorInfo | null, like: tf.TensorInfo): tf.TensorInfo {
  const out = backend.makeOutput([...like.shape], 'float32');
  const off = (t: tf.TensorInfo | null) => (t ? offsetOf(backend, t) : -1);
  addon.activation(heapOf(backend), Float64Array.of(fn, off(x), off(y), off(dy), offsetOf(backend, out), util.sizeFromShape(like.shape), dy ? 1 : 0));
  return out;
}

const floats = (...infos: tf.TensorInfo[]) => infos.every((i) => i.dtype === 'float32');

export function nativeActivation(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { fn } = args.attrs as unknown as ActivationAttrs;
    return floats(x) ? run(addon, args.backend, fn, x, null, null, x) : fallback(args);
  };
  return { kernelName: ACTIVATION_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Inputs dy, x, y (the forward's input and output); each function reads the one it needs. */
export function nativeActivationGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { dy, x, y } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; y: tf.TensorInfo };
    const { fn } = args.attrs as unknown as ActivationAttrs;
    const saved = GRAD_FROM_Y.has(fn) ? y : x;
    return floats(dy, saved) && util.sizeFromShape(dy.shape) === util.sizeFromShape(saved.shape)
      ? run(addon, args.backend, fn, GRAD_FROM_Y.has(fn) ? null : x, GRAD_FROM_Y.has(fn) ? y : null, dy, dy)
      : fallback(args);
  };
  return { kernelName: ACTIVATION_GRAD_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** tfjs's Elu (Dense and Conv2D route 'elu' through their fused ops, which call it, not the layer's activation). */
export function nativeElu(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    return floats(x) ? run(addon, args.backend, NATIVE_ACTIVATIONS.elu, x, null, null, x) : fallback(args);
  };
  return { kernelName: tf.Elu, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function nativeEluGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { dy, y } = args.inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
    return floats(dy, y) && util.sizeFromShape(dy.shape) === util.sizeFromShape(y.shape)
      ? run(addon, args.backend, NATIVE_ACTIVATIONS.elu, null, y, dy, dy) : fallback(args);
  };
  return { kernelName: tf.EluGrad, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
