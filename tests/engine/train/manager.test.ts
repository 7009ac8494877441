import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { RunManager } from '../../../electron/engine/train/manager.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { TrainRequestSchema, type TrainEvent } from '../../../shared/run.js';
import { fixtureDir, tinyAnn, tempDir, removeTempDirs } from './helpers.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir();
});

async function manager(maxConcurrent: number) {
  const store = new RunStore(await tempDir('fmw-runs-'));
  const m = new RunManager({ store, maxConcurrent, resolveData: async () => ({ dir: dataDir, kind: 'test-fixture', strict: false }), batchEventIntervalMs: 0 });
  const events: TrainEvent[] = [];
  m.onEvent((e) => events.push(e));
  return { store, m, events };
}

const request = (epochs: number, extra: Record<string, unknown> = {}) =>
  TrainRequestSchema.parse({ model: tinyAnn, hyper: { learningRate: 0.01, batchSize: 20, epochs }, data: { split: { type: 'tail', validationSize: 100 } }, backend: 'cpu', ...extra });

afterAll(removeTempDirs);

describe('RunManager (worker threads)', () => {
  it('trains repeated runs in two workers at once, with seeds seed, seed+1', async () => {
    const { store, m, events } = await manager(2);
    const { runIds, groupId } = await m.start(request(1, { repeat: 2, name: 'pair' }));
    expect(runIds).toHaveLength(2);
    expect(groupId).not.toBeNull();
    expect(m.running().length).toBe(2);
    await m.idle();
    const list = await store.list();
    expect(list.map((r) => r.status)).toEqual(['finished', 'finished']);
    expect(list.every((r) => r.groupId === groupId)).toBe(true);
    const seeds = await Promise.all(runIds.map(async (id) => (await store.get(id)).config?.seed));
    expect(seeds.sort()).toEqual([42, 43]);
    for (const id of runIds) {
      const types = events.filter((e) => e.runId === id).map((e) => e.type);
      expect(types[0]).toBe('queued');
      expect(types).toContain('trainBegin');
      expect(types.at(-1)).toBe('trainEnd');
    }
  });

  it('queues beyond the limit and cancels a queued and a running run', async () => {
    const { store, m, events } = await manager(1);
    const a = (await m.start(request(50))).runIds[0];
    const b = (await m.start(request(1))).runIds[0];
    expect(m.running()).toEqual([a]);
    expect(m.queued()).toEqual([b]);
    await m.cancel(b);
    // Cancel the first run once it is training (its first epoch has ended), not after a guessed wall-clock delay.
    await expect.poll(() => events.some((e) => e.runId === a && e.type === 'epochEnd'), { timeout: 60_000 }).toBe(true);
    await m.cancel(a);
    await m.idle();
    const byId = Object.fromEntries((await store.list()).map((r) => [r.id, r]));
    expect(byId[b].status).toBe('cancelled');
    expect(byId[a].status).toBe('cancelled');
    expect(byId[a].epochsDone).toBeGreaterThanOrEqual(1);
    expect(byId[a].epochsDone).toBeLessThan(50);
    expect(byId[a].reason).toMatch(/^cancelled during /);
    // The queued run never reached a worker.
    expect(events.filter((e) => e.runId === b).map((e) => e.type)).toEqual(['queued', 'trainEnd']);
  });

  it('on close, stops a worker that does not answer its cancel in time and logs the run as failed', async () => {
    const { store, m, events } = await manager(1);
    const id = (await m.start(request(50))).runIds[0];
    await expect.poll(() => events.some((e) => e.runId === id && e.type === 'batchEnd'), { timeout: 20_000 }).toBe(true);
    await m.close(0);
    const run = (await store.list()).find((r) => r.id === id)!;
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/training worker stopped unexpectedly/);
  });

  it('refuses to cancel a run it does not know', async () => {
    const { m } = await manager(1);
    await expect(m.cancel('nope')).rejects.toThrow(/not queued or running/);
  });
});
