// Per-class bar charts (shared, pure): class distribution per split, per-class F1 of several runs, F1 change B − A.
import type { BarSeriesOption, EChartsOption } from 'echarts';
import { CLASS_NAMES } from '../classes.js';
import { axisStyle, baseOption, LIGHT_THEME, runColor, type ChartCommon } from './theme.js';
import { deltaAxis, unitAxis } from './axes.js';

export interface ClassDistributionInput extends ChartCommon {
  /** Counts per class for each split to show, e.g. { train: [...10], validation: [...], test: [...] }. */
  counts: Readonly<Record<string, readonly number[]>>;
  classNames?: readonly string[];
}

export interface PerClassF1Input extends ChartCommon {
  runs: ReadonlyArray<{ name: string; color?: string; f1: readonly number[] }>;
  classNames?: readonly string[];
  /** Lower end of the y axis (rounded down to a tick); by default a round value below the smallest F1. */
  yMin?: number;
}

export interface F1ChangeInput extends ChartCommon {
  a: { name: string; f1: readonly number[] };
  b: { name: string; f1: readonly number[] };
  classNames?: readonly string[];
  /**
   * Per class, whether a test found the difference significant. Only those bars get the better/worse colour; without it
   * (nothing computes per-class tests today) every bar is neutral and the legend says the differences are untested.
   */
  significant?: readonly boolean[];
}

function classAxis(names: readonly string[], theme = LIGHT_THEME) {
  return { type: 'category' as const, data: [...names], ...axisStyle(theme), axisLabel: { color: theme.textMuted, interval: 0, rotate: 30 }, splitLine: { show: false } };
}

const SPLIT_ORDER = ['train', 'validation', 'test'];

export function classDistributionOption(input: ClassDistributionInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const names = input.classNames ?? CLASS_NAMES;
  const splits = Object.keys(input.counts).sort((x, y) => rank(x) - rank(y));
  const series: BarSeriesOption[] = splits.map((split, i) => ({
    name: split,
    type: 'bar',
    data: [...input.counts[split]],
    color: runColor(i, theme),
    barGap: '10%',
    emphasis: { focus: 'series' },
  }));
  return {
    ...baseOption(input, theme),
    legend: { data: splits, top: input.title ? 26 : 4, textStyle: { color: theme.textMuted } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 56, right: 12, top: input.title ? 56 : 34, bottom: 64 },
    xAxis: classAxis(names, theme),
    yAxis: { type: 'value', name: 'images', ...axisStyle(theme) },
    series,
  };
}

function rank(split: string): number {
  const i = SPLIT_ORDER.indexOf(split);
  return i < 0 ? SPLIT_ORDER.length : i;
}

export function perClassF1Option(input: PerClassF1Input): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const names = input.classNames ?? CLASS_NAMES;
  const axis = input.yMin !== undefined ? unitAxis([input.yMin], 0) : unitAxis(input.runs.flatMap((r) => r.f1), 0.05);
  return {
    ...baseOption(input, theme),
    legend: { data: input.runs.map((r) => r.name), top: input.title ? 26 : 4, textStyle: { color: theme.textMuted }, type: 'scroll' },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => (typeof v === 'number' ? v.toFixed(3) : String(v)) },
    grid: { left: 48, right: 12, top: input.title ? 56 : 34, bottom: 64 },
    xAxis: classAxis(names, theme),
    yAxis: { type: 'value', name: 'F1', ...axis, ...axisStyle(theme) },
    series: input.runs.map((r, i) => ({
      name: r.name,
      type: 'bar',
      data: [...r.f1],
      color: r.color ?? runColor(i, theme),
      barGap: '8%',
    })),
  };
}

export function f1ChangeOption(input: F1ChangeInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const names = input.classNames ?? CLASS_NAMES;
  if (input.a.f1.length !== input.b.f1.length) throw new RangeError(`F1 lists differ in length: ${input.a.name} has ${input.a.f1.length}, ${input.b.name} has ${input.b.f1.length}`);
  const deltas = input.b.f1.map((f, i) => f - input.a.f1[i]);
  const tested = input.significant !== undefined;
  const legendName = tested ? 'ΔF1 per class · coloured where a test found it significant' : 'ΔF1 per class · untested (no significance test)';
  const neutral = theme.axisLine;
  const colorOf = (d: number, i: number) => (input.significant?.[i] ? (d >= 0 ? theme.diverging[2] : theme.diverging[0]) : neutral);
  const top = input.title ? 26 : 4;
  return {
    ...baseOption(input, theme),
    legend: { data: [{ name: legendName, itemStyle: { color: neutral } }], top, textStyle: { color: theme.textMuted }, selectedMode: false },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => (typeof v === 'number' ? `${signed(v)} (${input.b.name} − ${input.a.name})` : String(v)) },
    grid: { left: 56, right: 12, top: top + 30, bottom: 64 },
    xAxis: classAxis(names, theme),
    // Room beyond the longest bars for their value labels: below the axis a negative one ran into the class names.
    yAxis: { type: 'value', name: 'ΔF1', ...deltaAxis(deltas), ...axisStyle(theme) },
    series: [
      {
        type: 'bar',
        name: legendName,
        color: neutral,
        data: deltas.map((d, i) => ({
          value: d,
          itemStyle: { color: colorOf(d, i) },
          label: { show: true, position: d >= 0 ? 'top' : 'bottom', formatter: signed(d), color: theme.textMuted, fontSize: 10 },
        })),
        markLine: { symbol: 'none', silent: true, data: [{ yAxis: 0 }], lineStyle: { color: theme.axisLine, type: 'solid' }, label: { show: false } },
      },
    ],
  };
}

function signed(v: number): string {
  if (Math.abs(v) < 5e-4) return '0';
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
}
