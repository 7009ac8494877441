// Test helper: one small model per layer kind, and the loss gradients of all its weights on the current backend.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { expectClose, randomValues } from './kernels/reference.js';

const img = [10, 9, 2];
const head = () => [tf.layers.flatten(), tf.layers.dense({ units: 10, activation: 'softmax' })];
export const layerCases: Record<string, () => tf.layers.Layer[]> = {
  'Conv2D valid relu': () => [tf.layers.conv2d({ inputShape: img, filters: 4, kernelSize: 3, activation: 'relu' }), ...head()],
  'Conv2D same stride 2': () => [tf.layers.conv2d({ inputShape: img, filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), ...head()],
  'Conv2D 5x5 into Conv2D': () => [tf.layers.conv2d({ inputShape: img, filters: 3, kernelSize: 5, padding: 'same' }), tf.layers.conv2d({ filters: 4, kernelSize: 3 }), ...head()],
  MaxPooling2D: () => [tf.layers.conv2d({ inputShape: img, filters: 4, kernelSize: 3 }), tf.layers.maxPooling2d({ poolSize: 2 }), ...head()],
  AveragePooling2D: () => [tf.layers.conv2d({ inputShape: img, filters: 4, kernelSize: 3 }), tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }), ...head()],
  GlobalAveragePooling2D: () => [tf.layers.conv2d({ inputShape: img, filters: 4, kernelSize: 3 }), tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 10, activation: 'softmax' })],
  'BatchNormalization after Conv2D': () => [tf.layers.conv2d({ inputShape: img, filters: 4, kernelSize: 3 }), tf.layers.batchNormalization({}), ...head()],
  'BatchNormalization after Dense': () => [tf.layers.dense({ inputShape: [20], units: 8 }), tf.layers.batchNormalization({}), tf.layers.dense({ units: 10, activation: 'softmax' })],
  'Dropout (seeded)': () => [tf.layers.dense({ inputShape: [20], units: 8, activation: 'relu' }), tf.layers.dropout({ rate: 0.5, seed: 3 }), tf.layers.dense({ units: 10, activation: 'softmax' })],
};
for (const act of ['relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softplus', 'swish', 'gelu'] as const) {
  layerCases[`Dense ${act}`] = () => [tf.layers.dense({ inputShape: [20], units: 8, activation: act }), tf.layers.dense({ units: 10, activation: 'softmax' })];
}

/** Loss gradients of every trainable weight for one batch, on the current backend. */
export function gradients(model: tf.LayersModel, x: Float32Array, y: Int32Array): Record<string, { shape: number[]; values: Float32Array }> {
  return tf.tidy(() => {
    const inShape = model.inputs[0].shape.slice(1) as number[];
    const xs = tf.tensor(x, [y.length, ...inShape]);
    const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar);
    const out: Record<string, { shape: number[]; values: Float32Array }> = {};
    for (const [name, g] of Object.entries(grads)) out[name] = { shape: g.shape, values: g.dataSync() as Float32Array };
    return out;
  });
}

/** Builds the case on cpu, takes cpu's gradients, then `backend`'s for the same weights and batch, and compares. */
export async function expectSameGradients(name: string, backend: string): Promise<void> {
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: layerCases[name]() });
  const inShape = model.inputs[0].shape.slice(1) as number[];
  const batch = 3;
  const x = randomValues(batch * inShape.reduce((a, b) => a * b, 1), name.length);
  const y = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10);
  const want = gradients(model, x, y);
  await tf.setBackend(backend);
  const got = gradients(model, x, y);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expectClose(got[k], want[k], 1e-4, `${name} ${k}`);
  model.dispose();
}
