// Tests the fused MLP training step: bit for bit the taped step's weights, losses and optimizer state, proven to run,
// and the taped step wherever it does not apply.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { fusedMlpSteps, makeFastestTrainStep, makeFusedMlpStep } from '../../../electron/engine/train/fusedMlp.js';
import { mlpStages } from '../../../electron/engine/train/fusedMlpPlan.js';
import { fusedMlpNativeUpdates } from '../../../electron/engine/train/fusedMlpUpdate.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import { RunOptions } from '../../../electron/engine/train/runOptions.js';
import { HyperparametersSchema } from '../../../shared/hyper.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { RATES, trainBits, type StepMaker } from './stepBits.js';
import { mixedMlp } from './fixtures/models.js';

const IMAGE = [28, 28, 1];
const seedAnn = getPreset('seed-ann').model as ModelSpec;

const mixed = mixedMlp as unknown as ModelSpec;

/** The bench's mlp-bn: batch norm after a bias-free linear Dense and after softplus, dropout, four activations. */
const mlpBn = {
  name: 'mlp-bn', inputShape: [784],
  layers: [
    { type: 'Dense', units: 512, activation: 'linear', useBias: false },
    { type: 'BatchNormalization', momentum: 0.9 },
    { type: 'Dense', units: 256, activation: 'tanh' },
    { type: 'Dropout', rate: 0.3 },
    { type: 'Dense', units: 256, activation: 'softplus' },
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 128, activation: 'gelu' },
    { type: 'Dense', units: 64, activation: 'swish' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
} as unknown as ModelSpec;

/** Batch norm first: its input gradient is not needed (no weights before it). */
const bnFirst = {
  name: 'bn-first', inputShape: [28, 28, 1],
  layers: [{ type: 'Flatten' }, { type: 'BatchNormalization' }, { type: 'Dense', units: 64, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }],
} as unknown as ModelSpec;

const SIZES = [64, 64, 64, 37, 64, 64]; // a short last batch in the middle, as at an epoch's end
// Without the tensor counts: the tests compare whole results, and the count depends on what ran before.
const train = async (spec: ModelSpec, o: Optimizer, make: StepMaker) => {
  const { tensors: _tensors, ...bits } = await trainBits(spec, o, make, SIZES, true);
  return bits;
};

const taped = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => makeTrainStep(m, opt, shape);
const fastest = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => makeFastestTrainStep(m, opt, shape);

describe.skipIf(nativeMissing != null)(`fused MLP step${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  const cases: Array<[string, ModelSpec, Optimizer]> = [
    ['seed ANN, Adam', seedAnn, { type: 'adam', beta1: 0.9, beta2: 0.999 }],
    ['mixed activations and dropout, Adam', mixed, { type: 'adam', beta1: 0.8, beta2: 0.95 }],
    ['seed ANN, SGD with momentum', seedAnn, { type: 'sgd', momentum: 0.9 }],
    ['mixed, RMSProp', mixed, { type: 'rmsprop', rho: 0.9, momentum: 0.5 }],
    ['mlp-bn (batch norm), Adam', mlpBn, { type: 'adam', beta1: 0.9, beta2: 0.999 }],
    ['batch norm first, SGD', bnFirst, { type: 'sgd', momentum: 0 }],
    ['seed ANN, AdamW', seedAnn, { type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 0.01 } as Optimizer],
  ];

  it.each(cases)('%s: the same bits as the taped step (weights, optimizer state, losses, hits)', async (_name, spec, o) => {
    let tensors = tf.memory().numTensors;
    const want = await train(spec, o, taped);
    const tapedLeft = tf.memory().numTensors - tensors;
    const steps = fusedMlpSteps();
    tensors = tf.memory().numTensors;
    const got = await train(spec, o, fastest);
    expect(fusedMlpSteps() - steps, 'fused steps').toBe(RATES.length);
    // tfjs keeps a tensor or two per optimizer (the taped path too); the fused step adds none.
    expect(tf.memory().numTensors - tensors, 'tensors left behind').toBe(tapedLeft);
    expect(got.losses).toEqual(want.losses);
    expect(got.correct).toEqual(want.correct);
    expect(got.losses[0]).not.toBe(got.losses.at(-1));
    expect(got.weights.length).toBe(want.weights.length);
    got.weights.forEach((w, k) => expect(w, `weight ${k}`).toEqual(want.weights[k]));
    got.state.forEach((w, k) => expect(w, `optimizer state ${k}`).toEqual(want.state[k]));
    expect(got.probs).toEqual(want.probs);
  });

  it('runs the GEMMs natively, Adam inside the weight gradients, one more optimizer call a step, no taped kernels', async () => {
    const before = addon!.counts();
    const updates = fusedMlpNativeUpdates();
    await train(seedAnn, { type: 'adam', beta1: 0.9, beta2: 0.999 }, fastest);
    const after = addon!.counts();
    // 3 forward GEMMs and 2 input gradients a step; 3 more for train()'s final prediction; the 3 weight gradients
    // with Adam's update of their kernels, then one call for the 3 biases.
    expect(after.matmul - before.matmul).toBe(5 * RATES.length + 3);
    expect(after.matmulOptim - before.matmulOptim).toBe(3 * RATES.length);
    expect(after.optim - before.optim).toBe(RATES.length);
    expect(fusedMlpNativeUpdates() - updates).toBe(RATES.length);
  });

  it('WORKBENCH_FUSED_MLP_UPDATE=0 hands the gradients to applyGradients instead: the same bits', async () => {
    const adam: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
    const inside = await train(mlpBn, adam, fastest);
    process.env.WORKBENCH_FUSED_MLP_UPDATE = '0';
    try {
      const before = addon!.counts();
      const updates = fusedMlpNativeUpdates();
      const steps = fusedMlpSteps();
      const handed = await train(mlpBn, adam, fastest);
      expect(fusedMlpSteps() - steps).toBe(RATES.length);
      expect(fusedMlpNativeUpdates()).toBe(updates);
      expect(addon!.counts().matmulOptim).toBe(before.matmulOptim);
      expect(handed).toEqual(inside);
    } finally {
      delete process.env.WORKBENCH_FUSED_MLP_UPDATE;
    }
  });

  it.each(['WORKBENCH_FUSED_MLP_DIRECT', 'WORKBENCH_FUSED_MLP_BIAS_ACT'])('%s=0 (the batch copied to the heap; separate activation and bias gradients): the same bits', async (name) => {
    const adam: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
    for (const spec of [seedAnn, mixed]) {
      const on = await train(spec, adam, fastest);
      process.env[name] = '0';
      try {
        const before = addon!.counts();
        const off = await train(spec, adam, fastest);
        const after = addon!.counts();
        if (name === 'WORKBENCH_FUSED_MLP_BIAS_ACT') expect(after.biasActGrad - before.biasActGrad).toBe(0);
        expect(off).toEqual(on);
      } finally {
        delete process.env[name];
      }
    }
  });

  it('a weight whose buffer another tensor shares is not updated in place: applyGradients runs', async () => {
    const model = buildModel(seedAnn, 2);
    const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
    const step = makeFastestTrainStep(model, opt, [784]);
    const x = randomValues(16 * 784, 3);
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 10);
    step(x, y, 16);
    const kernel = model.layers[1].getWeights()[0];
    const shared = tf.clone(kernel); // shares the buffer on this backend
    const copy = Array.from(shared.dataSync());
    const updates = fusedMlpNativeUpdates();
    step(x, y, 16);
    expect(fusedMlpNativeUpdates()).toBe(updates);
    expect(Array.from(shared.dataSync())).toEqual(copy);
    expect(Array.from(model.layers[1].getWeights()[0].dataSync())).not.toEqual(copy);
    shared.dispose();
    step(x, y, 16);
    expect(fusedMlpNativeUpdates()).toBe(updates + 1);
    model.dispose();
    opt.dispose();
  });

  it('declines what it does not implement: the taped step runs', () => {
    const m = (layers: object[]) => buildModel({ name: 'x', inputShape: IMAGE, layers } as unknown as ModelSpec, 1);
    const dense = { type: 'Dense', units: 10, activation: 'softmax' };
    expect(mlpStages(m([{ type: 'Flatten' }, dense]), IMAGE, 10)).not.toBeNull();
    expect(mlpStages(m([{ type: 'Flatten' }, { type: 'BatchNormalization' }, dense]), IMAGE, 10)).not.toBeNull();
    expect(mlpStages(m([{ type: 'Flatten' }, { type: 'LayerNormalization' }, dense]), IMAGE, 10)).toBeNull();
    expect(mlpStages(m([{ type: 'Conv2D', filters: 2, kernelSize: 3 }, { type: 'Flatten' }, dense]), IMAGE, 10)).toBeNull();
    expect(mlpStages(m([{ type: 'Flatten' }, { type: 'Dense', units: 8, activation: 'softmax' }, dense]), IMAGE, 10), 'hidden softmax').toBeNull();
    expect(mlpStages(m([{ type: 'Flatten' }, dense]), IMAGE, 12), 'class count').toBeNull();
    expect(mlpStages(getPresetModel('seed-cnn'), IMAGE, 10)).toBeNull();
  });

  it('training picks it for plain options and soft targets: clipping, L2 and non-chain models take the taped steps', () => {
    const ran = (hyper: object, spec: ModelSpec = seedAnn) => {
      const model = buildModel(spec, 4);
      const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
      const step = new RunOptions(HyperparametersSchema.parse({ learningRate: 1e-3, batchSize: 16, epochs: 1, ...hyper })).makeStep(model, opt, spec.inputShape);
      const before = fusedMlpSteps();
      const r = step(randomValues(16 * 784, 5), Int32Array.from({ length: 16 }, (_, i) => i % 10), 16);
      expect(Number.isFinite(r.loss)).toBe(true);
      model.dispose();
      opt.dispose();
      return fusedMlpSteps() - before;
    };
    expect(ran({})).toBe(1);
    expect(ran({ optimizer: { type: 'sgd', momentum: 0.9, nesterov: true } }), 'any optimizer: its own update').toBe(1);
    expect(ran({ labelSmoothing: 0.1 }), 'label smoothing: the soft targets through it (fusedSoft.test.ts)').toBe(1);
    expect(ran({ labelSmoothing: 0.1, clipNorm: 1 })).toBe(0);
    expect(ran({ clipNorm: 1 })).toBe(0);
    expect(ran({ clipValue: 1 })).toBe(0);
    const l2 = { ...seedAnn, layers: seedAnn.layers.map((l, i) => (i === 0 ? { ...l, kernelRegularizer: { l2: 1e-3 } } : l)) } as ModelSpec;
    expect(ran({}, l2), 'L2 penalty').toBe(0);
    expect(ran({}, getPreset('seed-cnn').model as ModelSpec), 'CNN').toBe(0);
  });

  it('falls back per step: a frozen layer, or the native kernels off, runs the taped step', async () => {
    const model = buildModel(seedAnn, 2);
    const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
    const fused = makeFusedMlpStep(model, opt, [784])!;
    const x = randomValues(16 * 784, 3);
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 10);
    expect(fused(x, y, 16)).not.toBeNull();
    model.layers[0].trainable = false;
    expect(fused(x, y, 16), 'frozen layer').toBeNull();
    model.layers[0].trainable = true;
    await selectBackend('wasm', { native: false });
    try {
      expect(fused(x, y, 16), 'native kernels off').toBeNull();
      const steps = fusedMlpSteps();
      const r = makeFastestTrainStep(model, opt, [784])(x, y, 16);
      expect(fusedMlpSteps()).toBe(steps);
      expect(Number.isFinite(r.loss)).toBe(true);
    } finally {
      await useNative();
    }
    model.dispose();
    opt.dispose();
  });

  it('WORKBENCH_FUSED_MLP=0 turns it off', async () => {
    process.env.WORKBENCH_FUSED_MLP = '0';
    try {
      const steps = fusedMlpSteps();
      await train(seedAnn, { type: 'adam', beta1: 0.9, beta2: 0.999 }, fastest);
      expect(fusedMlpSteps()).toBe(steps);
    } finally {
      delete process.env.WORKBENCH_FUSED_MLP;
    }
  });
});

function getPresetModel(name: string): tf.LayersModel {
  return buildModel(getPreset(name).model as ModelSpec, 1);
}
