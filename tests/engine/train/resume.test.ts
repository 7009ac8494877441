// Resume: a 1-epoch run resumed to 2 epochs equals a 2-epoch run bit for bit (weights, history, test numbers), with
// BatchNorm, seeded Dropout, Adam, shift/flip augmentation and early stopping in play; the log has no epoch twice.
import { PlateauRule } from '../../../shared/plateau.js';
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RunManager } from '../../../electron/engine/train/manager.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { loadNative } from '../../../electron/engine/backend/native/addon.js';
import { readCheckpoint } from '../../../electron/engine/runs/checkpoint.js';
import { TrainRequestSchema } from '../../../shared/run.js';
import { requireInCi } from '../../helpers/ciRequire.js';
import { tempDir, removeTempDirs } from './helpers.js';

const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
const dataPresent = existsSync(path.join(DEBIAN_DIR, 'train-images-idx3-ubyte.gz'));
const native = loadNative();
const missing = [
  dataPresent ? null : `the real data set in ${DEBIAN_DIR} (apt-get install dataset-fashion-mnist)`,
  native.ok ? null : `the native kernels (${native.reason})`,
].filter((m): m is string => m !== null);
const ready = requireInCi(missing.length === 0, missing.join(' and '));

afterAll(removeTempDirs);

const model = {
  name: 'resume-cnn',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 6, kernelSize: 3, activation: 'relu' },
    { type: 'BatchNormalization' },
    { type: 'MaxPooling2D', poolSize: 2 },
    { type: 'Flatten' },
    { type: 'Dropout', rate: 0.3 },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

function request(epochs: number) {
  return TrainRequestSchema.parse({
    name: 'resume', model, backend: 'wasm', data: { limit: 512 },
    hyper: {
      learningRate: 2e-3, batchSize: 64, epochs, seed: 11, augmentation: { maxShift: 2, horizontalFlip: true },
      earlyStopping: { monitor: 'valAccuracy', patience: 5, restoreBestWeights: true },
    },
  });
}

/** This round's training options together: AdamW, label smoothing, clipping, the plateau rule and the keyed augmentations. */
function optionsRequest(epochs: number) {
  return TrainRequestSchema.parse({
    name: 'resume-options', model, backend: 'wasm', data: { limit: 512 },
    hyper: {
      optimizer: { type: 'adamw', weightDecay: 1e-2 }, learningRate: 5e-2, batchSize: 64, epochs, seed: 12,
      schedule: { type: 'plateau', factor: 0.5, patience: 0 }, labelSmoothing: 0.1, clipNorm: 5,
      augmentation: { maxShift: 1, horizontalFlip: true, rotation: 10, cutout: { size: 6, probability: 0.5 }, mixupAlpha: 0.2 },
    },
  });
}

async function numbers(store: RunStore, id: string) {
  const d = await store.get(id);
  expect(d.summary.status, d.summary.reason ?? '').toBe('finished');
  return {
    epochs: d.epochs.map(({ epoch, loss, accuracy, valLoss, valAccuracy, learningRate }) => ({ epoch, loss, accuracy, valLoss, valAccuracy, learningRate })),
    test: { loss: d.test!.loss, accuracy: d.test!.accuracy, confusion: d.test!.confusion },
    predictions: await store.predictions(id),
    weights: (await readFile(path.join(store.root, id, 'model', 'weights.bin'))).toString('base64'),
  };
}

describe.skipIf(!ready)(`resume continues bit for bit (needs ${DEBIAN_DIR} and the native kernels)`, () => {
  it('1 epoch + resume to 2 equals 2 epochs straight; checkpoints keep the last and the best', async () => {
    const store = new RunStore(await tempDir('fmw-resume-'));
    const m = new RunManager({ store, maxConcurrent: 1, resolveData: async () => ({ dir: DEBIAN_DIR, kind: 'debian', strict: true }) });
    try {
      const [straight] = (await m.start(request(2))).runIds;
      const [short] = (await m.start(request(1))).runIds;
      await m.idle();
      const last1 = await readCheckpoint(store.runDir(short), 'last');
      expect(last1?.state.epochsDone).toBe(1);
      expect((await readCheckpoint(store.runDir(short), 'best'))?.state.epochsDone).toBe(1);

      await expect(m.resume(short, 1)).rejects.toThrow(/already trained 1 epoch: give a total above 1/);
      const r = await m.resume(short, 2);
      expect(r).toEqual({ runId: short, epochs: 2 });
      await m.idle();

      const [a, b] = await Promise.all([numbers(store, straight), numbers(store, short)]);
      expect(b.epochs.map((e) => e.epoch)).toEqual([0, 1]);
      expect(b.epochs).toEqual(a.epochs);
      expect(b).toEqual(a);
      const detail = await store.get(short);
      expect(detail.summary.epochs).toBe(2);
      expect(detail.summary.epochsDone).toBe(2);
      expect(detail.config?.resumes).toEqual([expect.objectContaining({ fromEpoch: 1, toEpochs: 2 })]);
      // The log continues: one epochEnd per epoch, a second trainBegin for the resumed part, and the run ends once more.
      const { events } = await store.events(short);
      expect(events.filter((e) => e.type === 'epochEnd').map((e) => e.type === 'epochEnd' && e.summary.epoch)).toEqual([0, 1]);
      expect(events.filter((e) => e.type === 'trainBegin')).toHaveLength(2);
      expect(events.at(-1)).toMatchObject({ type: 'trainEnd', status: 'finished' });
      const last2 = await readCheckpoint(store.runDir(short), 'last');
      expect(last2?.state.epochsDone).toBe(2);
      // The Dropout (layer 4) drew one mask a batch: its counter went on from where the first part left it.
      const begin = events.find((e) => e.type === 'trainBegin');
      expect(last2?.state.layerSteps).toEqual({ '4': 2 * (begin?.type === 'trainBegin' ? begin.batchesPerEpoch : NaN) });
    } finally {
      await m.close();
    }
  }, 180_000);

  it('with AdamW, label smoothing, clipping, mixup/cutout/rotation and the plateau rule: 2 epochs + resume to 5 equals 5 straight', async () => {
    const store = new RunStore(await tempDir('fmw-resume-opt-'));
    const m = new RunManager({ store, maxConcurrent: 1, resolveData: async () => ({ dir: DEBIAN_DIR, kind: 'debian', strict: true }) });
    try {
      const [straight] = (await m.start(optionsRequest(5))).runIds;
      const [short] = (await m.start(optionsRequest(2))).runIds;
      await m.idle();
      await m.resume(short, 5);
      await m.idle();
      const [a, b] = await Promise.all([numbers(store, straight), numbers(store, short)]);
      expect(b.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4]);
      expect(b).toEqual(a);
      // The plateau rule's state is in the checkpoint and is what replaying the validation losses gives (that a restored
      // rule goes on exactly as the original is tests/shared/plateau.test.ts).
      const last = await readCheckpoint(store.runDir(short), 'last');
      const replay = new PlateauRule({ type: 'plateau', factor: 0.5, patience: 0 }, 5e-2);
      a.epochs.forEach((e) => replay.update(e.valLoss));
      expect(last?.state.plateau).toEqual(replay.snapshot());
    } finally {
      await m.close();
    }
  }, 240_000);
});
