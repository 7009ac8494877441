// Sweep charts (shared, pure): the swept parameters against validation accuracy as parallel coordinates, and
// validation accuracy against model size and training time as scatters; the best trial drawn on top, thicker.
import type { EChartsOption, ParallelSeriesOption, ScatterSeriesOption } from 'echarts';
import { axisStyle, baseOption, LIGHT_THEME, type ChartCommon } from './theme.js';

export interface SweepTrialPoint {
  id: string;
  /** Trial number as shown to people (1-based). */
  label: string;
  params: Readonly<Record<string, unknown>>;
  /** Best validation accuracy over the trial's epochs, in [0, 1]. */
  valAccuracy: number;
  paramCount: number | null;
  trainSeconds: number | null;
}

export interface SweepChartInput extends ChartCommon {
  trials: readonly SweepTrialPoint[];
  /** The swept paths, in the order the sweep lists them. */
  keys: readonly string[];
}

const shortName = (path: string) => path.replace(/^hyper\./, '').replace(/^model\.layers\./, 'layer ').replace(/^data\./, 'data ');
const text = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : typeof v === 'string' ? v : JSON.stringify(v));

/** A numeric axis goes logarithmic when its positive values span more than a factor of 20 (learning rates). */
function numericAxis(values: number[]): { type: 'value' | 'log'; min?: number; max?: number } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (lo > 0 && hi / lo > 20) return { type: 'log' };
  return { type: 'value', min: lo === hi ? lo - 1 : undefined, max: lo === hi ? hi + 1 : undefined };
}

function best(trials: readonly SweepTrialPoint[]): SweepTrialPoint | null {
  return trials.reduce<SweepTrialPoint | null>((b, t) => (!b || t.valAccuracy > b.valAccuracy ? t : b), null);
}

function accuracyRange(trials: readonly SweepTrialPoint[]): { min: number; max: number } {
  const v = trials.map((t) => t.valAccuracy);
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const pad = Math.max((hi - lo) * 0.1, 0.005);
  // Round ends (5 % steps for a wide spread, 1 % for a close one) so the axis ticks land on readable values.
  const step = hi - lo > 0.1 ? 20 : 100;
  return { min: Math.max(0, Math.floor((lo - pad) * step) / step), max: Math.min(1, Math.ceil((hi + pad) * step) / step) };
}

export function sweepParallelOption(input: SweepChartInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const { trials, keys } = input;
  const style = axisStyle(theme);
  const top = best(trials);
  const acc = accuracyRange(trials);
  const parallelAxis = keys.map((k, dim) => {
    const values = trials.map((t) => t.params[k]);
    const common = { dim, name: shortName(k), nameLocation: 'end' as const, ...style, splitLine: { show: false } };
    if (values.every((v) => typeof v === 'number')) return { ...common, ...numericAxis(values as number[]) };
    return { ...common, type: 'category' as const, data: [...new Set(values.map(text))] };
  });
  parallelAxis.push({
    dim: keys.length, name: 'val. accuracy', nameLocation: 'end', ...style, splitLine: { show: false }, type: 'value', min: acc.min, max: acc.max,
    axisLabel: { ...style.axisLabel, formatter: (v: number) => `${Math.round(v * 1000) / 10} %` },
  } as (typeof parallelAxis)[number]);
  const row = (t: SweepTrialPoint) => [...keys.map((k) => (typeof t.params[k] === 'number' ? (t.params[k] as number) : text(t.params[k]))), t.valAccuracy];
  const series: ParallelSeriesOption = {
    type: 'parallel',
    smooth: false,
    lineStyle: { width: 1.5, opacity: 0.75 },
    emphasis: { lineStyle: { width: 3, opacity: 1 } },
    data: trials.map((t) => ({
      name: `trial ${t.label}`,
      value: row(t),
      ...(t === top ? { lineStyle: { width: 4, opacity: 1 } } : {}),
    })),
  };
  return {
    ...baseOption(input, theme),
    tooltip: { trigger: 'item', formatter: (p: unknown) => {
      const d = p as { name: string; value: unknown[] };
      return `${d.name}<br/>${keys.map((k, i) => `${shortName(k)}: ${text(d.value[i])}`).join('<br/>')}<br/>val. accuracy: ${(Number(d.value[keys.length]) * 100).toFixed(2)} %`;
    } },
    parallel: { left: 60, right: 110, top: input.title ? 48 : 36, bottom: 28, parallelAxisDefault: { nameTextStyle: { color: theme.text, fontSize: 12 } } },
    parallelAxis,
    visualMap: {
      type: 'continuous', dimension: keys.length, min: acc.min, max: acc.max, calculable: false, right: 8, top: 'middle', itemHeight: 140,
      text: ['better', 'worse'], textStyle: { color: theme.textMuted }, inRange: { color: ['#d7301f', '#fdae61', '#abd9e9', '#2c7bb6'] },
      formatter: (v: unknown) => `${(Number(v) * 100).toFixed(1)} %`,
    },
    series: [series],
  };
}

