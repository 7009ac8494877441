// Integration on the real Fashion-MNIST (Debian's dataset-fashion-mnist): both seed models learn in one short epoch.
import { tempDir, removeTempDirs } from './helpers.js';
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createWorkbench } from '../../../electron/engine/workbench.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { TrainRequestSchema } from '../../../shared/run.js';
import { requireInCi } from '../../helpers/ciRequire.js';

const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
const present = requireInCi(existsSync(path.join(DEBIAN_DIR, 'train-images-idx3-ubyte.gz')), `Fashion-MNIST in ${DEBIAN_DIR} (apt-get install dataset-fashion-mnist)`);

afterAll(removeTempDirs);

describe.skipIf(!present)(`seed models on the real data set (needs ${DEBIAN_DIR}: apt-get install dataset-fashion-mnist)`, () => {
  it('trains seed-ann and seed-cnn for one epoch on 3,000 real images, both far above chance', async () => {
    const runsDir = await tempDir('fmw-real-');
    const wb = await createWorkbench({ runsDir, dataDir: DEBIAN_DIR, appDataDir: path.join(runsDir, 'app'), mode: 'browser', maxConcurrent: 2 });
    const status = await wb.handlers.getDataStatus({ download: false });
    expect(status.source?.verified).toBe(true);
    const ids: string[] = [];
    for (const id of ['seed-ann', 'seed-cnn']) {
      const p = getPreset(id);
      const req = TrainRequestSchema.parse({ preset: id, model: p.model, hyper: { ...p.hyper, epochs: 1 }, data: { limit: 3000 } });
      ids.push(...(await wb.handlers.startRun(req)).runIds);
    }
    await wb.manager.idle();
    for (const id of ids) {
      const run = await wb.handlers.getRun({ runId: id });
      expect(run.summary.status, run.summary.reason ?? '').toBe('finished');
      expect(run.begin?.splitSizes).toEqual({ train: 3000, validation: 600, test: 600 });
      expect(run.begin?.dataSource.verified).toBe(true);
      // Chance is 10%; one epoch on 3k samples reaches ~70%.
      expect(run.test!.accuracy).toBeGreaterThan(0.5);
      expect(run.epochs[0].valAccuracy).toBeGreaterThan(0.5);
    }
    const stats = await wb.handlers.getDatasetStats({});
    expect(stats.splitSizes).toEqual({ train: 50000, validation: 10000, test: 10000 });
    expect(stats.classCounts.test).toEqual(Array(10).fill(1000));
    await wb.close();
  });
});
