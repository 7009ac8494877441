// One optimisation step on one batch: the hot path shared by the training worker and the benchmark.
import * as tf from '@tensorflow/tfjs';

export interface StepResult {
  loss: number;
  correct: number;
}

/** Keras clips probabilities the same way before taking the log. */
const EPSILON = 1e-7;

/** Sparse categorical cross-entropy of softmax outputs, averaged over the batch. */
export function sparseCategoricalCrossentropy(probs: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, numClasses);
    const logp = tf.log(tf.clipByValue(probs, EPSILON, 1 - EPSILON));
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), -1))) as tf.Scalar;
  });
}

/**
 * Builds a step function: forward in training mode, loss, backward, optimizer update.
 * Returns the batch loss and the number of correct predictions (read back once per batch).
 */
export function makeTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  return (x: Float32Array, y: Int32Array, batchSize: number): StepResult => {
    const out = tf.tidy(() => {
      const xs = tf.tensor(x.subarray(0, batchSize * sizeOf(inputShape)), [batchSize, ...inputShape], 'float32');
      const ys = tf.tensor1d(y.subarray(0, batchSize), 'int32');
      let correct: tf.Scalar | null = null;
      const loss = optimizer.minimize(() => {
        const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
        // Kept: the tape's own tidy would dispose a tensor the loss closure does not return.
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), ys), 'int32'))) as tf.Scalar;
        return sparseCategoricalCrossentropy(probs, ys, numClasses);
      }, true) as tf.Scalar;
      const packed = tf.stack([tf.cast(loss, 'float32'), tf.cast(correct!, 'float32')]);
      (correct as tf.Scalar | null)?.dispose();
      return packed;
    });
    const [loss, correct] = out.dataSync();
    out.dispose();
    return { loss, correct };
  };
}

/** Batched inference: softmax outputs for `count` samples, `batchSize` at a time. */
export function predictBatch(model: tf.LayersModel, x: Float32Array, count: number, inputShape: readonly number[]): Float32Array {
  return tf.tidy(() => {
    const xs = tf.tensor(x.subarray(0, count * sizeOf(inputShape)), [count, ...inputShape], 'float32');
    const probs = model.apply(xs, { training: false }) as tf.Tensor;
    return probs.dataSync() as Float32Array;
  });
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
