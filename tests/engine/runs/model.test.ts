// The trained model in the store: saved in tfjs layers format and loaded back with plain @tensorflow/tfjs.
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { sampleConfig } from './fixtures/sample.js';

let root: string;
let store: RunStore;
beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'fmw-model-'));
  store = new RunStore(root);
  await store.create(sampleConfig('r1'));
});
afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

function smallCnn(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.batchNormalization(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

it('model.save(handler) then tf.loadLayersModel(handler) gives identical predictions', async () => {
  const model = smallCnn();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.randomUniform([6, 28, 28, 1], 0, 1, 'float32', 7);
  const y = tf.tensor1d([0, 1, 2, 3, 4, 5], 'float32');
  // One step of training moves the batch-norm statistics off their initial 0/1, so a mix-up of weights would show.
  await model.fit(x, y, { epochs: 1, batchSize: 6, verbose: 0 });
  const before = (model.predict(x) as tf.Tensor).dataSync();

  await model.save(store.modelHandler('r1'));
  const files = (await fs.readdir(path.join(root, 'r1', 'model'))).sort();
  expect(files).toEqual(['model.json', 'weights.bin']);
  const json = JSON.parse(await fs.readFile(path.join(root, 'r1', 'model', 'model.json'), 'utf8'));
  expect(json.format).toBe('layers-model');
  expect(json.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: expect.any(Array) }]);
  const bytes = json.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  expect((await fs.stat(path.join(root, 'r1', 'model', 'weights.bin'))).size).toBe(bytes);

  const loaded = await tf.loadLayersModel(store.modelHandler('r1'));
  const after = (loaded.predict(x) as tf.Tensor).dataSync();
  expect(Array.from(after)).toEqual(Array.from(before));
  expect(loaded.countParams()).toBe(model.countParams());
  tf.dispose([x, y]);
  model.dispose();
  loaded.dispose();
});

it('saveModel(artifacts) writes the same files model.save does', async () => {
  const model = smallCnn();
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    captured = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  await store.saveModel('r1', captured!);
  const loaded = await tf.loadLayersModel(store.modelHandler('r1'));
  const x = tf.ones([1, 28, 28, 1]);
  expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
  tf.dispose(x);
  model.dispose();
  loaded.dispose();
});

it('says so when a run has no model, and refuses weight paths outside the model folder', async () => {
  await expect(tf.loadLayersModel(store.modelHandler('r1'))).rejects.toThrow(/no saved model/);
  expect(() => store.modelHandler('../r1')).toThrow(/not a run id/);
  const dir = path.join(root, 'r1', 'model');
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, format: 'layers-model', weightsManifest: [{ paths: ['../config.json'], weights: [] }] }));
  await expect(store.modelHandler('r1').load!()).rejects.toThrow(/outside the model folder/);
});
