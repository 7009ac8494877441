// Tests the fused CNN inference path behind predictBatch: bit for bit model.apply(x, {training: false}) on the same
// backend for the bench set's chain CNNs (initial and trained weights) and odd shapes, batch sizes 1, 7 and 1,000 and
// more than one chunk; trimmed layers proven to run; model.apply wherever the path does not apply.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { fusedCnnInferences, fusedCnnTrims, predictFusedCnn } from '../../../electron/engine/train/fusedCnnInfer.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep, predictBatch } from '../../../electron/engine/train/step.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { benchEntry } from '../../../bench/model-set.js';

const spec = (name: string, inputShape: number[], layers: unknown[]) => ({ name, inputShape, layers }) as unknown as ModelSpec;
const dense10 = [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }];

/** Shapes where trimming meets every native convolution path, BN between conv and pool, pools that read all. */
const ODD: Array<[string, ModelSpec]> = [
  // One input channel (the direct first-layer kernel) trimmed: 26 → a 3/3 pool reads 24.
  ['one-channel conv trimmed', spec('odd-1', [28, 28, 1], [
    { type: 'Conv2D', filters: 16, kernelSize: 3, activation: 'relu6' }, { type: 'MaxPooling2D', poolSize: 3 }, ...dense10])],
  // 3×3 stride 1 with 16 channels after an asymmetric strided kernel (13×12; Winograd at 7 images, not at 1), BN and
  // dropout between it and a 2×2 pool that reads 10 of its 11 rows.
  ['winograd-sized conv, BN, odd map', spec('odd-2', [28, 28, 1], [
    { type: 'Conv2D', filters: 16, kernelSize: [3, 5], strides: 2, activation: 'relu' },
    { type: 'Conv2D', filters: 32, kernelSize: 3, activation: 'tanh' },
    { type: 'BatchNormalization', epsilon: 0.01 }, { type: 'Dropout', rate: 0.3 },
    { type: 'AveragePooling2D', poolSize: 2 }, ...dense10])],
  // Strided 5×5 'same' on 8 channels (the direct strided kernel), no bias, GaussianNoise, a pool with its own strides
  // reading 11 of 13 rows and columns, a 1×1 conv, BN after a Dense.
  ['strided 5×5, no bias, pool strides', spec('odd-3', [28, 28, 1], [
    { type: 'Conv2D', filters: 8, kernelSize: 3, activation: 'relu' },
    { type: 'Conv2D', filters: 32, kernelSize: 5, strides: 2, padding: 'same', activation: 'swish', useBias: false },
    { type: 'GaussianNoise', stddev: 0.1 },
    { type: 'MaxPooling2D', poolSize: [3, 2], strides: [2, 3] },
    { type: 'Conv2D', filters: 16, kernelSize: 1, activation: 'gelu' },
    { type: 'Flatten' }, { type: 'Dense', units: 24, activation: 'selu' }, { type: 'BatchNormalization' },
    { type: 'Dense', units: 10, activation: 'softmax' }])],
  // A 1×1 conv between a Winograd-sized 3×3 (11×11: whole at one image, 36 tiles against 25) and a pool reading 10×10:
  // trimmed only with its input (at 7 images and more), else the native pointwise path would not be taken.
  ['1×1 conv trimmed with its input only', spec('odd-4', [28, 28, 1], [
    { type: 'Conv2D', filters: 8, kernelSize: 3, strides: 2, activation: 'elu' },
    { type: 'Conv2D', filters: 16, kernelSize: 3, activation: 'relu' },
    { type: 'Conv2D', filters: 16, kernelSize: 1, activation: 'sigmoid' },
    { type: 'AveragePooling2D', poolSize: 2 }, ...dense10])],
];

const BENCH = ['cnn', 'strong', 'cnn-bn', 'strided-elu', 'k5-gap'].map((n): [string, ModelSpec] => [n, benchEntry(n).spec as ModelSpec]);

/** A few taped training steps: biases and batch norm's moving statistics away from their initial values. */
function trained(s: ModelSpec): tf.LayersModel {
  const model = buildModel(s, 7);
  const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-2);
  const step = makeTrainStep(model, opt, s.inputShape);
  const size = s.inputShape.reduce((a: number, b: number) => a * b, 1);
  for (let i = 0; i < 3; i++) step(randomValues(32 * size, 60 + i), Int32Array.from({ length: 32 }, (_, k) => (k * 7 + i) % 10), 32);
  opt.dispose();
  return model;
}

function reference(model: tf.LayersModel, x: Float32Array, n: number, shape: number[]): Uint32Array {
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  const probs = tf.tidy(() => (model.apply(tf.tensor(x.subarray(0, n * size), [n, ...shape]), { training: false }) as tf.Tensor).dataSync());
  return new Uint32Array(Float32Array.from(probs).buffer);
}
const bits = (a: Float32Array) => new Uint32Array(Float32Array.from(a).buffer);

