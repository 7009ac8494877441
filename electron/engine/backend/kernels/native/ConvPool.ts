// Backend layer: max pooling directly after a relu layer (models/poolLayer.ts), on the wasm heap: the forward is the
// native MaxPool under its own name, so that its recorded gradient can be one native pass giving the relu layer's
// dz = MaxPoolGrad(y, dy) * step(y) and its bias gradient db = Sum(dz) (native/src/pooling.c, tn_maxpool_relu_grad).
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon, NativeKernelName } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';
import { poolGeometry } from './pool-geometry.js';

export const RELU_MAX_POOL_KERNEL = 'WorkbenchReluMaxPool';
export const MAX_POOL_RELU_GRAD_KERNEL = 'WorkbenchMaxPoolReluGrad';
export const CONV_POOL_KERNELS: ReadonlyMap<string, NativeKernelName> = new Map<string, NativeKernelName>([
  [RELU_MAX_POOL_KERNEL, 'maxPool'], [MAX_POOL_RELU_GRAD_KERNEL, 'maxPoolReluGrad'],
]);

/** tfjs's MaxPool attributes (channels last, no dilation), for both kernels. */
export interface ReluMaxPoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

/** The native pooling geometry of x under these attributes, or null when the native kernels do not take it. */
export function reluMaxPoolGeometry(x: tf.TensorInfo, a: ReluMaxPoolAttrs): number[] | null {
  return x.dtype === 'float32' ? poolGeometry(x.shape, a.filterSize, a.strides, a.pad) : null;
}

/** Input x (a relu output); output MaxPool(x), the numbers of the MaxPool kernel. */
export function nativeReluMaxPool(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const g = reluMaxPoolGeometry(x, args.attrs as unknown as ReluMaxPoolAttrs);
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[6], g[7], g[3]], 'float32');
    addon.maxPool(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out), ...g));
    return out;
  };
  return { kernelName: RELU_MAX_POOL_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Inputs dy (the pool's output gradient) and y (the pool's input, a relu output); outputs dz and db ([channels]). */
export function nativeMaxPoolReluGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { dy, y } = args.inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
    const g = dy.dtype === 'float32' ? reluMaxPoolGeometry(y, args.attrs as unknown as ReluMaxPoolAttrs) : null;
    if (g == null || dy.shape.length !== 4 || g[0] !== dy.shape[0] || g[6] !== dy.shape[1] || g[7] !== dy.shape[2] || g[3] !== dy.shape[3]) {
      return fallback(args);
    }
    const dz = backend.makeOutput([...y.shape], 'float32');
    const db = backend.makeOutput([g[3]], 'float32');
    addon.maxPoolReluGrad(heapOf(backend), Float64Array.of(offsetOf(backend, y), offsetOf(backend, dy), offsetOf(backend, dz),
      offsetOf(backend, db), ...g));
    return [dz, db];
  };
  return { kernelName: MAX_POOL_RELU_GRAD_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
