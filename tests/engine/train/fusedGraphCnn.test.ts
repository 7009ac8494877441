// Tests the fused graph CNN training step: bit for bit the taped step's weights, optimizer state, losses and hits for
// residual-sep and smaller graph CNNs (1 and 2 native threads, several optimizers, −0/+Inf/NaN pixels), proven to run
// (its counter), no tensor left behind, the taped step's addon calls, and the taped step where it does not apply.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { fusedGraphCnnSteps, makeFusedGraphCnnStep } from '../../../electron/engine/train/fusedGraphCnn.js';
import { graphCnnPlan } from '../../../electron/engine/train/fusedGraphCnnPlan.js';
import { makeFastestStep } from '../../../electron/engine/train/fusedGraphMlp.js';
import { fusedMlpNativeUpdates } from '../../../electron/engine/train/fusedMlpUpdate.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { padNorm, resBlock, residualSep } from './fixtures/graphCnnModels.js';
import { RATES, trainBits, type StepMaker } from './stepBits.js';

const IMAGE = [28, 28, 1];
const ADAM: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
const SIZES = [64, 48, 64, 37, 64, 32]; // an odd short batch in the middle, as at an epoch's end
const train = (spec: ModelSpec, o: Optimizer, make: StepMaker, sizes = SIZES) => trainBits(spec, o, make, sizes);
const taped: StepMaker = (m, opt, shape) => makeTrainStep(m, opt, shape);
const fastest: StepMaker = (m, opt, shape) => makeFastestStep(m, opt, shape);

