// The run store: ids, the event log, list/get rebuilt from disk, damaged and interrupted runs, rename/tag/delete.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunDetailSchema, RunIdSchema, RunSummarySchema } from '../../../shared/run.js';
import { StoreError } from '../../../electron/engine/runs/errors.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { testMetrics } from '../../../electron/engine/eval/metrics.js';
import { deadPid } from './fixtures/child.js';
import { batchEnd, epochEnd, sampleConfig, trainBegin, trainEnd } from './fixtures/sample.js';

let root: string;
let store: RunStore;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'fmw-store-'));
  store = new RunStore(root);
});
afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

/** A finished run with two epochs and test results. */
async function finishedRun(id: string, createdAt = new Date().toISOString()) {
  const config = sampleConfig(id, `run ${id}`, { createdAt });
  await store.create(config);
  await store.appendEvent(id, trainBegin(config, 2));
  await store.appendEvent(id, batchEnd(id, 0, 0));
  await store.appendEvent(id, epochEnd(id, 0, 1000));
  await store.appendEvent(id, epochEnd(id, 1, 3000));
  const probs = new Float32Array(20);
  probs[0] = 0.9; probs[1] = 0.1; probs[10 + 3] = 0.8; probs[10 + 1] = 0.2; // sample 1: label 1 → predicted 3
  const { metrics, predictions } = testMetrics({ labels: [0, 1], probs, testIndices: [5, 9], inferenceSeconds: 0.1 });
  await store.writeResult(id, metrics, predictions);
  await store.appendEvent(id, { type: 'evaluated', runId: id, t: Date.now(), test: metrics });
  await store.appendEvent(id, trainEnd(id));
  return { config, metrics, predictions };
}

async function writeStatus(id: string, status: object) {
  await fs.writeFile(path.join(root, id, 'status.json'), JSON.stringify(status));
}

describe('run ids', () => {
  it('makes ids from time, a slug of the name and a random suffix', () => {
    const id = store.newRunId('Seed CNN (seed 43) — Größe', new Date(Date.UTC(2026, 10, 25, 17, 15, 0)));
    expect(id).toMatch(/^20261125-171500-seed-cnn-seed-43-grosse-[0-9a-f]{6}$/);
    expect(RunIdSchema.safeParse(id).success).toBe(true);
    expect(store.newRunId('!!!')).toMatch(/^\d{8}-\d{6}-run-[0-9a-f]{6}$/);
    expect(RunIdSchema.safeParse(store.newRunId('x'.repeat(500))).success).toBe(true);
    expect(store.newRunId('a')).not.toBe(store.newRunId('a'));
  });

  it('rejects ids that would leave the runs folder', async () => {
    for (const bad of ['../x', 'a/b', '..', '.', '', '/etc', 'a\\b', '.hidden']) {
      expect(() => store.runDir(bad)).toThrow(StoreError);
      await expect(store.get(bad)).rejects.toThrow(/not a run id/);
    }
    expect(store.runDir('ok-1')).toBe(path.join(root, 'ok-1'));
  });
});

