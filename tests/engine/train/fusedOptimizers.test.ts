// Tests the fused native optimizer update: the same numbers as tfjs's own optimizers, native path proven, repeatable.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { FusedAdam } from '../../../electron/engine/train/fusedOptimizers.js';
import { makeOptimizer, setLearningRate } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';

// 784·90 + 90 + 900 + 10 weights: over the 65,536 elements where the update is split over both threads.
const spec: ModelSpec = {
  name: 'small-mlp',
  inputShape: [784],
  layers: [
    { type: 'Dense', units: 90, activation: 'relu', useBias: true },
    { type: 'Dense', units: 10, activation: 'softmax', useBias: true },
  ],
};

/** tfjs's own optimizer for a spec, as the engine made them before the fused update. */
function tfjsOptimizer(o: Optimizer, lr: number): tf.Optimizer {
  switch (o.type) {
    case 'adam': return tf.train.adam(lr, o.beta1, o.beta2, 1e-7);
    case 'adamw': throw new Error('AdamW has no tfjs counterpart (tests/engine/train/adamw.test.ts checks it)');
    case 'sgd': return o.momentum > 0 ? tf.train.momentum(lr, o.momentum) : tf.train.sgd(lr);
    case 'rmsprop': return tf.train.rmsprop(lr, o.rho, o.momentum, 1e-7);
  }
}

const RATES = [1e-2, 1e-2, 5e-3, 2.5e-3, 1e-3, 1e-3]; // a schedule changing the rate between steps

/** Trains `steps` batches; returns weights, optimizer state and losses. */
async function train(opt: tf.Optimizer, steps = RATES.length, model = buildModel(spec, 3)) {
  const step = makeTrainStep(model, opt, [784]);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    setLearningRate(opt, RATES[s]);
    const x = randomValues(32 * 784, 40 + s);
    const y = Int32Array.from({ length: 32 }, (_, i) => (i * 7 + s) % 10);
    losses.push(step(x, y, 32).loss);
  }
  const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  const state = (await opt.getWeights()).map((w) => Float32Array.from(w.tensor.dataSync()));
  return { weights, state, losses, model };
}

function expectSame(a: Float32Array[], b: Float32Array[], what: string): void {
  expect(a.length, `${what}: count`).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    let worst = 0;
    for (let i = 0; i < a[k].length; i++) worst = Math.max(worst, Math.abs(a[k][i] - b[k][i]));
    expect(worst, `${what} ${k}: largest difference`).toBe(0);
  }
}

const CASES: Optimizer[] = [
  { type: 'adam', beta1: 0.9, beta2: 0.999 },
  { type: 'adam', beta1: 0.8, beta2: 0.95 },
  { type: 'sgd', momentum: 0.9 },
  { type: 'sgd', momentum: 0 },
  { type: 'rmsprop', rho: 0.9, momentum: 0 },
  { type: 'rmsprop', rho: 0.8, momentum: 0.5 },
];

