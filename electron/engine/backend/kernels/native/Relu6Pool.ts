// Backend layer: max pooling over a relu6 layer taken from its pre-activation z (models/relu6Pool.ts), on the wasm heap:
// forward MaxPool(relu6(z)), gradient dz = relu6'(z) · MaxPoolGrad(relu6(z), dy) and db = Sum(dz) in one native pass
// (native/src/relu6_pool.c) — the numbers of LayerActivation(relu6) → MaxPool and MaxPoolGrad → BiasActGrad(relu6).
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon, NativeKernelName } from '../../native/addon.js';
import { activeNative } from '../../native/active.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';
import { reluMaxPoolGeometry, type ReluMaxPoolAttrs } from './ConvPool.js';

export const RELU6_MAX_POOL_KERNEL = 'WorkbenchRelu6MaxPool';
export const MAX_POOL_RELU6_GRAD_KERNEL = 'WorkbenchMaxPoolRelu6Grad';
export const RELU6_POOL_KERNELS: ReadonlyMap<string, NativeKernelName> = new Map<string, NativeKernelName>([
  [RELU6_MAX_POOL_KERNEL, 'maxPool'], [MAX_POOL_RELU6_GRAD_KERNEL, 'maxPoolReluGrad'],
]);

/** Whether this addon build takes the relu6 mode argument (an older build or prebuild ignores it: it must not get these calls). */
const capable = new WeakMap<NativeAddon, boolean>();
export function addonPoolsRelu6(addon: NativeAddon | null): boolean {
  if (addon == null) return false;
  let ok = capable.get(addon);
  if (ok === undefined) {
    ok = 'maxPoolRelu6' in addon.counts();
    capable.set(addon, ok);
  }
  return ok;
}

/** True when both kernels are registered for the current backend and the active addon takes them. */
export function relu6PoolReady(): boolean {
  const b = tf.getBackend();
  return b === 'wasm' && addonPoolsRelu6(activeNative()) && tf.getKernel(RELU6_MAX_POOL_KERNEL, b) != null
    && tf.getKernel(MAX_POOL_RELU6_GRAD_KERNEL, b) != null;
}

/** Input z (a relu6 layer's pre-activation); output MaxPool(relu6(z)). */
export function nativeRelu6MaxPool(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const g = addonPoolsRelu6(addon) ? reluMaxPoolGeometry(x, args.attrs as unknown as ReluMaxPoolAttrs) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[6], g[7], g[3]], 'float32');
    addon.maxPool(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out), ...g, 1));
    return out;
  };
  return { kernelName: RELU6_MAX_POOL_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Inputs dy (the pool's output gradient) and z (the relu6 layer's pre-activation); outputs dz and db ([channels]). */
export function nativeMaxPoolRelu6Grad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { dy, z } = args.inputs as { dy: tf.TensorInfo; z: tf.TensorInfo };
    const g = dy.dtype === 'float32' && addonPoolsRelu6(addon) ? reluMaxPoolGeometry(z, args.attrs as unknown as ReluMaxPoolAttrs) : null;
    if (g == null || dy.shape.length !== 4 || g[0] !== dy.shape[0] || g[6] !== dy.shape[1] || g[7] !== dy.shape[2] || g[3] !== dy.shape[3]) {
      return fallback(args);
    }
    const dz = backend.makeOutput([...z.shape], 'float32');
    const db = backend.makeOutput([g[3]], 'float32');
    addon.maxPoolReluGrad(heapOf(backend), Float64Array.of(offsetOf(backend, z), offsetOf(backend, dy), offsetOf(backend, dz),
      offsetOf(backend, db), ...g, 1));
    return [dz, db];
  };
  return { kernelName: MAX_POOL_RELU6_GRAD_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