describe('create and the event log', () => {
  it('writes config.json and a queued status.json owned by this process', async () => {
    const config = sampleConfig('r1');
    await store.create(config);
    expect(JSON.parse(await fs.readFile(path.join(root, 'r1', 'config.json'), 'utf8'))).toEqual(config);
    const status = JSON.parse(await fs.readFile(path.join(root, 'r1', 'status.json'), 'utf8'));
    expect(status).toMatchObject({ status: 'queued', pid: process.pid, host: os.hostname() });
    await expect(store.create(config)).rejects.toThrow(/already exists/);
    await expect(store.create({ ...config, id: 'r2', seed: 1.5 })).rejects.toThrow(/run config is invalid: seed/);
  });

  it('returns each event its index, moves status with trainBegin/trainEnd, and replays from any index', async () => {
    const config = sampleConfig('r1');
    await store.create(config);
    expect(await store.appendEvent('r1', { type: 'queued', runId: 'r1', t: 1, position: 1 })).toBe(0);
    expect(await store.appendEvent('r1', trainBegin(config))).toBe(1);
    expect((await store.list())[0].status).toBe('running');
    expect(await store.appendEvent('r1', epochEnd('r1', 0))).toBe(2);
    // A second store (as the worker thread has) continues the numbering from the file.
    const other = new RunStore(root);
    expect(await other.appendEvent('r1', epochEnd('r1', 1))).toBe(3);
    expect(await store.appendEvent('r1', trainEnd('r1', 'failed', 'loss became NaN at epoch 2'))).toBe(4);
    const { events, next, warnings } = await store.events('r1', 2);
    expect(events.map((e) => e.type)).toEqual(['epochEnd', 'epochEnd', 'trainEnd']);
    expect(next).toBe(5);
    expect(warnings).toEqual([]);
    const row = (await store.list())[0];
    expect(row).toMatchObject({ status: 'failed', reason: 'loss became NaN at epoch 2', epochsDone: 2 });
    expect(JSON.parse(await fs.readFile(path.join(root, 'r1', 'status.json'), 'utf8'))).toMatchObject({ status: 'failed', reason: 'loss became NaN at epoch 2' });
  });

  it('keeps concurrent appends in call order', async () => {
    await store.create(sampleConfig('r1'));
    const indices = await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendEvent('r1', batchEnd('r1', 0, i))));
    expect(indices).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const { events } = await store.events('r1');
    expect(events.map((e) => (e.type === 'batchEnd' ? e.batch : -1))).toEqual(indices);
  });

  it('refuses events that are invalid, belong to another run, or go to a missing run', async () => {
    await store.create(sampleConfig('r1'));
    await expect(store.appendEvent('r1', epochEnd('r2', 0))).rejects.toThrow(/of run r2 was sent to the log of run r1/);
    await expect(store.appendEvent('r1', { ...batchEnd('r1', 0, 0), loss: 'x' } as never)).rejects.toThrow(/invalid batchEnd event/);
    await expect(store.appendEvent('nope', epochEnd('nope', 0))).rejects.toThrow(/there is no run nope/);
  });

  it('skips and reports a torn last line, and a later append does not merge into it', async () => {
    const config = sampleConfig('r1');
    await store.create(config);
    await store.appendEvent('r1', trainBegin(config));
    await store.appendEvent('r1', epochEnd('r1', 0));
    await fs.appendFile(path.join(root, 'r1', 'events.jsonl'), '{"type":"epochEnd","runId":"r1","t":1,"summ');
    const detail = await store.get('r1');
    expect(detail.epochs.map((e) => e.epoch)).toEqual([0]);
    expect(detail.logWarnings).toEqual([expect.stringMatching(/line 3: torn last line/)]);
    // A fresh store (e.g. after a restart) appends after the torn fragment without gluing onto it.
    const restarted = new RunStore(root);
    expect(await restarted.appendEvent('r1', epochEnd('r1', 1))).toBe(2);
    const again = await store.get('r1');
    expect(again.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(again.logWarnings).toEqual([expect.stringMatching(/line 3: unreadable line/)]);
  });
});

/** Records every folder the store fsyncs, with the folder's entries at that moment. */
class SyncSpyStore extends RunStore {
  readonly synced: { dir: string; entries: string[] }[] = [];
  protected override async syncDir(dir: string): Promise<void> {
    this.synced.push({ dir, entries: (await fs.readdir(dir).catch(() => [] as string[])).sort() });
    await super.syncDir(dir);
  }
}

describe('durability', () => {
  it('fsyncs the run folder once events.jsonl exists in it, on the append that creates the log only', async () => {
    const spy = new SyncSpyStore(root);
    const config = sampleConfig('r1');
    await spy.create(config);
    await spy.appendEvent('r1', { type: 'queued', runId: 'r1', t: 1, position: 1 });
    expect(spy.synced).toEqual([{ dir: path.join(root, 'r1'), entries: expect.arrayContaining(['events.jsonl']) }]);
    await spy.appendEvent('r1', trainBegin(config));
    await spy.appendEvent('r1', batchEnd('r1', 0, 0));
    expect(spy.synced).toHaveLength(1);
  });

  it('discardResult takes back metrics, predictions and the model, model.json first', async () => {
    const config = sampleConfig('r1');
    await store.create(config);
    await store.appendEvent('r1', trainBegin(config, 1));
    const { metrics, predictions } = testMetrics({ labels: [0], probs: new Float32Array(10).fill(0.1), testIndices: [5], inferenceSeconds: 0.1 });
    await store.writeResult('r1', metrics, predictions);
    expect((await store.get('r1')).test).toEqual(metrics);
    const spy = new SyncSpyStore(root);
    await spy.saveModel('r1', { modelTopology: { class_name: 'Sequential' }, weightSpecs: [], weightData: new ArrayBuffer(8) });
    expect(await fs.readdir(path.join(root, 'r1', 'model'))).toEqual(['model.json', 'weights.bin']);
    await spy.discardResult('r1');
    // The first fsync is of the model folder, when model.json is gone and only the weights remain.
    expect(spy.synced[0]).toEqual({ dir: path.join(root, 'r1', 'model'), entries: ['weights.bin'] });
    expect(spy.synced.at(-1)?.dir).toBe(path.join(root, 'r1'));
    const left = await fs.readdir(path.join(root, 'r1'));
    expect(left).toEqual(expect.not.arrayContaining(['metrics.json', 'predictions.json', 'model']));
    expect((await spy.get('r1')).test).toBeNull();
    await expect(spy.predictions('r1')).rejects.toThrow(/predictions.json is missing/);
    await expect(spy.discardResult('r1')).resolves.toBeUndefined(); // nothing left to take back is fine
    await expect(spy.discardResult('nope')).rejects.toThrow(/there is no run nope/);
  });
});

