// Accuracy comparison bars with error bars (shared, pure): mean ± std over repeats, with reference lines.
import type { CustomSeriesOption, EChartsOption } from 'echarts';
import { axisStyle, baseOption, LIGHT_THEME, runColor, type ChartCommon } from './theme.js';
import { referenceLabelData, type ReferenceLine } from './trainingCurves.js';

export interface AccuracyBar {
  name: string;
  /** In [0, 1]. */
  mean: number;
  /** Standard deviation over repeats; omitted or 0 for a single run. */
  std?: number;
  /** How many runs the mean is over (shown in the label). */
  n?: number;
  color?: string;
}

export interface AccuracyComparisonInput extends ChartCommon {
  bars: readonly AccuracyBar[];
  referenceLines?: readonly ReferenceLine[];
  /** Lower end of the y axis; default a round value below the lowest bar, to make differences readable. */
  yMin?: number;
  metricName?: string;
}

export function accuracyComparisonOption(input: AccuracyComparisonInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const lows = input.bars.map((b) => b.mean - (b.std ?? 0)).concat((input.referenceLines ?? []).map((r) => r.value));
  const yMin = input.yMin ?? Math.max(0, Math.floor((Math.min(1, ...lows) - 0.02) * 20) / 20);
  const errorData = input.bars.map((b, i) => [i, b.mean - (b.std ?? 0), b.mean + (b.std ?? 0)]);
  const errorSeries: CustomSeriesOption = {
    type: 'custom',
    name: '± std',
    silent: true,
    z: 5,
    data: errorData.filter((_, i) => (input.bars[i].std ?? 0) > 0),
    encode: { x: 0, y: [1, 2] },
    renderItem: (_params, api) => {
      const x = api.value(0) as number;
      const lo = api.coord([x, api.value(1) as number]);
      const hi = api.coord([x, api.value(2) as number]);
      const half = ((api.size?.([1, 0]) as number[] | undefined)?.[0] ?? 40) * 0.12;
      const style = { stroke: theme.text, lineWidth: 1.5 };
      return {
        type: 'group',
        children: [
          { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
          { type: 'line', shape: { x1: lo[0] - half, y1: lo[1], x2: lo[0] + half, y2: lo[1] }, style },
          { type: 'line', shape: { x1: hi[0] - half, y1: hi[1], x2: hi[0] + half, y2: hi[1] }, style },
        ],
      };
    },
  };
  const refs = input.referenceLines ?? [];
  return {
    ...baseOption(input, theme),
    tooltip: { trigger: 'item' },
    grid: { left: 56, right: 16, top: input.title ? 36 : 16, bottom: 48 },
    xAxis: { type: 'category', data: input.bars.map((b) => b.name), ...axisStyle(theme), axisLabel: { color: theme.textMuted, interval: 0 }, splitLine: { show: false } },
    yAxis: { type: 'value', name: input.metricName ?? 'test accuracy', min: yMin, max: 1, ...axisStyle(theme) },
    series: [
      {
        type: 'bar',
        name: input.metricName ?? 'test accuracy',
        barMaxWidth: 64,
        data: input.bars.map((b, i) => ({
          value: b.mean,
          itemStyle: { color: b.color ?? runColor(i, theme) },
          label: {
            show: true,
            position: 'insideTop',
            color: '#ffffff',
            fontWeight: 600,
            formatter: `${(b.mean * 100).toFixed(2)}%${b.std ? `\n±${(b.std * 100).toFixed(2)}` : ''}${b.n && b.n > 1 ? `\nn=${b.n}` : ''}`,
          },
        })),
        ...(refs.length > 0
          ? {
              markLine: {
                symbol: 'none',
                silent: true,
                lineStyle: { color: theme.textMuted, type: 'dashed', width: 1 },
                label: { formatter: '{b}', color: theme.textMuted, fontSize: 11 },
                data: referenceLabelData(refs, (r) => `${r.label} ${(r.value * 100).toFixed(2)}%`, 'insideEnd'),
              },
            }
          : {}),
      },
      errorSeries,
    ],
  };
}
