import { describe, expect, it } from 'vitest';
import { sweepParallelOption, sweepScatterOption, type SweepTrialPoint } from '../../../shared/charts/sweep.js';
import { renderSvg } from './render.js';

const trials: SweepTrialPoint[] = [
  { id: 'a', label: '1', params: { 'hyper.learningRate': 1e-4, 'model.layers.0.filters': 4 }, valAccuracy: 0.71, paramCount: 5000, trainSeconds: 3 },
  { id: 'b', label: '2', params: { 'hyper.learningRate': 1e-2, 'model.layers.0.filters': 8 }, valAccuracy: 0.83, paramCount: 9000, trainSeconds: 5 },
  { id: 'c', label: '3', params: { 'hyper.learningRate': 1e-3, 'model.layers.0.filters': 8 }, valAccuracy: 0.79, paramCount: 9000, trainSeconds: 4.5 },
];
const keys = ['hyper.learningRate', 'model.layers.0.filters'];

describe('sweep charts', () => {
  it('parallel coordinates: one axis per swept path plus accuracy, log for learning rates, the best trial thickest', () => {
    const o = sweepParallelOption({ trials, keys }) as { parallelAxis: Array<{ type: string; name: string }>; series: Array<{ data: Array<{ value: unknown[]; lineStyle?: { width: number } }> }> };
    expect(o.parallelAxis.map((a) => [a.name, a.type])).toEqual([['learningRate', 'log'], ['layer 0.filters', 'value'], ['val. accuracy', 'value']]);
    expect(o.series[0].data[1].value).toEqual([1e-2, 8, 0.83]);
    expect(o.series[0].data[1].lineStyle?.width).toBe(4);
    expect(o.series[0].data[0].lineStyle).toBeUndefined();
    expect(renderSvg(sweepParallelOption({ trials, keys }))).toContain('<svg');
  });

  it('categorical values get a category axis', () => {
    const cat = trials.map((t, i) => ({ ...t, params: { 'hyper.optimizer': i ? { type: 'adam' } : { type: 'sgd' } } }));
    const o = sweepParallelOption({ trials: cat, keys: ['hyper.optimizer'] }) as { parallelAxis: Array<{ type: string; data?: string[] }> };
    expect(o.parallelAxis[0]).toMatchObject({ type: 'category', data: ['{"type":"sgd"}', '{"type":"adam"}'] });
  });

  it('scatter: accuracy against parameters and against training time, best trial marked', () => {
    const o = sweepScatterOption({ trials, keys }) as { series: Array<{ data: Array<{ value: number[]; symbolSize: number }> }> };
    expect(o.series[0].data.map((p) => p.value)).toEqual([[5000, 0.71], [9000, 0.83], [9000, 0.79]]);
    expect(o.series[1].data.map((p) => p.value[0])).toEqual([3, 5, 4.5]);
    expect(o.series[0].data[1].symbolSize).toBeGreaterThan(o.series[0].data[0].symbolSize);
    expect(renderSvg(sweepScatterOption({ trials, keys }))).toContain('<svg');
  });
});
