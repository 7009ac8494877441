// Chart adjustments for paper: SVG rendering with the embedded fonts' metrics, no animation, no scrolling legends.
import { describe, it, expect } from 'vitest';
import type { EChartsOption } from 'echarts';
import { renderSvg, forPrint } from '../../../electron/engine/report/charts.js';

describe('renderSvg', () => {
  it('renders without animation and turns a scrolling legend into a plain one', () => {
    const option: EChartsOption = { legend: { type: 'scroll', data: ['a'] }, xAxis: { type: 'category', data: ['x'] }, yAxis: {}, series: [{ type: 'bar', name: 'a', data: [1] }] };
    expect(forPrint(option).legend).toMatchObject({ type: 'plain' });
    const svg = renderSvg(option, 300, 200);
    expect(svg).toMatch(/^<svg[^>]*width="300"[^>]*height="200"/);
    expect(svg).not.toContain('animate');
  });
});
