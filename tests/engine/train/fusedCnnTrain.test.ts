// Tests the fused CNN training step: bit for bit the taped step's weights, optimizer state and losses, proven to run
// (its counter), with 1 and 2 native threads, no tensor left behind, and the taped step for models outside its vocabulary.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { cnnTrainStages, fusedCnnTrainSteps, makeFusedCnnTrainStep } from '../../../electron/engine/train/fusedCnnTrain.js';
import { makeFastestStep } from '../../../electron/engine/train/fusedGraphMlp.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { addonCalls, expectFrozenFallsBack, expectSameAsTaped, expectSwitchesOff, RATES, trainBits, trainSpecialPixels, type StepMaker } from './stepBits.js';
import { benchEntry } from '../../../bench/model-set.js';

const IMAGE = [28, 28, 1];
const seedCnn = getPreset('seed-cnn').model as ModelSpec;

/** Same vocabulary, other shapes: 'same' padding, a conv without a pool, a bias-free conv, a 3×3 stride-2 pool, a linear Dense. */
const other = {
  name: 'cnn-other', inputShape: IMAGE,
  layers: [
    { type: 'Conv2D', filters: 6, kernelSize: [3, 3], activation: 'relu', padding: 'same' },
    { type: 'MaxPooling2D', poolSize: [2, 2] },
    { type: 'Conv2D', filters: 12, kernelSize: [3, 3], activation: 'relu' },
    { type: 'Conv2D', filters: 16, kernelSize: [3, 3], activation: 'relu', useBias: false },
    { type: 'MaxPooling2D', poolSize: [3, 3], strides: [2, 2] },
    { type: 'Flatten' },
    { type: 'Dense', units: 40, activation: 'linear' },
    { type: 'Dense', units: 24, activation: 'relu' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
} as unknown as ModelSpec;

/** A conv straight into Flatten (its gradient from the Dense's input gradient through relu's mask). */
const convFlatten = {
  name: 'conv-flatten', inputShape: IMAGE,
  layers: [
    { type: 'Conv2D', filters: 4, kernelSize: [5, 5], activation: 'relu', strides: [2, 2] },
    { type: 'Flatten' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
} as unknown as ModelSpec;

const cnnBn = benchEntry('cnn-bn').spec;
const strong = benchEntry('strong').spec;
const stridedElu = benchEntry('strided-elu').spec;
const k5Gap = benchEntry('k5-gap').spec;

const ADAM: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
const SIZES = [128, 64, 128, 37, 128, 96]; // a short batch in the middle, as at an epoch's end
const train = (spec: ModelSpec, o: Optimizer, make: StepMaker) => trainBits(spec, o, make, SIZES);

const taped = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => makeTrainStep(m, opt, shape);
const fastest = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => makeFastestStep(m, opt, shape);

describe.skipIf(nativeMissing != null)(`fused CNN training step${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  const cases: Array<[string, ModelSpec, Optimizer, number]> = [
    ['seed CNN, Adam, 2 threads', seedCnn, ADAM, 2],
    ['seed CNN, Adam handed to applyGradients (WORKBENCH_FUSED_MLP_UPDATE=0)', seedCnn, ADAM, 2],
    ['seed CNN, Adam, 1 thread', seedCnn, ADAM, 1],
    ['other shapes, Adam, 2 threads', other, { type: 'adam', beta1: 0.8, beta2: 0.95 }, 2],
    ['other shapes, Adam, 1 thread', other, ADAM, 1],
    ['seed CNN, SGD with momentum', seedCnn, { type: 'sgd', momentum: 0.9 }, 2],
    ['other shapes, RMSProp', other, { type: 'rmsprop', rho: 0.9, momentum: 0.5 }, 2],
    ['conv into Flatten, Adam', convFlatten, ADAM, 2],
    ['other shapes, AdamW (its own applyGradients)', other, { type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 0.01 } as Optimizer, 2],
    ['cnn-bn, Adam, 2 threads', cnnBn, ADAM, 2],
    ['cnn-bn, Adam, 1 thread', cnnBn, ADAM, 1],
    ['strong, Adam, 2 threads', strong, ADAM, 2],
    ['strong, AdamW, 1 thread', strong, { type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 1e-4 } as Optimizer, 1],
    ['strided-elu, Adam, 2 threads', stridedElu, ADAM, 2],
    ['strided-elu, Adam, 1 thread', stridedElu, ADAM, 1],
    ['k5-gap, Adam, 2 threads', k5Gap, ADAM, 2],
    ['k5-gap, SGD with momentum, 1 thread', k5Gap, { type: 'sgd', momentum: 0.9 }, 1],
  ];

  it.each(cases)('%s: the same bits as the taped step (weights, optimizer state, losses, hits)', async (name, spec, o, threads) => {
    await expectSameAsTaped(spec, o, SIZES, threads, name.includes('WORKBENCH_FUSED_MLP_UPDATE=0'), fusedCnnTrainSteps, taped, fastest);
  });

  it.each([['seed CNN', seedCnn], ['cnn-bn', cnnBn], ['strong', strong], ['strided-elu', stridedElu], ['k5-gap', k5Gap]] as const)('%s: the same bits with −0, +Inf and NaN pixels (relu, max pool, batch norm on NaN, the loss going NaN)', async (_name, spec) => {
    const run = (make: StepMaker) => trainSpecialPixels(spec, make);
    const want = run(taped);
    const steps = fusedCnnTrainSteps();
    const got = run(fastest);
    expect(fusedCnnTrainSteps() - steps).toBe(3);
    expect(got.losses).toEqual(want.losses);
    got.weights.forEach((w, k) => expect(w, `weight ${k}`).toEqual(want.weights[k]));
  });

  it('runs the taped step\'s native calls and none of its tfjs kernels beyond the softmax', async () => {
    const before = addon!.counts();
    await train(seedCnn, ADAM, fastest);
    const after = addon!.counts();
    const d = (k: keyof typeof before) => after[k] - before[k];
    const steps = RATES.length;
    expect(d('conv2d')).toBe(2 * steps);
    expect(d('conv2dFilterGrad')).toBe(2 * steps);
    expect(d('conv2dInputGrad'), 'the first conv\'s input gradient is not made').toBe(steps);
    expect(d('maxPool')).toBe(2 * steps);
    expect(d('maxPoolReluGrad')).toBe(2 * steps);
    expect(d('matmul')).toBe(6 * steps);
    expect(d('biasActGrad')).toBe(steps);
    expect(d('sumRows')).toBe(steps);
  });

  it.each([['seed CNN', seedCnn], ['other shapes', other], ['cnn-bn', cnnBn], ['strong', strong], ['strided-elu', stridedElu], ['k5-gap', k5Gap]] as const)(
    '%s: the fused step makes exactly the taped step\'s addon calls, as many of each', async (_name, spec) => {
      const calls = (make: StepMaker) => addonCalls(spec, make, SIZES);
      const want = await calls(taped);
      const steps = fusedCnnTrainSteps();
      expect(await calls(fastest)).toEqual(want);
      expect(fusedCnnTrainSteps() - steps).toBe(RATES.length);
      expect(want.conv2d).toBeGreaterThan(0);
    });

  const path = { make: makeFusedCnnTrainStep, steps: fusedCnnTrainSteps };
  it('WORKBENCH_FUSED_CNN_TRAIN=0 (or WORKBENCH_FUSED_POOL=0, WORKBENCH_FUSED_CONV=0) runs the taped step', () => {
    expectSwitchesOff(seedCnn, path, fastest, ['WORKBENCH_FUSED_CNN_TRAIN', 'WORKBENCH_FUSED_POOL', 'WORKBENCH_FUSED_CONV']);
  });

  it('a frozen layer: the taped step runs', () => {
    expectFrozenFallsBack(seedCnn, 'Conv2D', path, fastest);
  });

  it('declines what it does not implement: null, and training through makeFastestStep leaves the counter alone', () => {
    const conv = { type: 'Conv2D', filters: 4, kernelSize: [3, 3], activation: 'relu' };
    const pool = { type: 'MaxPooling2D', poolSize: [2, 2] };
    const head = [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }];
    const m = (layers: object[]) => buildModel({ name: 'x', inputShape: IMAGE, layers } as unknown as ModelSpec, 1);
    const covered: Array<[string, object[]]> = [
      ['conv, pool', [conv, pool, ...head]],
      ['dropout', [conv, pool, { type: 'Dropout', rate: 0.25 }, ...head]],
      ['batch norm', [conv, { type: 'BatchNormalization' }, pool, ...head]],
      ['pool after pool', [conv, pool, pool, ...head]],
      ['linear conv', [{ ...conv, activation: 'linear' }, pool, ...head]],
      ['tanh conv', [{ ...conv, activation: 'tanh' }, pool, ...head]],
      ['average pool', [conv, { type: 'AveragePooling2D', poolSize: [2, 2] }, ...head]],
      ['global average pooling', [conv, { type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 10, activation: 'softmax' }]],
    ];
    for (const [name, layers] of covered) expect(cnnTrainStages(m(layers), IMAGE, 10), name).not.toBeNull();
    const declined: Array<[string, object[]]> = [
      ['spatial dropout', [conv, { type: 'SpatialDropout2D', rate: 0.25 }, pool, ...head]],
      ['layer norm', [conv, { type: 'LayerNormalization' }, pool, ...head]],
      ['gaussian noise', [{ type: 'GaussianNoise', stddev: 0.1 }, conv, pool, ...head]],
      ['dilated conv', [{ ...conv, dilationRate: 2 }, pool, ...head]],
      ['zero padding', [conv, { type: 'ZeroPadding2D', padding: 1 }, pool, ...head]],
      ['global max pooling', [conv, { type: 'GlobalMaxPooling2D' }, { type: 'Dense', units: 10, activation: 'softmax' }]],
      ['graph model', [{ ...conv, name: 'a' }, { ...conv, name: 'b', padding: 'same' }, { type: 'Add', inputs: ['a', 'b'] }, pool, ...head]],
      ['no conv', head],
    ];
    for (const [name, layers] of declined) {
      const model = m(layers);
      const opt = makeOptimizer(ADAM, 1e-3); // its state is per variable name: one per model
      expect(cnnTrainStages(model, IMAGE, 10), name).toBeNull();
      expect(makeFusedCnnTrainStep(model, opt, IMAGE), name).toBeNull();
      const steps = fusedCnnTrainSteps();
      makeFastestStep(model, opt, IMAGE)(randomValues(8 * 784, 2), Int32Array.from({ length: 8 }, (_, i) => i % 10), 8);
      expect(fusedCnnTrainSteps(), name).toBe(steps);
      model.dispose();
      opt.dispose();
    }
    expect(cnnTrainStages(m([conv, pool, ...head]), IMAGE, 12), 'class count').toBeNull();
    expect(cnnTrainStages(buildModel(getPreset('seed-ann').model as ModelSpec, 1), IMAGE, 10), 'an MLP').toBeNull();
  });
});
