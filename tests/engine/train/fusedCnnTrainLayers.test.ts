// Tests the fused CNN training step on the layer kinds beyond the seed CNN's (batch norm, dropout, relu6 pooling, global
// average pooling): the moving statistics and the dropout streams end where the taped step leaves them, and the layers'
// own off switches send the step to the taped one. (Weights, losses and addon calls: fusedCnnTrain.test.ts.)
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchEntry } from '../../../bench/model-set.js';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { fusedCnnTrainSteps, makeFusedCnnTrainStep } from '../../../electron/engine/train/fusedCnnTrain.js';
import { makeFastestStep } from '../../../electron/engine/train/fusedGraphMlp.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import type { StepMaker } from './stepBits.js';

const IMAGE = [28, 28, 1];
const cnnBn = benchEntry('cnn-bn').spec;
const strong = benchEntry('strong').spec;
const k5Gap = benchEntry('k5-gap').spec;
const ADAM: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
const taped = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => makeTrainStep(m, opt, shape);
const fastest = (m: tf.LayersModel, opt: tf.Optimizer, shape: number[]) => makeFastestStep(m, opt, shape);

/** Trains `spec` (weights from seed 6) with `make`'s step on batches of `sizes`, then returns what `read` takes from the model. */
function trainThen<T>(spec: ModelSpec, make: StepMaker, sizes: number[], read: (model: tf.LayersModel) => T): T {
  const model = buildModel(spec, 6);
  const opt = makeOptimizer(ADAM, 1e-3);
  const step = make(model, opt, IMAGE);
  for (const [s, n] of sizes.entries()) step(randomValues(n * 784, 40 + s), Int32Array.from({ length: n }, (_, i) => (i + s) % 10), n);
  const out = read(model);
  model.dispose();
  opt.dispose();
  return out;
}

describe.skipIf(nativeMissing != null)(`fused CNN training step, layers beyond the seed CNN's${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it('cnn-bn and strong: the batch norms\' moving mean and variance end with the taped step\'s bits', () => {
    for (const spec of [cnnBn, strong]) {
      const moving = (make: StepMaker) => trainThen(spec, make, [37, 64, 37], (model) => model.layers
        .filter((l) => l.getClassName() === 'BatchNormalization')
        .flatMap((l) => l.getWeights().slice(2).map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)))));
      const want = moving(taped);
      const steps = fusedCnnTrainSteps();
      const got = moving(fastest);
      expect(fusedCnnTrainSteps() - steps, spec.name).toBe(3);
      expect(want.length, spec.name).toBe(2 * (spec === cnnBn ? 2 : 5));
      // Moved off their initial zeros and ones.
      expect(want.every((w, k) => w.some((bits) => bits !== (k % 2 === 0 ? 0 : 0x3f800000))), spec.name).toBe(true);
      expect(got, spec.name).toEqual(want);
    }
  });

  it('draws the taped step\'s dropout masks: each Dropout layer\'s seeded stream advances once a step, as the taped layer\'s', () => {
    const seeds = (make: StepMaker) => trainThen(strong, make, [37, 37, 37], (model) => model.layers
      .filter((l) => l.getClassName() === 'Dropout').map((l) => (l as unknown as { nextMaskSeed(): string }).nextMaskSeed()));
    const want = seeds(taped);
    const steps = fusedCnnTrainSteps();
    const got = seeds(fastest);
    expect(fusedCnnTrainSteps() - steps).toBe(3);
    expect(want).toHaveLength(3);
    expect(want.every((seed) => seed.endsWith(':3')), want.join()).toBe(true);
    expect(got).toEqual(want);
  });

  it('k5-gap: WORKBENCH_RELU6_POOL=0 or WORKBENCH_FUSED_GAP=0 (the layers take tfjs\'s ops then) runs the taped step', () => {
    for (const name of ['WORKBENCH_RELU6_POOL', 'WORKBENCH_FUSED_GAP']) {
      const model = buildModel(k5Gap, 3);
      const opt = makeOptimizer(ADAM, 1e-3);
      const fused = makeFusedCnnTrainStep(model, opt, IMAGE)!;
      expect(fused, name).not.toBeNull();
      const x = randomValues(16 * 784, 3);
      const y = Int32Array.from({ length: 16 }, (_, i) => i % 10);
      process.env[name] = '0';
      try {
        const steps = fusedCnnTrainSteps();
        expect(fused(x, y, 16), name).toBeNull();
        expect(fusedCnnTrainSteps(), name).toBe(steps);
      } finally {
        delete process.env[name];
      }
      expect(fused(x, y, 16), `${name} back on`).not.toBeNull();
      model.dispose();
      opt.dispose();
    }
  });
});
