// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { IMAGES_PER_REQUEST, useDatasetStore } from '../../../renderer/src/stores/dataset.js';
import { installFakeApi } from '../fakeApi.js';
import { toBase64 } from '../fixtures.js';

/** Image i is filled with the byte i % 256, so the test can tell which image landed where. */
function pixelsFor(indices: number[]): string {
  const out = new Uint8Array(indices.length * 784);
  indices.forEach((idx, k) => out.fill(idx % 256, k * 784, (k + 1) * 784));
  return toBase64(out);
}

describe('dataset store images', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('requests at most 2000 images at a time and files each under its index', async () => {
    const fake = installFakeApi({ getImages: ({ indices }: { indices: number[] }) => ({ pixels: pixelsFor(indices) }) });
    const s = useDatasetStore();
    const wanted = Array.from({ length: 2500 }, (_, i) => i);
    await s.ensureImages('test', wanted);
    expect(fake.calls.getImages).toHaveBeenCalledTimes(2);
    expect(fake.calls.getImages.mock.calls[0][0].indices).toHaveLength(IMAGES_PER_REQUEST);
    expect(s.image('test', 300)![0]).toBe(300 % 256);
    expect(s.image('train', 300)).toBeUndefined();
  });

  it('asks only for images not cached or already on their way', async () => {
    const fake = installFakeApi({ getImages: ({ indices }: { indices: number[] }) => ({ pixels: pixelsFor(indices) }) });
    const s = useDatasetStore();
    await Promise.all([s.ensureImages('train', [1, 2, 3]), s.ensureImages('train', [2, 3, 4])]);
    await s.ensureImages('train', [1, 4]);
    const asked = fake.calls.getImages.mock.calls.map((c) => c[0].indices);
    expect(asked).toEqual([[1, 2, 3], [4]]);
  });

  it('reports a byte count that does not match the images asked for', async () => {
    installFakeApi({ getImages: () => ({ pixels: toBase64(new Uint8Array(10)) }) });
    await expect(useDatasetStore().ensureImages('test', [0])).rejects.toThrow(/10 bytes for 1 images; expected 784/);
  });

  it('loads status and statistics, and keeps the error when the data is missing', async () => {
    installFakeApi({ getDataStatus: () => ({ found: false, source: null, error: 'no Fashion-MNIST in /x', searched: ['/x'] }) });
    const s = useDatasetStore();
    await s.refresh();
    expect(s.status?.error).toBe('no Fashion-MNIST in /x');
    expect(s.stats).toBeNull();
  });

  it('drops the statistics and images of a folder that no longer verifies, and says when the download failed', async () => {
    const source = { kind: 'debian', dir: '/usr/share/datasets/fashion-mnist', verified: true, sha256: {} };
    let found = true;
    const fake = installFakeApi({
      getDataStatus: () => (found ? { found, source, error: null, searched: [] } : { found, source: null, error: '--data-dir /empty: folder does not exist. …', searched: [] }),
      getDatasetStats: () => ({ source, splitSizes: { train: 50000, validation: 10000, test: 10000 } }),
      getImages: ({ indices }: { indices: number[] }) => ({ pixels: pixelsFor(indices) }),
    });
    const s = useDatasetStore();
    await s.refresh();
    await s.ensureImages('train', [7]);
    expect(s.stats).not.toBeNull();
    found = false;
    await s.refresh();
    expect(s.stats).toBeNull();
    expect(s.image('train', 7)).toBeUndefined();
    expect(s.downloadFailed).toBe(false);
    await s.refresh(true);
    expect(s.downloadFailed).toBe(true);
    expect(fake.calls.getDatasetStats).toHaveBeenCalledTimes(1);
  });

  it('keeps images that arrived before the first data check answered (Inspect opened while Data was still checking)', async () => {
    const source = { kind: 'debian', dir: '/usr/share/datasets/fashion-mnist', verified: true, sha256: {} };
    let answerStatus!: () => void;
    installFakeApi({
      getDataStatus: () => new Promise((resolve) => { answerStatus = () => resolve({ found: true, source, error: null, searched: [] }); }),
      getDatasetStats: () => ({ source, splitSizes: { train: 50000, validation: 10000, test: 10000 } }),
      getImages: ({ indices }: { indices: number[] }) => ({ pixels: pixelsFor(indices) }),
    });
    const s = useDatasetStore();
    const checking = s.refresh();
    await s.ensureImages('test', [5, 6]);
    answerStatus();
    await checking;
    expect(s.image('test', 5)![0]).toBe(5);
    expect(s.generation).toBe(0);
  });

  it('does not file a reply from the old folder after the folder changed, and bumps the generation so views ask again', async () => {
    let dir = '/a';
    const source = () => ({ kind: 'folder', dir, verified: true, sha256: {} });
    let answerImages!: () => void;
    let hold = false;
    const fake = installFakeApi({
      getDataStatus: () => ({ found: true, source: source(), error: null, searched: [] }),
      getDatasetStats: () => ({ source: source(), splitSizes: { train: 50000, validation: 10000, test: 10000 } }),
      getImages: ({ indices }: { indices: number[] }) => (hold
        ? new Promise((resolve) => { answerImages = () => resolve({ pixels: pixelsFor(indices) }); })
        : { pixels: pixelsFor(indices) }),
    });
    const s = useDatasetStore();
    await s.refresh();
    hold = true;
    const old = s.ensureImages('test', [9]);
    dir = '/b';
    await s.refresh();
    expect(s.generation).toBe(1);
    answerImages();
    await old;
    expect(s.image('test', 9)).toBeUndefined();
    hold = false;
    await s.ensureImages('test', [9]);
    expect(s.image('test', 9)![0]).toBe(9);
    expect(fake.calls.getImages).toHaveBeenCalledTimes(2);
  });
});
