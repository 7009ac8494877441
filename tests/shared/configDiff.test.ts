// Layer alignment by edit distance: inserted, removed and changed layers instead of position-by-position noise.
import { describe, expect, it } from 'vitest';
import { alignLayers, compareExperiments, layerChanges, layerSummary, type LayerLike } from '../../shared/configDiff.js';

const dense = (units: number, activation = 'relu'): LayerLike => ({ type: 'Dense', units, activation, useBias: true });
const conv = (filters: number, kernelSize: number | [number, number] = 3): LayerLike => ({ type: 'Conv2D', filters, kernelSize, strides: 1, padding: 'valid', activation: 'relu', useBias: true });
const pool: LayerLike = { type: 'MaxPooling2D', poolSize: 2, padding: 'valid' };
const flat: LayerLike = { type: 'Flatten' };
const drop = (rate: number): LayerLike => ({ type: 'Dropout', rate });
const ops = (a: LayerLike[], b: LayerLike[]) => alignLayers(a, b).map((s) => s.op);

describe('alignLayers', () => {
  it('reports an inserted layer, not every later layer as changed', () => {
    const a = [conv(32), pool, flat, dense(128), dense(10, 'softmax')];
    const b = [conv(32), pool, conv(64), pool, flat, dense(128), dense(10, 'softmax')];
    const steps = alignLayers(a, b);
    expect(steps.map((s) => s.op)).toEqual(['same', 'same', 'inserted', 'inserted', 'same', 'same', 'same']);
    expect(steps[2]).toMatchObject({ op: 'inserted', bIndex: 2, layer: { type: 'Conv2D', filters: 64 } });
  });

  it('reports a removed layer', () => {
    const steps = alignLayers([dense(256), drop(0.2), dense(128), dense(10, 'softmax')], [dense(256), dense(128), dense(10, 'softmax')]);
    expect(steps.map((s) => s.op)).toEqual(['same', 'removed', 'same', 'same']);
    expect(steps[1]).toMatchObject({ op: 'removed', aIndex: 1, layer: { type: 'Dropout' } });
  });

  it('reports a changed layer with the settings that changed', () => {
    const steps = alignLayers([conv(32, 3), flat, dense(10, 'softmax')], [conv(32, [5, 5]), flat, dense(10, 'softmax')]);
    expect(steps[0]).toEqual({
      op: 'changed', aIndex: 0, bIndex: 0, a: conv(32, 3), b: conv(32, [5, 5]),
      changes: [{ key: 'kernelSize', a: '3', b: '—' }, { key: 'kernelSize[0]', a: '—', b: '5' }, { key: 'kernelSize[1]', a: '—', b: '5' }],
    });
    expect(layerChanges(dense(64), dense(128, 'tanh'))).toEqual([{ key: 'activation', a: '"relu"', b: '"tanh"' }, { key: 'units', a: '64', b: '128' }]);
  });

  it('sorts three edits into three steps (one insert, one removal, one change)', () => {
    const a = [conv(32), pool, drop(0.25), flat, dense(128), dense(10, 'softmax')];
    const b = [conv(32), { type: 'BatchNormalization', momentum: 0.99, epsilon: 0.001 }, pool, flat, dense(256), dense(10, 'softmax')];
    const steps = alignLayers(a, b);
    expect(steps.map((s) => s.op)).toEqual(['same', 'inserted', 'same', 'removed', 'same', 'changed', 'same']);
    const changed = steps.find((s) => s.op === 'changed');
    expect(changed && changed.op === 'changed' ? changed.changes : null).toEqual([{ key: 'units', a: '128', b: '256' }]);
  });

  it('never turns one kind into another: a swap is a removal and an insertion', () => {
    expect(ops([dense(10)], [drop(0.5)]).sort()).toEqual(['inserted', 'removed']);
    expect(ops([], [dense(1)])).toEqual(['inserted']);
    expect(ops([dense(1)], [])).toEqual(['removed']);
  });
});

describe('compareExperiments', () => {
  it('counts layer edits and lists the other settings that differ, ignoring names and tags', () => {
    const a = { name: 'x', tags: ['a'], model: { name: 'mlp', inputShape: [784], layers: [dense(128), dense(10, 'softmax')] }, hyper: { learningRate: 0.001, batchSize: 128, seed: 42 }, backend: 'cpu' };
    const b = { name: 'y', tags: [], model: { name: 'mlp', inputShape: [784], layers: [dense(256), drop(0.2), dense(10, 'softmax')] }, hyper: { learningRate: 0.002, batchSize: 128, seed: 43 }, backend: 'cpu' };
    const d = compareExperiments(a, b);
    expect(d.counts).toEqual({ same: 1, changed: 1, inserted: 1, removed: 0 });
    expect(d.settings).toEqual([{ key: 'hyper.learningRate', a: '0.001', b: '0.002' }, { key: 'hyper.seed', a: '42', b: '43' }]);
    expect(d.identicalSettings).toBe(4); // backend, hyper.batchSize, model.inputShape[0], model.name
  });

  it('names layers as a table reads them', () => {
    expect(layerSummary(dense(128))).toBe('Dense 128 relu');
    expect(layerSummary(conv(32))).toBe('Conv2D 32 3×3 relu');
    expect(layerSummary(pool)).toBe('MaxPooling2D 2×2');
    expect(layerSummary(drop(0.25))).toBe('Dropout 0.25');
    expect(layerSummary(flat)).toBe('Flatten');
  });
});
