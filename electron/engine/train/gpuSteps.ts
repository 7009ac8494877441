// Training and evaluation steps for a backend whose tensors live on a GPU (webgpu): the batch goes up once, the loss
// and hits stay there as running sums, and are read back only when the loop reports progress.
import * as tf from '@tensorflow/tfjs';
import { fillBatch } from '../data/batches.js';
import { sparseCategoricalCrossentropy, sizeOf } from './step.js';

/** Backends that cannot read a tensor synchronously (dataSync) and keep data on a device. */
export function isDeviceBackend(name: string): boolean {
  return name === 'webgpu';
}

/** At most this many steps are queued on the device between two readbacks, whatever the event throttle says. */
export const MAX_UNREAD_STEPS = 64;

export interface DeviceTally {
  /** One optimisation step; nothing is read back. */
  step(x: Float32Array, y: Int32Array, batchSize: number): void;
  /** Steps since the last read. */
  readonly unread: number;
  /** Sum of batch-mean losses × batch size and the number of hits since `reset`: one readback of two floats. */
  read(): Promise<{ lossSum: number; correct: number }>;
  /** Starts a new epoch's sums. */
  reset(): void;
  dispose(): void;
}

/**
 * The device counterpart of step.ts's makeTrainStep: the same forward pass and sparse categorical cross-entropy
 * (step.ts's op chain, whose gradient equals loss.ts's), with the hits counted on the device as argMax = label.
 */
export function makeDeviceTally(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10): DeviceTally {
  const size = sizeOf(inputShape);
  let sums: tf.Tensor1D = tf.keep(tf.zeros([2]));
  let unread = 0;
  return {
    step(x, y, batchSize) {
      let batch: tf.Tensor1D | null = null;
      const next = tf.tidy(() => {
        const xs = tf.tensor(x.subarray(0, batchSize * size), [batchSize, ...inputShape], 'float32');
        const labels = tf.tensor1d(y.subarray(0, batchSize), 'int32');
        optimizer.minimize(() => {
          const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
          if (probs.shape[1] !== numClasses) throw new Error(`internal error: the model gives ${probs.shape[1]} outputs for ${numClasses} classes`);
          const loss = sparseCategoricalCrossentropy(probs, labels, numClasses);
          const hits = tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), labels), 'float32'));
          batch = tf.keep(tf.stack([tf.mul(loss, batchSize), hits]) as tf.Tensor1D);
          return loss;
        });
        return tf.add(sums, batch!) as tf.Tensor1D;
      });
      (batch as tf.Tensor1D | null)?.dispose(); // kept out of minimize's tidy, which returns only the loss
      sums.dispose();
      sums = next;
      unread++;
    },
    get unread() {
      return unread;
    },
    async read() {
      const [lossSum, correct] = await sums.data();
      unread = 0;
      return { lossSum, correct: Math.round(correct) };
    },
    reset() {
      sums.dispose();
      sums = tf.keep(tf.zeros([2]));
      unread = 0;
    },
    dispose() {
      sums.dispose();
    },
  };
}

/** step.ts's predictBatch, read back asynchronously. */
export async function predictBatchAsync(model: tf.LayersModel, x: Float32Array, count: number, inputShape: readonly number[]): Promise<Float32Array> {
  const probs = tf.tidy(() => {
    const xs = tf.tensor(x.subarray(0, count * sizeOf(inputShape)), [count, ...inputShape], 'float32');
    return model.apply(xs, { training: false }) as tf.Tensor;
  });
  try {
    return (await probs.data()) as Float32Array;
  } finally {
    probs.dispose();
  }
}

/** loop.ts's predictAll with asynchronous readback: softmax outputs for the given samples, `batch` at a time. */
export async function predictAllAsync(model: tf.LayersModel, images: Uint8Array, indices: Int32Array, inputShape: number[], numClasses: number, batch: number): Promise<Float32Array> {
  const probs = new Float32Array(indices.length * numClasses);
  const x = new Float32Array(batch * sizeOf(inputShape));
  for (let start = 0; start < indices.length; start += batch) {
    const end = Math.min(start + batch, indices.length);
    const n = fillBatch(images, indices, start, end, x, null);
    probs.set(await predictBatchAsync(model, x, n, inputShape), start * numClasses);
  }
  return probs;
}
