// Engine layer: tfjs's BatchNormalization whose training step runs as two fused kernels (forward with the moving
// statistics, and its gradient) when the backend has them (native addon on wasm); otherwise tfjs's own op graph.
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from '../backend/kernels/native/BatchNorm.js';

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];

/** The fields of tfjs's BatchNormalization (public in its .d.ts only as a whole class we cannot import by name). */
export interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: tf.LayerVariable;
  beta?: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/** True when the current backend has both fused kernels (the wasm backend with the native addon). */
export function fusedBatchNormAvailable(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(BATCH_NORM_TRAIN, backend) != null && tf.getKernel(BATCH_NORM_GRAD, backend) != null;
}

/**
 * Training forward y = (x − mean)·gamma/√(var + ε) + beta over every axis but the last, with the batch's mean and
 * biased variance, the gradient of all three inputs from one kernel (dx through the statistics too), and the moving
 * statistics updated as tfjs-layers does (v − (v − batch)·(1 − momentum)). Returns y; writes the moving statistics.
 */
function fusedTrainingStep(layer: BatchNormFields, x: tf.Tensor): tf.Tensor {
  const epsilon = layer.epsilon;
  let moving: tf.Tensor[] = [];
  const step = tf.customGrad(((xIn: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, variance, newMean, newVariance] = tf.engine().runKernel(BATCH_NORM_TRAIN,
      { x: xIn, gamma, beta, movingMean: layer.movingMean.read(), movingVariance: layer.movingVariance.read() },
      { epsilon, momentum: layer.momentum }) as tf.Tensor[];
    save([xIn, mean, variance, gamma]);
    // Kept past customGrad's own tidy; handed to the moving variables below.
    moving = [tf.keep(newMean), tf.keep(newVariance)];
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sMean, sVariance, sGamma] = saved;
      return tf.engine().runKernel(BATCH_NORM_GRAD, { x: sx, dy, mean: sMean, variance: sVariance, gamma: sGamma },
        { epsilon }) as tf.Tensor[];
    };
    return { value: y, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = step(x, layer.gamma!.read(), layer.beta!.read());
  layer.movingMean.write(moving[0]);
  layer.movingVariance.write(moving[1]);
  tf.dispose(moving);
  return y;
}

type Ctor = new (args: BatchNormArgs) => tf.layers.Layer;
let FusedBatchNormalization: Ctor | null = null;

/**
 * A BatchNormalization layer: the class name and config stay tfjs's, so a saved model loads with tf.loadLayersModel
 * as a plain BatchNormalization, and inference is tfjs's own call (one FusedBatchNorm kernel). Training takes the
 * fused kernels when the backend has them, for channel-last float32 input with gamma and beta.
 */
export function batchNormalization(args: BatchNormArgs): tf.layers.Layer {
  if (!FusedBatchNormalization) {
    // The package exports only the factory; the class comes from an instance (of whichever tfjs copy is loaded).
    const Base = Object.getPrototypeOf(tf.layers.batchNormalization({ name: 'fused_batch_norm_probe' })).constructor as Ctor;
    FusedBatchNormalization = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        const self = this as unknown as BatchNormFields;
        const rank = x.shape.length;
        const fused = kwargs?.training === true && x.dtype === 'float32' && rank >= 2 && x.size > 0
          && (self.axis === -1 || self.axis === rank - 1) && self.gamma != null && self.beta != null
          && fusedBatchNormAvailable();
        if (!fused) return super.call(inputs, kwargs);
        return tf.tidy(() => fusedTrainingStep(self, x));
      }
    };
  }
  return new FusedBatchNormalization(args);
}

/**
 * A BatchNormalization built here whose training the fused kernels can take for input of `rank` (default [n, channels];
 * the fused MLP and CNN steps, train/fusedMlp.ts and train/fusedCnnTrain.ts, run them themselves): its fields, else null.
 */
export function asFusedBatchNorm(layer: tf.layers.Layer, rank = 2): BatchNormFields | null {
  if (FusedBatchNormalization == null || !(layer instanceof FusedBatchNormalization)) return null;
  const f = layer as unknown as BatchNormFields;
  return f.gamma != null && f.beta != null && (f.axis === -1 || f.axis === rank - 1) ? f : null;
}
