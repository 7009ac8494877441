import { describe, expect, it } from 'vitest';
import { curveRunOf, epochElapsed, explorerRunOfDetail, rateRunOf, type ExplorerRun } from '../../../renderer/src/components/curveSeries.js';
import { HyperparametersSchema } from '../../../shared/hyper.js';

const epoch = (e: number, seconds: number) => ({ epoch: e, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: 0.5, learningRate: 0.001 / (e + 1), seconds, samplesPerSecond: 1, valConfusion: [] });
const run = (over: Partial<ExplorerRun> = {}): ExplorerRun => ({
  name: 'r', color: '#000', epochs: [epoch(1, 20), epoch(0, 10)], batches: [{ epoch: 0, batch: 0, batches: 2, loss: 1, accuracy: 0.5, t: 5_000 }, { epoch: 0, batch: 1, batches: 2, loss: 1, accuracy: 0.5 }],
  startT: 1_000, hyper: HyperparametersSchema.parse({ learningRate: 0.001, batchSize: 8, epochs: 2 }), batchesPerEpoch: 2, ...over,
});

describe('curve series', () => {
  it('counts epoch times as the running sum of epoch durations, in epoch order', () => {
    expect(epochElapsed([epoch(1, 20), epoch(0, 10)])).toEqual([10, 30]);
  });
  it('gives batch points their seconds since trainBegin, and none without a time', () => {
    const c = curveRunOf(run());
    expect(c.epochs.map((e) => [e.epoch, e.elapsed])).toEqual([[0, 10], [1, 30]]);
    expect(c.batches!.map((b) => b.elapsed)).toEqual([4, undefined]);
    expect(curveRunOf(run({ startT: null })).batches!.every((b) => b.elapsed === undefined)).toBe(true);
  });
  it('passes the reported rates and the schedule to the learning-rate chart', () => {
    const r = rateRunOf(run());
    expect(r.epochs).toEqual([{ epoch: 0, learningRate: 0.001, elapsed: 10 }, { epoch: 1, learningRate: 0.0005, elapsed: 30 }]);
    expect(r.planned?.batchesPerEpoch).toBe(2);
    expect(rateRunOf(run({ hyper: null })).planned).toBeNull();
  });
});

describe('stored runs in the explorer', () => {
  it('takes the epochs and schedule of a stored run, with no batch points and epoch durations as wall-clock time', () => {
    const hyper = HyperparametersSchema.parse({ learningRate: 0.01, batchSize: 8, epochs: 2 });
    const r = explorerRunOfDetail({ epochs: [epoch(0, 3), epoch(1, 4)], config: { request: { hyper } } as never, begin: { batchesPerEpoch: 5 } as never }, 'A · x', '#123');
    expect(r).toMatchObject({ name: 'A · x', color: '#123', batches: [], startT: null, hyper, batchesPerEpoch: 5 });
    expect(curveRunOf(r).epochs.map((e) => e.elapsed)).toEqual([3, 7]);
    expect(rateRunOf(r).planned).toEqual({ hyper, batchesPerEpoch: 5 });
    expect(explorerRunOfDetail({ epochs: [], config: null, begin: null }, 'n', '#000')).toMatchObject({ hyper: null, batchesPerEpoch: null });
  });
});
