import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createWorkbench } from '../../electron/engine/workbench.js';
import { requests, type ResponseOf } from '../../shared/api.js';
import { TrainRequestSchema } from '../../shared/run.js';
import { fixtureDir, tinyAnn, tempDir, removeTempDirs } from './train/helpers.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir(12000, 500);
});

async function workbench(extra: { dataDir?: string | null } = {}) {
  const base = await tempDir('fmw-wb-');
  return createWorkbench({ runsDir: path.join(base, 'runs'), dataDir: dataDir, mode: 'browser', strictData: false, env: {}, ...extra });
}

afterAll(removeTempDirs);

describe('engine facade', () => {
  it('answers every contract request with a response its schema accepts', async () => {
    const wb = await workbench();
    const h = wb.handlers;
    const check = <K extends keyof typeof requests>(name: K, value: unknown): ResponseOf<K> => requests[name].response.parse(value) as ResponseOf<K>;
    check('getEnvironment', await h.getEnvironment({}));
    const status = check('getDataStatus', await h.getDataStatus({ download: false }));
    expect(status.found).toBe(true);
    const stats = check('getDatasetStats', await h.getDatasetStats({}));
    expect(stats.splitSizes).toEqual({ train: 2000, validation: 10000, test: 500 });
    const img = check('getImages', await h.getImages({ split: 'test', indices: [0, 499] }));
    expect(Buffer.from(img.pixels, 'base64').length).toBe(2 * 784);
    expect(check('listPresets', await h.listPresets({})).map((p) => p.id)).toEqual(['seed-ann', 'seed-cnn', 'strong-cnn']);
    check('listRuns', await h.listRuns({}));
    await wb.close();
  });

  it('rejects an invalid model spec before anything is stored, naming the layer', async () => {
    const wb = await workbench();
    const bad = TrainRequestSchema.parse({
      model: { name: 'bad', inputShape: [28, 28, 1], layers: [{ type: 'Conv2D', filters: 8, kernelSize: 3 }, { type: 'Dense', units: 10, activation: 'softmax' }] },
      hyper: { learningRate: 0.001, batchSize: 32, epochs: 1 },
    });
    await expect(wb.handlers.startRun(bad)).rejects.toThrow(/layer 2 \(Dense\)/);
    expect(await wb.handlers.listRuns({})).toEqual([]);
    await wb.close();
  });

  it('says which image index is out of range', async () => {
    const wb = await workbench();
    await expect(wb.handlers.getImages({ split: 'test', indices: [500] })).rejects.toThrow(/image index 500 is outside the test set \(0–499\)/);
    await wb.close();
  });

  it('reports a missing data set with every place searched, without throwing', async () => {
    const wb = await workbench({ dataDir: '/nonexistent/fashion' });
    const status = await wb.handlers.getDataStatus({ download: false });
    expect(status.found).toBe(false);
    expect(status.error).toMatch(/\/nonexistent\/fashion/);
    await wb.close();
  });

  it('persists settings and trains, then refuses to delete a running run', async () => {
    const wb = await workbench();
    const s = await wb.handlers.setSettings({ maxConcurrentRuns: 1 });
    expect(s.maxConcurrentRuns).toBe(1);
    const file = path.join(wb.store.root, '..', 'settings.json');
    expect(JSON.parse(await readFile(file, 'utf8')).maxConcurrentRuns).toBe(1);
    const req = TrainRequestSchema.parse({ model: tinyAnn, hyper: { learningRate: 0.01, batchSize: 32, epochs: 30 }, data: { limit: 2000 }, backend: 'cpu' });
    const { runIds } = await wb.handlers.startRun(req);
    await expect(wb.handlers.deleteRun({ runId: runIds[0] })).rejects.toThrow(/still training/);
    await wb.handlers.cancelRun({ runId: runIds[0] });
    await wb.manager.idle();
    expect((await wb.handlers.getRun({ runId: runIds[0] })).summary.status).toBe('cancelled');
    await wb.handlers.deleteRun({ runId: runIds[0] });
    expect(await wb.handlers.listRuns({})).toEqual([]);
    await wb.close();
  });
});
