import { describe, expect, it } from 'vitest';
import type { HeatmapSeriesOption } from 'echarts';
import { INFERNO, intensityHeatmapOption, intensityToRgba } from '../../../shared/charts/index.js';
import { renderSvg } from './render.js';

const ramp = Array.from({ length: 784 }, (_, i) => (i % 28) / 27);

describe('intensityHeatmapOption', () => {
  it('has 784 cells in row-major order, first row at the top', () => {
    const o = intensityHeatmapOption({ image: ramp });
    const data = (o.series as HeatmapSeriesOption[])[0].data as number[][];
    expect(data).toHaveLength(784);
    expect(data[29]).toEqual([1, 1, 1 / 27]);
    expect((o.yAxis as { inverse: boolean }).inverse).toBe(true);
    expect((o.visualMap as { inRange: { color: string[] } }).inRange.color[0]).toBe(INFERNO[0]);
  });
  it('rejects an image of the wrong size', () => {
    expect(() => intensityHeatmapOption({ image: [0.5] })).toThrow(/784/);
  });
  it('renders with ECharts', () => {
    expect(renderSvg(intensityHeatmapOption({ image: ramp, title: 'Mean training image' }), 400, 360)).toContain('Mean training image');
  });
});

describe('intensityToRgba', () => {
  it('maps 0 to the first stop and the maximum to the last', () => {
    const px = intensityToRgba([0, 0.5, 1]);
    expect(Array.from(px.slice(0, 4))).toEqual([0, 0, 4, 255]);
    expect(Array.from(px.slice(8, 12))).toEqual([0xfc, 0xff, 0xa4, 255]);
  });
  it('stretches to the image maximum unless a maximum is given', () => {
    expect(Array.from(intensityToRgba([0, 0.5]).slice(4, 7))).toEqual([0xfc, 0xff, 0xa4]);
    expect(Array.from(intensityToRgba([0, 0.5], INFERNO, 1).slice(4, 7))).not.toEqual([0xfc, 0xff, 0xa4]);
  });
});
