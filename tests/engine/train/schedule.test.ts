import { describe, it, expect } from 'vitest';
import { learningRateAt } from '../../../electron/engine/train/schedule.js';
import { EarlyStopper } from '../../../electron/engine/train/earlyStopping.js';
import { HyperparametersSchema } from '../../../shared/hyper.js';

const hyper = (schedule: unknown, epochs = 10) => HyperparametersSchema.parse({ learningRate: 0.1, batchSize: 32, epochs, schedule });

describe('learningRateAt', () => {
  it('keeps a constant rate', () => {
    const h = hyper({ type: 'constant' });
    expect(learningRateAt(h, 0, 0, 100)).toBe(0.1);
    expect(learningRateAt(h, 9, 99, 100)).toBe(0.1);
  });

  it('steps down by gamma every stepEpochs', () => {
    const h = hyper({ type: 'step', stepEpochs: 3, gamma: 0.5 });
    expect(learningRateAt(h, 2, 50, 100)).toBeCloseTo(0.1);
    expect(learningRateAt(h, 3, 0, 100)).toBeCloseTo(0.05);
    expect(learningRateAt(h, 6, 0, 100)).toBeCloseTo(0.025);
  });

  it('decays along a cosine from the base to the minimum', () => {
    const h = hyper({ type: 'cosine', minLearningRate: 0.01 }, 2);
    expect(learningRateAt(h, 0, 0, 10)).toBeCloseTo(0.1);
    // Half-way the rate is the mean of base and minimum.
    expect(learningRateAt(h, 1, 0, 10)).toBeCloseTo(0.055);
    expect(learningRateAt(h, 1, 9, 10)).toBeGreaterThan(0.01);
    expect(learningRateAt(h, 1, 9, 10)).toBeLessThan(0.012);
  });

  it('warms up linearly before the cosine', () => {
    const h = hyper({ type: 'cosine', minLearningRate: 0, warmupEpochs: 1 }, 3);
    expect(learningRateAt(h, 0, 0, 10)).toBeCloseTo(0.01);
    expect(learningRateAt(h, 0, 9, 10)).toBeCloseTo(0.1);
    expect(learningRateAt(h, 1, 0, 10)).toBeCloseTo(0.1);
  });
});

describe('EarlyStopper', () => {
  it('stops after `patience` epochs without improvement of val loss', () => {
    const s = new EarlyStopper({ monitor: 'valLoss', patience: 2, minDelta: 0, restoreBestWeights: true });
    expect(s.update(0, 1.0, 0.5)).toEqual({ improved: true, stop: false });
    expect(s.update(1, 0.8, 0.6)).toEqual({ improved: true, stop: false });
    expect(s.update(2, 0.9, 0.6)).toEqual({ improved: false, stop: false });
    expect(s.update(3, 0.85, 0.6)).toEqual({ improved: false, stop: true });
    expect(s.bestEpoch).toBe(1);
  });

  it('treats higher accuracy as better and honours minDelta', () => {
    const s = new EarlyStopper({ monitor: 'valAccuracy', patience: 1, minDelta: 0.01, restoreBestWeights: false });
    s.update(0, 1, 0.80);
    expect(s.update(1, 1, 0.805).improved).toBe(false);
    expect(s.bestEpoch).toBe(0);
  });
});
