// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { applyEvent, useRunsStore, type LiveRun } from '../../../renderer/src/stores/runs.js';
import { installFakeApi } from '../fakeApi.js';
import { batchEnd, epochEnd, summary, trainEnd } from '../fixtures.js';

const empty = (): LiveRun => ({ runId: 'r', queuedPosition: null, begin: null, epochs: [], batches: [], lastBatch: null, test: null, end: null, next: 0 });

describe('applyEvent', () => {
  it('keeps batch points unique and ordered whatever the arrival order', () => {
    const run = empty();
    for (const [e, b] of [[0, 2], [0, 0], [0, 1], [0, 2], [1, 0], [0, 1]]) applyEvent(run, batchEnd('r', e, b));
    expect(run.batches.map((p) => `${p.epoch}.${p.batch}`)).toEqual(['0.0', '0.1', '0.2', '1.0']);
    expect(run.lastBatch).toMatchObject({ epoch: 1, batch: 0 });
  });
  it('keeps one summary per epoch', () => {
    const run = empty();
    for (const e of [1, 0, 1]) applyEvent(run, epochEnd('r', e));
    expect(run.epochs.map((s) => s.epoch)).toEqual([0, 1]);
  });
});

describe('runs store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('catches up from the log after a reload without losing or doubling live points', async () => {
    const log = [batchEnd('r1', 0, 0), batchEnd('r1', 0, 1), epochEnd('r1', 0)];
    // Annotated: the handlers below refer to `fake`, which they only call after it is assigned.
    const fake: ReturnType<typeof installFakeApi> = installFakeApi({
      listRuns: () => [summary('r1', { status: 'running', epochsDone: 1 })],
      getRunEvents: ({ since }: { since: number }) => {
        // A live event arrives while the log is being read; it is also in the log.
        fake.emit({ kind: 'train', event: batchEnd('r1', 0, 1) });
        fake.emit({ kind: 'train', event: batchEnd('r1', 1, 0) });
        return { events: log.slice(since), next: log.length };
      },
    });
    const store = useRunsStore();
    await store.init();
    const live = store.live.r1;
    expect(live.batches.map((p) => `${p.epoch}.${p.batch}`)).toEqual(['0.0', '0.1', '1.0']);
    expect(live.epochs).toHaveLength(1);
    expect(live.next).toBe(3);
    // A reconnect reads only what is new.
    log.push(batchEnd('r1', 1, 1));
    fake.reconnect();
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(fake.calls.getRunEvents).toHaveBeenLastCalledWith({ runId: 'r1', since: 3 });
    expect(live.batches.map((p) => `${p.epoch}.${p.batch}`)).toEqual(['0.0', '0.1', '1.0', '1.1']);
  });

  it('updates the list from events and refreshes it when a run ends', async () => {
    const rows = [summary('r1', { status: 'running', epochsDone: 0 })];
    const fake = installFakeApi({ listRuns: () => rows.map((r) => ({ ...r })), getRunEvents: () => ({ events: [], next: 0 }) });
    const store = useRunsStore();
    await store.init();
    fake.emit({ kind: 'train', event: epochEnd('r1', 0) });
    expect(store.byId.get('r1')!.epochsDone).toBe(1);
    rows[0] = summary('r1', { status: 'finished', epochsDone: 2 });
    fake.emit({ kind: 'train', event: trainEnd('r1') });
    expect(store.byId.get('r1')!.status).toBe('finished');
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls.listRuns).toHaveBeenCalledTimes(2);
    expect(store.byId.get('r1')!.epochsDone).toBe(2);
  });

  it('gives each run a stable colour index by creation order', async () => {
    installFakeApi({
      listRuns: () => [summary('b', { createdAt: '2025-11-25T11:00:00.000Z' }), summary('a', { createdAt: '2025-11-25T10:00:00.000Z' })],
      getRunEvents: () => ({ events: [], next: 0 }),
    });
    const store = useRunsStore();
    await store.refreshList();
    expect(store.colorIndex.get('a')).toBe(0);
    expect(store.colorIndex.get('b')).toBe(1);
  });

  it('starts runs through the API and tracks them', async () => {
    const fake = installFakeApi({ startRun: () => ({ runIds: ['n1', 'n2'], groupId: 'g' }), listRuns: () => [] });
    const store = useRunsStore();
    const ids = await store.start({ model: { name: 'm', inputShape: [784], layers: [{ type: 'Dense', units: 10, activation: 'softmax' }] }, hyper: { learningRate: 0.001, batchSize: 32, epochs: 1 } });
    expect(ids).toEqual(['n1', 'n2']);
    expect(Object.keys(store.live)).toEqual(['n1', 'n2']);
    expect(fake.calls.startRun).toHaveBeenCalledOnce();
  });
});
