import { describe, expect, it } from 'vitest';
import { configDiff, flatten, groupAccuracies, meanStd, topConfusedPairs } from '../../../renderer/src/stores/compareMath.js';

describe('compare math', () => {
  it('flattens nested settings into dotted keys', () => {
    expect(flatten({ hyper: { lr: 0.001, opt: { type: 'adam' } }, layers: [{ units: 3 }] })).toEqual({
      'hyper.lr': '0.001', 'hyper.opt.type': '"adam"', 'layers[0].units': '3',
    });
  });

  it('lists only the settings that differ, in natural order', () => {
    const a = { model: { layers: [{ units: 256 }, { units: 10 }] }, hyper: { epochs: 10, batchSize: 128 }, name: 'x' };
    const b = { model: { layers: [{ units: 64 }, { units: 10 }, { units: 2 }] }, hyper: { epochs: 10, batchSize: 64 }, name: 'y' };
    const d = configDiff([a, b]);
    expect(d.differing).toEqual([
      { key: 'hyper.batchSize', values: ['128', '64'] },
      { key: 'model.layers[0].units', values: ['256', '64'] },
      { key: 'model.layers[2].units', values: ['—', '2'] },
    ]);
    expect(d.sameCount).toBe(2);
  });

  it('orders confused pairs by the larger count across runs', () => {
    const m = (x: number, y: number) => Array.from({ length: 3 }, (_, i) => Array.from({ length: 3 }, (_, j) => (i === j ? 50 : i === 2 && j === 0 ? x : i === 0 && j === 1 ? y : 0)));
    const top = topConfusedPairs([m(5, 9), m(12, 1)], 2);
    expect(top).toEqual([{ actual: 2, predicted: 0, counts: [5, 12] }, { actual: 0, predicted: 1, counts: [9, 1] }]);
  });

  it('computes mean and sample standard deviation', () => {
    const s = meanStd([0.88, 0.9, 0.92]);
    expect(s.mean).toBeCloseTo(0.9, 12);
    expect(s.std).toBeCloseTo(0.02, 12);
    expect(meanStd([0.5])).toEqual({ mean: 0.5, std: 0, n: 1 });
  });

  it('groups repeats of one config into one bar', () => {
    const g = groupAccuracies([
      { id: 'a1', name: 'cnn #1', groupId: 'g', accuracy: 0.9 },
      { id: 'a2', name: 'cnn #2', groupId: 'g', accuracy: 0.92 },
      { id: 'b', name: 'ann', groupId: null, accuracy: 0.88 },
      { id: 'c', name: 'unfinished', groupId: null, accuracy: null },
    ]);
    expect(g.map((x) => [x.name, x.n, x.runIds])).toEqual([['cnn', 2, ['a1', 'a2']], ['ann', 1, ['b']]]);
    expect(g[0].mean).toBeCloseTo(0.91, 12);
  });
});
