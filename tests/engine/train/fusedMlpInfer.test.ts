// Tests the fused MLP inference path behind predictBatch: bit for bit model.apply(x, {training: false}) on the same
// backend for the seed ANN, every activation with dropout, and batch norm with trained moving statistics, over batch
// sizes that are no multiple of the chunk; proven to run; model.apply wherever it does not apply.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { fusedMlpSteps, makeFusedMlpStep } from '../../../electron/engine/train/fusedMlp.js';
import { fusedMlpInferences, INFER_CHUNK } from '../../../electron/engine/train/fusedMlpInfer.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { predictBatch } from '../../../electron/engine/train/step.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { heapOf, offsetOf } from '../../../electron/engine/backend/kernels/native/heap.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { mixedMlp } from './fixtures/models.js';
import { benchEntry } from '../../../bench/model-set.js';

const IMAGE = [28, 28, 1];
const seedAnn = getPreset('seed-ann').model as ModelSpec;
const seedCnn = getPreset('seed-cnn').model as ModelSpec;

const mixed = mixedMlp as unknown as ModelSpec;

/** The bench's mlp-bn (batch norm after a bias-free linear Dense and after softplus). */
const mlpBn = benchEntry('mlp-bn').spec;
const bnFirst = {
  name: 'bn-first', inputShape: IMAGE,
  layers: [{ type: 'Flatten' }, { type: 'BatchNormalization', epsilon: 0.01 }, { type: 'Dense', units: 64, activation: 'relu' },
    { type: 'Dense', units: 10, activation: 'softmax' }],
} as unknown as ModelSpec;

/** A model after a few fused training steps: biases off zero, batch norm's moving statistics away from 0 and 1. */
function trained(spec: ModelSpec): tf.LayersModel {
  const model = buildModel(spec, 5);
  const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-2);
  const step = makeFusedMlpStep(model, opt, spec.inputShape)!;
  const before = fusedMlpSteps();
  for (let s = 0; s < 4; s++) step(randomValues(64 * 784, 30 + s), Int32Array.from({ length: 64 }, (_, i) => (i * 3 + s) % 10), 64);
  expect(fusedMlpSteps() - before, 'training steps').toBe(4);
  opt.dispose();
  return model;
}

/** model.apply in inference, read back as bits. */
function reference(model: tf.LayersModel, x: Float32Array, n: number, shape: number[]): Uint32Array {
  const probs = tf.tidy(() => (model.apply(tf.tensor(x.subarray(0, n * 784), [n, ...shape]), { training: false }) as tf.Tensor).dataSync());
  return new Uint32Array(Float32Array.from(probs).buffer);
}

const bits = (a: Float32Array) => new Uint32Array(Float32Array.from(a).buffer);
const SIZES = [1, INFER_CHUNK - 1, INFER_CHUNK + 1, 3 * INFER_CHUNK + 77];