describe.skipIf(nativeMissing != null)(`fused graph CNN training step${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it('takes residual-sep, in tfjs\'s order (a Concatenate\'s last branch first)', () => {
    const model = buildModel(residualSep, 3);
    const r = graphCnnPlan(model, IMAGE, 10);
    expect(r.reason).toBeNull();
    expect(r.plan!.nodes.map((n) => n.kind)).toEqual(['noise', 'conv', 'pad', 'spatialConv', 'conv', 'leaky', 'add', 'maxPool',
      'spatialConv', 'conv', 'spatialConv', 'prelu', 'spatialConv', 'concat', 'layerNorm', 'spatialDropout', 'conv', 'spatialConv',
      'spatialConv', 'conv', 'add', 'globalMax', 'dense']);
    model.dispose();
  });

  const cases: Array<[string, ModelSpec, Optimizer, number, number[]?]> = [
    ['residual-sep, Adam, 2 threads', residualSep, ADAM, 2],
    ['residual-sep, Adam, 1 thread', residualSep, ADAM, 1],
    ['residual-sep, Adam handed to applyGradients (WORKBENCH_FUSED_MLP_UPDATE=0)', residualSep, ADAM, 2],
    ['residual-sep, SGD with momentum', residualSep, { type: 'sgd', momentum: 0.9 }, 2],
    ['residual-sep, AdamW (its own applyGradients), 1 thread', residualSep, { type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 0.01 } as Optimizer, 1],
    ['res-block, Adam, batch 48, 2 threads', resBlock, ADAM, 2, [48, 48, 37, 48, 48, 48]],
    ['res-block, RMSProp, 1 thread', resBlock, { type: 'rmsprop', rho: 0.9, momentum: 0.5 }, 1],
    ['pad-norm, Adam, 2 threads', padNorm, ADAM, 2],
    ['pad-norm, Adam, 1 thread', padNorm, ADAM, 1],
  ];

  it.each(cases)('%s: the same bits as the taped step (weights, optimizer state, losses, hits)', async (name, spec, o, threads, sizes = SIZES) => {
    addon!.setThreads(threads);
    const handed = name.includes('WORKBENCH_FUSED_MLP_UPDATE=0');
    if (handed) process.env.WORKBENCH_FUSED_MLP_UPDATE = '0';
    try {
      let tensors = tf.memory().numTensors;
      const want = await train(spec, o, taped, sizes);
      const tapedLeft = tf.memory().numTensors - tensors;
      const steps = fusedGraphCnnSteps();
      const updates = fusedMlpNativeUpdates();
      tensors = tf.memory().numTensors;
      const got = await train(spec, o, fastest, sizes);
      expect(fusedGraphCnnSteps() - steps, 'fused steps').toBe(RATES.length);
      expect(fusedMlpNativeUpdates() - updates, 'native updates').toBe(o.type === 'adam' && !handed ? RATES.length : 0);
      expect(tf.memory().numTensors - tensors, 'tensors left behind').toBe(tapedLeft);
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
  }, 120_000);

  it.each([['residual-sep', residualSep], ['pad-norm', padNorm]] as const)('%s: the same bits with −0, +Inf and NaN pixels (the loss going NaN)', async (_name, spec) => {
    const run = (make: StepMaker) => {
      const model = buildModel(spec, 21);
      const opt = makeOptimizer(ADAM, 1e-3);
      const step = make(model, opt, IMAGE);
      const losses: number[] = [];
      for (let s = 0; s < 3; s++) {
        const n = 40;
        const x = randomValues(n * 784, 60 + s);
        for (let i = 0; i < x.length; i += 7) x[i] = -0;
        if (s === 1) x[3 * 784 + 300] = Infinity;
        if (s === 2) x[5 * 784 + 100] = NaN;
        losses.push(step(x, Int32Array.from({ length: n }, (_, i) => i % 10), n).loss);
      }
      const weights = model.getWeights().map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));
      model.dispose();
      opt.dispose();
      return { losses, weights };
    };
    const want = run(taped);
    const steps = fusedGraphCnnSteps();
    const got = run(fastest);
    expect(fusedGraphCnnSteps() - steps).toBe(3);
    expect(got.losses).toEqual(want.losses);
    got.weights.forEach((w, k) => expect(w, `weight ${k}`).toEqual(want.weights[k]));
  }, 120_000);

  it.each([['residual-sep', residualSep], ['res-block', resBlock], ['pad-norm', padNorm]] as const)(
    '%s: the fused step makes exactly the taped step\'s addon calls, as many of each', async (_name, spec) => {
      const calls = async (make: StepMaker) => {
        const before = addon!.counts();
        await train(spec, ADAM, make);
        const after = addon!.counts();
        return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]).filter(([, v]) => v !== 0));
      };
      const want = await calls(taped);
      const steps = fusedGraphCnnSteps();
      expect(await calls(fastest)).toEqual(want);
      expect(fusedGraphCnnSteps() - steps).toBe(RATES.length);
      expect(want.conv2d).toBeGreaterThan(0);
    }, 120_000);

  it('WORKBENCH_FUSED_GRAPH_CNN=0 (or a layer\'s own switch off) runs the taped step', () => {
    for (const name of ['WORKBENCH_FUSED_GRAPH_CNN', 'WORKBENCH_FUSED_GRAPH', 'WORKBENCH_FUSED_CONV', 'WORKBENCH_NATIVE_DILATED_DW', 'WORKBENCH_NATIVE_BIAS_RELU']) {
      const model = buildModel(residualSep, 3);
      const opt = makeOptimizer(ADAM, 1e-3);
      const fused = makeFusedGraphCnnStep(model, opt, IMAGE)!;
      const step = makeFastestStep(model, opt, IMAGE);
      expect(fused).not.toBeNull();
      process.env[name] = '0';
      try {
        const steps = fusedGraphCnnSteps();
        const x = randomValues(16 * 784, 3);
        const y = Int32Array.from({ length: 16 }, (_, i) => i % 10);
        expect(fused(x, y, 16), name).toBeNull();
        expect(Number.isFinite(step(x, y, 16).loss)).toBe(true);
        expect(fusedGraphCnnSteps(), name).toBe(steps);
      } finally {
        delete process.env[name];
        model.dispose();
        opt.dispose();
      }
    }
    const model = buildModel(residualSep, 3);
    const opt = makeOptimizer(ADAM, 1e-3);
    process.env.WORKBENCH_FUSED_GRAPH_CNN = '0';
    try {
      expect(makeFusedGraphCnnStep(model, opt, IMAGE), 'read at make time too').toBeNull();
    } finally {
      delete process.env.WORKBENCH_FUSED_GRAPH_CNN;
      model.dispose();
      opt.dispose();
    }
  });

  it('a frozen layer: the taped step runs', () => {
    const model = buildModel(resBlock, 5);
    const opt = makeOptimizer(ADAM, 1e-3);
    const step = makeFastestStep(model, opt, IMAGE);
    model.layers.find((l) => l.getClassName() === 'SeparableConv2D')!.trainable = false;
    const steps = fusedGraphCnnSteps();
    step(randomValues(16 * 784, 4), Int32Array.from({ length: 16 }, (_, i) => i % 10), 16);
    expect(fusedGraphCnnSteps()).toBe(steps);
    model.dispose();
    opt.dispose();
  });

  it('declines what it does not implement: null, and training through makeFastestStep leaves the counter alone', () => {
    const conv = { type: 'Conv2D', name: 'a', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' };
    const side = { type: 'Conv2D', name: 'b', filters: 4, kernelSize: 3, padding: 'same' };
    const add = { type: 'Add', inputs: ['a', 'b'] };
    const head = [{ type: 'GlobalMaxPooling2D' }, { type: 'Dense', units: 10, activation: 'softmax' }];
    const m = (layers: object[]) => buildModel({ name: 'x', inputShape: IMAGE, layers } as unknown as ModelSpec, 1);
    expect(graphCnnPlan(m([conv, side, add, ...head]), IMAGE, 10).reason, 'covered').toBeNull();
    const declined: Array<[string, object[]]> = [
      ['batch norm', [conv, side, add, { type: 'BatchNormalization' }, ...head]],
      ['tanh conv', [conv, { ...side, activation: 'tanh' }, add, ...head]],
      ['depthwise with a bias, linear', [conv, { type: 'DepthwiseConv2D', name: 'b', kernelSize: 3, padding: 'same' }, add, ...head]],
      ['pool right after a conv', [conv, side, add, { ...conv, name: 'c' }, { type: 'MaxPooling2D', poolSize: 2 }, ...head]],
      ['flatten and a hidden Dense', [conv, side, add, { type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }]],
      ['global average pooling', [conv, side, add, { type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 10, activation: 'softmax' }]],
      ['Sequential CNN (the fused CNN step\'s)', [conv, { type: 'MaxPooling2D', poolSize: 2 }, ...head]],
    ];
    for (const [name, layers] of declined) {
      const model = m(layers);
      const opt = makeOptimizer(ADAM, 1e-3); // its state is per variable name: one per model
      expect(graphCnnPlan(model, IMAGE, 10).plan, name).toBeNull();
      expect(makeFusedGraphCnnStep(model, opt, IMAGE), name).toBeNull();
      const steps = fusedGraphCnnSteps();
      makeFastestStep(model, opt, IMAGE)(randomValues(8 * 784, 2), Int32Array.from({ length: 8 }, (_, i) => i % 10), 8);
      expect(fusedGraphCnnSteps(), name).toBe(steps);
      model.dispose();
      opt.dispose();
    }
    expect(graphCnnPlan(m([conv, side, add, ...head]), IMAGE, 12).plan, 'class count').toBeNull();
    expect(graphCnnPlan(buildModel(getPreset('seed-ann').model as ModelSpec, 1), IMAGE, 10).plan, 'an MLP').toBeNull();
  });
});
