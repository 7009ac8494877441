// Tests the objective step: gradient clipping as PyTorch clips, the L2 penalty in loss and gradient, kernel initializers,
// and that neutral settings change nothing (the seed's configs keep their numbers).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { clipGradients, makeObjectiveStep, needsObjectiveStep, objectiveOptions } from '../../../electron/engine/train/objective.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import { RunOptions } from '../../../electron/engine/train/runOptions.js';
import { HyperparametersSchema } from '../../../shared/hyper.js';
import { ModelSpecSchema, type ModelSpec } from '../../../shared/spec.js';
import { randomValues } from '../backend/kernels/reference.js';

const mlp = (extra: Record<string, unknown> = {}): ModelSpec => ModelSpecSchema.parse({
  name: 'mlp', inputShape: [784],
  layers: [{ type: 'Dense', units: 16, activation: 'relu', ...extra }, { type: 'Dense', units: 10, activation: 'softmax' }],
});
const x = randomValues(8 * 784, 5);
const y = Int32Array.from({ length: 8 }, (_, i) => i % 10);
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('objective step', () => {
  beforeAll(() => selectBackend('cpu'));

  it('clipNorm scales all gradients by clipNorm / (‖g‖ + 1e-6) when above, and leaves them when below', () => {
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // global norm 5
    const c = clipGradients(g, 1, null);
    expect(Array.from(c.a.dataSync())[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    expect(Array.from(c.b.dataSync())[1]).toBeCloseTo(4 / (5 + 1e-6), 6);
    expect(Array.from(clipGradients(g, 10, null).b.dataSync())).toEqual([0, 4]);
  });

  it('clipValue clips each element, before clipNorm', () => {
    const g = { a: tf.tensor1d([3, -0.5]), b: tf.tensor1d([-4, 0.2]) };
    expect(Array.from(clipGradients(g, null, 1).a.dataSync())).toEqual([1, -0.5]);
    const both = clipGradients(g, 1, 1); // after the value clip: [1, −0.5, −1, 0.2], norm √2.29
    const norm = Math.sqrt(1 + 0.25 + 1 + 0.04);
    expect(both.b.dataSync()[0]).toBeCloseTo(-1 / (norm + 1e-6), 6);
  });

  it('one SGD step with clipNorm moves the weights by lr · clipped gradient (norm ≤ clipNorm)', () => {
    const model = buildModel(mlp(), 1);
    const before = weightsOf(model);
    const step = makeObjectiveStep(model, tf.train.sgd(1), [784], objectiveOptions({ clipNorm: 0.01 }));
    step(x, y, 8);
    const after = weightsOf(model);
    let sq = 0;
    before.forEach((w, k) => w.forEach((v, i) => { sq += (after[k][i] - v) ** 2; }));
    expect(Math.sqrt(sq)).toBeCloseTo(0.01, 5);
    model.dispose();
  });

  it('an L2 kernel regularizer adds l2·Σk² to the reported loss and 2·l2·k to the kernel\'s gradient', () => {
    const l2 = 0.01;
    const plain = buildModel(mlp(), 2);
    const reg = buildModel(mlp({ kernelRegularizer: { l2 } }), 2);
    const k0 = plain.getWeights()[0].dataSync() as Float32Array;
    const sumSq = k0.reduce((a, v) => a + v * v, 0);
    expect(needsObjectiveStep(objectiveOptions({}), reg, false)).toBe(true);
    expect(needsObjectiveStep(objectiveOptions({}), plain, false)).toBe(false);
    const lr = 0.1;
    const rPlain = makeObjectiveStep(plain, tf.train.sgd(lr), [784], objectiveOptions({}))(x, y, 8);
    const rReg = makeObjectiveStep(reg, tf.train.sgd(lr), [784], objectiveOptions({}))(x, y, 8);
    expect(rReg.loss - rPlain.loss).toBeCloseTo(l2 * sumSq, 4);
    const a = plain.getWeights()[0].dataSync();
    const b = reg.getWeights()[0].dataSync();
    for (const i of [0, 100, 5000]) expect(b[i] - a[i]).toBeCloseTo(-lr * 2 * l2 * k0[i], 6);
    plain.dispose(); reg.dispose();
  });

  it('kernel initializers: seeded, different from glorotUniform, heNormal with std ≈ √(2 / fan_in)', () => {
    const he = buildModel(mlp({ kernelInitializer: 'heNormal' }), 3);
    const again = buildModel(mlp({ kernelInitializer: 'heNormal' }), 3);
    const glorot = buildModel(mlp(), 3);
    const k = Array.from(he.getWeights()[0].dataSync());
    expect(k).toEqual(Array.from(again.getWeights()[0].dataSync()));
    expect(k).not.toEqual(Array.from(glorot.getWeights()[0].dataSync()));
    const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
    // tfjs's heNormal is a truncated normal with stddev √(2/784) (Keras's), whose spread is 0.88 of that.
    expect(std / Math.sqrt(2 / 784)).toBeGreaterThan(0.8);
    expect(std / Math.sqrt(2 / 784)).toBeLessThan(1.0);
    [he, again, glorot].forEach((m) => m.dispose());
  });

  it('neutral settings give the seed\'s step and numbers: explicit defaults, huge clipNorm, zero smoothing', () => {
    const base = HyperparametersSchema.parse({ learningRate: 0.01, batchSize: 8, epochs: 1 });
    const explicit = HyperparametersSchema.parse({
      learningRate: 0.01, batchSize: 8, epochs: 1, labelSmoothing: 0, optimizer: { type: 'adam', epsilon: 1e-7 },
      augmentation: { maxShift: 0, rotation: 0, zoom: 0, mixupAlpha: 0 },
    });
    const run = (h: typeof base, clipNorm?: number) => {
      const model = buildModel(mlp({ kernelInitializer: 'glorotUniform' }), 4);
      const opt = tf.train.adam(0.01, 0.9, 0.999, h.optimizer.type === 'adam' ? h.optimizer.epsilon ?? 1e-7 : 1e-7);
      const o = new RunOptions({ ...h, ...(clipNorm ? { clipNorm } : {}) });
      expect(o.augment).toBeNull();
      const step = o.makeStep(model, opt, [784]);
      const losses = [0, 1, 2].map(() => step(x, y, 8).loss);
      const w = weightsOf(model);
      model.dispose();
      return { losses, w };
    };
    const lean = (() => {
      const model = buildModel(mlp(), 4);
      const step = makeTrainStep(model, tf.train.adam(0.01, 0.9, 0.999, 1e-7), [784]);
      const losses = [0, 1, 2].map(() => step(x, y, 8).loss);
      const w = weightsOf(model);
      model.dispose();
      return { losses, w };
    })();
    expect(run(base)).toEqual(lean);
    expect(run(explicit)).toEqual(lean);
    const clipped = run(base, 1e6); // the objective step with a clip that never bites
    expect(clipped.w).toEqual(lean.w);
  });
});
