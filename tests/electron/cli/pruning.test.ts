import { describe, expect, it } from 'vitest';
import { median, medianStop } from '../../../electron/cli/pruning.js';

const rule = { rule: 'median' as const, afterEpochs: 1, minTrials: 2 };

describe('median stopping rule', () => {
  it('stops a trial whose best accuracy so far is below the median of its peers at the same epoch', () => {
    expect(median([0.3, 0.1, 0.2])).toBe(0.2);
    expect(median([0.4, 0.1, 0.2, 0.3])).toBeCloseTo(0.25);
    expect(medianStop([0.1], [[0.5, 0.6], [0.4, 0.7]], rule)).toBeCloseTo(0.45);
    expect(medianStop([0.5], [[0.5, 0.6], [0.4, 0.7]], rule)).toBeNull();
  });
  it('compares best-so-far values, waits for enough peers and for afterEpochs', () => {
    // Epoch 1: own best so far 0.6 (epoch 0), peers' bests so far 0.5 and 0.7: median 0.6, not below.
    expect(medianStop([0.6, 0.2], [[0.5, 0.4], [0.3, 0.7]], rule)).toBeNull();
    expect(medianStop([0.1], [[0.5]], rule)).toBeNull(); // one peer, two needed
    expect(medianStop([0.1], [[0.5], [0.6]], { ...rule, afterEpochs: 2 })).toBeNull();
    expect(medianStop([0.1, 0.1], [[0.5, 0.5], [0.6]], rule)).toBeNull(); // only one peer reached epoch 1
  });
});
