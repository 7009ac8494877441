// Tests the training Dense layer: tfjs Dense's gradients and outputs, one fused kernel forward, no unneeded input gradient.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { fuseActivation } from '../../../electron/engine/models/activations.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';

type Act = 'relu' | 'linear' | 'tanh';
const spec = (first: Act, useBias: boolean): ModelSpec => ({
  name: 'dense-grad',
  inputShape: [784],
  layers: [
    { type: 'Dense', units: 40, activation: first, useBias },
    { type: 'Dense', units: 24, activation: 'relu', useBias: true },
    { type: 'Dense', units: 10, activation: 'softmax', useBias: true },
  ],
});

/** The same model built from tfjs's own Dense, with the weights of `model`. */
/** tfjs's own Dense layers with the model's weights; `fused` gives them the engine's fused activations too, so a
 *  comparison isolates the Dense path from the activation kernels (which agree with tfjs's to a few ulps, not bits). */
function plainCopy(model: tf.LayersModel, s: ModelSpec, fused = false): tf.LayersModel {
  const plain = tf.sequential();
  s.layers.forEach((l, i) => {
    if (l.type !== 'Dense') throw new Error('test spec has Dense layers only');
    const layer = tf.layers.dense({ units: l.units, activation: l.activation, useBias: l.useBias, ...(i === 0 ? { inputShape: [784] } : {}) });
    plain.add(fused ? fuseActivation(layer) : layer);
  });
  plain.setWeights(model.getWeights());
  return plain;
}

/** Loss and gradients of a fixed batch, in weight order. */
function gradients(model: tf.LayersModel) {
  const x = tf.tensor2d(randomValues(16 * 784, 9), [16, 784]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10);
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
  const out = { loss: value.dataSync()[0], grads: model.trainableWeights.map((w) => grads[(w as unknown as { val: tf.Variable }).val.name].dataSync() as Float32Array) };
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return out;
}

function expectClose(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < a[k].length; i++) {
      worst = Math.max(worst, Math.abs(a[k][i] - b[k][i]));
      scale = Math.max(scale, Math.abs(b[k][i]));
    }
    expect(scale, `gradient ${k} is not all zero`).toBeGreaterThan(0);
    expect(worst, `gradient ${k}`).toBeLessThanOrEqual(1e-6 * Math.max(scale, 1));
  }
}

const CASES: Array<[Act, boolean]> = [['relu', true], ['linear', false], ['linear', true], ['tanh', true], ['relu', false]];

describe('training Dense on cpu', () => {
  it.each(CASES)('first layer %s (bias %s): gradients equal tfjs Dense\'s', async (act, bias) => {
    await selectBackend('cpu');
    const model = buildModel(spec(act, bias), 5);
    const want = gradients(plainCopy(model, spec(act, bias)));
    const got = gradients(model);
    expect(got.loss).toBeCloseTo(want.loss, 6);
    expectClose(got.grads, want.grads);
  });

  it('saves as a plain Dense and predicts as tfjs Dense does', async () => {
    await selectBackend('cpu');
    const model = buildModel(spec('relu', true), 5);
    expect(model.layers[0].getClassName()).toBe('Dense');
    const copy = await tf.models.modelFromJSON(model.toJSON(null, false) as never);
    copy.setWeights(model.getWeights());
    const x = tf.tensor2d(randomValues(8 * 784, 2), [8, 784]);
    const a = (model.apply(x) as tf.Tensor).dataSync();
    const b = (copy.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe.skipIf(nativeMissing != null)(`training Dense on wasm with the native kernels${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it.each(CASES)('first layer %s (bias %s): gradients equal tfjs Dense\'s', async (act, bias) => {
    await useNative();
    const model = buildModel(spec(act, bias), 5);
    const want = gradients(plainCopy(model, spec(act, bias)));
    const got = gradients(model);
    expect(got.loss).toBeCloseTo(want.loss, 5);
    expectClose(got.grads, want.grads);
  });

  it('runs one matmul per layer forward and skips the first layer\'s input gradient', async () => {
    await useNative();
    const s = spec('linear', false);
    const model = buildModel(s, 5);
    const plain = plainCopy(model, s);
    const count = (m: tf.LayersModel) => {
      const before = addon!.counts().matmul;
      gradients(m);
      return addon!.counts().matmul - before;
    };
    // 3 forward + dW for every layer + dx for layers 2 and 3; tfjs's linear Dense also computes layer 1's dx.
    expect(count(model)).toBe(8);
    expect(count(plain)).toBe(9);
  });

  it('inference (bias in the matmul for tanh and softmax) gives tfjs Dense\'s outputs bit for bit', async () => {
    await useNative();
    const s = spec('tanh', true);
    const model = buildModel(s, 5);
    const plain = plainCopy(model, s, true);
    const x = tf.tensor2d(randomValues(300 * 784, 4), [300, 784]);
    const before = addon!.counts().matmul;
    const a = (model.apply(x) as tf.Tensor).dataSync();
    expect(addon!.counts().matmul - before, 'native matmuls').toBe(3);
    const b = (plain.apply(x) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    x.dispose();
  });

  it('without the native kernels wasm runs tfjs\'s Dense (its _FusedMatMul cannot take 2-D operands)', async () => {
    await selectBackend('wasm', { native: false });
    const model = buildModel(spec('relu', true), 5);
    const want = gradients(plainCopy(model, spec('relu', true)));
    expectClose(gradients(model).grads, want.grads);
  });
});
