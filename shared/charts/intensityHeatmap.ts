// Mean-intensity heatmap (shared, pure): a 28×28 image of values in [0, 1] with a colour bar (seed figure 5).
import type { EChartsOption } from 'echarts';
import { IMAGE_SIZE } from '../classes.js';
import { baseOption, interpolateColor, LIGHT_THEME, type ChartCommon } from './theme.js';

export interface IntensityHeatmapInput extends ChartCommon {
  /** Row-major IMAGE_SIZE × IMAGE_SIZE values in [0, 1]. */
  image: readonly number[];
  label?: string;
  /** Hide the colour bar (small multiples). */
  showScale?: boolean;
}

export function intensityHeatmapOption(input: IntensityHeatmapInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const size = IMAGE_SIZE;
  if (input.image.length !== size * size) throw new RangeError(`intensity image must have ${size * size} values, got ${input.image.length}`);
  let max = 0;
  for (const v of input.image) if (v > max) max = v;
  const data: number[][] = [];
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.push([x, y, input.image[y * size + x]]);
  const showScale = input.showScale ?? true;
  const top = input.title ? 30 : 6;
  const axis = { type: 'category' as const, data: Array.from({ length: size }, (_, i) => i), show: false };
  return {
    ...baseOption(input, theme),
    animation: false,
    tooltip: {
      formatter: (p: unknown) => {
        const v = (p as { value: number[] }).value;
        return `x ${v[0]}, y ${v[1]}: ${(v[2] * 255).toFixed(1)} / 255`;
      },
    },
    grid: { left: 6, right: showScale ? 70 : 6, top, bottom: 6 },
    xAxis: axis,
    yAxis: { ...axis, inverse: true },
    visualMap: {
      type: 'continuous',
      min: 0,
      max: max > 0 ? max : 1,
      calculable: false,
      show: showScale,
      orient: 'vertical',
      right: 4,
      top: 'middle',
      itemHeight: 160,
      text: [input.label ?? 'mean', '0'],
      textStyle: { color: theme.textMuted, fontSize: 11 },
      formatter: (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : String(v)),
      inRange: { color: [...theme.intensity] },
    },
    series: [{ type: 'heatmap', data, progressive: 0, emphasis: { disabled: true } }],
  };
}

/** RGBA pixels (for a canvas ImageData) of a [0, 1] image through the intensity colormap; crisp small multiples. */
export function intensityToRgba(image: readonly number[], stops: readonly string[] = LIGHT_THEME.intensity, max?: number): Uint8ClampedArray {
  let top = max ?? 0;
  if (max === undefined) for (const v of image) if (v > top) top = v;
  const lut: number[][] = [];
  for (let i = 0; i < 256; i++) {
    const hex = interpolateColor(stops, i / 255);
    const v = parseInt(hex.slice(1), 16);
    lut.push([(v >> 16) & 255, (v >> 8) & 255, v & 255]);
  }
  const out = new Uint8ClampedArray(image.length * 4);
  image.forEach((v, i) => {
    const [r, g, b] = lut[Math.round(Math.min(1, Math.max(0, top > 0 ? v / top : 0)) * 255)];
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  });
  return out;
}
