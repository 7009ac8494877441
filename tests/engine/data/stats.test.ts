import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeStats } from '../../../electron/engine/data/stats.js';
import { loadFromDir, type FashionMnist } from '../../../electron/engine/data/dataset.js';
import { makeSplit } from '../../../electron/engine/data/split.js';
import { DatasetStatsSchema } from '../../../shared/data.js';
import { DataConfigSchema } from '../../../shared/hyper.js';
import { writeFixtureDataset } from '../../helpers/idxFixtures.js';

const P = 784;
const source = { kind: 'test-fixture' as const, dir: '/x', sha256: {}, verified: false };

/** Four constant images: values 0, 51, 102, 255 with labels 1, 1, 3, 9; the last is validation. */
function tiny(): FashionMnist {
  const trainImages = new Uint8Array(4 * P);
  [0, 51, 102, 255].forEach((v, i) => trainImages.fill(v, i * P, (i + 1) * P));
  const testImages = new Uint8Array(2 * P);
  return { trainImages, trainLabels: Uint8Array.of(1, 1, 3, 9), testImages, testLabels: Uint8Array.of(0, 9), trainCount: 4, testCount: 2, source };
}

describe('computeStats on hand-made images', () => {
  const split = { train: Int32Array.of(0, 1, 2), validation: Int32Array.of(3), test: Int32Array.of(0, 1) };
  const s = computeStats(tiny(), split, 1);

  it('counts classes per split', () => {
    expect(s.splitSizes).toEqual({ train: 3, validation: 1, test: 2 });
    expect(s.classCounts.train).toEqual([0, 2, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(s.classCounts.validation).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(s.classCounts.test).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('averages over the training split only', () => {
    expect(s.meanImage).toHaveLength(P);
    expect(s.meanImage[0]).toBeCloseTo((0 + 51 + 102) / 3 / 255, 12);
    expect(s.classMeanImages[1][100]).toBeCloseTo(0.1, 12);
    expect(s.classMeanImages[3][5]).toBeCloseTo(0.4, 12);
    expect(s.classMeanImages[9].every((v) => v === 0)).toBe(true); // class 9 only in validation
  });

  it('histograms raw pixel values and picks samples per class', () => {
    expect(s.pixelHistogram).toHaveLength(256);
    expect([s.pixelHistogram[0], s.pixelHistogram[51], s.pixelHistogram[102], s.pixelHistogram[255]]).toEqual([P, P, P, 0]);
    expect(s.sampleIndices).toEqual([[], [0], [], [2], [], [], [], [], [], []]);
  });

  it('matches the shared schema', () => {
    expect(() => DatasetStatsSchema.parse(s)).not.toThrow();
  });
});

describe('computeStats on a fixture data set', () => {
  let dir: string;
  let ds: FashionMnist;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fmw-stats-'));
    await writeFixtureDataset(dir, { train: 200, test: 50, seed: 11 });
    ds = await loadFromDir(dir, 'test-fixture', { strict: false });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('agrees with a naive recomputation', () => {
    const split = makeSplit(DataConfigSchema.parse({ split: { type: 'tail', validationSize: 40 } }), ds.trainCount, ds.testCount);
    const s = computeStats(ds, split, 3);
    expect(s.classCounts.train.reduce((a, b) => a + b)).toBe(160);
    expect(s.classCounts.test).toEqual(Array.from({ length: 10 }, (_, c) => ds.testLabels.filter((l) => l === c).length));
    expect(s.pixelHistogram.reduce((a, b) => a + b)).toBe(160 * P);
    for (const k of [0, 300, 783]) {
      let sum = 0;
      for (let i = 0; i < 160; i++) sum += ds.trainImages[i * P + k];
      expect(s.meanImage[k]).toBeCloseTo(sum / 160 / 255, 10);
    }
    s.sampleIndices.forEach((idx, c) => {
      expect(idx).toHaveLength(3);
      for (const i of idx) {
        expect(i).toBeLessThan(160);
        expect(ds.trainLabels[i]).toBe(c);
      }
    });
    // the fixture's class patterns differ: class 0 is a horizontal bar, class 5 a vertical one
    const rowEnergy = (img: number[], y: number) => img.slice(y * 28, y * 28 + 28).reduce((a, b) => a + b);
    expect(rowEnergy(s.classMeanImages[0], 5)).toBeGreaterThan(rowEnergy(s.classMeanImages[5], 5));
  });

  it('class means separate the fixture classes: nearest-mean accuracy on its test set is far above chance', () => {
    const split = makeSplit(DataConfigSchema.parse({ split: { type: 'tail', validationSize: 40 } }), ds.trainCount, ds.testCount);
    const { classMeanImages } = computeStats(ds, split);
    let correct = 0;
    for (let i = 0; i < ds.testCount; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let c = 0; c < 10; c++) {
        let d = 0;
        for (let k = 0; k < P; k++) d += (ds.testImages[i * P + k] / 255 - classMeanImages[c][k]) ** 2;
        if (d < bestD) [best, bestD] = [c, d];
      }
      if (best === ds.testLabels[i]) correct++;
    }
    expect(correct / ds.testCount).toBeGreaterThan(0.8); // chance is 0.1
  });
});
