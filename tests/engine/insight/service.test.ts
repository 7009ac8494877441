// Insight service: calibration and embeddings of a stored run, computed in the worker from its model, then cached.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { stat, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runTraining } from '../../../electron/engine/train/loop.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { CALIBRATION_FILE, InsightService, embeddingFile } from '../../../electron/engine/insight/service.js';
import type { InsightProgress } from '../../../shared/insight.js';
import { fixtureDir, runConfig, tempDir, removeTempDirs, tinyCnn } from '../train/helpers.js';

let store: RunStore;
let service: InsightService;
let dataDir: string;
const runId = 'insight-run';
const progress: InsightProgress[] = [];

beforeAll(async () => {
  dataDir = await fixtureDir();
  store = new RunStore(await tempDir('fmw-insight-'));
  const config = runConfig(runId, { model: tinyCnn, backend: 'wasm', hyper: { learningRate: 0.01, batchSize: 32, epochs: 2, seed: 2 } }, 2);
  await store.create(config);
  const data = { dir: dataDir, kind: 'test-fixture' as const, strict: false };
  const status = await runTraining({ runId, config, storeRoot: store.root, data, batchEventIntervalMs: 0 }, {
    emit: (e) => store.appendEvent(runId, e).then(() => undefined), cancelled: () => false,
  });
  expect(status).toBe('finished');
  service = new InsightService({ store, resolveData: async () => data });
  service.onProgress((p) => progress.push(p));
}, 120_000);
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('InsightService', () => {
  it('computes calibration from the saved model: the same accuracy as the run stored, bins over every test image', async () => {
    const cal = await service.calibration(runId);
    const detail = await store.get(runId);
    expect(cal.samples).toBe(200);
    expect(cal.accuracy).toBe(detail.test!.accuracy);
    expect(cal.bins).toHaveLength(15);
    expect(cal.bins.reduce((s, b) => s + b.count, 0)).toBe(200);
    expect(cal.ece).toBeGreaterThanOrEqual(0);
    expect(cal.mce).toBeGreaterThanOrEqual(cal.ece);
    expect(cal.perClass).toHaveLength(10);
    expect(cal.perClass.every((c) => c.rocAuc === null || (c.rocAuc >= 0 && c.rocAuc <= 1))).toBe(true);
    expect(cal.confidence.nCorrect + cal.confidence.nWrong).toBe(200);
    expect(cal.temperature!.validationSamples).toBe(100);
    expect(cal.temperature!.nllAfter).toBeLessThanOrEqual(cal.temperature!.nllBefore);
    expect(progress.some((p) => p.runId === runId && p.task === 'calibration' && p.fraction === 1)).toBe(true);
  }, 120_000);

  it('caches the result in the run folder and reads it back without the worker', async () => {
    const file = path.join(store.runDir(runId), CALIBRATION_FILE);
    const before = (await stat(file)).mtimeMs;
    const again = await service.calibration(runId);
    expect((await stat(file)).mtimeMs).toBe(before);
    expect(again.runId).toBe(runId);
  });

  it('computes a damaged cache file again', async () => {
    const file = path.join(store.runDir(runId), CALIBRATION_FILE);
    await writeFile(file, '{"version": 1, "broken": true');
    const cal = await service.calibration(runId);
    expect(cal.samples).toBe(200);
  }, 120_000);

  it('projects the penultimate layer with PCA, the points matching the stored predictions, and repeats exactly', async () => {
    const a = await service.embedding(runId, 'pca');
    const predictions = await store.predictions(runId);
    expect(a.layer).toMatch(/flatten/);
    expect(a.dims).toBe(13 * 13 * 4);
    expect(a.testIndices).toEqual(predictions.testIndices);
    expect(a.predicted).toEqual(predictions.predicted);
    expect(a.x).toHaveLength(200);
    expect(a.explained![0]).toBeGreaterThan(a.explained![1]);
    await rm(path.join(store.runDir(runId), embeddingFile('pca')));
    const b = await service.embedding(runId, 'pca');
    expect(b.x).toEqual(a.x);
    expect(b.y).toEqual(a.y);
  }, 120_000);

  it('projects with UMAP, seeded', async () => {
    const u = await service.embedding(runId, 'umap');
    expect(u.method).toBe('umap');
    expect(u.x.every(Number.isFinite)).toBe(true);
    await rm(path.join(store.runDir(runId), embeddingFile('umap')));
    expect((await service.embedding(runId, 'umap')).x).toEqual(u.x);
  }, 120_000);

  it('refuses a run without a saved model with a message saying so', async () => {
    const other = runConfig('unfinished', {}, 1);
    await store.create(other);
    await expect(service.calibration('unfinished')).rejects.toThrow(/run unfinished is queued: calibration needs a finished run with a saved model/);
  });

  it('reads histograms, and null for a run without them', async () => {
    const h = await service.histograms(runId);
    expect(h!.epochs).toHaveLength(2);
    expect(await service.histograms('unfinished')).toBeNull();
    await expect(service.histograms('no-such-run')).rejects.toThrow(/there is no run no-such-run/);
    await writeFile(path.join(store.runDir(runId), 'histograms.json'), '{"version": 2}');
    await expect(service.histograms(runId)).rejects.toThrow(/histograms.json does not match its schema/);
  });
});
