// Model layer: tfjs's MaxPooling2D whose training call, directly after a fused relu Conv2D (convLayer.ts) that feeds
// nothing else, records one kernel whose gradient is one native pass for the pool's gradient, the relu mask and the
// conv's bias gradient (no pooled dx written and read again). Elsewhere, and with WORKBENCH_FUSED_POOL=0, tfjs's own.
import * as tf from '@tensorflow/tfjs';
import {
  MAX_POOL_RELU_GRAD_KERNEL, RELU_MAX_POOL_KERNEL, reluMaxPoolGeometry, type ReluMaxPoolAttrs,
} from '../backend/kernels/native/ConvPool.js';
import { relu6PoolCall, type MaxPoolFields } from './relu6Pool.js';

type PoolArgs = Parameters<typeof tf.layers.maxPooling2d>[0];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];
interface PoolFields {
  poolSize: [number, number];
  strides: [number, number];
  padding: string;
  dataFormat: string;
}
/** The part of tfjs-layers' Layer this reads: how many layer calls consume its output. */
interface Outbound {
  outboundNodes: unknown[];
}

/** Training calls that took the fused path since the process started (tests prove the path ran with it). */
export const fusedPoolCalls = { forward: 0 };

/** WORKBENCH_FUSED_POOL=0 keeps the separate pool gradient and relu/bias gradient (read at every call). */
export const fusedPoolEnabled = (): boolean => process.env.WORKBENCH_FUSED_POOL !== '0';

/** Relu outputs of fused conv layers (convLayer.ts marks them), with the layer that made each. */
const reluOutputs = new WeakMap<tf.Tensor, Outbound>();
/** The pool gradient's dz (already masked by relu's step) → the conv's bias gradient, for convLayer.ts's gradient. */
const maskedGradients = new WeakMap<tf.Tensor, tf.Tensor>();

/** convLayer.ts: y is `layer`'s relu output (the relu applied in the convolution's epilogue, the bias added before). */
export function markReluOutput(y: tf.Tensor, layer: Outbound): void {
  reluOutputs.set(y, layer);
}

/** convLayer.ts: the bias gradient already summed for this dz by the fused pool gradient (dz already masked), or undefined. */
export function pooledBiasGradient(dz: tf.Tensor): tf.Tensor | undefined {
  return maskedGradients.get(dz);
}

function available(): boolean {
  const b = tf.getBackend();
  return b === 'wasm' && tf.getKernel(RELU_MAX_POOL_KERNEL, b) != null && tf.getKernel(MAX_POOL_RELU_GRAD_KERNEL, b) != null;
}

function registerGradient(): void {
  if (tf.getGradient(RELU_MAX_POOL_KERNEL) != null) return;
  tf.registerGradient({
    kernelName: RELU_MAX_POOL_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [y] = saved;
      const [dz, db] = tf.engine().runKernel(MAX_POOL_RELU_GRAD_KERNEL, { dy: dy as tf.Tensor, y }, attrs as never) as tf.Tensor[];
      maskedGradients.set(dz, db);
      return { x: () => dz };
    },
  });
}

/**
 * The fused path's attributes, or null. Only a relu output whose layer has this one consumer: with another one, the
 * conv's gradient would be the sum of an already masked dz and the other gradient, masked again (same values, but a
 * zero's sign could differ from the separate kernels').
 */
function plan(self: PoolFields, x: tf.Tensor): ReluMaxPoolAttrs | null {
  const producer = reluOutputs.get(x);
  if (producer == null || producer.outboundNodes.length !== 1 || self.dataFormat !== 'channelsLast') return null;
  if (self.padding !== 'same' && self.padding !== 'valid') return null;
  const attrs: ReluMaxPoolAttrs = { filterSize: self.poolSize, strides: self.strides, pad: self.padding };
  return reluMaxPoolGeometry(x, attrs) == null ? null : attrs;
}

let FusedMaxPooling2D: (new (args: PoolArgs) => tf.layers.Layer) | null = null;

/** A MaxPooling2D layer (same class name and config as tfjs's, so a saved model is a plain MaxPooling2D). */
export function fusedMaxPooling2d(args: PoolArgs): tf.layers.Layer {
  if (!FusedMaxPooling2D) {
    registerGradient();
    // The package exports only the factory; the class comes from an instance (of whichever tfjs copy is loaded).
    const Base = Object.getPrototypeOf(tf.layers.maxPooling2d({ poolSize: 2, name: 'fused_pool_probe' })).constructor as new (a: PoolArgs) => tf.layers.Layer;
    FusedMaxPooling2D = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        // A relu6 conv handed its pre-activation over (relu6Pool.ts): relu6 is applied here, whatever the switches.
        const r6 = relu6PoolCall((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor);
        if (r6) return r6;
        if (kwargs?.training === true && fusedPoolEnabled() && available()) {
          const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
          const attrs = plan(this as unknown as PoolFields, x);
          if (attrs) {
            fusedPoolCalls.forward++;
            return tf.engine().runKernel(RELU_MAX_POOL_KERNEL, { x }, attrs as never) as tf.Tensor;
          }
        }
        return super.call(inputs, kwargs);
      }
    };
  }
  return new FusedMaxPooling2D(args);
}

/** The pooling fields of a MaxPooling2D built by fusedMaxPooling2d (it honours relu6Pool.ts's hand-over), else null. */
export function maxPoolFieldsOf(layer: unknown): MaxPoolFields | null {
  return FusedMaxPooling2D != null && layer instanceof FusedMaxPooling2D ? layer as unknown as MaxPoolFields : null;
}
