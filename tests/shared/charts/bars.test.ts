import { describe, expect, it } from 'vitest';
import type { BarSeriesOption, CustomSeriesOption } from 'echarts';
import { accuracyComparisonOption, classDistributionOption, f1ChangeOption, LIGHT_THEME, perClassF1Option } from '../../../shared/charts/index.js';
import { SEED_ANN_ACCURACY, SEED_ANN_F1, SEED_CNN_ACCURACY, SEED_CNN_F1 } from './fixtures.js';
import { renderSvg } from './render.js';

describe('classDistributionOption', () => {
  it('draws one bar series per split in train, validation, test order', () => {
    const o = classDistributionOption({ counts: { test: new Array(10).fill(1000), train: new Array(10).fill(5000), validation: new Array(10).fill(1000) } });
    expect((o.series as BarSeriesOption[]).map((s) => s.name)).toEqual(['train', 'validation', 'test']);
    expect(renderSvg(o)).toContain('Ankle boot');
  });
});

describe('perClassF1Option', () => {
  it('groups bars per class with one series per run and a y axis below the smallest F1', () => {
    const o = perClassF1Option({ runs: [{ name: 'ANN', f1: SEED_ANN_F1 }, { name: 'CNN', f1: SEED_CNN_F1 }] });
    const s = o.series as BarSeriesOption[];
    expect(s.map((x) => x.name)).toEqual(['ANN', 'CNN']);
    expect(s[1].data).toEqual(SEED_CNN_F1);
    expect((o.yAxis as { min: number }).min).toBe(0.6);
    expect(renderSvg(o)).toContain('CNN');
  });
});

describe('f1ChangeOption', () => {
  it('shows B − A per class, green up and red down', () => {
    const o = f1ChangeOption({ a: { name: 'ANN', f1: SEED_ANN_F1 }, b: { name: 'CNN', f1: SEED_CNN_F1 } });
    const data = (o.series as BarSeriesOption[])[0].data as Array<{ value: number; itemStyle: { color: string }; label: { formatter: string } }>;
    expect(data[6].value).toBeCloseTo(0.06, 10);
    expect(data[6].itemStyle.color).toBe(LIGHT_THEME.diverging[2]);
    expect(data[6].label.formatter).toBe('+0.060');
    expect(data[7].value).toBeCloseTo(0.01, 10);
    expect(renderSvg(o)).toContain('+0.060');
  });
  it('marks a drop in red', () => {
    const o = f1ChangeOption({ a: { name: 'A', f1: [0.9, 0.8] }, b: { name: 'B', f1: [0.85, 0.8] }, classNames: ['x', 'y'] });
    const data = (o.series as BarSeriesOption[])[0].data as Array<{ itemStyle: { color: string }; label: { formatter: string } }>;
    expect(data[0].itemStyle.color).toBe(LIGHT_THEME.diverging[0]);
    expect(data[0].label.formatter).toBe('−0.050');
  });
  it('rejects lists of different length', () => {
    expect(() => f1ChangeOption({ a: { name: 'A', f1: [1] }, b: { name: 'B', f1: [1, 2] } })).toThrow(/differ in length/);
  });
});

describe('accuracyComparisonOption', () => {
  const bars = [
    { name: 'ANN', mean: 0.885, std: 0.003, n: 3 },
    { name: 'CNN', mean: 0.912, std: 0, n: 1 },
  ];
  it('draws error bars only where there is a spread', () => {
    const o = accuracyComparisonOption({ bars, referenceLines: [{ value: SEED_ANN_ACCURACY, label: 'seed ANN' }, { value: SEED_CNN_ACCURACY, label: 'seed CNN' }] });
    const [bar, err] = o.series as [BarSeriesOption, CustomSeriesOption];
    expect(err.data).toEqual([[0, 0.882, 0.888]]);
    expect((bar.markLine as { data: unknown[] }).data).toHaveLength(2);
    expect((o.yAxis as { min: number }).min).toBeLessThan(0.8837);
  });
  it('renders with ECharts, labels and whiskers included', () => {
    const svg = renderSvg(accuracyComparisonOption({ bars, referenceLines: [{ value: SEED_ANN_ACCURACY, label: 'seed ANN' }] }));
    expect(svg).toContain('88.50%');
    expect(svg).toContain('seed ANN');
    expect(svg).toContain('n=3');
  });
});
