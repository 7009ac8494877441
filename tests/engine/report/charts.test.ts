// Chart adjustments for paper: round accuracy axes and SVG rendering with the embedded fonts' metrics.
import { describe, it, expect } from 'vitest';
import type { EChartsOption } from 'echarts';
import { renderSvg, roundAccuracyAxis, forPrint } from '../../../electron/engine/report/charts.js';

const base: EChartsOption = { xAxis: { type: 'value' }, yAxis: { type: 'value', scale: true, max: 1 }, series: [] };
const axisOf = (o: EChartsOption) => o.yAxis as { min: number; max: number; interval: number; scale: boolean };

describe('roundAccuracyAxis', () => {
  it('starts at a round value below the data and steps evenly to 1 in at most six intervals', () => {
    expect(axisOf(roundAccuracyAxis(base, [0.81, 0.92]))).toMatchObject({ min: 0.8, max: 1, interval: 0.05, scale: false });
    expect(axisOf(roundAccuracyAxis(base, [0.97, 0.99]))).toMatchObject({ min: 0.96, interval: 0.01 });
    expect(axisOf(roundAccuracyAxis(base, [0.1, 0.5]))).toMatchObject({ min: 0, interval: 0.2 });
  });

  it('leaves the option alone without finite values', () => {
    expect(roundAccuracyAxis(base, [Number.NaN])).toBe(base);
  });
});

describe('renderSvg', () => {
  it('renders without animation and turns a scrolling legend into a plain one', () => {
    const option: EChartsOption = { legend: { type: 'scroll', data: ['a'] }, xAxis: { type: 'category', data: ['x'] }, yAxis: {}, series: [{ type: 'bar', name: 'a', data: [1] }] };
    expect(forPrint(option).legend).toMatchObject({ type: 'plain' });
    const svg = renderSvg(option, 300, 200);
    expect(svg).toMatch(/^<svg[^>]*width="300"[^>]*height="200"/);
    expect(svg).not.toContain('animate');
  });
});
