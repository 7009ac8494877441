// Tests the fused graph MLP training step: bit for bit the taped step's weights, optimizer state and losses for mlp-res and
// variants (each layer kind in and out), on 1 and 2 native threads, proven to run; the taped step where it does not apply.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { fusedGraphMlpSteps, makeFastestStep, makeFusedGraphMlpStep } from '../../../electron/engine/train/fusedGraphMlp.js';
import { graphMlpPlan } from '../../../electron/engine/train/fusedGraphMlpPlan.js';
import { fusedMlpNativeUpdates } from '../../../electron/engine/train/fusedMlpUpdate.js';
import { makeOptimizer, setLearningRate } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import { RunOptions } from '../../../electron/engine/train/runOptions.js';
import { HyperparametersSchema } from '../../../shared/hyper.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { graphVariants, mlpRes } from './fixtures/graphModels.js';

const RATES = [1e-2, 1e-2, 5e-3, 2.5e-3, 1e-3, 1e-3];
const SIZES = [64, 64, 64, 37, 64, 64]; // a short batch in the middle, as at an epoch's end

type Step = (x: Float32Array, y: Int32Array, n: number) => { loss: number; correct: number };

/** Trains `spec` for RATES.length batches with `make`'s step; bit patterns of weights and optimizer state, losses, hits. */
async function train(spec: ModelSpec, o: Optimizer, make: (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => Step, seed = 11) {
  const model = buildModel(spec, seed);
  const opt = makeOptimizer(o, RATES[0]);
  const step = make(model, opt, spec.inputShape);
  const width = spec.inputShape.reduce((a: number, b: number) => a * b, 1);
  const losses: number[] = [];
  const correct: number[] = [];
  for (let s = 0; s < RATES.length; s++) {
    setLearningRate(opt, RATES[s]);
    const n = SIZES[s];
    const r = step(randomValues(n * width, 90 + s), Int32Array.from({ length: n }, (_, i) => (i * 7 + s) % 10), n);
    losses.push(r.loss);
    correct.push(r.correct);
  }
  const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
  const weights = model.getWeights().map(bits);
  const state = (await opt.getWeights()).map((w) => bits(w.tensor));
  model.dispose();
  opt.dispose();
  return { weights, state, losses, correct };
}

const taped = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => makeTrainStep(m, opt, shape);
const fastest = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => makeFastestStep(m, opt, shape);
const adam: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };

async function expectSameAsTaped(spec: ModelSpec, o: Optimizer, seed = 11) {
  const want = await train(spec, o, taped, seed);
  const steps = fusedGraphMlpSteps();
  const tensors = tf.memory().numTensors;
  const got = await train(spec, o, fastest, seed);
  expect(fusedGraphMlpSteps() - steps, 'fused graph steps').toBe(RATES.length);
  expect(tf.memory().numTensors - tensors, 'tensors left behind').toBeLessThanOrEqual(2);
  expect(got.losses).toEqual(want.losses);
  expect(got.correct).toEqual(want.correct);
  expect(got.losses[0]).not.toBe(got.losses.at(-1));
  expect(got.weights.length).toBe(want.weights.length);
  got.weights.forEach((w, k) => expect(w, `weight ${k}`).toEqual(want.weights[k]));
  got.state.forEach((w, k) => expect(w, `optimizer state ${k}`).toEqual(want.state[k]));
}