describe.skipIf(nativeMissing != null)(`fused MLP inference${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  const cases: Array<[string, ModelSpec]> = [['seed ANN', seedAnn], ['every activation, dropout', mixed], ['mlp-bn', mlpBn], ['batch norm first', bnFirst]];
  it.each(cases)('%s: the bits of model.apply(x, {training: false}), batches no multiple of the chunk', (_name, spec) => {
    const model = trained(spec);
    const x = randomValues(SIZES.at(-1)! * 784, 77);
    const tensors = tf.memory().numTensors;
    for (const n of SIZES) {
      const runs = fusedMlpInferences();
      const got = predictBatch(model, x, n, spec.inputShape);
      expect(fusedMlpInferences() - runs, `fused inference ran for ${n}`).toBe(1);
      expect(got.length).toBe(n * 10);
      const want = reference(model, x, n, spec.inputShape);
      const at = bits(got).findIndex((v, i) => v !== want[i]);
      expect(at, `${n} samples: first difference at ${at}`).toBe(-1);
    }
    expect(tf.memory().numTensors, 'tensors left behind').toBe(tensors);
    model.dispose();
  });

  it('makes the GEMMs natively, one per Dense a chunk, and runs no kernel through the engine', async () => {
    const model = trained(seedAnn);
    const x = randomValues(2 * INFER_CHUNK * 784, 3);
    const matmuls = addon!.counts().matmul;
    const tensors = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      predictBatch(model, x, INFER_CHUNK + 300, seedAnn.inputShape);
    });
    expect(addon!.counts().matmul - matmuls).toBe(3 * 2);
    expect(profile.kernels.map((k) => k.name)).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensors);
    // model.apply, for comparison, goes through the engine's kernels.
    const applied = await tf.profile(() => {
      tf.tidy(() => model.apply(tf.tensor(x.subarray(0, 300 * 784), [300, ...seedAnn.inputShape]), { training: false }) as tf.Tensor);
    });
    expect(applied.kernels.length).toBeGreaterThan(0);
    model.dispose();
  });

  it("the addon's matmulFrom (A outside the heap, used for the first layer) gives matmul's bits and checks its bounds", () => {
    const [m, k, n] = [37, 784, 130];
    const backend = tf.backend() as unknown as { makeOutput(s: number[], d: string): tf.TensorInfo; disposeData(id: object): void };
    const infos = [[m, k], [k, n], [n], [m, n], [m, n]].map((s) => backend.makeOutput(s, 'float32'));
    const [a, w, bias, c1, c2] = infos.map((t) => tf.engine().makeTensorFromTensorInfo(t));
    const heap = heapOf(tf.backend() as never);
    const off = (t: tf.Tensor) => offsetOf(tf.backend() as never, t);
    const aValues = randomValues(m * k + 5, 4);
    new Float32Array(heap, off(a), m * k).set(aValues.subarray(5));
    new Float32Array(heap, off(w), k * n).set(randomValues(k * n, 5));
    new Float32Array(heap, off(bias), n).set(randomValues(n, 6));
    const args = (aOff: number, c: tf.Tensor) => Float64Array.of(aOff, off(w), off(c), off(bias), 1, 1, 1, 1, m, n, k, 0, 0);
    addon!.matmul(heap, args(off(a), c1));
    addon!.matmulFrom!(heap, args(20, c2), aValues); // 5 floats in: byte offset 20
    expect(bits(c2.dataSync() as Float32Array)).toEqual(bits(c1.dataSync() as Float32Array));
    expect(() => addon!.matmulFrom!(heap, args(24, c2), aValues)).toThrow(/A outside its array/);
    expect(() => addon!.matmulFrom!(heap, args(0, c2), new Float64Array(m * k) as never)).toThrow(/Float32Array/);
    tf.dispose([a, w, bias, c1, c2]);
  });

  it('falls back to model.apply for a CNN, with the native kernels off, and with WORKBENCH_FUSED_INFER=0', async () => {
    const x = randomValues(40 * 784, 9);
    const cnn = buildModel(seedCnn, 2);
    let runs = fusedMlpInferences();
    expect(bits(predictBatch(cnn, x, 40, seedCnn.inputShape))).toEqual(reference(cnn, x, 40, seedCnn.inputShape));
    expect(fusedMlpInferences(), 'a CNN').toBe(runs);
    cnn.dispose();

    const ann = trained(seedAnn);
    const want = reference(ann, x, 40, seedAnn.inputShape);
    process.env.WORKBENCH_FUSED_INFER = '0';
    try {
      expect(bits(predictBatch(ann, x, 40, seedAnn.inputShape))).toEqual(want);
      expect(fusedMlpInferences(), 'switched off').toBe(runs);
    } finally {
      delete process.env.WORKBENCH_FUSED_INFER;
    }
    await selectBackend('wasm', { native: false });
    try {
      predictBatch(ann, x, 40, seedAnn.inputShape);
      expect(fusedMlpInferences(), 'native kernels off').toBe(runs);
    } finally {
      await useNative();
    }
    runs = fusedMlpInferences();
    expect(bits(predictBatch(ann, x, 40, seedAnn.inputShape))).toEqual(want);
    expect(fusedMlpInferences()).toBe(runs + 1);
    ann.dispose();
  });
});
