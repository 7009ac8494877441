import { describe, expect, it } from 'vitest';
import type { BarSeriesOption, CustomSeriesOption } from 'echarts';
import { accuracyComparisonOption, classDistributionOption, f1ChangeOption, LIGHT_THEME, perClassF1Option } from '../../../shared/charts/index.js';
import { estimateTextWidth } from '../../../shared/charts/axes.js';
import { SEED_ANN_ACCURACY, SEED_ANN_F1, SEED_CNN_ACCURACY, SEED_CNN_F1 } from './fixtures.js';
import { renderSvg } from './render.js';
import { horizontalSegments, svgTexts, textNamed } from './svgGeometry.js';

/** The y-axis tick labels of a rendered chart, top to bottom (right-aligned left of the plot). */
const yTicks = (svg: string) => svgTexts(svg).filter((t) => t.anchor === 'end' && t.x < 60 && /^-?[\d.]+$/.test(t.text)).sort((a, b) => a.y - b.y);

/** Per-class F1 of the full seed runs (seed-ann, seed-cnn): Shirt is the one class that drops, by 0.0087. */
const FULL_ANN_F1 = [0.8394, 0.9799, 0.8027, 0.8902, 0.8131, 0.965, 0.7229, 0.9429, 0.9654, 0.9449];
const FULL_CNN_F1 = [0.8538, 0.9839, 0.8496, 0.9088, 0.8547, 0.9763, 0.7142, 0.9534, 0.9714, 0.9618];

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
  it('shows B − A per class in one neutral colour, and says in the legend that the differences are untested', () => {
    const o = f1ChangeOption({ a: { name: 'ANN', f1: SEED_ANN_F1 }, b: { name: 'CNN', f1: SEED_CNN_F1 } });
    const data = (o.series as BarSeriesOption[])[0].data as Array<{ value: number; itemStyle: { color: string }; label: { formatter: string } }>;
    expect(data[6].value).toBeCloseTo(0.06, 10);
    expect(data[6].label.formatter).toBe('+0.060');
    expect(data[7].value).toBeCloseTo(0.01, 10);
    // Rises and drops alike (the full seed report has a drop) share the neutral colour.
    const full = (f1ChangeOption({ a: { name: 'ANN', f1: FULL_ANN_F1 }, b: { name: 'CNN', f1: FULL_CNN_F1 } }).series as BarSeriesOption[])[0].data as typeof data;
    expect(full.some((d) => d.value < 0) && full.some((d) => d.value > 0)).toBe(true);
    expect(new Set([...data, ...full].map((d) => d.itemStyle.color))).toEqual(new Set([LIGHT_THEME.axisLine]));
    const svg = renderSvg(o);
    expect(svg).toContain('+0.060');
    expect(svg).toContain('untested (no significance test)');
  });
  it('colours only the classes marked significant: green up, red down', () => {
    const o = f1ChangeOption({ a: { name: 'A', f1: [0.9, 0.8, 0.7] }, b: { name: 'B', f1: [0.85, 0.9, 0.75] }, classNames: ['x', 'y', 'z'], significant: [true, true, false] });
    const data = (o.series as BarSeriesOption[])[0].data as Array<{ itemStyle: { color: string }; label: { formatter: string } }>;
    expect(data.map((d) => d.itemStyle.color)).toEqual([LIGHT_THEME.diverging[0], LIGHT_THEME.diverging[2], LIGHT_THEME.axisLine]);
    expect(data[0].label.formatter).toBe('−0.050');
    expect(renderSvg(o)).not.toContain('untested');
  });
  it('keeps a negative value label inside the plot, clear of the class names under it', () => {
    const svg = renderSvg(f1ChangeOption({ a: { name: 'ANN', f1: FULL_ANN_F1 }, b: { name: 'CNN', f1: FULL_CNN_F1 } }), 620, 300);
    const label = textNamed(svg, '−0.009');
    const plotBottom = yTicks(svg).at(-1)!.y;
    expect(label.y + label.fontSize / 2).toBeLessThanOrEqual(plotBottom);
    const shirt = textNamed(svg, 'Shirt');
    expect(shirt.y - 8).toBeGreaterThan(label.y + label.fontSize / 2);
  });
  it('keeps the highest value label under the top of the plot, on round ticks through 0', () => {
    const svg = renderSvg(f1ChangeOption({ a: { name: 'ANN', f1: FULL_ANN_F1 }, b: { name: 'CNN', f1: FULL_CNN_F1 } }), 620, 300);
    const ticks = yTicks(svg);
    expect(ticks.map((t) => t.text)).toEqual(['0.06', '0.04', '0.02', '0', '-0.02']);
    const top = textNamed(svg, '+0.047');
    expect(top.y - top.fontSize / 2).toBeGreaterThanOrEqual(ticks[0].y);
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
  it('renders with ECharts, labels and whiskers included, the spread under the name', () => {
    const svg = renderSvg(accuracyComparisonOption({ bars, referenceLines: [{ value: SEED_ANN_ACCURACY, label: 'seed ANN' }] }));
    expect(svg).toContain('88.50%');
    expect(svg).toContain('seed ANN');
    const spread = textNamed(svg, '± 0.30 pp · n = 3');
    expect(spread.y).toBeGreaterThan(textNamed(svg, 'ANN').y);
    expect(spread.x).toBe(textNamed(svg, 'ANN').x);
  });

  it('steps the accuracy axis in round ticks up to 1, never "0.99" under "1"', () => {
    const low = [{ name: 'MLP', mean: 0.835, std: 0.012, n: 3 }, { name: 'CNN', mean: 0.87, std: 0.004, n: 2 }];
    const svg = renderSvg(accuracyComparisonOption({ bars: low, referenceLines: [{ value: SEED_CNN_ACCURACY, label: 'seed CNN' }] }), 820, 260);
    const ticks = yTicks(svg).map((t) => t.text);
    expect(ticks).toEqual(['1', '0.95', '0.9', '0.85', '0.8', '0.75']);
  });

  it('puts each value label at the base of its bar, below the lower whisker', () => {
    const wide = [{ name: 'MLP', mean: 0.835, std: 0.012, n: 3 }, { name: 'CNN', mean: 0.87, std: 0.004, n: 2 }, { name: 'one', mean: 0.852 }];
    for (const [w, h] of [[820, 260], [480, 200], [640, 420]]) {
      const svg = renderSvg(accuracyComparisonOption({ bars: wide }), w, h);
      const whiskers = horizontalSegments(svg, 1);
      for (const [i, b] of wide.slice(0, 2).entries()) {
        const label = textNamed(svg, `${(b.mean * 100).toFixed(2)}%`);
        const mine = whiskers.filter((s) => s.x1 < label.x && s.x2 > label.x);
        expect(mine, `bar ${i}`).toHaveLength(2);
        const lowerWhisker = Math.max(...mine.map((s) => s.y));
        expect(label.y - label.fontSize / 2, `${w}×${h} bar ${i}`).toBeGreaterThan(lowerWhisker + 2);
      }
    }
  });

  it('labels reference lines right of the plot, clear of the last bar, within the chart', () => {
    const refs = [{ value: 0.835, label: 'Human' }, { value: 0.8833, label: 'MLP 256-128-100' }, { value: 0.916, label: '2 Conv+pooling' }];
    const many = [0.88, 0.89, 0.905, 0.91].map((mean, i) => ({ name: `run ${i}`, mean, std: 0.003, n: 3 }));
    const svg = renderSvg(accuracyComparisonOption({ bars: many, referenceLines: refs }), 640, 300);
    const lines = horizontalSegments(svg, 0);
    const plotRight = Math.max(...lines.map((l) => l.x2));
    for (const r of refs) {
      const text = `${r.label} ${(r.value * 100).toFixed(2)}%`;
      const label = textNamed(svg, text);
      expect(label.anchor).toBe('start');
      expect(label.x).toBeGreaterThan(plotRight);
      expect(label.x + estimateTextWidth(text, label.fontSize)).toBeLessThanOrEqual(640);
    }
  });
});
