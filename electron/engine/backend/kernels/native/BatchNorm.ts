// Backend layer: batch normalisation on the wasm heap: inference (FusedBatchNorm) and two kernels tfjs does not have,
// the training forward and its gradient, which the engine's BatchNormalization layer calls (models/batchNorm.ts).
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon, NativeKernelName } from '../../native/addon.js';
import { isRowOf } from './eltwise.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** Inputs x, gamma, beta, movingMean, movingVariance [C]; attrs epsilon, momentum; outputs y, batch mean, batch
 * (biased) variance, and the moving statistics after this step's update. Registered only with the addon. */
export const BATCH_NORM_TRAIN = 'WorkbenchBatchNormTrain';
/** Inputs x, dy, mean, variance, gamma; attr epsilon; outputs dx, dgamma, dbeta. */
export const BATCH_NORM_GRAD = 'WorkbenchBatchNormGrad';
/**
 * Our kernels that replace nothing, with the addon function each needs: registered when the addon has it, absent
 * otherwise (then the layer takes tfjs's own path).
 */
export const OWN_KERNELS: ReadonlyMap<string, NativeKernelName> = new Map([
  [BATCH_NORM_TRAIN, 'batchNormTrain'], [BATCH_NORM_GRAD, 'batchNormGrad'],
]);

function rows(x: tf.TensorInfo): [number, number] {
  const c = x.shape[x.shape.length - 1];
  return [util.sizeFromShape(x.shape) / c, c];
}

/** Per-channel parameters over the last axis (what tf.batchNorm passes for channel-last data); the rest falls back. */
export function nativeFusedBatchNorm(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, mean, variance, scale, offset } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const eps = (args.attrs as unknown as tf.FusedBatchNormAttrs).varianceEpsilon ?? 0.001;
    const params = [mean, variance, scale, offset].filter((p): p is tf.TensorInfo => p != null);
    if (typeof addon.batchNorm !== 'function' || x == null || mean == null || variance == null || x.shape.length === 0
      || util.sizeFromShape(x.shape) === 0 || x.dtype !== 'float32'
      || !params.every((p) => p.dtype === 'float32' && isRowOf(p, x))) return fallback(args);
    const [m, c] = rows(x);
    const y = backend.makeOutput([...x.shape], 'float32');
    const off = (t: tf.TensorInfo | undefined) => (t ? offsetOf(backend, t) : -1);
    addon.batchNorm(heapOf(backend), Float64Array.of(offsetOf(backend, x), off(mean), off(variance), off(scale), off(offset),
      offsetOf(backend, y), m, c, eps));
    return y;
  };
  return { kernelName: tf.FusedBatchNorm, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function nativeBatchNormTrain(addon: NativeAddon, _fallback?: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, gamma, beta, movingMean, movingVariance } = args.inputs as Record<string, tf.TensorInfo>;
    const { epsilon, momentum } = args.attrs as { epsilon: number; momentum: number };
    const [m, c] = rows(x);
    const y = backend.makeOutput([...x.shape], 'float32');
    const stats = [0, 1, 2, 3].map(() => backend.makeOutput([c], 'float32'));
    addon.batchNormTrain(heapOf(backend), Float64Array.of(...[x, gamma, beta, movingMean, movingVariance, y, ...stats]
      .map((t) => offsetOf(backend, t)), m, c, epsilon, momentum));
    return [y, ...stats];
  };
  return { kernelName: BATCH_NORM_TRAIN, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function nativeBatchNormGrad(addon: NativeAddon, _fallback?: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, dy, mean, variance, gamma } = args.inputs as Record<string, tf.TensorInfo>;
    const { epsilon } = args.attrs as { epsilon: number };
    const [m, c] = rows(x);
    const dx = backend.makeOutput([...x.shape], 'float32');
    const dgamma = backend.makeOutput([c], 'float32'), dbeta = backend.makeOutput([c], 'float32');
    addon.batchNormGrad(heapOf(backend), Float64Array.of(...[x, dy, mean, variance, gamma, dx, dgamma, dbeta]
      .map((t) => offsetOf(backend, t)), m, c, epsilon));
    return [dx, dgamma, dbeta];
  };
  return { kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

