// One optimisation step on one batch: the hot path shared by the training worker and the benchmark.
import * as tf from '@tensorflow/tfjs';
import { predictFusedMlp } from './fusedMlpInfer.js';
import { predictFusedGraphMlp } from './fusedGraphMlpInfer.js';
import { predictFusedCnn } from './fusedCnnInfer.js';
import { sparseCrossEntropy, type LossResult } from './loss.js';

export interface StepResult {
  loss: number;
  correct: number;
}

/** Keras clips probabilities the same way before taking the log. */
const EPSILON = 1e-7;

/** Sparse categorical cross-entropy of softmax outputs, averaged over the batch (the training step uses loss.ts's equivalent). */
export function sparseCategoricalCrossentropy(probs: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, numClasses);
    const logp = tf.log(tf.clipByValue(probs, EPSILON, 1 - EPSILON));
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), -1))) as tf.Scalar;
  });
}

/**
 * Builds a step function: forward in training mode, loss, backward, optimizer update.
 * Returns the batch loss and the number of correct predictions, both read with the softmax outputs the loss
 * needs anyway (one readback of n × classes floats a batch; see loss.ts).
 */
export function makeTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  const size = sizeOf(inputShape);
  return (x: Float32Array, y: Int32Array, batchSize: number): StepResult => {
    let result: LossResult | null = null;
    tf.tidy(() => {
      const xs = tf.tensor(x.subarray(0, batchSize * size), [batchSize, ...inputShape], 'float32');
      optimizer.minimize(() => {
        const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
        if (probs.shape[1] !== numClasses) throw new Error(`internal error: the model gives ${probs.shape[1]} outputs for ${numClasses} classes`);
        result = sparseCrossEntropy(probs, y);
        return result.loss;
      });
    });
    const r = result as LossResult | null;
    return { loss: r!.value, correct: r!.correct };
  };
}

/**
 * Batched inference: softmax outputs for `count` samples, `batchSize` at a time. The outputs are read after the
 * tidy, not returned from it: tidy walks what its function returns key by key (tfjs's walkTensorContainer), which for
 * a Float32Array of count × classes numbers is a for-in over every index into a Set, and after the fused training
 * step V8 recompiled that walk twice a call in a deoptimisation loop (docs/FUSED_MLP.md).
 */
export function predictBatch(model: tf.LayersModel, x: Float32Array, count: number, inputShape: readonly number[]): Float32Array {
  // Plain and graph MLPs on the native kernels: the same calls without tfjs's engine (fusedMlpInfer.ts,
  // fusedGraphMlpInfer.ts), same bits.
  const fused = predictFusedMlp(model, x, count, inputShape) ?? predictFusedGraphMlp(model, x, count, inputShape)
    ?? predictFusedCnn(model, x, count, inputShape);
  if (fused != null) return fused;
  const probs = tf.tidy(() => {
    const xs = tf.tensor(x.subarray(0, count * sizeOf(inputShape)), [count, ...inputShape], 'float32');
    return model.apply(xs, { training: false }) as tf.Tensor;
  });
  try {
    return probs.dataSync() as Float32Array;
  } finally {
    probs.dispose();
  }
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
