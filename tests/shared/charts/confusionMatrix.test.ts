import { describe, expect, it } from 'vitest';
import type { HeatmapSeriesOption } from 'echarts';
import { confusionCellFromClick, confusionDiffOption, confusionMatrixOption, LIGHT_THEME } from '../../../shared/charts/index.js';
import { syntheticConfusion } from './fixtures.js';
import { renderSvg } from './render.js';

type Cell = { value: number[]; itemStyle: { color: string; borderWidth?: number }; label: { formatter: string } };
const cells = (o: { series?: unknown }) => ((o.series as HeatmapSeriesOption[])[0].data as Cell[]);

const A = syntheticConfusion([840, 970, 850, 900, 810, 960, 610, 960, 970, 960]);
const B = syntheticConfusion([890, 970, 790, 890, 870, 990, 770, 950, 980, 960]);

describe('confusionMatrixOption', () => {
  it('has one cell per (actual, predicted) labelled with its count, x = predicted, y = actual', () => {
    const data = cells(confusionMatrixOption({ matrix: A }));
    expect(data).toHaveLength(100);
    const shirtRow = 6;
    const cell = data.find((c) => c.value[0] === 7 && c.value[1] === shirtRow)!;
    expect(cell.value[3]).toBe(A[shirtRow][7]);
    expect(cell.label.formatter).toBe(String(A[shirtRow][7]));
  });

  it('shades by share of the row, darker for bigger shares', () => {
    const data = cells(confusionMatrixOption({ matrix: A }));
    const diag = data.find((c) => c.value[0] === 0 && c.value[1] === 0)!;
    const zero = data.find((c) => c.value[3] === 0)!;
    expect(zero.itemStyle.color).toBe(LIGHT_THEME.sequential[0]);
    expect(diag.itemStyle.color).not.toBe(zero.itemStyle.color);
  });

  it('outlines highlighted cells', () => {
    const data = cells(confusionMatrixOption({ matrix: A, highlight: [{ actual: 6, predicted: 4 }] }));
    expect(data.find((c) => c.value[0] === 4 && c.value[1] === 6)!.itemStyle.borderWidth).toBe(2);
    expect(data.find((c) => c.value[0] === 6 && c.value[1] === 4)!.itemStyle.borderWidth).toBeUndefined();
  });

  it('rejects a ragged matrix', () => {
    expect(() => confusionMatrixOption({ matrix: [[1, 2], [3]] })).toThrow(/square/);
  });

  it('renders with ECharts, counts visible', () => {
    const svg = renderSvg(confusionMatrixOption({ matrix: A, title: 'ANN' }), 640, 560);
    expect(svg).toContain('>610<');
    expect(svg).toContain('Ankle boot');
  });
});

describe('confusionCellFromClick', () => {
  it('maps a heatmap click to (actual, predicted)', () => {
    expect(confusionCellFromClick({ seriesType: 'heatmap', value: [4, 6, 0.1, 82] })).toEqual({ actual: 6, predicted: 4 });
  });
  it('ignores clicks on other series', () => {
    expect(confusionCellFromClick({ seriesType: 'bar', value: 3 })).toBeNull();
  });
});

describe('confusionDiffOption', () => {
  it('labels B − A and colours gains green: more on the diagonal, fewer off it', () => {
    const data = cells(confusionDiffOption({ a: A, b: B }));
    const shirtDiag = data.find((c) => c.value[0] === 6 && c.value[1] === 6)!;
    expect(shirtDiag.label.formatter).toBe(`+${B[6][6] - A[6][6]}`);
    expect(shirtDiag.value[2]).toBeGreaterThan(0);
    const pulloverDiag = data.find((c) => c.value[0] === 2 && c.value[1] === 2)!;
    expect(pulloverDiag.value[2]).toBeLessThan(0);
    // Off the diagonal a decrease is a gain.
    const off = data.find((c) => c.value[1] !== c.value[0] && B[c.value[1]][c.value[0]] < A[c.value[1]][c.value[0]])!;
    expect(off.value[2]).toBeGreaterThan(0);
    // The biggest gain gets the full "better" colour.
    const maxGain = Math.max(...data.map((c) => c.value[2]));
    const maxAbs = Math.max(...data.map((c) => Math.abs(c.value[3])));
    if (maxGain === maxAbs) expect(data.find((c) => c.value[2] === maxGain)!.itemStyle.color).toBe(LIGHT_THEME.diverging[2]);
  });

  it('compares row shares in percentage points when asked (test sets of different size)', () => {
    const small = A.map((row) => row.map((v) => v / 10));
    const data = cells(confusionDiffOption({ a: small, b: A, normalize: 'row' }));
    // Same proportions, ten times the images: no difference anywhere.
    expect(data.every((c) => c.label.formatter === '·')).toBe(true);
    const shirt = cells(confusionDiffOption({ a: A, b: B, normalize: 'row' })).find((c) => c.value[0] === 6 && c.value[1] === 6)!;
    expect(shirt.label.formatter).toBe(`+${(((B[6][6] - A[6][6]) / 1000) * 100).toFixed(1)}`);
  });

  it('rejects matrices of different size', () => {
    expect(() => confusionDiffOption({ a: A, b: [[1]] })).toThrow(/differ in size/);
  });

  it('renders with ECharts', () => {
    expect(renderSvg(confusionDiffOption({ a: A, b: B, title: 'CNN − ANN' }), 640, 560)).toContain('+160');
  });
});
