// Accuracy comparison bars with error bars (shared, pure): mean ± std over repeats, with reference lines.
import type { CustomSeriesOption, EChartsOption } from 'echarts';
import { axisStyle, baseOption, LIGHT_THEME, runColor, type ChartCommon } from './theme.js';
import type { ReferenceLine } from './trainingCurves.js';
import { estimateTextWidth, gutterReferenceData, unitAxis } from './axes.js';

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
  /**
   * Lower end of the y axis (rounded down to a tick); default a round value below the lowest error bar, to make
   * differences readable while leaving each bar tall enough for its label.
   */
  yMin?: number;
  metricName?: string;
}

/** Share of the axis kept free under the lowest whisker or reference line: the bar's value label sits there. */
const BASE_LABEL_ROOM = 0.15;
const REF_LABEL_SIZE = 11;
const LABEL_LINE = 15;
const REF_LABEL_DISTANCE = 6;

export function accuracyComparisonOption(input: AccuracyComparisonInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const lows = input.bars.map((b) => b.mean - (b.std ?? 0)).concat((input.referenceLines ?? []).map((r) => r.value));
  const axis = input.yMin !== undefined ? unitAxis([input.yMin], 0) : unitAxis(lows, 0.02, BASE_LABEL_ROOM);
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
  const spread = input.bars.map((b) => spreadLines(b, input.bars.length));
  const refText = (r: ReferenceLine) => `${r.label} ${(r.value * 100).toFixed(2)}%`;
  // Reference labels sit in a gutter right of the plot: inside it they ran over the last bar.
  const gutter = refs.length > 0 ? REF_LABEL_DISTANCE + Math.max(...refs.map((r) => estimateTextWidth(refText(r), REF_LABEL_SIZE))) + 4 : 16;
  return {
    ...baseOption(input, theme),
    tooltip: { trigger: 'item' },
    grid: { left: 56, right: gutter, top: input.title ? 36 : 26, bottom: Math.max(48, 18 + LABEL_LINE * (1 + Math.max(0, ...spread.map((l) => l.length)))) },
    xAxis: {
      type: 'category',
      data: input.bars.map((b) => b.name),
      ...axisStyle(theme),
      // The spread goes under the name: inside the bar it collided with the error bar's whiskers.
      axisLabel: { color: theme.textMuted, interval: 0, lineHeight: LABEL_LINE, formatter: (name: string, i: number) => [name, ...(spread[i] ?? [])].join('\n') },
      splitLine: { show: false },
    },
    yAxis: { type: 'value', name: input.metricName ?? 'test accuracy', ...axis, ...axisStyle(theme) },
    series: [
      {
        type: 'bar',
        name: input.metricName ?? 'test accuracy',
        barMaxWidth: 64,
        data: input.bars.map((b, i) => ({
          value: b.mean,
          itemStyle: { color: b.color ?? runColor(i, theme) },
          // One line at the base of the bar, below the lowest whisker (the axis leaves room under it).
          label: { show: true, position: 'insideBottom', distance: 6, color: '#ffffff', fontWeight: 600, formatter: `${(b.mean * 100).toFixed(2)}%` },
        })),
        ...(refs.length > 0
          ? {
              markLine: {
                symbol: 'none',
                silent: true,
                lineStyle: { color: theme.textMuted, type: 'dashed', width: 1 },
                label: { formatter: '{b}', color: theme.textMuted, fontSize: REF_LABEL_SIZE, distance: REF_LABEL_DISTANCE },
                // Two lines closer than about a label's height on a typical plot keep their labels apart.
                data: gutterReferenceData(refs, refText, (axis.max - axis.min) * 0.08),
              },
            }
          : {}),
      },
      errorSeries,
    ],
  };
}

/** Lines under a bar's name: "± 0.21 pp · n = 3", split in two when more than three bars share the width. */
function spreadLines(bar: AccuracyBar, bars: number): string[] {
  const parts = [bar.std ? `± ${(bar.std * 100).toFixed(2)} pp` : '', bar.n && bar.n > 1 ? `n = ${bar.n}` : ''].filter(Boolean);
  return bars > 3 ? parts : parts.length > 0 ? [parts.join(' · ')] : [];
}
