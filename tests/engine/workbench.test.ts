import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createWorkbench, defaultAppDataDir } from '../../electron/engine/workbench.js';
import { callRequest } from '../../electron/ipc/contract.js';
import { requests, type ResponseOf } from '../../shared/api.js';
import { TrainRequestSchema } from '../../shared/run.js';
import { fixtureDir, tinyAnn, tempDir, removeTempDirs } from './train/helpers.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir(12000, 500);
});

async function workbench(extra: { dataDir?: string | null; appDataDir?: string } = {}) {
  const base = await tempDir('fmw-wb-');
  return createWorkbench({ runsDir: path.join(base, 'runs'), appDataDir: path.join(base, 'app'), dataDir: dataDir, mode: 'browser', strictData: false, env: {}, ...extra });
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
    const file = path.join(wb.store.root, '..', 'app', 'settings.json');
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

describe('settings', () => {
  it("are written to the app's data folder, never next to the runs folder (--out)", async () => {
    const base = await tempDir('fmw-wb-settings-');
    const out = path.join(base, 'somewhere', 'runs');
    const wb = await createWorkbench({ runsDir: out, appDataDir: path.join(base, 'appdata'), dataDir, mode: 'browser', strictData: false, env: {} });
    await wb.handlers.setSettings({ theme: 'dark' });
    expect(JSON.parse(await readFile(path.join(base, 'appdata', 'settings.json'), 'utf8')).theme).toBe('dark');
    await expect(stat(path.join(base, 'somewhere', 'settings.json'))).rejects.toThrow();
    await expect(stat(path.join(out, 'settings.json'))).rejects.toThrow();
    await wb.close();
    // Without an explicit folder: $XDG_CONFIG_HOME/fashion-workbench, whatever --out says.
    const env = { XDG_CONFIG_HOME: path.join(base, 'config'), HOME: path.join(base, 'home') };
    const wb2 = await createWorkbench({ runsDir: out, dataDir, mode: 'browser', strictData: false, env });
    await wb2.handlers.setSettings({ theme: 'light' });
    if (process.platform === 'linux') expect(defaultAppDataDir(env)).toBe(path.join(base, 'config', 'fashion-workbench'));
    expect(JSON.parse(await readFile(path.join(defaultAppDataDir(env), 'settings.json'), 'utf8')).theme).toBe('light');
    await expect(stat(path.join(base, 'somewhere', 'settings.json'))).rejects.toThrow();
    await wb2.close();
    await expect(createWorkbench({ runsDir: out, appDataDir: 'relative/app', mode: 'browser', env: {} })).rejects.toThrow(/app data folder must be an absolute path/);
    await expect(createWorkbench({ runsDir: out, settingsFile: 'settings.json', mode: 'browser', env: {} })).rejects.toThrow(/settings file must be an absolute path/);
  });

  it('refuse a 50 MB, relative or NUL-carrying data folder, and store a normalised absolute one', async () => {
    const wb = await workbench();
    const file = path.join(wb.store.root, '..', 'app', 'settings.json');
    const before = await wb.handlers.getSettings({});
    const huge = '/'.concat('a'.repeat(50 * 1024 * 1024));
    // Through the contract (IPC and WebSocket parse every payload) and straight at the engine.
    await expect(callRequest(wb.handlers, 'setSettings', { dataDir: huge })).rejects.toThrow(/Invalid setSettings request: field "dataDir"/);
    await expect(wb.handlers.setSettings({ dataDir: huge })).rejects.toThrow();
    await expect(wb.handlers.setSettings({ dataDir: 'data/fashion' })).rejects.toThrow(/data folder must be an absolute path .*not "data\/fashion"/);
    await expect(wb.handlers.setSettings({ dataDir: '../../etc' })).rejects.toThrow(/absolute path/);
    await expect(wb.handlers.setSettings({ dataDir: '/tmp/a\0b' })).rejects.toThrow(/NUL/);
    expect(await wb.handlers.getSettings({})).toEqual(before);
    await expect(stat(file)).rejects.toThrow(); // nothing written for a refused setting
    const s = await wb.handlers.setSettings({ dataDir: '/data/./sets/../fashion-mnist/' });
    expect(s.dataDir).toBe('/data/fashion-mnist');
    expect(JSON.parse(await readFile(file, 'utf8')).dataDir).toBe('/data/fashion-mnist');
    expect((await wb.handlers.setSettings({ dataDir: '' })).dataDir).toBeNull();
    await wb.close();
  });

  it('ignore a relative data folder found in an old settings file', async () => {
    const base = await tempDir('fmw-wb-old-');
    const { writeFile, mkdir } = await import('node:fs/promises');
    await mkdir(path.join(base, 'app'));
    await writeFile(path.join(base, 'app', 'settings.json'), JSON.stringify({ dataDir: 'relative/data', theme: 'dark', maxConcurrentRuns: 1 }));
    const wb = await createWorkbench({ runsDir: path.join(base, 'runs'), appDataDir: path.join(base, 'app'), mode: 'browser', env: {} });
    expect(await wb.handlers.getSettings({})).toEqual({ dataDir: null, theme: 'dark', maxConcurrentRuns: 1 });
    await wb.close();
  });
});
