// Backend layer: layer normalisation over the last axis on the wasm heap, the training forward (with each row's mean
// and 1/√(var + ε)) and its gradient: two kernels tfjs does not have, called by the engine's LayerNormalization
// (models/layerNorm.ts) in place of its chain of a dozen element-wise ops.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon, NativeKernelName } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** Inputs x, gamma?, beta? [C]; attr epsilon; outputs y, mean [M], rstd [M] (M = rows, C = the last axis). */
export const LAYER_NORM = 'WorkbenchLayerNorm';
/** Inputs x, dy, mean, rstd, gamma?; attrs hasGamma, hasBeta; outputs dx, then dgamma and dbeta when asked for. */
export const LAYER_NORM_GRAD = 'WorkbenchLayerNormGrad';
export const LAYER_NORM_KERNELS: ReadonlyMap<string, NativeKernelName> = new Map<string, NativeKernelName>([
  [LAYER_NORM, 'layerNorm'], [LAYER_NORM_GRAD, 'layerNormGrad'],
]);

function rows(x: tf.TensorInfo): [number, number] {
  const c = x.shape[x.shape.length - 1];
  return [util.sizeFromShape(x.shape) / c, c];
}

export function nativeLayerNorm(addon: NativeAddon, _fallback?: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { epsilon } = args.attrs as { epsilon: number };
    const [m, c] = rows(x!);
    const y = backend.makeOutput([...x!.shape], 'float32');
    const mean = backend.makeOutput([m], 'float32'), rstd = backend.makeOutput([m], 'float32');
    const off = (t: tf.TensorInfo | undefined) => (t ? offsetOf(backend, t) : -1);
    addon.layerNorm(heapOf(backend), Float64Array.of(offsetOf(backend, x!), off(gamma), off(beta), offsetOf(backend, y),
      offsetOf(backend, mean), offsetOf(backend, rstd), m, c, epsilon));
    return [y, mean, rstd];
  };
  return { kernelName: LAYER_NORM, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function nativeLayerNormGrad(addon: NativeAddon, _fallback?: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, dy, mean, rstd, gamma } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { hasGamma, hasBeta } = args.attrs as { hasGamma: boolean; hasBeta: boolean };
    const [m, c] = rows(x!);
    const dx = backend.makeOutput([...x!.shape], 'float32');
    const dgamma = hasGamma ? backend.makeOutput([c], 'float32') : null;
    const dbeta = hasBeta ? backend.makeOutput([c], 'float32') : null;
    const off = (t: tf.TensorInfo | null | undefined) => (t ? offsetOf(backend, t) : -1);
    addon.layerNormGrad(heapOf(backend), Float64Array.of(offsetOf(backend, x!), offsetOf(backend, dy!), offsetOf(backend, mean!),
      offsetOf(backend, rstd!), off(gamma), offsetOf(backend, dx), off(dgamma), off(dbeta), m, c));
    return [dx, ...(dgamma ? [dgamma] : []), ...(dbeta ? [dbeta] : [])];
  };
  return { kernelName: LAYER_NORM_GRAD, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
