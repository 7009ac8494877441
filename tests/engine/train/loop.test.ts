import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { runTraining, divergence, type TrainJob } from '../../../electron/engine/train/loop.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { TrainEventSchema, type TrainEvent, type RunConfig } from '../../../shared/run.js';
import { fixtureDir, runConfig, tinyCnn, tempDir, removeTempDirs } from './helpers.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir();
});

async function train(config: RunConfig, cancelAfterBatches = Infinity) {
  const root = await tempDir('fmw-runs-');
  const store = new RunStore(root);
  await store.create(config);
  const events: TrainEvent[] = [];
  const tensors: number[] = [];
  let batchEvents = 0;
  const job: TrainJob = { runId: config.id, config, storeRoot: root, data: { dir: dataDir, kind: 'test-fixture', strict: false }, batchEventIntervalMs: 0 };
  const status = await runTraining(job, {
    emit: async (e) => {
      TrainEventSchema.parse(e);
      if (e.type === 'batchEnd') batchEvents++;
      events.push(e);
      await store.appendEvent(config.id, e);
    },
    cancelled: () => batchEvents >= cancelAfterBatches,
    onEpochTensors: (_epoch, n) => tensors.push(n),
  });
  return { status, events, tensors, store };
}

afterAll(removeTempDirs);

describe('runTraining', () => {
  it('trains, validates each epoch, evaluates on test, saves the model, and logs it all', async () => {
    const config = runConfig('run-ann', {}, 3);
    const { status, events, tensors, store } = await train(config);
    expect(status).toBe('finished');
    const types = events.map((e) => e.type).filter((t) => t !== 'batchEnd');
    expect(types).toEqual(['trainBegin', 'epochEnd', 'epochEnd', 'epochEnd', 'evaluated', 'trainEnd']);
    const begin = events[0] as Extract<TrainEvent, { type: 'trainBegin' }>;
    expect(begin.splitSizes).toEqual({ train: 500, validation: 100, test: 200 });
    expect(begin.params).toBe(784 * 32 + 32 + 32 * 10 + 10);
    expect(begin.backend.name).toBe('cpu');
    const evaluated = events.find((e) => e.type === 'evaluated') as Extract<TrainEvent, { type: 'evaluated' }>;
    expect(evaluated.test.accuracy).toBeGreaterThan(0.6); // chance is 0.1
    expect(evaluated.test.samples).toBe(200);
    // No tensor leaks: the live count is the same after every epoch.
    expect(new Set(tensors).size).toBe(1);

    const detail = await store.get(config.id);
    expect(detail.summary.status).toBe('finished');
    expect(detail.epochs).toHaveLength(3);
    expect(detail.epochs[2].valAccuracy).toBeGreaterThan(0.5);
    expect(detail.test?.accuracy).toBe(evaluated.test.accuracy);
    const model = await tf.loadLayersModel(store.modelHandler(config.id));
    expect(model.countParams()).toBe(begin.params);
    model.dispose();
  });

  it('is reproducible: the same seed gives the same history', async () => {
    const a = await train(runConfig('run-a', { hyper: { learningRate: 0.01, batchSize: 50, epochs: 1, seed: 11 } }));
    const b = await train(runConfig('run-b', { hyper: { learningRate: 0.01, batchSize: 50, epochs: 1, seed: 11 } }));
    const epochOf = (e: TrainEvent[]) => (e.find((x) => x.type === 'epochEnd') as Extract<TrainEvent, { type: 'epochEnd' }>).summary;
    expect(epochOf(a.events).loss).toBe(epochOf(b.events).loss);
    expect(epochOf(a.events).valAccuracy).toBe(epochOf(b.events).valAccuracy);
  });

  it('turns a NaN or infinite loss into a diverged failure that says where and what to do', () => {
    expect(divergence(0.7, 0, 0, 1e-3)).toBeNull();
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      const err = divergence(bad, 2, 40, 10, 'run-x');
      expect(err?.message).toBe(`training diverged: loss became ${bad} at epoch 3, batch 41 (learning rate 10.0); lower the learning rate or add batch normalization`);
      expect(err?.runId).toBe('run-x');
    }
  });

  it('cancels mid-epoch within one batch', async () => {
    const config = runConfig('run-cancel', { hyper: { learningRate: 0.01, batchSize: 10, epochs: 5 } });
    const { status, events } = await train(config, 3);
    expect(status).toBe('cancelled');
    const end = events.at(-1) as Extract<TrainEvent, { type: 'trainEnd' }>;
    expect(end.status).toBe('cancelled');
    expect(end.reason).toMatch(/epoch 1, batch 4/);
    expect(events.some((e) => e.type === 'epochEnd')).toBe(false);
  });

  it('trains a CNN with augmentation, a cosine schedule and early stopping on the wasm backend', async () => {
    const config = runConfig('run-cnn', {
      model: tinyCnn,
      backend: 'wasm',
      hyper: {
        learningRate: 0.01, batchSize: 32, epochs: 4,
        schedule: { type: 'cosine', minLearningRate: 0.001 },
        augmentation: { maxShift: 1, horizontalFlip: false },
        earlyStopping: { monitor: 'valLoss', patience: 1, restoreBestWeights: true },
      },
    });
    const { status, events } = await train(config);
    expect(status).toBe('finished');
    const epochs = events.filter((e) => e.type === 'epochEnd') as Extract<TrainEvent, { type: 'epochEnd' }>[];
    expect(epochs.length).toBeGreaterThanOrEqual(2);
    expect(epochs[epochs.length - 1].summary.learningRate).toBeLessThan(0.01);
    const evaluated = events.find((e) => e.type === 'evaluated') as Extract<TrainEvent, { type: 'evaluated' }>;
    expect(evaluated.test.accuracy).toBeGreaterThan(0.5);
  });
});