describe.skipIf(nativeMissing != null)(`fused optimizer update${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it.each(CASES)('%o equals tfjs\'s optimizer bit for bit over a learning-rate schedule, in one native call a step', async (o) => {
    const want = await train(tfjsOptimizer(o, RATES[0]));
    const before = addon!.counts().optim;
    const got = await train(makeOptimizer(o, RATES[0]));
    expect(addon!.counts().optim - before, 'native optim calls').toBe(RATES.length);
    expect(got.losses).toEqual(want.losses);
    expect(got.losses[RATES.length - 1]).not.toBe(got.losses[0]);
    expectSame(got.weights, want.weights, 'weight');
    expectSame(got.state.slice(1), want.state.slice(1), 'optimizer state');
    expect(got.state[0][0], 'iterations').toBe(RATES.length);
  });

  it('two identical runs give identical bits', async () => {
    const o: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
    const a = await train(makeOptimizer(o, RATES[0]));
    const b = await train(makeOptimizer(o, RATES[0]));
    expectSame(a.weights, b.weights, 'weight');
    expectSame(a.state, b.state, 'state');
  });

  it('Adam state saved after 3 steps and restored into a new optimizer continues as if never stopped', async () => {
    const o: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
    const whole = await train(makeOptimizer(o, RATES[0]));
    // First half, then a fresh optimizer restored from its state (bias correction comes from the saved iterations).
    const first = makeOptimizer(o, RATES[0]);
    const half = await train(first, 3);
    const saved = await first.getWeights();
    const second = makeOptimizer(o, RATES[0]) as FusedAdam;
    await second.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
    const step = makeTrainStep(half.model, second, [784]);
    for (let s = 3; s < RATES.length; s++) {
      setLearningRate(second, RATES[s]);
      step(randomValues(32 * 784, 40 + s), Int32Array.from({ length: 32 }, (_, i) => (i * 7 + s) % 10), 32);
    }
    expectSame(half.model.getWeights().map((w) => Float32Array.from(w.dataSync())), whole.weights, 'weight');
  });

  it('a copy of the weights taken before a step keeps its values (shared buffers are not written in place)', async () => {
    const model = buildModel(spec, 3);
    const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-2);
    const step = makeTrainStep(model, opt, [784]);
    step(randomValues(32 * 784, 1), Int32Array.from({ length: 32 }, (_, i) => i % 10), 32);
    const kept = model.getWeights().map((w) => w.clone());
    const values = kept.map((w) => Float32Array.from(w.dataSync()));
    step(randomValues(32 * 784, 2), Int32Array.from({ length: 32 }, (_, i) => (i + 3) % 10), 32);
    expectSame(kept.map((w) => w.dataSync() as Float32Array), values, 'kept copy');
    expect(model.getWeights()[0].dataSync()[0]).not.toBe(values[0][0]);
    tf.dispose(kept);
  });

  it('without the native kernels the same optimizer runs tfjs\'s update, with the same numbers', async () => {
    const o: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
    const native = await train(makeOptimizer(o, RATES[0]));
    await selectBackend('wasm', { native: false });
    const before = addon!.counts().optim;
    const plain = await train(makeOptimizer(o, RATES[0]));
    const reference = await train(tfjsOptimizer(o, RATES[0]));
    expect(addon!.counts().optim - before, 'native optim calls').toBe(0);
    expectSame(plain.weights, reference.weights, 'weight');
    // Native kernels off also changes the forward and backward kernels, so native vs plain only agree closely.
    for (let k = 0; k < plain.weights.length; k++) {
      for (let i = 0; i < plain.weights[k].length; i += 97) expect(native.weights[k][i]).toBeCloseTo(plain.weights[k][i], 4);
    }
  });

  it('an optimizer that switches from the native update to tfjs\'s mid-run keeps Adam\'s bias correction', async () => {
    const o: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
    await selectBackend('wasm', { native: false });
    const want = await train(tfjsOptimizer(o, RATES[0]));
    await selectBackend('wasm', { native: true, threads: 2 });
    const model = buildModel(spec, 3);
    const opt = makeOptimizer(o, RATES[0]);
    const half = await train(opt, 3, model);
    await selectBackend('wasm', { native: false });
    const step = makeTrainStep(half.model, opt, [784]);
    for (let s = 3; s < RATES.length; s++) {
      setLearningRate(opt, RATES[s]);
      step(randomValues(32 * 784, 40 + s), Int32Array.from({ length: 32 }, (_, i) => (i * 7 + s) % 10), 32);
    }
    const got = half.model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    for (let k = 0; k < got.length; k++) {
      for (let i = 0; i < got[k].length; i += 97) expect(got[k][i]).toBeCloseTo(want.weights[k][i], 4);
    }
    await selectBackend('wasm', { native: true, threads: 2 });
  });
});
