import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { RunManager, type RunManagerOptions } from '../../../electron/engine/train/manager.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { TrainingError } from '../../../electron/engine/train/errors.js';
import { TrainRequestSchema, type TrainEvent } from '../../../shared/run.js';
import { fixtureDir, tinyAnn, tempDir, removeTempDirs } from './helpers.js';
import { hugeModel } from './fixtures/models.js';
import { existsSync } from 'node:fs';
import { addonPath } from '../../../electron/engine/backend/native/addon.js';
import { requireInCi } from '../../helpers/ciRequire.js';

// Not loadNative(): loading the addon in this thread would hold it open, which is the manager's job under test.
const nativeBuilt = requireInCi(existsSync(addonPath()), `native kernels built at ${addonPath()} (npm run build:native)`);
if (!nativeBuilt) console.warn(`skipping the native-kernel recovery test: ${addonPath()} is missing (npm run build:native)`);

let dataDir: string;
beforeAll(async () => {
  dataDir = await fixtureDir();
});
afterAll(removeTempDirs);

const managers: RunManager[] = [];
afterAll(async () => {
  await Promise.all(managers.map((m) => m.close(0)));
});

async function manager(extra: Partial<RunManagerOptions> = {}) {
  const store = new RunStore(await tempDir('fmw-runs-'));
  const m = new RunManager({
    store, maxConcurrent: 1, batchEventIntervalMs: 0,
    resolveData: async () => ({ dir: dataDir, kind: 'test-fixture', strict: false }), ...extra,
  });
  managers.push(m);
  const events: TrainEvent[] = [];
  m.onEvent((e) => events.push(e));
  return { store, m, events };
}

const request = (name: string, extra: Record<string, unknown> = {}) => TrainRequestSchema.parse({
  name, model: tinyAnn, hyper: { learningRate: 0.01, batchSize: 20, epochs: 1 },
  data: { split: { type: 'tail', validationSize: 100 } }, backend: 'wasm', ...extra,
});

describe('resource limits', () => {
  for (const backend of ['wasm', 'auto'] as const) {
    it(`refuses the 60×Dense(4096) model (${backend}) before any worker exists, then trains a small run`, async () => {
      const { store, m, events } = await manager();
      const t0 = performance.now();
      const refused = m.start(request('huge', { model: hugeModel, backend }));
      await expect(refused).rejects.toThrow(TrainingError);
      await expect(refused).rejects.toThrow(/needs ~\d+(\.\d+)? GiB .* but (the wasm backend can address at most 4 GiB|this machine can give a run about)/);
      console.info(`huge model (${backend}) refused in ${(performance.now() - t0).toFixed(1)} ms`);
      // Refused at enqueue: nothing stored, queued, or sent to a worker; no worker was even started.
      expect(events).toEqual([]);
      expect(await store.list()).toEqual([]);
      expect(m.workerIds()).toEqual([]);
      expect(m.queued()).toEqual([]);

      const { runIds: [small] } = await m.start(request('small', { backend }));
      await m.idle();
      const run = (await store.list()).find((r) => r.id === small)!;
      expect(run.status, run.reason ?? '').toBe('finished');
      expect(events.filter((e) => e.type === 'trainBegin').map((e) => e.runId)).toEqual([small]);
    });
  }
});

describe('budget in the worker', () => {
  it('is checked again against the machine once the backend is live, before trainBegin', async () => {
    // The manager is told the machine is vast; the worker sees the real one. 60×Dense(16384) needs ~1 TiB on cpu.
    const { store, m, events } = await manager({ memory: () => ({ total: 2 ** 50, free: 2 ** 50 }) });
    const vast = { ...hugeModel, name: 'vast', layers: hugeModel.layers.map((l) => (l.units === 4096 ? { ...l, units: 16_384 } : l)) };
    const { runIds: [id] } = await m.start(request('vast', { model: vast, backend: 'cpu' }));
    await m.idle();
    const run = (await store.list()).find((r) => r.id === id)!;
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/^model "vast" needs ~\d+(\.\d+)? [GT]iB .* on the cpu backend .* but this machine can give a run about/);
    expect(events.filter((e) => e.runId === id).map((e) => e.type)).toEqual(['queued', 'trainEnd']);
  });
});

describe('worker recovery', { timeout: 60_000 }, () => {
  /** Runs a faulty run and a normal one queued behind it on a one-worker manager. */
  async function faultThenNormal(hook: 'abort-backend' | 'exit' | 'throw') {
    const ctx = await manager({ testHook: (config) => (config.name === 'faulty' ? hook : undefined) });
    const { m, store, events } = ctx;
    const { runIds: [faulty] } = await m.start(request('faulty'));
    const { runIds: [normal] } = await m.start(request('normal'));
    expect(m.queued()).toEqual([normal]);
    const [first] = m.workerIds();
    expect(first).toBeGreaterThan(0);
    await m.idle();
    const byId = Object.fromEntries((await store.list()).map((r) => [r.id, r]));
    // The faulty run got as far as training, so the fault hit a live backend.
    expect(events.some((e) => e.runId === faulty && e.type === 'trainBegin')).toBe(true);
    expect(byId[faulty].status).toBe('failed');
    expect(byId[normal].status, byId[normal].reason ?? '').toBe('finished');
    expect(byId[normal].testAccuracy).toBeGreaterThan(0);
    // The worker that trained the faulty run is gone; the normal run trained in a fresh one.
    expect(m.workerIds()).not.toContain(first);
    const backendOf = (id: string) => events.find((e) => e.runId === id && e.type === 'trainBegin')!;
    const begins = [backendOf(faulty), backendOf(normal)].map((e) => (e.type === 'trainBegin' ? e.backend.reason : ''));
    return { reason: byId[faulty].reason ?? '', m, begins };
  }

  it('replaces a worker whose wasm backend aborted; the failed run says so and the queued run finishes', async () => {
    const { reason, m } = await faultThenNormal('abort-backend');
    expect(reason).toMatch(/^the wasm backend aborted \(Aborted\(test hook: the heap could not grow\)/);
    expect(reason).toContain('its training worker is replaced');
    expect(m.workerIds()).toHaveLength(1);
  });

  it('replaces a worker thread that exited mid-run', async () => {
    const { reason } = await faultThenNormal('exit');
    expect(reason).toMatch(/training worker stopped unexpectedly \(exit code 70\); the next run gets a fresh worker/);
  });

  it.skipIf(!nativeBuilt)('keeps the native kernels working after a worker that used them died (segfault or hang before)', async () => {
    const { begins } = await faultThenNormal('exit');
    for (const reason of begins) expect(reason).toMatch(/native kernels \(/);
  });

  it('replaces a worker thread that died of an uncaught error mid-run', async () => {
    const { reason } = await faultThenNormal('throw');
    expect(reason).toMatch(/training worker stopped unexpectedly \(test hook: uncaught error in the training worker\)/);
  });
});
