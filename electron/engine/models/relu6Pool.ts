// Model layer: a relu6 Conv2D (convLayer.ts) whose only consumer is a max pooling layer (poolLayer.ts) hands the pool
// its pre-activation z; the pool records one kernel MaxPool(relu6(z)) whose gradient is one native pass for the pool's
// gradient, relu6's mask and the conv's bias gradient (no relu6 output or pooled dx written and read again).
// Same numbers as the separate kernels; WORKBENCH_RELU6_POOL=0 keeps them (read at every call).
import * as tf from '@tensorflow/tfjs';
import { NATIVE_ACTIVATIONS } from '../backend/kernels/native/Activation.js';
import { reluMaxPoolGeometry, type ReluMaxPoolAttrs } from '../backend/kernels/native/ConvPool.js';
import {
  MAX_POOL_RELU6_GRAD_KERNEL, RELU6_MAX_POOL_KERNEL, relu6PoolReady,
} from '../backend/kernels/native/Relu6Pool.js';

/** Training calls that took the path since the process started (tests prove the path ran with it). */
export const relu6PoolCalls = { forward: 0 };

export const relu6PoolEnabled = (): boolean => process.env.WORKBENCH_RELU6_POOL !== '0';

/** The pooling layer's fields this reads (tfjs's MaxPooling2D). */
export interface MaxPoolFields {
  poolSize: [number, number];
  strides: [number, number];
  padding: string;
  dataFormat: string;
}

/** Pre-activations handed to a pool, with the pool's attributes. */
const pending = new WeakMap<tf.Tensor, ReluMaxPoolAttrs>();
/** dz → db, summed by the fused gradient, for the conv's bias gradient. */
const pooledBias = new WeakMap<tf.Tensor, tf.Tensor>();

/**
 * convLayer.ts, in a training call: whether z (a conv's pre-activation, activation `fn`) goes straight to the layer's
 * only consumer, a max pooling layer `poolOf` recognises, instead of through relu6. Marks z for that pool when so.
 */
export function handRelu6ToPool(layer: { outboundNodes: unknown[] }, fn: number | null, z: tf.Tensor,
  poolOf: (l: unknown) => MaxPoolFields | null): boolean {
  if (fn !== NATIVE_ACTIVATIONS.relu6 || layer.outboundNodes.length !== 1 || !relu6PoolEnabled() || !relu6PoolReady()) return false;
  const pool = poolOf((layer.outboundNodes[0] as { outboundLayer?: unknown }).outboundLayer);
  if (pool == null || pool.dataFormat !== 'channelsLast' || (pool.padding !== 'same' && pool.padding !== 'valid')) return false;
  const attrs: ReluMaxPoolAttrs = { filterSize: pool.poolSize, strides: pool.strides, pad: pool.padding };
  if (reluMaxPoolGeometry(z, attrs) == null) return false;
  registerGradient();
  pending.set(z, attrs);
  return true;
}

/** poolLayer.ts: MaxPool(relu6(x)) when x was handed over by handRelu6ToPool, else null. */
export function relu6PoolCall(x: tf.Tensor): tf.Tensor | null {
  const attrs = pending.get(x);
  if (attrs == null) return null;
  relu6PoolCalls.forward++;
  return tf.engine().runKernel(RELU6_MAX_POOL_KERNEL, { x }, attrs as never) as tf.Tensor;
}

/** convLayer.ts: the bias gradient already summed for this dz by the fused gradient, or undefined. */
export function relu6PooledBias(dz: tf.Tensor): tf.Tensor | undefined {
  return pooledBias.get(dz);
}

function registerGradient(): void {
  if (tf.getGradient(RELU6_MAX_POOL_KERNEL) != null) return;
  tf.registerGradient({
    kernelName: RELU6_MAX_POOL_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [z] = saved;
      const [dz, db] = tf.engine().runKernel(MAX_POOL_RELU6_GRAD_KERNEL, { dy: dy as tf.Tensor, z }, attrs as never) as tf.Tensor[];
      pooledBias.set(dz, db);
      return { x: () => dz };
    },
  });
}