describe.skipIf(nativeMissing != null)(`fused graph MLP step${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it('takes mlp-res', () => {
    const model = buildModel(mlpRes, 3);
    const r = graphMlpPlan(model, mlpRes.inputShape, 10);
    expect(r.reason).toBeNull();
    // tfjs's order (a depth-first walk from the output, a layer's last input first): the LeakyReLU head before the SELU one.
    expect(r.plan!.nodes.map((n) => n.kind)).toEqual(['noise', 'dense', 'dense', 'layerNorm', 'prelu', 'add', 'dense', 'leaky', 'dense', 'concat',
      'dense', 'dense']);
    model.dispose();
  });

  const optimizers: Array<[string, Optimizer]> = [
    ['Adam', adam],
    ['AdamW', { type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 0.01 } as Optimizer],
    ['SGD', { type: 'sgd', momentum: 0 }],
    ['SGD with momentum', { type: 'sgd', momentum: 0.9 }],
    ['Nesterov', { type: 'sgd', momentum: 0.9, nesterov: true } as Optimizer],
    ['RMSProp', { type: 'rmsprop', rho: 0.9, momentum: 0.5 }],
  ];
  it.each(optimizers)('mlp-res, %s: the same bits as the taped step', async (_n, o) => {
    await expectSameAsTaped(mlpRes, o);
  }, 60_000);

  it.each(Object.entries(graphVariants))('variant %s, Adam: the same bits as the taped step', async (_n, spec) => {
    await expectSameAsTaped(spec as ModelSpec, adam);
  }, 60_000);

  it.each([1, 2])('mlp-res on %i native thread(s): the same bits as the taped step', async (threads) => {
    await selectBackend('wasm', { native: true, threads });
    try {
      await expectSameAsTaped(mlpRes, adam);
    } finally {
      await useNative();
    }
  }, 60_000);

  it('1 and 2 threads give the same bits', async () => {
    await selectBackend('wasm', { native: true, threads: 1 });
    const one = await train(mlpRes, adam, fastest);
    await useNative();
    const two = await train(mlpRes, adam, fastest);
    expect(two).toEqual(one);
  }, 60_000);

  it('runs its GEMMs natively and no taped kernels', async () => {
    const model = buildModel(mlpRes, 5);
    const opt = makeOptimizer(adam, 1e-3);
    const step = makeFusedGraphMlpStep(model, opt, mlpRes.inputShape)!;
    const before = addon!.counts();
    const { kernels } = await tf.profile(() => {
      step(randomValues(32 * 784, 1), Int32Array.from({ length: 32 }, (_, i) => i % 10), 32);
    });
    const after = addon!.counts();
    // 6 forward GEMMs and input gradients of all but the first Dense; 6 weight gradients with Adam's update inside.
    expect(after.matmul - before.matmul).toBe(6 + 5);
    expect(after.matmulOptim - before.matmulOptim).toBe(6);
    expect(after.noise - before.noise).toBe(1);
    expect(after.layerNorm - before.layerNorm).toBe(1);
    expect(after.optim - before.optim).toBe(1);
    // Only the optimizer's own kernels and the direct kernel calls outside the engine: no MatMul, no gradient kernels.
    expect(kernels.map((k) => k.name).filter((k) => /MatMul|Grad|LayerNorm|Noise/.test(k))).toEqual([]);
    model.dispose();
    opt.dispose();
  });

  it('Adam inside the weight-gradient GEMMs: the bits of applyGradients (WORKBENCH_FUSED_GRAPH_UPDATE=0), and it ran', async () => {
    for (const spec of [mlpRes, ...Object.values(graphVariants)] as ModelSpec[]) {
      process.env.WORKBENCH_FUSED_GRAPH_UPDATE = '0';
      const updates0 = fusedMlpNativeUpdates();
      let off;
      try {
        off = await train(spec, adam, fastest);
      } finally {
        delete process.env.WORKBENCH_FUSED_GRAPH_UPDATE;
      }
      expect(fusedMlpNativeUpdates(), 'no native update with the switch off').toBe(updates0);
      const on = await train(spec, adam, fastest);
      expect(fusedMlpNativeUpdates() - updates0, 'native updates').toBe(RATES.length);
      expect(on).toEqual(off);
    }
  }, 60_000);

  it('declines what it does not implement, saying why', () => {
    const plan = (spec: object) => {
      const m = buildModel(spec as ModelSpec, 1);
      const r = graphMlpPlan(m, (spec as ModelSpec).inputShape, 10);
      m.dispose();
      return r.reason;
    };
    const head = { type: 'Dense', units: 10, activation: 'softmax' };
    expect(plan(getPreset('seed-ann').model)).toMatch(/Sequential/);
    expect(plan({ name: 'c', inputShape: [28, 28, 1], layers: [{ type: 'Conv2D', filters: 2, kernelSize: 3 }, { type: 'Flatten' }, head] })).toMatch(/Sequential|Conv2D/);
    expect(plan({ name: 'g', inputShape: [784], layers: [{ type: 'Dense', units: 8, name: 'a' }, { type: 'BatchNormalization', name: 'b' },
      { type: 'Add', inputs: ['a', 'b'] }, head] })).toMatch(/BatchNormalization/);
    const res = buildModel(mlpRes, 1);
    expect(graphMlpPlan(res, [784], 12).reason, 'class count').toMatch(/softmax over 12/);
    expect(graphMlpPlan(res, [28, 28, 1], 10).reason, '2-D input read unflattened').toMatch(/unflattened/);
    res.dispose();
  });

  it('training picks it for plain options and soft targets, not clipping; frozen layers and a switched-off addon take the taped step', async () => {
    const ran = (hyper: object) => {
      const model = buildModel(mlpRes, 4);
      const opt = makeOptimizer(adam, 1e-3);
      const step = new RunOptions(HyperparametersSchema.parse({ learningRate: 1e-3, batchSize: 16, epochs: 1, ...hyper })).makeStep(model, opt, mlpRes.inputShape);
      const before = fusedGraphMlpSteps();
      const r = step(randomValues(16 * 784, 5), Int32Array.from({ length: 16 }, (_, i) => i % 10), 16);
      expect(Number.isFinite(r.loss)).toBe(true);
      model.dispose();
      opt.dispose();
      return fusedGraphMlpSteps() - before;
    };
    expect(ran({})).toBe(1);
    expect(ran({ labelSmoothing: 0.1 }), 'label smoothing: the soft targets through it (fusedSoft.test.ts)').toBe(1);
    expect(ran({ labelSmoothing: 0.1, clipValue: 1 })).toBe(0);

    const model = buildModel(mlpRes, 2);
    const opt = makeOptimizer(adam, 1e-3);
    const fused = makeFusedGraphMlpStep(model, opt, mlpRes.inputShape)!;
    const x = randomValues(16 * 784, 3);
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 10);
    expect(fused(x, y, 16)).not.toBeNull();
    model.layers[3].trainable = false;
    expect(fused(x, y, 16), 'frozen layer').toBeNull();
    model.layers[3].trainable = true;
    await selectBackend('wasm', { native: false });
    try {
      expect(fused(x, y, 16), 'native kernels off').toBeNull();
    } finally {
      await useNative();
    }
    model.dispose();
    opt.dispose();
  });

  it('WORKBENCH_FUSED_GRAPH_MLP=0 turns it off', async () => {
    process.env.WORKBENCH_FUSED_GRAPH_MLP = '0';
    try {
      const steps = fusedGraphMlpSteps();
      const model = buildModel(mlpRes, 4);
      const opt = makeOptimizer(adam, 1e-3);
      makeFastestStep(model, opt, mlpRes.inputShape)(randomValues(8 * 784, 5), Int32Array.from({ length: 8 }, (_, i) => i), 8);
      expect(fusedGraphMlpSteps()).toBe(steps);
      model.dispose();
      opt.dispose();
    } finally {
      delete process.env.WORKBENCH_FUSED_GRAPH_MLP;
    }
  });
});
