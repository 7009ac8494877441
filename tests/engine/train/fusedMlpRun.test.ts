// A whole run on real data in the RunManager's workers gives the same numbers and weights.bin bytes with the fused steps
// as with the taped step: seed-ann through the fused MLP step (WORKBENCH_FUSED_MLP=0 for the taped one), mlp-res (the
// bench's graph MLP) through the fused graph MLP step and inference (WORKBENCH_FUSED_GRAPH_MLP=0): history, test
// metrics, predictions, saved weights.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RunManager } from '../../../electron/engine/train/manager.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { loadNative } from '../../../electron/engine/backend/native/addon.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { mlpRes } from './fixtures/graphModels.js';
import { TrainRequestSchema, type TrainEvent } from '../../../shared/run.js';
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
if (!ready) console.warn(`fusedMlpRun.test.ts skipped: needs ${missing.join(' and ')}`);

afterAll(removeTempDirs);

/** One run of `model` (two epochs on 3,000 images, the seed ANN's hyperparameters) in a fresh manager, whose workers see the environment as it is now. */
async function run(model: unknown) {
  const store = new RunStore(await tempDir('fmw-fused-mlp-'));
  const m = new RunManager({ store, maxConcurrent: 1, batchEventIntervalMs: 0, resolveData: async () => ({ dir: DEBIAN_DIR, kind: 'debian', strict: true }) });
  const events: TrainEvent[] = [];
  m.onEvent((e) => events.push(e));
  const p = getPreset('seed-ann');
  const req = TrainRequestSchema.parse({ preset: 'seed-ann', model, hyper: { ...p.hyper, epochs: 2 }, data: { limit: 3000 }, backend: 'wasm' });
  try {
    const [id] = (await m.start(req)).runIds;
    await m.idle();
    const detail = await store.get(id);
    expect(detail.summary.status, detail.summary.reason ?? '').toBe('finished');
    const begin = events.find((e) => e.type === 'trainBegin') as Extract<TrainEvent, { type: 'trainBegin' }>;
    expect(begin.backend.reason).toMatch(/native kernels \(/);
    const test = detail.test!;
    return {
      epochs: detail.epochs.map(({ loss, accuracy, valLoss, valAccuracy }) => ({ loss, accuracy, valLoss, valAccuracy })),
      batchLosses: events.filter((e) => e.type === 'batchEnd').map((e) => (e as { loss?: number }).loss),
      test: { loss: test.loss, accuracy: test.accuracy, confusion: test.confusion },
      predictions: await store.predictions(id),
      weights: (await readFile(path.join(store.root, id, 'model', 'weights.bin'))).toString('base64'),
    };
  } finally {
    await m.close();
  }
}

const CASES = [
  { name: 'seed-ann', model: getPreset('seed-ann').model, off: 'WORKBENCH_FUSED_MLP' },
  { name: 'mlp-res', model: mlpRes, off: 'WORKBENCH_FUSED_GRAPH_MLP' },
];

describe.skipIf(!ready)(`the fused MLP steps in a real run (needs ${DEBIAN_DIR} and the native kernels)`, () => {
  it.each(CASES)('$name: fused and taped runs are bit-identical end to end', async ({ name, model, off }) => {
    const fused = await run(model);
    process.env[off] = '0';
    let taped: Awaited<ReturnType<typeof run>>;
    try {
      taped = await run(model);
    } finally {
      delete process.env[off];
    }
    console.log(`${name} test loss: fused ${fused.test.loss.toPrecision(9)}, taped ${taped.test.loss.toPrecision(9)}`);
    expect(fused.test.accuracy).toBeGreaterThan(0.6);
    expect(fused.batchLosses.length).toBeGreaterThan(20);
    expect(fused.batchLosses.every((l) => Number.isFinite(l))).toBe(true);
    expect(fused).toEqual(taped);
  }, 180_000);
});
