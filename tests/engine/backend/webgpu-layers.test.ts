// Tests every layer kind and option of the spec on webgpu (SwiftShader here and in CI), forward and backward, against
// tfjs's cpu backend: the engine's own layers (buildModel), the same seeded weights and batch, outputs and gradients.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, type ModelSpec, type ModelSpecInput } from '../../../shared/spec.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { sparseCategoricalCrossentropy } from '../../../electron/engine/train/step.js';
import { requireInCi } from '../../helpers/ciRequire.js';
import { swiftShaderPresent, useSwiftShaderInProcess } from '../../helpers/swiftshader.js';
import { expectClose, randomValues } from './kernels/reference.js';

const present = requireInCi(swiftShaderPresent(), 'chromium\'s SwiftShader Vulkan driver (/usr/lib/chromium/vk_swiftshader_icd.json; .ci/run installs chromium)');
if (present) useSwiftShaderInProcess();

type LayerSpecInput = ModelSpecInput['layers'][number];
const img = [28, 28, 1] as const;
const head: LayerSpecInput[] = [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }];
const conv = (extra: Partial<Extract<LayerSpecInput, { type: 'Conv2D' }>>): LayerSpecInput => ({ type: 'Conv2D', filters: 3, kernelSize: 3, ...extra });

/** One small model per layer kind and option; 28×28 inputs as the spec requires, few filters so SwiftShader is quick. */
const cases: Record<string, { inputShape: readonly number[]; layers: LayerSpecInput[] }> = {
  'Conv2D 1x1 valid': { inputShape: img, layers: [conv({ kernelSize: 1, filters: 2 }), ...head] },
  'Conv2D 3x3 valid relu': { inputShape: img, layers: [conv({ activation: 'relu' }), ...head] },
  'Conv2D 3x3 same stride 2': { inputShape: img, layers: [conv({ padding: 'same', strides: 2 }), ...head] },
  'Conv2D 5x5 same into 3x3 valid stride 2, no bias': { inputShape: img, layers: [conv({ kernelSize: 5, padding: 'same', filters: 2 }), conv({ strides: 2, useBias: false }), ...head] },
  'Conv2D 5x5 valid stride [2,1]': { inputShape: img, layers: [conv({ kernelSize: 5, strides: [2, 1], activation: 'elu' }), ...head] },
  'MaxPooling2D 2 valid': { inputShape: img, layers: [conv({}), { type: 'MaxPooling2D', poolSize: 2 }, ...head] },
  'MaxPooling2D 3 stride 2 same': { inputShape: img, layers: [conv({}), { type: 'MaxPooling2D', poolSize: 3, strides: 2, padding: 'same' }, ...head] },
  'AveragePooling2D 2 valid': { inputShape: img, layers: [conv({}), { type: 'AveragePooling2D', poolSize: 2 }, ...head] },
  'AveragePooling2D 3 stride 2 same': { inputShape: img, layers: [conv({}), { type: 'AveragePooling2D', poolSize: 3, strides: 2, padding: 'same' }, ...head] },
  GlobalAveragePooling2D: { inputShape: img, layers: [conv({ filters: 4 }), { type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 10, activation: 'softmax' }] },
  'BatchNormalization after Conv2D': { inputShape: img, layers: [conv({}), { type: 'BatchNormalization' }, ...head] },
  'BatchNormalization after Dense (momentum 0.9, epsilon 0.01)': { inputShape: [784], layers: [{ type: 'Dense', units: 8 }, { type: 'BatchNormalization', momentum: 0.9, epsilon: 0.01 }, { type: 'Dense', units: 10, activation: 'softmax' }] },
  'Dropout 0.5': { inputShape: [784], layers: [{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dropout', rate: 0.5 }, { type: 'Dense', units: 10, activation: 'softmax' }] },
  'Dense without bias': { inputShape: [784], layers: [{ type: 'Dense', units: 8, useBias: false }, { type: 'Dense', units: 10, activation: 'softmax' }] },
};
for (const act of ACTIVATIONS) {
  cases[`Dense ${act}`] = { inputShape: [784], layers: [{ type: 'Dense', units: 8, activation: act }, { type: 'Dense', units: 10, activation: 'softmax' }] };
  if (act !== 'linear' && act !== 'relu') cases[`Conv2D ${act}`] = { inputShape: img, layers: [conv({ filters: 2, activation: act }), ...head] };
}

const BATCH = 4;
/** Every kernel the webgpu passes ran (forward, gradient and update), to say what this file covers. */
const ranOnWebgpu = new Set<string>();

interface Result { shape: number[]; values: Float32Array }
interface Pass { inference: Result; training: Result; loss: Result; grads: Record<string, Result>; weightsAfter: Record<string, Result> }

const read = async (t: tf.Tensor): Promise<Result> => ({ shape: t.shape, values: (await t.data()) as Float32Array });

/**
 * On the current backend: inference and training-mode outputs, then one SGD step's loss and gradients of every
 * trainable weight, and all weights after it (moving statistics included). Reads asynchronously (webgpu has no dataSync).
 */
async function pass(spec: ModelSpec, x: Float32Array, y: Int32Array, backend: string): Promise<Pass> {
  await tf.setBackend(backend);
  expect(tf.getBackend()).toBe(backend);
  const engine = tf.engine() as unknown as { runKernel(name: string, ...rest: unknown[]): unknown };
  const runKernel = engine.runKernel;
  if (backend === 'webgpu') {
    engine.runKernel = function (name: string, ...rest: unknown[]) {
      ranOnWebgpu.add(name);
      return runKernel.call(this, name, ...rest);
    };
  }
  try {
    return await passOn(spec, x, y);
  } finally {
    engine.runKernel = runKernel;
  }
}

async function passOn(spec: ModelSpec, x: Float32Array, y: Int32Array): Promise<Pass> {
  const model = buildModel(spec, 7);
  const xs = tf.tensor(x, [BATCH, ...spec.inputShape]);
  const labels = tf.tensor1d(y, 'int32');
  const inference = model.apply(xs, { training: false }) as tf.Tensor;
  const { value, grads } = tf.variableGrads(() => sparseCategoricalCrossentropy(model.apply(xs, { training: true }) as tf.Tensor2D, labels, 10));
  // The same model's training-mode output after that step (Dropout draws its next mask, BN uses the batch statistics).
  const training = model.apply(xs, { training: true }) as tf.Tensor;
  tf.train.sgd(0.1).applyGradients(grads);
  const out: Pass = { inference: await read(inference), training: await read(training), loss: await read(value), grads: {}, weightsAfter: {} };
  for (const w of model.trainableWeights) out.grads[w.originalName] = await read(grads[w.name]);
  for (const w of model.weights) out.weightsAfter[w.originalName] = await read(w.read());
  tf.dispose([xs, labels, inference, training, value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe.skipIf(!present)('every layer kind and option on webgpu equals cpu, forward and backward (SwiftShader)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    const info = await selectBackend('webgpu');
    expect(info.adapter?.name).toBeTruthy();
  });
  afterAll(async () => {
    await selectBackend('cpu');
    // The layers' own kernels, forward and backward, all of which ran on webgpu above.
    expect([...ranOnWebgpu]).toEqual(expect.arrayContaining([
      'Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad',
      'BatchMatMul', 'Softmax', 'Mean', 'Relu', 'Elu', 'EluGrad', 'Sigmoid', 'Tanh', 'Softplus', 'Selu', 'Erf',
    ]));
    console.log(`${ranOnWebgpu.size} kernels ran on webgpu and matched cpu: ${[...ranOnWebgpu].sort().join(', ')}`);
  });

  it.each(Object.keys(cases))('%s', async (name) => {
    const c = cases[name];
    const spec = { name, inputShape: c.inputShape, layers: c.layers } as unknown as ModelSpec;
    const size = c.inputShape.reduce((a, b) => a * b, 1);
    // Pixel-like inputs in [0, 1], as the engine feeds them.
    const x = randomValues(BATCH * size, name.length * 31).map((v) => (v + 1) / 2);
    const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 3 + name.length) % 10);
    const want = await pass(spec, x, y, 'cpu');
    const got = await pass(spec, x, y, 'webgpu');
    expectClose(got.inference, want.inference, 1e-5, `${name} inference output`);
    expectClose(got.training, want.training, 1e-5, `${name} training output`);
    expectClose(got.loss, want.loss, 1e-5, `${name} loss`);
    expect(Object.keys(got.grads).sort()).toEqual(Object.keys(want.grads).sort());
    expect(Object.keys(got.grads).length).toBeGreaterThan(0);
    for (const k of Object.keys(want.grads)) expectClose(got.grads[k], want.grads[k], 1e-5, `${name} gradient of ${k}`);
    for (const k of Object.keys(want.weightsAfter)) expectClose(got.weightsAfter[k], want.weightsAfter[k], 1e-5, `${name} ${k} after one step`);
  });
});
