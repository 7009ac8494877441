// Where the report reads its data from: the app's own data location, never a folder or data kind an imported run recorded.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { RunStore } from '../../../electron/engine/runs/store.js';
import { gatherReportInput } from '../../../electron/engine/report/gather.js';
import { loadFromDir, type FashionMnist } from '../../../electron/engine/data/dataset.js';
import type { DataSource } from '../../../shared/run.js';
import { sampleConfig, trainBegin, trainEnd } from '../runs/fixtures/sample.js';
import { tempDir, removeTempDirs } from '../train/helpers.js';
import { writeFixtureDataset } from '../../helpers/idxFixtures.js';

let appData: string;
let hostileData: string;
let app: FashionMnist;
let hostile: FashionMnist;
let work: string;

beforeAll(async () => {
  // Two small data sets with different pixels: the app's own, and one an attacker's run points at.
  appData = await tempDir('fmw-gather-app-');
  hostileData = await tempDir('fmw-gather-hostile-');
  await writeFixtureDataset(appData, { train: 10_200, test: 60, gzip: true, seed: 7 });
  await writeFixtureDataset(hostileData, { train: 10_200, test: 60, gzip: true, seed: 99 });
  app = await loadFromDir(appData, 'explicit', { strict: false });
  hostile = await loadFromDir(hostileData, 'test-fixture', { strict: false });
  work = await tempDir('fmw-gather-');
});
afterAll(removeTempDirs);

/** A run exported elsewhere with `dataSource` in its log, imported into a fresh store; returns the store and the new id. */
async function importedRun(name: string, dataSource: DataSource): Promise<{ store: RunStore; id: string }> {
  const elsewhere = new RunStore(path.join(work, `${name}-src`));
  const config = sampleConfig('r1', name);
  await elsewhere.create(config);
  await elsewhere.appendEvent('r1', { ...trainBegin(config, 1), dataSource } as ReturnType<typeof trainBegin>);
  await elsewhere.appendEvent('r1', trainEnd('r1'));
  const store = new RunStore(path.join(work, `${name}-dst`));
  const id = await store.importArchive((await elsewhere.exportArchive('r1')).data);
  return { store, id };
}

function firstSample(ds: FashionMnist, indices: number[][]): Uint8Array {
  const idx = indices.flat()[0];
  return ds.trainImages.subarray(idx * 784, (idx + 1) * 784);
}

describe('report data source', () => {
  it("reads the app's own data, not the folder an imported run recorded", async () => {
    const { store, id } = await importedRun('folder', { kind: 'explicit', dir: hostileData, sha256: {}, verified: true });
    const { input, warnings } = await gatherReportInput({ runsDir: store.root, runIds: [id], dataDir: appData, env: {}, strictData: false });
    expect(warnings).toEqual([]);
    expect(input.datasetStats?.source.dir).toBe(appData);
    const pixels = input.sampleImages!.pixels.subarray(0, 784);
    expect(Buffer.from(pixels).equals(Buffer.from(firstSample(app, input.sampleImages!.indices)))).toBe(true);
    expect(Buffer.from(pixels).equals(Buffer.from(firstSample(hostile, input.sampleImages!.indices)))).toBe(false);
    expect(Buffer.from(input.testImages!(0)).equals(Buffer.from(app.testImages.subarray(0, 784)))).toBe(true);
  });

  it('does not relax the checks for a run that says it was trained on a test fixture', async () => {
    const { store, id } = await importedRun('fixture', { kind: 'test-fixture', dir: hostileData, sha256: {}, verified: false });
    // The app is strict (as it is for users): a small, unverified data set is not used, whatever the run says.
    const { input, warnings } = await gatherReportInput({ runsDir: store.root, runIds: [id], dataDir: appData, env: {}, strictData: true });
    expect(input.datasetStats).toBeNull();
    expect(input.sampleImages).toBeNull();
    expect(warnings.join('\n')).toContain(appData);
    expect(warnings.join('\n')).not.toContain(hostileData);
  });

  it('leaves the images out when the data found is not what the run was trained on (checksums differ)', async () => {
    const { store, id } = await importedRun('other', { kind: 'explicit', dir: hostileData, sha256: hostile.source.sha256, verified: false });
    const { input, warnings } = await gatherReportInput({ runsDir: store.root, runIds: [id], dataDir: appData, env: {}, strictData: false });
    expect(input.datasetStats).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`run ${id} was trained on other data than the data set in ${appData} \\(train-images, .*checksums differ\\)`));
  });

  it('uses the data when its checksums are the ones the run recorded', async () => {
    const { store, id } = await importedRun('same', { kind: 'cache', dir: '/somewhere/else', sha256: app.source.sha256, verified: false });
    const { input, warnings } = await gatherReportInput({ runsDir: store.root, runIds: [id], dataDir: appData, env: {}, strictData: false });
    expect(warnings).toEqual([]);
    expect(input.datasetStats?.source).toMatchObject({ dir: appData, kind: 'explicit', sha256: app.source.sha256 });
  });
});