function expectSameBits(model: tf.LayersModel, s: ModelSpec, sizes: number[], chunk?: number): void {
  const size = s.inputShape.reduce((a: number, b: number) => a * b, 1);
  const x = randomValues(Math.max(...sizes) * size, 11);
  for (const n of sizes) {
    const before = fusedCnnInferences();
    const got = chunk ? predictFusedCnn(model, x, n, s.inputShape, chunk) : predictBatch(model, x, n, s.inputShape);
    expect(got, `${s.name}: the fused path applies`).not.toBeNull();
    expect(fusedCnnInferences() - before, `${s.name}, ${n} samples: fused path ran`).toBe(1);
    const want = reference(model, x, n, [...s.inputShape]);
    const g = bits(got!);
    const at = g.findIndex((v, i) => v !== want[i]);
    expect(at, `${s.name}, ${n} samples: first differing output ${at}`).toBe(-1);
    expect(g.length).toBe(want.length);
  }
}

describe.skipIf(nativeMissing != null)(`fused CNN inference${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it.each(BENCH)('%s: the bits of model.apply(x, {training: false}), initial and trained weights, 1, 7, 1,000 samples', (_n, s) => {
    const fresh = buildModel(s, 3);
    expectSameBits(fresh, s, [1, 7, 1000]);
    fresh.dispose();
    const model = trained(s);
    expectSameBits(model, s, [1, 7, 1000]);
    model.dispose();
  }, 120_000);

  it.each(ODD)('%s: the bits of model.apply, batches inside one chunk and across chunks', (_n, s) => {
    const model = trained(s);
    const trims = fusedCnnTrims();
    expectSameBits(model, s, [1, 7, 61]);
    expect(fusedCnnTrims() - trims, 'trimmed layer calls').toBeGreaterThan(0);
    // Chunks of 40 (balanced: 31 + 30 for 61 samples) against one model.apply of the whole batch.
    expectSameBits(model, s, [61, 100], 40);
    model.dispose();
  }, 120_000);

  it('trims the layers whose last rows/columns nothing reads (cnn, cnn-bn, strided-elu), not the others', () => {
    const trims = (name: string, n = 100) => {
      const s = benchEntry(name).spec as ModelSpec;
      const model = buildModel(s, 3);
      const before = fusedCnnTrims();
      predictBatch(model, randomValues(n * 784, 5), n, s.inputShape);
      model.dispose();
      return fusedCnnTrims() - before;
    };
    expect(trims('strided-elu'), 'strided-elu conv2 (7×7 → 6×6), conv1 (14×14 → 13×13)').toBe(2);
    expect(trims('cnn'), 'seed CNN conv2 (11×11 → 10×10), pool1 (13×13 → 12×12), conv1 (26×26 → 24×24)').toBe(3);
    expect(trims('cnn-bn'), 'cnn-bn: the same three').toBe(3);
    // One image: 11×11 is 36 Winograd tiles, 10×10 only 25 (im2col): trimming would change the path, so it is whole.
    expect(trims('cnn', 1), 'seed CNN, one image').toBe(0);
    expect(trims('strong'), 'strong-cnn: every pool reads its whole input').toBe(0);
    expect(trims('k5-gap'), 'k5-gap: conv1 (28×28 → 27×27), max pool (14×14 → 13×13), the 1×1 conv with it').toBe(3);
  });

  it('leaves the model to model.apply: MLPs, WORKBENCH_FUSED_CNN_INFER=0, the native kernels off', async () => {
    const cnn = benchEntry('cnn').spec as ModelSpec;
    const model = buildModel(cnn, 3);
    const x = randomValues(5 * 784, 9);
    expect(predictFusedCnn(buildModel(benchEntry('mlp-bn').spec as ModelSpec, 1), x, 5, [28, 28, 1])).toBeNull();
    process.env.WORKBENCH_FUSED_CNN_INFER = '0';
    try {
      expect(predictFusedCnn(model, x, 5, cnn.inputShape)).toBeNull();
    } finally {
      delete process.env.WORKBENCH_FUSED_CNN_INFER;
    }
    expect(predictFusedCnn(model, x, 5, cnn.inputShape)).not.toBeNull();
    const tensors = tf.memory().numTensors;
    predictFusedCnn(model, x, 5, cnn.inputShape);
    expect(tf.memory().numTensors, 'no tensors left').toBe(tensors);
    await selectBackend('wasm', { native: false, threads: 2 });
    expect(predictFusedCnn(model, x, 5, cnn.inputShape)).toBeNull();
    await useNative();
    model.dispose();
  });
});
