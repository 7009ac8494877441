import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir, locateDataset, FILE_NAMES } from '../../../electron/engine/data/locate.js';
import { DataError } from '../../../electron/engine/data/errors.js';
import { writeFixtureDataset } from '../../helpers/idxFixtures.js';

let root: string;
let dirs: { explicit: string; env: string; cache: string; debian: string; empty: string };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fmw-locate-'));
  dirs = {
    explicit: join(root, 'explicit'),
    env: join(root, 'env'),
    cache: join(root, 'cache'),
    debian: join(root, 'debian'),
    empty: join(root, 'nowhere'),
  };
  // Raw in some, gzipped in others: both forms count as present.
  await writeFixtureDataset(dirs.explicit, { train: 10, test: 10 });
  await writeFixtureDataset(dirs.env, { train: 10, test: 10, gzip: true });
  await writeFixtureDataset(dirs.cache, { train: 10, test: 10 });
  await writeFixtureDataset(dirs.debian, { train: 10, test: 10, gzip: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const all = () => ({
  dataDir: dirs.explicit,
  env: { FASHION_MNIST_DIR: dirs.env },
  cacheDir: dirs.cache,
  debianDirs: [dirs.empty, dirs.debian],
});

describe('locateDataset order', () => {
  it('explicit dataDir wins over everything', async () => {
    expect(await locateDataset(all())).toMatchObject({ dir: dirs.explicit, kind: 'explicit' });
  });

  it('then FASHION_MNIST_DIR', async () => {
    expect(await locateDataset({ ...all(), dataDir: null })).toMatchObject({ dir: dirs.env, kind: 'env' });
  });

  it('then the cache', async () => {
    const r = await locateDataset({ ...all(), dataDir: undefined, env: {} });
    expect(r).toMatchObject({ dir: dirs.cache, kind: 'cache' });
    expect(r.searched).toEqual([`app cache ${dirs.cache}: found`]);
  });

  it('then the Debian folders, in order, listing each place searched', async () => {
    const r = await locateDataset({ ...all(), dataDir: undefined, env: {}, cacheDir: join(root, 'no-cache') });
    expect(r).toMatchObject({ dir: dirs.debian, kind: 'debian' });
    expect(r.searched).toEqual([
      `app cache ${join(root, 'no-cache')}: folder does not exist`,
      `Debian package dataset-fashion-mnist ${dirs.empty}: folder does not exist`,
      `Debian package dataset-fashion-mnist ${dirs.debian}: found`,
    ]);
  });

  it('an empty FASHION_MNIST_DIR counts as unset', async () => {
    const r = await locateDataset({ ...all(), dataDir: '', env: { FASHION_MNIST_DIR: '' } });
    expect(r.kind).toBe('cache');
  });

  it('an explicit dataDir with files missing is an error, not a silent fall-through', async () => {
    await unlink(join(dirs.explicit, FILE_NAMES.testLabels));
    const err = await locateDataset(all()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toContain(`--data-dir ${dirs.explicit}: missing t10k-labels-idx1-ubyte[.gz]`);
    expect((err as DataError).file).toBe(dirs.explicit);
  });

  it('a FASHION_MNIST_DIR that does not exist is an error too', async () => {
    const err = await locateDataset({ ...all(), dataDir: null, env: { FASHION_MNIST_DIR: dirs.empty } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toContain(`FASHION_MNIST_DIR ${dirs.empty}: folder does not exist`);
  });

  it('a partial cache folder is skipped and reported', async () => {
    await unlink(join(dirs.cache, FILE_NAMES.trainImages));
    const r = await locateDataset({ ...all(), dataDir: null, env: {} });
    expect(r.kind).toBe('debian');
    expect(r.searched[0]).toBe(`app cache ${dirs.cache}: missing train-images-idx3-ubyte[.gz]`);
  });

  it('nothing found and no download: one error listing every place and every remedy', async () => {
    const err = await locateDataset({ env: {}, cacheDir: join(root, 'c'), debianDirs: [dirs.empty, join(root, 'd2')] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    const msg = (err as DataError).message;
    expect(msg).toContain('Fashion-MNIST not found');
    for (const place of [join(root, 'c'), dirs.empty, join(root, 'd2')]) expect(msg).toContain(place);
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(msg).toContain('--data-dir');
    expect(msg).toContain('FASHION_MNIST_DIR');
  });
});

describe('defaultCacheDir', () => {
  it('uses XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/fashion-workbench/fashion-mnist');
    expect(defaultCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/fashion-workbench/fashion-mnist');
  });

  it('is where locate looks when no cacheDir is given', async () => {
    const xdg = join(root, 'xdg');
    await writeFixtureDataset(join(xdg, 'fashion-workbench', 'fashion-mnist'), { train: 10, test: 10 });
    const r = await locateDataset({ env: { XDG_CACHE_HOME: xdg }, debianDirs: [] });
    expect(r).toMatchObject({ kind: 'cache', dir: join(xdg, 'fashion-workbench', 'fashion-mnist') });
  });
});
