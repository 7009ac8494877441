// Tests a whole run with the new options together (mixup, rotation, zoom, cutout, L2, he init, Nesterov, one-cycle,
// clipValue): it trains, repeats bit for bit, logs the one-cycle rates, and keeps its tensor count flat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runTraining } from '../../../electron/engine/train/loop.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import type { RunConfig, TrainEvent } from '../../../shared/run.js';
import { learningRateAt } from '../../../shared/schedule.js';
import { fixtureDir, removeTempDirs, runConfig, tempDir, tinyCnn } from './helpers.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir();
});
afterAll(removeTempDirs);

const model = {
  ...tinyCnn,
  layers: [
    { type: 'Conv2D' as const, filters: 4, kernelSize: 3, activation: 'relu' as const, kernelInitializer: 'heNormal' as const, kernelRegularizer: { l2: 1e-3 } },
    ...tinyCnn.layers.slice(1),
  ],
};
const hyper = {
  learningRate: 0.05, batchSize: 32, epochs: 2, seed: 5,
  optimizer: { type: 'sgd' as const, momentum: 0.9, nesterov: true },
  schedule: { type: 'onecycle' as const, pctStart: 0.4 },
  clipValue: 0.5, labelSmoothing: 0.05,
  augmentation: { maxShift: 1, horizontalFlip: true, rotation: 10, zoom: 0.1, cutout: { probability: 0.5, size: 6 }, mixupAlpha: 0.3 },
};

async function train(config: RunConfig) {
  const root = await tempDir('fmw-opts-');
  const store = new RunStore(root);
  await store.create(config);
  const events: TrainEvent[] = [];
  const tensors: number[] = [];
  const status = await runTraining(
    { runId: config.id, config, storeRoot: root, data: { dir: dataDir, kind: 'test-fixture', strict: false }, batchEventIntervalMs: 0 },
    { emit: async (e) => { events.push(e); }, cancelled: () => false, onEpochTensors: (_e, n) => tensors.push(n) },
  );
  const weights = (await readFile(path.join(root, config.id, 'model', 'weights.bin'))).toString('base64');
  return { status, events, tensors, weights };
}

describe('a run with the training options', () => {
  it('trains, repeats bit for bit, and follows the one-cycle schedule per batch', async () => {
    const config = runConfig('opts', { model, hyper, backend: 'cpu' });
    const a = await train(config);
    const b = await train(config);
    expect(a.status, JSON.stringify(a.events.find((e) => e.type === 'trainEnd'))).toBe('finished');
    expect(a.weights).toBe(b.weights);
    const epochs = a.events.filter((e): e is Extract<TrainEvent, { type: 'epochEnd' }> => e.type === 'epochEnd').map((e) => e.summary);
    expect(epochs.map((e) => e.loss)).toEqual(b.events.filter((e) => e.type === 'epochEnd').map((e) => (e as Extract<TrainEvent, { type: 'epochEnd' }>).summary.loss));
    const begin = a.events.find((e) => e.type === 'trainBegin') as Extract<TrainEvent, { type: 'trainBegin' }>;
    const per = begin.batchesPerEpoch;
    epochs.forEach((e, k) => expect(e.learningRate).toBe(learningRateAt(config.request.hyper, k, per - 1, per)));
    expect(a.tensors[1]).toBe(a.tensors[0]);
    // Another seed draws other augmentations and mixes: other weights.
    const c = await train({ ...config, seed: 6, request: { ...config.request, hyper: { ...config.request.hyper, seed: 6 } } });
    expect(c.weights).not.toBe(a.weights);
  }, 120_000);
});