export function sweepScatterOption(input: SweepChartInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const style = axisStyle(theme);
  const top = best(input.trials);
  const acc = accuracyRange(input.trials);
  const point = (x: number | null, t: SweepTrialPoint) => (x === null ? null : {
    name: `trial ${t.label}`, value: [x, t.valAccuracy],
    itemStyle: t === top ? { color: theme.palette[1], borderColor: theme.text, borderWidth: 1.5 } : { color: theme.palette[0], opacity: 0.8 },
    symbolSize: t === top ? 16 : 10,
  });
  const params = input.trials.map((t) => point(t.paramCount, t)).filter((p) => p !== null);
  const time = input.trials.map((t) => point(t.trainSeconds, t)).filter((p) => p !== null);
  const spread = (xs: number[]) => xs.length > 0 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 20;
  const yAxis = (gridIndex: number) => ({ gridIndex, type: 'value' as const, min: acc.min, max: acc.max, name: gridIndex === 0 ? 'val. accuracy' : '', ...style,
    axisLabel: { ...style.axisLabel, formatter: (v: number) => `${Math.round(v * 1000) / 10} %` } });
  const series: ScatterSeriesOption[] = [
    { type: 'scatter', name: 'by size', xAxisIndex: 0, yAxisIndex: 0, data: params, label: { show: true, position: 'right', formatter: '{b}', color: theme.textMuted, fontSize: 10 } },
    { type: 'scatter', name: 'by time', xAxisIndex: 1, yAxisIndex: 1, data: time, label: { show: true, position: 'right', formatter: '{b}', color: theme.textMuted, fontSize: 10 } },
  ];
  return {
    ...baseOption(input, theme),
    tooltip: { trigger: 'item', formatter: (p: unknown) => {
      const d = p as { name: string; seriesIndex: number; value: number[] };
      const x = d.seriesIndex === 0 ? `${d.value[0].toLocaleString('en-US')} params` : `${d.value[0].toFixed(1)} s training`;
      return `${d.name}<br/>${x}<br/>val. accuracy ${(d.value[1] * 100).toFixed(2)} %`;
    } },
    grid: [
      { left: 64, right: '54%', top: input.title ? 44 : 30, bottom: 48 },
      { left: '54%', right: 24, top: input.title ? 44 : 30, bottom: 48 },
    ],
    xAxis: [
      { gridIndex: 0, type: spread(params.map((p) => p.value[0])) ? 'log' : 'value', scale: true, name: 'parameters', nameLocation: 'middle', nameGap: 28, ...style },
      { gridIndex: 1, type: 'value', scale: true, name: 'training time (s)', nameLocation: 'middle', nameGap: 28, ...style },
    ],
    yAxis: [yAxis(0), yAxis(1)],
    series,
  };
}
