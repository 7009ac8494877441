// Test helper for the fused training steps' tests (fusedMlp, fusedCnnTrain, fusedGraphCnn): trains a model a few batches with
// a given step maker and returns the bit patterns of its weights and optimizer state, its losses, hits and tensor counts;
// the special-pixel run and the switch-off and frozen-layer checks those tests share.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { buildModel } from '../../../electron/engine/models/build.js';
import { fusedMlpNativeUpdates } from '../../../electron/engine/train/fusedMlpUpdate.js';
import { makeOptimizer, setLearningRate } from '../../../electron/engine/train/optimizer.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon } from '../backend/kernels/native/setup.js';
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

/** A fused step's maker (null when it does not take the model) and its counter of steps run. */
export interface FusedPath {
  make: (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => ((x: Float32Array, y: Int32Array, n: number) => unknown) | null;
  steps: () => number;
}

/**
 * Three steps of 40 images (seed 21, Adam), −0 in every 7th pixel, +Inf in one pixel at the second step and NaN in one at
 * the third: the losses and the weights' bits.
 */
export function trainSpecialPixels(spec: ModelSpec, make: StepMaker) {
  const model = buildModel(spec, 21);
  const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
  const step = make(model, opt, spec.inputShape);
  const losses: number[] = [];
  for (let s = 0; s < 3; s++) {
    const n = 40;
    const x = randomValues(n * 784, 60 + s);
    for (let i = 0; i < x.length; i += 7) x[i] = -0;
    if (s === 1) x[3 * 784 + 300] = Infinity;
    if (s === 2) x[5 * 784 + 100] = NaN;
    losses.push(step(x, Int32Array.from({ length: n }, (_, i) => i % 10), n).loss);
  }
  const weights = model.getWeights().map(bits);
  model.dispose();
  opt.dispose();
  return { losses, weights };
}

/**
 * With each of `switches` at 0 the fused step (made before) returns null and `fallback` (made likewise) trains through
 * the taped step, the counter unchanged; `switches[0]` at 0 also makes the maker return null.
 */
export function expectSwitchesOff(spec: ModelSpec, path: FusedPath, fallback: StepMaker, switches: string[]): void {
  const shape = spec.inputShape as number[];
  const fresh = () => [buildModel(spec, 3), makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3)] as const;
  for (const name of switches) {
    const [model, opt] = fresh();
    const fused = path.make(model, opt, shape)!;
    const step = fallback(model, opt, shape);
    expect(fused).not.toBeNull();
    process.env[name] = '0';
    try {
      const steps = path.steps();
      const x = randomValues(16 * 784, 3);
      const y = Int32Array.from({ length: 16 }, (_, i) => i % 10);
      expect(fused(x, y, 16), name).toBeNull();
      expect(Number.isFinite(step(x, y, 16).loss)).toBe(true);
      expect(path.steps(), name).toBe(steps);
    } finally {
      delete process.env[name];
      model.dispose();
      opt.dispose();
    }
  }
  const [model, opt] = fresh();
  process.env[switches[0]] = '0';
  try {
    expect(path.make(model, opt, shape), 'read at make time too').toBeNull();
  } finally {
    delete process.env[switches[0]];
    model.dispose();
    opt.dispose();
  }
}

/** With the first layer of class `layerClass` frozen after the step is made, `fallback`'s step trains without the fused path. */
export function expectFrozenFallsBack(spec: ModelSpec, layerClass: string, path: FusedPath, fallback: StepMaker): void {
  const model = buildModel(spec, 5);
  const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
  const step = fallback(model, opt, spec.inputShape as number[]);
  model.layers.find((l) => l.getClassName() === layerClass)!.trainable = false;
  const steps = path.steps();
  step(randomValues(16 * 784, 4), Int32Array.from({ length: 16 }, (_, i) => i % 10), 16);
  expect(path.steps()).toBe(steps);
  model.dispose();
  opt.dispose();
}

/**
 * Trains `spec` through `taped`, then through `fused` on `threads` native threads (with `handed`, FusedAdam's update
 * handed to applyGradients: WORKBENCH_FUSED_MLP_UPDATE=0): the fused path's counter up by a step a batch, FusedAdam's
 * native update every step unless handed, no tensor left behind, the same losses, hits, weights and optimizer state bits.
 */
export async function expectSameAsTaped(spec: ModelSpec, o: Optimizer, sizes: readonly number[], threads: number, handed: boolean,
  steps: () => number, taped: StepMaker, fused: StepMaker): Promise<void> {
  addon!.setThreads(threads);
  if (handed) process.env.WORKBENCH_FUSED_MLP_UPDATE = '0';
  try {
    let tensors = tf.memory().numTensors;
    const want = await trainBits(spec, o, taped, sizes);
    const tapedLeft = tf.memory().numTensors - tensors;
    const before = steps();
    const updates = fusedMlpNativeUpdates();
    tensors = tf.memory().numTensors;
    const got = await trainBits(spec, o, fused, sizes);
    expect(steps() - before, 'fused steps').toBe(RATES.length);
    // FusedAdam's update in one native call (fusedMlpUpdate.ts), unless switched off; the other optimizers' applyGradients.
    expect(fusedMlpNativeUpdates() - updates, 'native updates').toBe(o.type === 'adam' && !handed ? RATES.length : 0);
    expect(tf.memory().numTensors - tensors, 'tensors left behind').toBe(tapedLeft);
    // After the first step (the optimizer's state made), no step adds a tensor.
    expect(new Set(got.tensors.slice(1)).size, `tensors after each step ${got.tensors}`).toBe(1);
    expect(got.losses).toEqual(want.losses);
    expect(got.correct).toEqual(want.correct);
    expect(got.losses[0]).not.toBe(got.losses.at(-1));
    expect(got.weights.length).toBe(want.weights.length);
    got.weights.forEach((w, k) => expect(w, `weight ${k}`).toEqual(want.weights[k]));
    expect(got.state.length).toBe(want.state.length);
    got.state.forEach((w, k) => expect(w, `optimizer state ${k}`).toEqual(want.state[k]));
  } finally {
    addon!.setThreads(2);
    delete process.env.WORKBENCH_FUSED_MLP_UPDATE;
  }
}

/** The addon calls (by name, those made) of training `spec` with `make` (Adam) for RATES.length batches of `sizes`. */
export async function addonCalls(spec: ModelSpec, make: StepMaker, sizes: readonly number[]): Promise<Record<string, number>> {
  const before = addon!.counts();
  await trainBits(spec, { type: 'adam', beta1: 0.9, beta2: 0.999 }, make, sizes);
  const after = addon!.counts();
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]).filter(([, v]) => v !== 0));
}
