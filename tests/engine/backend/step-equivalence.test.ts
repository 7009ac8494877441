// Tests the engine's training step end to end: a few Adam steps of a small CNN on wasm (with whatever kernels
// we add, native included when built) follow the cpu backend's losses and weights.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { makeTrainStep, predictBatch } from '../../../electron/engine/train/step.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { randomValues } from './kernels/reference.js';

const spec: ModelSpec = {
  name: 'small-cnn',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 8, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu', useBias: true },
    { type: 'MaxPooling2D', poolSize: 2, padding: 'valid' },
    { type: 'Conv2D', filters: 8, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', useBias: true },
    { type: 'MaxPooling2D', poolSize: 2, padding: 'valid' },
    { type: 'Flatten' },
    { type: 'Dense', units: 16, activation: 'relu', useBias: true },
    { type: 'Dense', units: 10, activation: 'softmax', useBias: true },
  ],
};

async function train(backend: 'wasm' | 'cpu', native: boolean) {
  if (backend === 'wasm') await selectBackend('wasm', { native });
  else await selectBackend('cpu');
  const model = buildModel(spec, 7);
  const step = makeTrainStep(model, tf.train.adam(1e-2), [28, 28, 1]);
  const batch = 16;
  const losses: number[] = [];
  for (let s = 0; s < 4; s++) {
    const x = randomValues(batch * 784, 100 + s).map((v) => (v + 1) / 2);
    const y = Int32Array.from({ length: batch }, (_, i) => (i * 3 + s) % 10);
    losses.push(step(x, y, batch).loss);
  }
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return { losses, weights };
}

describe('the training step on wasm follows cpu', () => {
  it.each([false, true])('native kernels %s: losses and weights after 4 Adam steps', async (native) => {
    const want = await train('cpu', false);
    const got = await train('wasm', native);
    for (let i = 0; i < want.losses.length; i++) expect(got.losses[i]).toBeCloseTo(want.losses[i], 4);
    expect(got.losses[3]).not.toBe(got.losses[0]);
    for (let w = 0; w < want.weights.length; w++) {
      let worst = 0;
      for (let i = 0; i < want.weights[w].length; i++) worst = Math.max(worst, Math.abs(got.weights[w][i] - want.weights[w][i]));
      expect(worst, `weight ${w}`).toBeLessThan(1e-3);
    }
  });
});

describe('batched inference on wasm follows cpu', () => {
  it.each([false, true])('native kernels %s: softmax outputs of 300 images', async (native) => {
    const x = randomValues(300 * 784, 5).map((v) => (v + 1) / 2);
    const run = async (backend: 'wasm' | 'cpu') => {
      if (backend === 'wasm') await selectBackend('wasm', { native });
      else await selectBackend('cpu');
      const model = buildModel(spec, 11);
      const probs = predictBatch(model, x, 300, [28, 28, 1]);
      model.dispose();
      return probs;
    };
    const want = await run('cpu');
    const got = await run('wasm');
    expect(got.length).toBe(3000);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThan(1e-5);
  });
});
