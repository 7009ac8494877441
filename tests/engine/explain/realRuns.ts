// Test helper: seed ANN and seed CNN trained briefly on the real data set (one epoch on a few thousand images) in the
// run manager's worker threads, as the app trains them, into a temp run store.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RunManager } from '../../../electron/engine/train/manager.js';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { TrainRequestSchema } from '../../../shared/run.js';
import { tempDir } from '../train/helpers.js';

export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
export const dataPresent = existsSync(path.join(DEBIAN_DIR, 'train-images-idx3-ubyte.gz'));

export async function trainSeedRuns(limit: number): Promise<{ store: RunStore; ann: string; cnn: string }> {
  const store = new RunStore(await tempDir('fmw-explain-runs-'));
  const m = new RunManager({ store, maxConcurrent: 2, batchEventIntervalMs: 1000, resolveData: async () => ({ dir: DEBIAN_DIR, kind: 'debian', strict: true }) });
  const req = (preset: string) => {
    const p = getPreset(preset);
    return TrainRequestSchema.parse({ preset, model: p.model, hyper: { ...p.hyper, epochs: 1 }, data: { limit }, backend: 'auto' });
  };
  const [ann] = (await m.start(req('seed-ann'))).runIds;
  const [cnn] = (await m.start(req('seed-cnn'))).runIds;
  await m.idle();
  await m.close();
  for (const id of [ann, cnn]) {
    const s = (await store.get(id)).summary;
    if (s.status !== 'finished') throw new Error(`training ${id} for the test failed: ${s.reason}`);
  }
  return { store, ann, cnn };
}
