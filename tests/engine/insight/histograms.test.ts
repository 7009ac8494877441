// Weight/gradient histograms: the binning, the file a run writes, and that recording leaves the run's numbers alone.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runTraining, type TrainJob } from '../../../electron/engine/train/loop.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { HISTOGRAMS_FILE, histogram, probeIndices, readHistograms } from '../../../electron/engine/insight/histograms.js';
import { HISTOGRAM_BINS, PROBE_SIZE } from '../../../shared/insight.js';
import type { RunConfig } from '../../../shared/run.js';
import { fixtureDir, runConfig, tempDir, removeTempDirs } from '../train/helpers.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir();
});
afterAll(removeTempDirs);

/** A CNN with every layer kind whose training state could be disturbed by a probe: dropout masks, BN statistics. */
const probeCnn = {
  name: 'probe-cnn',
  inputShape: [28, 28, 1] as [28, 28, 1],
  layers: [
    { type: 'Conv2D' as const, filters: 4, kernelSize: 3, activation: 'relu' as const },
    { type: 'BatchNormalization' as const },
    { type: 'MaxPooling2D' as const, poolSize: 2 },
    { type: 'Flatten' as const },
    { type: 'Dense' as const, units: 16, activation: 'relu' as const },
    { type: 'Dropout' as const, rate: 0.3 },
    { type: 'Dense' as const, units: 10, activation: 'softmax' as const },
  ],
};

/** The same probes on a Dense net, for the slow reference cpu backend. */
const probeAnn = {
  name: 'probe-ann',
  inputShape: [784] as [784],
  layers: [
    { type: 'Dense' as const, units: 24, activation: 'relu' as const },
    { type: 'BatchNormalization' as const },
    { type: 'Dense' as const, units: 16, activation: 'relu' as const },
    { type: 'Dropout' as const, rate: 0.3 },
    { type: 'Dense' as const, units: 10, activation: 'softmax' as const },
  ],
};
const cases = [
  { backend: 'cpu' as const, model: probeAnn, units: [24, 16] },
  { backend: 'wasm' as const, model: probeCnn, units: [26 * 26 * 4, 16] },
];

async function train(config: RunConfig, recordHistograms: boolean) {
  const root = await tempDir('fmw-hist-');
  const store = new RunStore(root);
  await store.create(config);
  const job: TrainJob = { runId: config.id, config, storeRoot: root, data: { dir: dataDir, kind: 'test-fixture', strict: false }, batchEventIntervalMs: 0, recordHistograms };
  const status = await runTraining(job, { emit: (e) => store.appendEvent(config.id, e).then(() => undefined), cancelled: () => false });
  expect(status).toBe('finished');
  const detail = await store.get(config.id);
  return {
    dir: store.runDir(config.id),
    numbers: {
      epochs: detail.epochs.map(({ loss, accuracy, valLoss, valAccuracy, valConfusion }) => ({ loss, accuracy, valLoss, valAccuracy, valConfusion })),
      test: detail.test?.loss,
      weights: (await readFile(path.join(store.runDir(config.id), 'model', 'weights.bin'))).toString('base64'),
    },
  };
}

describe('histogram', () => {
  it('bins equal-width over [min, max], the maximum in the last bin', () => {
    const h = histogram([0, 1, 2, 3, 4], 4);
    expect(h).toEqual({ min: 0, max: 4, counts: [1, 1, 1, 2] });
  });
  it('puts a constant tensor in the middle bin and an empty one nowhere', () => {
    expect(histogram([0, 0, 0], 4).counts).toEqual([0, 0, 3, 0]);
    expect(histogram([], 4).counts).toEqual([0, 0, 0, 0]);
  });
  it('draws distinct probe indices from the pool, the same for the same seed', () => {
    const pool = Int32Array.from({ length: 50 }, (_, i) => i * 2);
    const a = probeIndices(pool, 20, 9);
    expect(new Set(a).size).toBe(20);
    expect([...a].every((v) => v % 2 === 0)).toBe(true);
    expect(probeIndices(pool, 20, 9)).toEqual(a);
    expect(probeIndices(pool, 20, 10)).not.toEqual(a);
  });
});

describe.each(cases)('recording during training ($backend backend, $model.name)', ({ backend, model, units }) => {
  it('writes 64-bin histograms and gradient norms per weight tensor per epoch, and the weights come out bit for bit the same', async () => {
    const config = runConfig(`hist-${backend}`, { model, backend, hyper: { learningRate: 0.01, batchSize: 32, epochs: 2, seed: 4 } }, 4);
    const on = await train(config, true);
    const off = await train(config, false);
    expect(on.numbers).toEqual(off.numbers);
    const { value, problem } = await readHistograms(on.dir);
    expect(problem).toBeNull();
    expect(value!.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(value!.probe).toMatchObject({ size: PROBE_SIZE, mode: 'inference' });
    const e0 = value!.epochs[0];
    // three kernels and biases, BN gamma and beta
    expect(e0.tensors.map((t) => t.name)).toHaveLength(8);
    for (const t of e0.tensors) {
      expect(t.weights.counts).toHaveLength(HISTOGRAM_BINS);
      expect(t.weights.counts.reduce((a, b) => a + b, 0)).toBe(t.size);
      expect(t.gradients.counts.reduce((a, b) => a + b, 0)).toBe(t.size);
      expect(t.gradNorm).toBeGreaterThan(0);
      expect(Number.isFinite(t.weightNorm)).toBe(true);
    }
    expect(e0.deadRelu.map((d) => d.units)).toEqual(units);
    expect((await readHistograms(off.dir)).value).toBeNull(); // an old-style run reads as "none", not as an error
  }, 120_000);
});

it('the file name is part of the run folder contract', () => {
  expect(HISTOGRAMS_FILE).toBe('histograms.json');
});
