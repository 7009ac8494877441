// Tests the native batch normalisation (inference kernel, fused training forward and gradient through the engine's
// BatchNormalization layer) on wasm against tfjs's cpu backend, its fallbacks, and that saved models stay plain.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../../electron/engine/backend/select.js';
import { batchNormalization, fusedBatchNormAvailable } from '../../../../../electron/engine/models/batchNorm.js';
import { buildModel } from '../../../../../electron/engine/models/build.js';
import type { ModelSpec } from '../../../../../shared/spec.js';
import { expectClose, randomValues, runOn } from '../reference.js';
import { addon, expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
type Values = { shape: number[]; values: Float32Array };

/** |got − want| ≤ tol·max(1, max |want|): sums over many rows scale with the row count. */
function expectNear(got: Values, want: Values, tol: number, label: string) {
  const scale = Math.max(1, ...Array.from(want.values, Math.abs));
  expectClose(got, want, tol * scale, label);
}

describe.skipIf(nativeMissing != null)(`native FusedBatchNorm equals cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  const shapes = [[2, 5, 5, 3], [16, 13, 13, 32], [64, 128], [7, 1], [4, 6, 6, 64]];
  for (const shape of shapes) {
    for (const [withScale, withOffset] of [[true, true], [false, true], [true, false], [false, false]]) {
      it(`x ${JSON.stringify(shape)} scale ${withScale} offset ${withOffset}`, async () => {
        const c = shape[shape.length - 1];
        const inputs: Record<string, { shape: number[]; values: Float32Array }> = {
          x: { shape, values: randomValues(size(shape), size(shape) % 101) },
          mean: { shape: [c], values: randomValues(c, 7) },
          variance: { shape: [c], values: randomValues(c, 8).map((v) => v + 1.5) },
        };
        if (withScale) inputs.scale = { shape: [c], values: randomValues(c, 9) };
        if (withOffset) inputs.offset = { shape: [c], values: randomValues(c, 10) };
        const got = await expectNative('batchNorm', () => runOn('wasm', 'FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 }));
        expectClose(got, await runOn('cpu', 'FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 }), 1e-5, 'FusedBatchNorm');
      });
    }
  }

  it('a one-element mean broadcast over every channel goes to the shipped kernel', async () => {
    const inputs = {
      x: { shape: [4, 3], values: randomValues(12, 3) },
      mean: { shape: [1], values: Float32Array.of(0.25) }, variance: { shape: [1], values: Float32Array.of(2) },
    };
    const got = await expectNative('batchNorm', () => runOn('wasm', 'FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 }), false);
    expectClose(got, await runOn('cpu', 'FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 }), 1e-6, 'FusedBatchNorm');
  });
});

interface StepResult { y: Values; dx: Values; dgamma: Values; dbeta: Values }
interface Run { steps: StepResult[]; movingMean: Values; movingVariance: Values; inference: Values }

const read = (t: tf.Tensor): Values => ({ shape: t.shape, values: t.dataSync() as Float32Array });

/**
 * A few training steps of one BatchNormalization layer on `backend`: loss Σ y·w (so dy = w, a different w per step),
 * gradients of x, gamma and beta, plain SGD on gamma and beta, then an inference call on the moving statistics.
 */
async function train(backend: string, shape: number[], opts: { momentum?: number; epsilon?: number; offset?: number }, steps = 3): Promise<Run> {
  await tf.setBackend(backend);
  const tensorsBefore = tf.memory().numTensors;
  const c = shape[shape.length - 1];
  const layer = batchNormalization({ momentum: opts.momentum, epsilon: opts.epsilon });
  layer.build([null, ...shape.slice(1)]);
  const initial = [
    tf.tensor(randomValues(c, 11).map((v) => 1 + v / 2)), tf.tensor(randomValues(c, 12)),
    tf.tensor(randomValues(c, 13)), tf.tensor(randomValues(c, 14).map((v) => 1.2 + v)),
  ];
  layer.setWeights(initial);
  tf.dispose(initial);
  const out: StepResult[] = [];
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const x = tf.variable(tf.tensor(randomValues(size(shape), 100 + s).map((v) => v * (1 + s) + (opts.offset ?? 0)), shape));
      const w = tf.tensor(randomValues(size(shape), 200 + s), shape);
      const vars = [x, ...layer.trainableWeights.map((v) => v.read() as tf.Variable)];
      let y: tf.Tensor | null = null;
      const { grads } = tf.variableGrads(() => {
        y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
        return tf.sum(tf.mul(y, w)) as tf.Scalar;
      }, vars);
      const [dx, dgamma, dbeta] = vars.map((v) => grads[v.name]);
      out.push({ y: read(y!), dx: read(dx), dgamma: read(dgamma), dbeta: read(dbeta) });
      vars[1].assign(tf.sub(vars[1], tf.mul(dgamma, 0.01)));
      vars[2].assign(tf.sub(vars[2], tf.mul(dbeta, 0.01)));
      tf.dispose([y!, x]);
    });
  }
  const [, , movingMean, movingVariance] = layer.getWeights().map(read);
  const inference = tf.tidy(() => read(layer.apply(tf.tensor(randomValues(size(shape), 300), shape), { training: false }) as tf.Tensor));
  tf.dispose(layer.weights.map((v) => v.read()));
  expect(tf.memory().numTensors, `tensors left by training on ${backend}`).toBe(tensorsBefore);
  return { steps: out, movingMean, movingVariance, inference };
}

function expectSameRun(got: Run, want: Run, label: string) {
  got.steps.forEach((g, s) => {
    const w = want.steps[s];
    expectNear(g.y, w.y, 1e-4, `${label} step ${s} y`);
    expectNear(g.dx, w.dx, 1e-4, `${label} step ${s} dx`);
    expectNear(g.dgamma, w.dgamma, 1e-4, `${label} step ${s} dgamma`);
    expectNear(g.dbeta, w.dbeta, 1e-4, `${label} step ${s} dbeta`);
  });
  expectNear(got.movingMean, want.movingMean, 1e-5, `${label} moving mean`);
  expectNear(got.movingVariance, want.movingVariance, 1e-5, `${label} moving variance`);
  expectNear(got.inference, want.inference, 1e-4, `${label} inference`);
}

/** Shapes: after convs (NHWC) and after Dense, N·H·W from 3 to 5,408 rows, C = 1, 3, 32, 64, 128. */
const CASES: Array<[string, number[], { momentum?: number; epsilon?: number; offset?: number }]> = [
  ['conv 16x13x13x32 (parallel), Keras defaults', [16, 13, 13, 32], {}],
  ['conv 2x3x3x3, momentum 0.9', [2, 3, 3, 3], { momentum: 0.9 }],
  ['conv 8x5x5x1, epsilon 0.1', [8, 5, 5, 1], { epsilon: 0.1 }],
  ['conv 4x6x6x64, inputs around 50', [4, 6, 6, 64], { offset: 50 }],
  ['dense 1024x64 (parallel)', [1024, 64], { momentum: 0.5 }],
  ['dense 128x128', [128, 128], {}],
  ['dense 3x128', [3, 128], {}],
  ['dense 50x1', [50, 1], { momentum: 0.9, epsilon: 1e-5 }],
];

describe.skipIf(nativeMissing != null)(`BatchNormalization training on wasm + native equals cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(CASES)('%s', async (label, shape, opts) => {
    const want = await train('cpu', shape, opts);
    expect(fusedBatchNormAvailable(), 'cpu has no fused kernels: tfjs\'s own path').toBe(false);
    await useNative();
    expect(fusedBatchNormAvailable()).toBe(true);
    const c0 = addon!.counts();
    const got = await train('wasm', shape, opts);
    const c1 = addon!.counts();
    expect(c1.batchNormTrain - c0.batchNormTrain, 'fused forward calls').toBe(3);
    expect(c1.batchNormGrad - c0.batchNormGrad, 'fused gradient calls').toBe(3);
    expect(c1.batchNorm - c0.batchNorm, 'inference kernel calls').toBe(1);
    expectSameRun(got, want, label);
  });

  it('without the native kernels the layer takes tfjs\'s own path on wasm, with the same numbers', async () => {
    const [label, shape, opts] = CASES[0];
    const want = await train('cpu', shape, opts);
    await selectBackend('wasm', { native: false });
    expect(fusedBatchNormAvailable()).toBe(false);
    const c0 = addon!.counts();
    const got = await train('wasm', shape, opts);
    const c1 = addon!.counts();
    for (const k of ['batchNorm', 'batchNormTrain', 'batchNormGrad'] as const) expect(c1[k] - c0[k], k).toBe(0);
    expectSameRun(got, want, `${label} (no native)`);
    await useNative();
  });

  it('a NaN in the batch makes its channel\'s moving statistics NaN, as on cpu, and leaves the others alone', async () => {
    const movingAfterNaN = async (backend: string) => {
      await tf.setBackend(backend);
      const layer = batchNormalization({});
      layer.build([null, 4]);
      const x = randomValues(32, 5);
      x[4] = NaN; // channel 0 of row 1
      tf.tidy(() => { layer.apply(tf.tensor(x, [8, 4]), { training: true }); });
      const [, , mean, variance] = layer.getWeights().map((w) => Array.from(w.dataSync()));
      tf.dispose(layer.weights.map((v) => v.read()));
      return { mean, variance };
    };
    const want = await movingAfterNaN('cpu');
    await useNative();
    const before = addon!.counts().batchNormTrain;
    const got = await movingAfterNaN('wasm');
    expect(addon!.counts().batchNormTrain - before).toBe(1);
    for (const k of ['mean', 'variance'] as const) {
      expect(Number.isNaN(got[k][0]) && Number.isNaN(want[k][0]), `${k} of the NaN channel`).toBe(true);
      for (let c = 1; c < 4; c++) expect(Math.abs(got[k][c] - want[k][c]), `${k} channel ${c}`).toBeLessThan(1e-6);
    }
  });

  it('the fused forward and gradient are the same bits on every call', async () => {
    await useNative();
    const a = await train('wasm', [16, 13, 13, 32], {}, 2);
    const b = await train('wasm', [16, 13, 13, 32], {}, 2);
    for (const [s, step] of a.steps.entries()) {
      for (const k of ['y', 'dx', 'dgamma', 'dbeta'] as const) expect(Buffer.from(step[k].values.buffer).equals(Buffer.from(b.steps[s][k].values.buffer)), k).toBe(true);
    }
  });
});

