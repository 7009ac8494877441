import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync, gunzipSync } from 'node:zlib';
import { loadFromDir, loadFashionMnist } from '../../../electron/engine/data/dataset.js';
import { FILE_NAMES } from '../../../electron/engine/data/locate.js';
import { DataError } from '../../../electron/engine/data/errors.js';
import { idxBytes, writeFixtureDataset } from '../../helpers/idxFixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fmw-dataset-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectLoadError(problem: RegExp, fileName: string, strict = false): Promise<void> {
  const err = await loadFromDir(dir, 'test-fixture', { strict }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataError);
  expect((err as DataError).message).toContain(join(dir, fileName));
  expect((err as DataError).message).toMatch(problem);
}

describe('loadFromDir', () => {
  it.each([false, true])('loads a fixture (gzip=%s) with strict:false, unverified', async (gzip) => {
    await writeFixtureDataset(dir, { train: 50, test: 20, gzip, seed: 3 });
    const ds = await loadFromDir(dir, 'test-fixture', { strict: false });
    expect(ds.trainCount).toBe(50);
    expect(ds.testCount).toBe(20);
    expect(ds.trainImages.length).toBe(50 * 784);
    expect(ds.testLabels.length).toBe(20);
    expect(ds.trainImages).toBeInstanceOf(Uint8Array);
    expect(ds.source).toMatchObject({ kind: 'test-fixture', dir, verified: false });
    expect(Object.keys(ds.source.sha256).sort()).toEqual(['t10k-images', 't10k-labels', 'train-images', 'train-labels']);
  });

  it('records the SHA-256 of the decompressed bytes, the same for gz and raw', async () => {
    await writeFixtureDataset(dir, { train: 30, test: 10, gzip: true, seed: 5 });
    const gz = await readFile(join(dir, `${FILE_NAMES.trainLabels}.gz`));
    const expected = createHash('sha256').update(gunzipSync(gz)).digest('hex');
    const fromGz = await loadFromDir(dir, 'test-fixture', { strict: false });
    expect(fromGz.source.sha256['train-labels']).toBe(expected);
    await writeFile(join(dir, FILE_NAMES.trainLabels), gunzipSync(gz));
    await unlink(join(dir, `${FILE_NAMES.trainLabels}.gz`));
    const fromRaw = await loadFromDir(dir, 'test-fixture', { strict: false });
    expect(fromRaw.source.sha256).toEqual(fromGz.source.sha256);
    expect(Array.from(fromRaw.trainLabels)).toEqual(Array.from(fromGz.trainLabels));
  });

  it('strict (the default) rejects counts other than 60000/10000', async () => {
    await writeFixtureDataset(dir, { train: 20, test: 10 });
    await expectLoadError(/holds 20 images; the full Fashion-MNIST training file has 60000/, FILE_NAMES.trainImages, true);
  });

  it('rejects labels out of range, naming the index and value', async () => {
    await writeFixtureDataset(dir, { train: 20, test: 10 });
    const labels = new Uint8Array(10).fill(2);
    labels[7] = 10;
    await writeFile(join(dir, FILE_NAMES.testLabels), idxBytes('labels', labels, 10));
    await expectLoadError(/label 10 at index 7 is out of range; labels must be 0–9/, FILE_NAMES.testLabels);
  });

  it('rejects image and label counts that disagree', async () => {
    await writeFixtureDataset(dir, { train: 20, test: 10 });
    await writeFile(join(dir, FILE_NAMES.trainLabels), idxBytes('labels', new Uint8Array(19), 19));
    await expectLoadError(/holds 20 images but .* holds 19 labels/, FILE_NAMES.trainLabels);
  });

  it('rejects a missing file, naming it and the folder', async () => {
    await writeFixtureDataset(dir, { train: 20, test: 10 });
    await unlink(join(dir, FILE_NAMES.testImages));
    const err = await loadFromDir(dir, 'test-fixture', { strict: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(new RegExp(`${dir}: missing t10k-images-idx3-ubyte\\[\\.gz\\]`));
  });

  it('rejects a truncated gzip on disk', async () => {
    await writeFixtureDataset(dir, { train: 40, test: 10, gzip: true });
    const p = join(dir, `${FILE_NAMES.trainImages}.gz`);
    const gz = await readFile(p);
    await writeFile(p, gz.subarray(0, gz.length - 500));
    await expectLoadError(/gzip data is truncated/, `${FILE_NAMES.trainImages}.gz`);
  });

  it('rejects wrong magic on disk and swapped files', async () => {
    await writeFixtureDataset(dir, { train: 20, test: 10 });
    await writeFile(join(dir, FILE_NAMES.testImages), new TextEncoder().encode('<html>404</html>'));
    await expectLoadError(/wrong magic number/, FILE_NAMES.testImages);
    await writeFile(join(dir, FILE_NAMES.testImages), idxBytes('labels', new Uint8Array(10), 10));
    await expectLoadError(/expected an image file .* swapped/, FILE_NAMES.testImages);
  });

  it('rejects images that are not 28 × 28', async () => {
    await writeFixtureDataset(dir, { train: 20, test: 10 });
    const bytes = idxBytes('images', new Uint8Array(10 * 16 * 16), 10);
    new DataView(bytes.buffer).setUint32(8, 16);
    new DataView(bytes.buffer).setUint32(12, 16);
    await writeFile(join(dir, FILE_NAMES.testImages), bytes);
    await expectLoadError(/images are 16 × 16; Fashion-MNIST images are 28 × 28/, FILE_NAMES.testImages);
  });

  it('gzip content is recognised by its bytes, not its name', async () => {
    await writeFixtureDataset(dir, { train: 20, test: 10 });
    const raw = await readFile(join(dir, FILE_NAMES.testLabels));
    await unlink(join(dir, FILE_NAMES.testLabels));
    await writeFile(join(dir, `${FILE_NAMES.testLabels}.gz`), raw); // named .gz, not compressed
    await writeFile(join(dir, FILE_NAMES.trainLabels), gzipSync(await readFile(join(dir, FILE_NAMES.trainLabels))));
    const ds = await loadFromDir(dir, 'test-fixture', { strict: false });
    expect(ds.testLabels.length).toBe(10);
    expect(ds.trainLabels.length).toBe(20);
  });
});

describe('loadFashionMnist', () => {
  it('locates then loads, passing on where it looked', async () => {
    const data = join(dir, 'data');
    await writeFixtureDataset(data, { train: 20, test: 10, gzip: true });
    const ds = await loadFashionMnist({ dataDir: data, env: {}, debianDirs: [], strict: false });
    expect(ds.source.kind).toBe('explicit');
    expect(ds.source.dir).toBe(data);
    expect(ds.trainCount).toBe(20);
    expect(ds.searched).toEqual([`--data-dir ${data}: found`]);
  });
});
