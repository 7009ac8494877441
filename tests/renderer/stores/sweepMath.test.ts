import { describe, expect, it } from 'vitest';
import { rankTrials, sweepGroups } from '../../../renderer/src/stores/sweepMath.js';
import type { RunDetail, RunSummary } from '../../../shared/run.js';

function summary(id: string, sweepId: string | undefined, createdAt: string): RunSummary {
  return {
    id, name: `grid #${id.charCodeAt(0) - 96}`, createdAt, status: 'finished', preset: null, modelName: 'm', tags: [], groupId: null, params: 100,
    backend: 'wasm', epochsDone: 1, epochs: 1, testAccuracy: 0.8, macroF1: 0.8, trainSeconds: 2, samplesPerSecond: 1, reason: null, damaged: null,
    ...(sweepId ? { sweepId } : {}),
  };
}

function detail(id: string, index: number, val: number[], lr: number): RunDetail {
  return {
    summary: summary(id, 's1', '2026'), begin: null, test: null, logWarnings: [],
    epochs: val.map((v, epoch) => ({ epoch, loss: 1, accuracy: 0.5, valLoss: 1, valAccuracy: v, learningRate: lr, seconds: 1, samplesPerSecond: 1, valConfusion: [] })),
    config: { id, name: id, createdAt: '2026', seed: 1, groupId: null, repeatIndex: 0, request: { sweep: { id: 's1', name: 'grid', method: 'grid', index, trials: 4, params: { 'hyper.learningRate': lr } } } } as unknown as RunDetail['config'],
  };
}

describe('sweep math', () => {
  it('groups runs by sweep id across shards, newest sweep first, runs without one left out', () => {
    const g = sweepGroups([summary('a', 's1', '2026-01-01'), summary('b', 's2', '2026-02-01'), summary('c', 's1', '2026-03-01'), summary('d', undefined, '2026-04-01')]);
    expect(g.map((x) => [x.id, x.runIds])).toEqual([['s1', ['a', 'c']], ['s2', ['b']]]);
    expect(g[0].name).toBe('grid');
  });
  it('ranks trials by their best epoch, ties by index; trials without an epoch are pending', () => {
    const r = rankTrials([detail('a', 0, [0.7, 0.75], 1e-3), detail('b', 1, [0.8, 0.6], 1e-2), detail('c', 2, [0.75], 3e-3), detail('d', 3, [], 1e-4)]);
    expect(r.ranked.map((t) => [t.id, t.valAccuracy])).toEqual([['b', 0.8], ['a', 0.75], ['c', 0.75]]);
    expect(r.pending.map((d) => d.summary.id)).toEqual(['d']);
    expect(r.keys).toEqual(['hyper.learningRate']);
    expect(r.planned).toBe(4);
    expect(r.ranked[0].label).toBe('2');
  });
});