describe('list and get', () => {
  it('rebuilds summary and detail from config, log and metrics', async () => {
    const { config, metrics, predictions } = await finishedRun('r1');
    const detail = await store.get('r1');
    expect(RunDetailSchema.parse(detail)).toEqual(detail);
    expect(detail.config).toEqual(config);
    expect(detail.begin?.params).toBe(7850);
    expect(detail.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(detail.test).toEqual(metrics);
    expect(detail.summary).toEqual({
      id: 'r1', name: 'run r1', createdAt: config.createdAt, status: 'finished', preset: 'seed-cnn', modelName: 'Seed CNN',
      tags: ['baseline'], groupId: null, params: 7850, backend: 'cpu', epochsDone: 2, epochs: 2,
      testAccuracy: 0.5, macroF1: metrics.report.macro.f1, trainSeconds: 4.5, samplesPerSecond: 2000, trainSize: 100, reason: null, damaged: null,
    });
    expect(await store.predictions('r1')).toEqual(predictions);
    expect(predictions.misclassified).toEqual([expect.objectContaining({ index: 9, label: 1, predicted: 3 })]);
  });

  it('lists newest first', async () => {
    await finishedRun('old', '2026-01-01T00:00:00.000Z');
    await finishedRun('new', '2026-03-01T00:00:00.000Z');
    await finishedRun('mid', '2026-02-01T00:00:00.000Z');
    expect((await store.list()).map((r) => r.id)).toEqual(['new', 'mid', 'old']);
  });

  it('never fails as a whole: damaged runs are listed with what is wrong', async () => {
    await finishedRun('good');
    await finishedRun('badjson');
    await fs.writeFile(path.join(root, 'badjson', 'config.json'), '{"id": "badjson", "name": ');
    await finishedRun('noconfig');
    await fs.rm(path.join(root, 'noconfig', 'config.json'));
    await fs.mkdir(path.join(root, 'empty'));
    await finishedRun('badmetrics');
    await fs.writeFile(path.join(root, 'badmetrics', 'metrics.json'), '{"accuracy": "high"}');
    await fs.writeFile(path.join(root, 'stray-file.txt'), 'not a run');
    await fs.mkdir(path.join(root, '.import-123-abc'));

    const rows = await store.list();
    for (const r of rows) RunSummarySchema.parse(r);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(Object.keys(byId).sort()).toEqual(['badjson', 'badmetrics', 'empty', 'good', 'noconfig']);
    expect(byId.good.damaged).toBeNull();
    expect(byId.badjson.damaged).toMatch(/config\.json is not valid JSON/);
    expect(byId.noconfig.damaged).toMatch(/config\.json is missing/);
    expect(byId.empty.damaged).toMatch(/config\.json is missing; status\.json is missing/);
    expect(byId.badmetrics.damaged).toMatch(/metrics\.json does not match its schema/);
    // What the log still knows survives the damaged config: trainBegin carries a copy of it.
    expect(byId.noconfig).toMatchObject({ name: 'run noconfig', status: 'finished', epochsDone: 2, testAccuracy: 0.5 });
    expect(byId.badmetrics.testAccuracy).toBe(0.5); // from the evaluated event
    const detail = await store.get('noconfig');
    expect(detail.epochs).toHaveLength(2);
    expect(detail.summary.damaged).toMatch(/config\.json is missing/);
    await expect(store.get('missing-run')).rejects.toThrow(/there is no run missing-run/);
    await expect(store.predictions('empty')).rejects.toThrow(/run empty: predictions\.json is missing/);
  });
});

describe('interrupted runs', () => {
  it('reports a running run whose process is gone as interrupted, and markInterrupted persists it', async () => {
    const config = sampleConfig('dead');
    await store.create(config);
    await store.appendEvent('dead', trainBegin(config));
    await store.appendEvent('dead', epochEnd('dead', 0));
    const pid = await deadPid();
    await writeStatus('dead', { status: 'running', pid, host: os.hostname(), updatedAt: new Date().toISOString() });
    await finishedRun('done');
    const live = sampleConfig('live');
    await store.create(live);
    await store.appendEvent('live', trainBegin(live));

    const rows = Object.fromEntries((await store.list()).map((r) => [r.id, r]));
    expect(rows.dead.status).toBe('interrupted');
    expect(rows.dead.reason).toMatch(new RegExp(`process ${pid} stopped`));
    expect(rows.dead.epochsDone).toBe(1);
    expect(rows.live.status).toBe('running');
    expect(rows.done.status).toBe('finished');

    expect(await store.markInterrupted()).toEqual(['dead']);
    const persisted = JSON.parse(await fs.readFile(path.join(root, 'dead', 'status.json'), 'utf8'));
    expect(persisted).toMatchObject({ status: 'interrupted', reason: expect.stringMatching(/stopped/) });
    expect(await store.markInterrupted()).toEqual([]);
    expect((await store.get('live')).summary.status).toBe('running');
  });

  it('tells an earlier process that had our pid from this one', async () => {
    await store.create(sampleConfig('reused'));
    await writeStatus('reused', { status: 'running', pid: process.pid, host: os.hostname(), updatedAt: new Date().toISOString(), owner: `${process.pid}:0000` });
    expect((await store.get('reused')).summary.status).toBe('interrupted');
  });

  it('judges a run on another host by how fresh its heartbeat is', async () => {
    await store.create(sampleConfig('stale'));
    await store.create(sampleConfig('fresh'));
    const long = new Date(Date.now() - 60 * 60_000).toISOString();
    await writeStatus('stale', { status: 'running', pid: 1, host: 'other-host', updatedAt: long });
    await writeStatus('fresh', { status: 'running', pid: 1, host: 'other-host', updatedAt: new Date().toISOString() });
    const rows = Object.fromEntries((await store.list()).map((r) => [r.id, r]));
    expect(rows.stale.status).toBe('interrupted');
    expect(rows.stale.reason).toMatch(/host other-host/);
    expect(rows.fresh.status).toBe('running');
  });

  it('trusts a trainEnd in the log over a status.json left at running', async () => {
    await finishedRun('r1');
    const pid = await deadPid();
    await writeStatus('r1', { status: 'running', pid, host: os.hostname(), updatedAt: new Date().toISOString() });
    expect((await store.get('r1')).summary.status).toBe('finished');
  });
});

describe('rename, tags, delete', () => {
  it('keeps the name and tags in meta.json and config.json unchanged', async () => {
    const { config } = await finishedRun('r1');
    const before = await fs.readFile(path.join(root, 'r1', 'config.json'), 'utf8');
    await store.rename('r1', '  CNN with dropout ');
    await store.setTags('r1', ['cnn', 'dropout', 'cnn']);
    const row = (await store.list())[0];
    expect(row.name).toBe('CNN with dropout');
    expect(row.tags).toEqual(['cnn', 'dropout']);
    expect(await fs.readFile(path.join(root, 'r1', 'config.json'), 'utf8')).toBe(before);
    expect((await store.get('r1')).config).toEqual(config);
    expect(JSON.parse(await fs.readFile(path.join(root, 'r1', 'meta.json'), 'utf8'))).toEqual({ name: 'CNN with dropout', tags: ['cnn', 'dropout'] });
    await store.setTags('r1', []);
    expect((await store.get('r1')).summary.tags).toEqual([]);
    await expect(store.rename('r1', '   ')).rejects.toThrow(/1 to 200 characters/);
    await expect(store.setTags('r1', ['x'.repeat(41)])).rejects.toThrow(/1 to 40 characters/);
    await expect(store.rename('../r1', 'x')).rejects.toThrow(StoreError);
  });

  it('deletes a run completely, and refuses one that is still training here', async () => {
    await finishedRun('r1');
    await finishedRun('r2');
    await store.delete('r1');
    expect((await store.list()).map((r) => r.id)).toEqual(['r2']);
    expect(await fs.readdir(root)).toEqual(['r2']);
    await expect(store.delete('r1')).rejects.toThrow(/there is no run r1/);
    const live = sampleConfig('live');
    await store.create(live);
    await store.appendEvent('live', trainBegin(live));
    await expect(store.delete('live')).rejects.toThrow(/still running .* cancel it/);
  });
});
