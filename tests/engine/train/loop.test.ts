import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { runTraining, divergence, type FinalStage, type TrainJob } from '../../../electron/engine/train/loop.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { TrainEventSchema, type TrainEvent, type RunConfig } from '../../../shared/run.js';
import { fixtureDir, runConfig, tinyCnn, tempDir, removeTempDirs } from './helpers.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir();
});

interface CancelAt {
  batches?: number;
  /** Cancel once this many epochEnd events are logged. */
  epochs?: number;
  /** Cancel as this final stage begins. */
  stage?: FinalStage;
}

async function train(config: RunConfig, cancelAt: CancelAt = {}) {
  const root = await tempDir('fmw-runs-');
  const store = new RunStore(root);
  await store.create(config);
  const events: TrainEvent[] = [];
  const tensors: number[] = [];
  const stages: FinalStage[] = [];
  let batchEvents = 0;
  let epochEvents = 0;
  let flag = false;
  const job: TrainJob = { runId: config.id, config, storeRoot: root, data: { dir: dataDir, kind: 'test-fixture', strict: false }, batchEventIntervalMs: 0 };
  const status = await runTraining(job, {
    emit: async (e) => {
      TrainEventSchema.parse(e);
      if (e.type === 'batchEnd') batchEvents++;
      events.push(e);
      await store.appendEvent(config.id, e);
      if (e.type === 'epochEnd' && ++epochEvents === cancelAt.epochs) flag = true;
    },
    cancelled: () => flag || batchEvents >= (cancelAt.batches ?? Infinity),
    onEpochTensors: (_epoch, n) => tensors.push(n),
    onStage: (stage) => {
      stages.push(stage);
      if (stage === cancelAt.stage) flag = true;
    },
  });
  return { status, events, tensors, stages, store, root };
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
    const { status, events } = await train(config, { batches: 3 });
    expect(status).toBe('cancelled');
    const end = events.at(-1) as Extract<TrainEvent, { type: 'trainEnd' }>;
    expect(end.status).toBe('cancelled');
    expect(end.reason).toMatch(/epoch 1, batch 4/);
    expect(events.some((e) => e.type === 'epochEnd')).toBe(false);
  });

  /** A run cancelled after its last epoch keeps no results: the log, status.json and the list all say cancelled. */
  async function expectCancelledWithoutResults(r: Awaited<ReturnType<typeof train>>, id: string, where: RegExp) {
    expect(r.status).toBe('cancelled');
    expect(r.events.some((e) => e.type === 'evaluated')).toBe(false);
    const end = r.events.at(-1) as Extract<TrainEvent, { type: 'trainEnd' }>;
    expect(end).toMatchObject({ type: 'trainEnd', status: 'cancelled' });
    expect(end.reason).toMatch(where);
    const logged = (await readFile(path.join(r.root, id, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(logged.at(-1)).toMatchObject({ type: 'trainEnd', status: 'cancelled' });
    expect(logged.filter((e) => e.type === 'trainEnd')).toHaveLength(1);
    expect(JSON.parse(await readFile(path.join(r.root, id, 'status.json'), 'utf8')).status).toBe('cancelled');
    expect(await readdir(path.join(r.root, id))).toEqual(expect.not.arrayContaining(['metrics.json', 'predictions.json', 'model']));
    const [row] = await r.store.list();
    expect(row).toMatchObject({ id, status: 'cancelled', testAccuracy: null, epochsDone: 1, damaged: null });
    expect((await r.store.get(id)).test).toBeNull();
    await expect(tf.loadLayersModel(r.store.modelHandler(id))).rejects.toThrow(/no saved model/);
  }

  it('a cancel after the last epoch, before the test evaluation, ends the run cancelled', async () => {
    const id = 'run-cancel-last-epoch';
    const r = await train(runConfig(id, { hyper: { learningRate: 0.01, batchSize: 100, epochs: 1 } }), { epochs: 1 });
    await expectCancelledWithoutResults(r, id, /during the test evaluation, after 1 epoch of training/);
  });

  it.each([
    ['test-evaluation', /during the test evaluation/],
    ['serialise', /during the model save/],
    ['store-results', /during the model save/],
  ] as const)('a cancel arriving in the final stage %s ends the run cancelled, with no results left in the store', async (stage, where) => {
    const id = `run-cancel-${stage}`;
    const r = await train(runConfig(id, { hyper: { learningRate: 0.01, batchSize: 100, epochs: 1 } }), { stage });
    expect(r.stages.at(-1)).toBe(stage);
    await expectCancelledWithoutResults(r, id, where);
  });

  it('without a cancel the final stages all run and the results stay', async () => {
    const id = 'run-final-stages';
    const r = await train(runConfig(id, { hyper: { learningRate: 0.01, batchSize: 100, epochs: 1 } }));
    expect(r.status).toBe('finished');
    expect(r.stages).toEqual(['test-evaluation', 'serialise', 'store-results']);
    expect(await readdir(path.join(r.root, id))).toEqual(expect.arrayContaining(['metrics.json', 'predictions.json', 'model']));
    expect((await r.store.list())[0]).toMatchObject({ status: 'finished', testAccuracy: expect.any(Number) });
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
