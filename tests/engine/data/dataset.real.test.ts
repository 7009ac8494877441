// Real Fashion-MNIST from the Debian package dataset-fashion-mnist; skipped (with the reason in the title) where it is absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadFashionMnist, loadFromDir } from '../../../electron/engine/data/dataset.js';
import { locateDataset, FILE_NAMES } from '../../../electron/engine/data/locate.js';
import { makeSplit } from '../../../electron/engine/data/split.js';
import { computeStats } from '../../../electron/engine/data/stats.js';
import { DEFAULT_DATA_CONFIG } from '../../../shared/hyper.js';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const present = Object.values(FILE_NAMES).every((n) => existsSync(join(DEBIAN, `${n}.gz`)));
const why = present ? '' : ` (skipped: ${DEBIAN} absent; apt-get install dataset-fashion-mnist)`;

describe(`real Fashion-MNIST${why}`, () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'fmw-real-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it.skipIf(!present)('loads from the Debian folder, verified, 60000/10000, 6000 per class in the train file', async () => {
    const t0 = performance.now();
    const ds = await loadFashionMnist({ env: {}, cacheDir: join(tmp, 'empty-cache'), debianDirs: [DEBIAN] });
    const ms = performance.now() - t0;
    console.info(`real Fashion-MNIST: 4 files loaded and verified in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(4000); // ~0.5 s alone; ~1.6 s while other test files share the 2 cores
    expect(ds.source).toMatchObject({ kind: 'debian', dir: DEBIAN, verified: true });
    expect([ds.trainCount, ds.testCount]).toEqual([60000, 10000]);
    expect(ds.trainImages.length).toBe(60000 * 784);
    const counts = new Array(10).fill(0);
    for (const l of ds.trainLabels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    const testCounts = new Array(10).fill(0);
    for (const l of ds.testLabels) testCounts[l]++;
    expect(testCounts).toEqual(new Array(10).fill(1000));

    const split = makeSplit(DEFAULT_DATA_CONFIG, ds.trainCount, ds.testCount);
    const stats = computeStats(ds, split);
    expect(stats.splitSizes).toEqual({ train: 50000, validation: 10000, test: 10000 });
    expect(stats.classCounts.train.reduce((a, b) => a + b)).toBe(50000);
    expect(stats.classCounts.train.map((c, i) => c + stats.classCounts.validation[i])).toEqual(counts);
  });

  it.skipIf(!present)('a full-size file with changed content loads, but unverified', async () => {
    const dir = join(tmp, 'tampered');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    for (const n of Object.values(FILE_NAMES)) await copyFile(join(DEBIAN, `${n}.gz`), join(dir, `${n}.gz`));
    const labels = gunzipSync(await readFile(join(DEBIAN, `${FILE_NAMES.testLabels}.gz`)));
    labels[8] = (labels[8] + 1) % 10;
    await rm(join(dir, `${FILE_NAMES.testLabels}.gz`));
    await writeFile(join(dir, FILE_NAMES.testLabels), labels);
    const ds = await loadFromDir(dir, 'explicit');
    expect(ds.source.verified).toBe(false);
    expect(ds.testCount).toBe(10000);
  });

  it.skipIf(!present)('a download of the real gz files verifies against the recorded checksums', async () => {
    const cache = join(tmp, 'dl-cache');
    const fetchImpl = (async (input: string | URL | Request) => {
      const bytes = await readFile(join(DEBIAN, basename(String(input))));
      return new Response(bytes, { status: 200, headers: { 'content-length': String(bytes.length) } });
    }) as typeof fetch;
    const r = await locateDataset({ env: {}, cacheDir: cache, debianDirs: [], download: true, fetchImpl, mirrors: ['https://m/'] });
    expect(r.kind).toBe('download');
    const ds = await loadFromDir(r.dir, r.kind);
    expect(ds.source.verified).toBe(true);
  });
});