describe.skipIf(nativeMissing != null)(`a model with BatchNormalization saves as a plain one${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('trained on wasm + native, loads with tf.loadLayersModel and predicts the same bits', async () => {
    await useNative();
    const spec = {
      name: 'bn', inputShape: [28, 28, 1], layers: [
        { type: 'Conv2D', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }, { type: 'BatchNormalization', momentum: 0.9 },
        { type: 'Flatten' }, { type: 'Dense', units: 6 }, { type: 'BatchNormalization' }, { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    } as unknown as ModelSpec;
    const model = buildModel(spec, 5);
    const x = tf.tensor(randomValues(16 * 784, 21), [16, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10);
    const opt = tf.train.adam(0.01);
    const before = addon!.counts().batchNormTrain;
    for (let s = 0; s < 3; s++) {
      opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    }
    expect(addon!.counts().batchNormTrain - before).toBe(6);
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const topology = JSON.stringify(saved!.modelTopology);
    expect(topology.match(/"class_name":"BatchNormalization"/g)?.length).toBe(2);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const p1 = (model.predict(x) as tf.Tensor).dataSync();
    const p2 = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Buffer.from(p1.buffer).equals(Buffer.from(p2.buffer))).toBe(true);
    const moving = (m: tf.LayersModel) => m.weights.filter((w) => /moving/.test(w.name)).map((w) => Array.from(w.read().dataSync()));
    expect(moving(model)).toHaveLength(4);
    expect(moving(loaded)).toEqual(moving(model));
    expect(moving(model)[0].some((v) => v !== 0)).toBe(true);
    tf.dispose([x, ys]);
    model.dispose();
    loaded.dispose();
  });
});
