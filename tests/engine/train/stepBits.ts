// Test helper for the fused training steps' tests (fusedMlp, fusedCnnTrain): trains a model a few batches with a given
// step maker and returns the bit patterns of its weights and optimizer state, its losses, hits and tensor counts.
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../electron/engine/models/build.js';
import { makeOptimizer, setLearningRate } from '../../../electron/engine/train/optimizer.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { randomValues } from '../backend/kernels/reference.js';

/** One learning rate per batch: a schedule that changes between steps. */
export const RATES = [1e-2, 1e-2, 5e-3, 2.5e-3, 1e-3, 1e-3];

export type Step = (x: Float32Array, y: Int32Array, n: number) => { loss: number; correct: number };
export type StepMaker = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => Step;

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

/**
 * Trains `spec` (weights from seed 11) for RATES.length batches of `sizes[s]` random images with `make`'s step. With
 * `probs`, also the bits of the trained model's predictions on 8 fixed images.
 */
export async function trainBits(spec: ModelSpec, o: Optimizer, make: StepMaker, sizes: readonly number[], probs = false) {
  const model = buildModel(spec, 11);
  const opt = makeOptimizer(o, RATES[0]);
  const step = make(model, opt, spec.inputShape);
  const losses: number[] = [];
  const correct: number[] = [];
  const tensors: number[] = [];
  for (let s = 0; s < RATES.length; s++) {
    setLearningRate(opt, RATES[s]);
    const n = sizes[s];
    const r = step(randomValues(n * 784, 90 + s), Int32Array.from({ length: n }, (_, i) => (i * 7 + s) % 10), n);
    losses.push(r.loss);
    correct.push(r.correct);
    tensors.push(tf.memory().numTensors);
  }
  const weights = model.getWeights().map(bits);
  const state = (await opt.getWeights()).map((w) => bits(w.tensor));
  const predicted = probs ? tf.tidy(() => bits(model.predict(tf.tensor(randomValues(8 * 784, 7), [8, ...spec.inputShape])) as tf.Tensor)) : [];
  model.dispose();
  opt.dispose();
  return { weights, state, losses, correct, tensors, probs: predicted };
}
