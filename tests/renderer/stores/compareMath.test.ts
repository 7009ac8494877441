import { describe, expect, it } from 'vitest';
import { formatP, groupAccuracies, meanStd, pairedComparison, significanceWords, topConfusedPairs } from '../../../renderer/src/stores/compareMath.js';
import { predictions } from '../fixtures.js';

describe('compare math', () => {
  it('pairs two runs by test index and runs McNemar with a paired interval', () => {
    // Labels all 0. A right on 0..5, B right on 2..9: A only 0, 1; B only 6..9; both right 2..5; both wrong 10, 11.
    const idx = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const a = predictions(idx, idx.map(() => 0), idx.map((i) => (i <= 5 ? 0 : 1)));
    // B lists the same images in reverse order: pairing goes by test index, not position.
    const bIdx = [...idx].reverse();
    const b = predictions(bIdx, bIdx.map(() => 0), bIdx.map((i) => (i >= 2 && i <= 9 ? 0 : 2)));
    const c = pairedComparison(a, b);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.counts).toEqual({ n: 12, bothRight: 4, n01: 2, n10: 4, bothWrong: 2 });
    // 6 discordant images: exact p = 2 · (1 + 6 + 15) / 64 = 0.6875 decides.
    expect(c.exact).toBe(true);
    expect(c.p).toBeCloseTo(0.6875, 12);
    expect(c.significant).toBe(false);
    expect(c.interval.difference).toBeCloseTo(2 / 12, 12);
    expect(significanceWords(c)).toBe('not significant, p = 0.69 (exact)');
  });

  it('calls a large consistent difference significant', () => {
    const idx = Array.from({ length: 400 }, (_, i) => i);
    const a = predictions(idx, idx.map(() => 3), idx.map((i) => (i < 300 ? 3 : 1)));
    const b = predictions(idx, idx.map(() => 3), idx.map((i) => (i < 360 ? 3 : 1)));
    const c = pairedComparison(a, b);
    expect(c.ok && c.significant).toBe(true);
    expect(c.ok && c.interval.lower).toBeGreaterThan(0);
    expect(significanceWords(c)).toBe('significant, p < 0.0001');
  });

  it('refuses McNemar on different test images, and says why', () => {
    const a = predictions([0, 1, 2, 3], [0, 0, 0, 0], [0, 0, 0, 1]);
    const b = predictions([0, 1], [0, 0], [0, 1]);
    const c = pairedComparison(a, b);
    expect(c).toEqual({ ok: false, reason: expect.stringMatching(/same test images: A was tested on 4, B on 2, 2 in common/) });
    expect(significanceWords(c)).toMatch(/not tested/);
    const relabelled = predictions([0, 1], [0, 5], [0, 5]);
    expect(pairedComparison(predictions([0, 1], [0, 0], [0, 0]), relabelled)).toEqual({ ok: false, reason: expect.stringMatching(/label 0 in A and 5 in B/) });
  });

  it('quotes p-values with two significant digits', () => {
    expect([0.15240628, 0.0461, 0.001234, 0.00004, 1].map(formatP)).toEqual(['0.15', '0.046', '0.0012', '< 0.0001', '1']);
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
