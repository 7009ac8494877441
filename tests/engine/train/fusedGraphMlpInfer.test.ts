// Tests fused graph MLP inference: bit for bit model.apply(x, {training: false}) for mlp-res and variants after fused
// training steps, over chunk boundaries, proven to run through the native calls alone; model.apply where it does not apply.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { makeFastestStep } from '../../../electron/engine/train/fusedGraphMlp.js';
import { fusedGraphMlpInferences, predictFusedGraphMlp } from '../../../electron/engine/train/fusedGraphMlpInfer.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { predictBatch } from '../../../electron/engine/train/step.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { graphVariants, mlpRes } from './fixtures/graphModels.js';

const width = (spec: ModelSpec) => spec.inputShape.reduce((a: number, b: number) => a * b, 1);

/** A model after four fused Adam steps (biases, gamma, beta and alpha away from their initial values). */
function trained(spec: ModelSpec): tf.LayersModel {
  const model = buildModel(spec, 21);
  const opt = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-2);
  const step = makeFastestStep(model, opt, spec.inputShape);
  for (let s = 0; s < 4; s++) step(randomValues(32 * width(spec), 40 + s), Int32Array.from({ length: 32 }, (_, i) => (i + s) % 10), 32);
  opt.dispose();
  return model;
}

function applied(model: tf.LayersModel, spec: ModelSpec, x: Float32Array, count: number): Float32Array {
  return tf.tidy(() => (model.apply(tf.tensor(x.subarray(0, count * width(spec)), [count, ...spec.inputShape]), { training: false }) as tf.Tensor)
    .dataSync() as Float32Array);
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe.skipIf(nativeMissing != null)(`fused graph MLP inference${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  const cases: Array<[string, ModelSpec]> = [['mlp-res', mlpRes], ...Object.entries(graphVariants)];
  it.each(cases)('%s: the same bits as model.apply (training: false), across chunks', (_name, spec) => {
    const model = trained(spec);
    for (const count of [1, 37, 300]) {
      const x = randomValues(count * width(spec), count);
      const want = applied(model, spec, x, count);
      const runs = fusedGraphMlpInferences();
      const tensors = tf.memory().numTensors;
      // Chunks of 128 rows: 300 samples cross two boundaries (the full chunk, 1,024, is the default).
      const got = predictFusedGraphMlp(model, x, count, spec.inputShape, 128);
      expect(got, 'the fused path applies').not.toBeNull();
      expect(fusedGraphMlpInferences() - runs).toBe(1);
      expect(tf.memory().numTensors, 'tensors left behind').toBe(tensors);
      expect(bits(got!), `${count} samples`).toEqual(bits(want));
      expect(bits(predictBatch(model, x, count, spec.inputShape)), 'predictBatch takes it').toEqual(bits(want));
    }
    model.dispose();
  }, 60_000);

  it('1,025 samples in the default chunk, on 1 thread and 2: the same bits', async () => {
    const model = trained(mlpRes);
    const x = randomValues(1025 * 784, 3);
    const want = applied(model, mlpRes, x, 1025);
    await selectBackend('wasm', { native: true, threads: 1 });
    try {
      expect(bits(predictFusedGraphMlp(model, x, 1025, mlpRes.inputShape)!)).toEqual(bits(want));
    } finally {
      await useNative();
    }
    expect(bits(predictFusedGraphMlp(model, x, 1025, mlpRes.inputShape)!)).toEqual(bits(want));
    model.dispose();
  }, 60_000);

  it('runs natively without the engine: 6 GEMMs a chunk, the input read in place, no kernel through tfjs', async () => {
    const model = trained(mlpRes);
    const x = randomValues(200 * 784, 9);
    const before = addon!.counts();
    const { kernels } = await tf.profile(() => {
      predictFusedGraphMlp(model, x, 200, mlpRes.inputShape);
    });
    const after = addon!.counts();
    expect(after.matmul - before.matmul).toBe(6);
    expect(after.noise - before.noise, 'no noise in inference').toBe(0);
    expect(after.layerNorm - before.layerNorm).toBe(1);
    expect(kernels).toEqual([]);
    model.dispose();
  });

  it('model.apply where it does not apply: Sequential models, WORKBENCH_FUSED_GRAPH_MLP=0, the native kernels off', async () => {
    const seq = buildModel({ name: 's', inputShape: [784], layers: [{ type: 'Dense', units: 10, activation: 'softmax' }] } as unknown as ModelSpec, 1);
    expect(predictFusedGraphMlp(seq, randomValues(784, 1), 1, [784])).toBeNull();
    seq.dispose();
    const model = trained(mlpRes);
    const x = randomValues(10 * 784, 2);
    const want = applied(model, mlpRes, x, 10);
    process.env.WORKBENCH_FUSED_GRAPH_MLP = '0';
    try {
      expect(predictFusedGraphMlp(model, x, 10, mlpRes.inputShape)).toBeNull();
      const runs = fusedGraphMlpInferences();
      expect(bits(predictBatch(model, x, 10, mlpRes.inputShape))).toEqual(bits(want));
      expect(fusedGraphMlpInferences()).toBe(runs);
    } finally {
      delete process.env.WORKBENCH_FUSED_GRAPH_MLP;
    }
    await selectBackend('wasm', { native: false });
    try {
      expect(predictFusedGraphMlp(model, x, 10, mlpRes.inputShape)).toBeNull();
    } finally {
      await useNative();
    }
    model.dispose();
  });
});
