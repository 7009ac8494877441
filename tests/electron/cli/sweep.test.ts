import { describe, expect, it } from 'vitest';
import { ExperimentRunSchema } from '../../../electron/cli/experimentConfig.js';
import { planRequests, parseShard, parseLayerList } from '../../../electron/cli/experimentPlan.js';
import { expandSweep, nearbyPaths, pathsOf } from '../../../electron/cli/sweep.js';
import { SweepSpecSchema } from '../../../electron/cli/sweepSpec.js';
import { toTrainRequest } from '../../../electron/cli/experimentConfig.js';

const model = {
  name: 'tiny-cnn',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'MaxPooling2D', poolSize: 2 },
    { type: 'Flatten' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

const grid = { method: 'grid', space: { 'hyper.learningRate': [1e-3, 3e-3], 'model.layers.0.filters': [4, 8] } };

function plan(sweep: unknown, opts = {}) {
  return planRequests([ExperimentRunSchema.parse({ name: 'lr-filters', model, hyper: { epochs: 1 }, sweep })], {}, undefined, opts);
}

describe('sweep expansion', () => {
  it('a 2×2 grid gives 4 trials, first path slowest, each with its parameters and one sweep id', () => {
    const { requests, total } = plan(grid);
    expect(total).toBe(4);
    expect(requests.map((r) => [r.hyper.learningRate, (r.model.layers[0] as { filters: number }).filters])).toEqual([[1e-3, 4], [1e-3, 8], [3e-3, 4], [3e-3, 8]]);
    expect(new Set(requests.map((r) => r.sweep!.id)).size).toBe(1);
    expect(requests.map((r) => r.sweep!.index)).toEqual([0, 1, 2, 3]);
    expect(requests[3].sweep!.params).toEqual({ 'hyper.learningRate': 3e-3, 'model.layers.0.filters': 8 });
    expect(requests[3].name).toBe('lr-filters #4');
    // The same entry gives the same id on another machine (shards agree without talking).
    expect(plan(grid).requests[0].sweep!.id).toBe(requests[0].sweep!.id);
  });

  it('--shard 0/2 and 1/2 split the trials disjointly and cover all of them', () => {
    const all = plan(grid).requests.map((r) => r.sweep!.index);
    const a = plan(grid, { shard: parseShard('0/2') }).requests.map((r) => r.sweep!.index);
    const b = plan(grid, { shard: parseShard('1/2') }).requests.map((r) => r.sweep!.index);
    expect(a).toEqual([0, 2]);
    expect(b).toEqual([1, 3]);
    expect([...a, ...b].sort()).toEqual(all);
    expect(() => parseShard('2/2')).toThrow(/0 ≤ i < N/);
    expect(() => parseShard('x')).toThrow(/--shard must be i\/N/);
  });

  it('random sweeps are seeded, draw log ranges in range and integers for integer fields', () => {
    const spec = { method: 'random', trials: 12, seed: 5, space: { 'hyper.learningRate': { min: 1e-4, max: 1e-1, log: true }, 'hyper.batchSize': { min: 16, max: 256 }, 'model.layers.3.activation': ['softmax'] } };
    const a = plan(spec).requests;
    const b = plan(spec).requests;
    expect(a.map((r) => r.sweep!.params)).toEqual(b.map((r) => r.sweep!.params));
    for (const r of a) {
      expect(r.hyper.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(r.hyper.learningRate).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(r.hyper.batchSize)).toBe(true);
    }
    // Log-uniform: about as many draws below 1e-2.5 as above (uniform would put 97 % above).
    const low = a.filter((r) => r.hyper.learningRate < 10 ** -2.5).length;
    expect(low).toBeGreaterThan(2);
    const other = plan({ ...spec, seed: 6 }).requests.map((r) => r.sweep!.params);
    expect(other).not.toEqual(a.map((r) => r.sweep!.params));
  });

  it('an unknown path is named with the valid paths near it', () => {
    expect(() => plan({ method: 'grid', space: { 'hyper.learningrate': [1e-3] } })).toThrow(/unknown path "hyper.learningrate".*Valid paths near it: hyper\.learningRate, /s);
    expect(() => plan({ method: 'grid', space: { 'model.layers.0.filter': [4] } })).toThrow(/model\.layers\.0\.filters/);
    // Siblings of the mistyped key, not everything below them.
    expect(() => plan({ method: 'grid', space: { 'hyper.learningrate': [1e-3] } })).not.toThrow(/hyper\.optimizer\.type/);
    expect(nearbyPaths('hyper.batchsize', pathsOf({ hyper: { batchSize: 1, epochs: 2 } }))[0]).toBe('hyper.batchSize');
  });

  it('each trial is validated by the contract, the message naming the trial', () => {
    expect(() => plan({ method: 'grid', space: { 'hyper.learningRate': [1e-3, -1] } })).toThrow(/trial #2 of 2 \(hyper.learningRate=-1\) is invalid:\n.*hyper.learningRate: learning rate must be > 0/s);
    expect(() => plan({ method: 'grid', space: { 'model.layers.0.kernelSize': [3, 40] } })).toThrow(/trial #2 of 2 .*layer 1/s);
    expect(() => plan({ method: 'grid', space: { 'hyper.learningRate': { min: 1e-4, max: 1e-2 } } })).toThrow(/grid sweep takes value lists/);
    expect(SweepSpecSchema.safeParse({ method: 'random', space: { 'hyper.learningRate': [1] } }).success).toBe(false);
  });

  it('init-from and freeze reach every trial; --freeze parses layer lists', () => {
    const { requests } = plan(grid, { initFrom: { runId: 'abc', freeze: [0] } });
    expect(requests.every((r) => r.initFrom?.runId === 'abc' && r.initFrom.freeze[0] === 0)).toBe(true);
    expect(parseLayerList('0, 1,1')).toEqual([0, 1]);
    expect(() => parseLayerList('a')).toThrow(/--freeze/);
  });

  it('expandSweep keeps the base request for paths not swept', () => {
    const base = toTrainRequest(ExperimentRunSchema.parse({ model, hyper: { epochs: 3, batchSize: 32 } }), { limit: 512 });
    const [t] = expandSweep(base, SweepSpecSchema.parse({ method: 'grid', space: { 'data.limit': [1000] } }), 'x');
    expect(t.hyper.batchSize).toBe(32);
    expect(t.data.limit).toBe(1000);
    expect(base.data.limit).toBe(512);
  });
});
