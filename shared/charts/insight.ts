// Insight charts (shared, pure): reliability diagram, ROC/PR curves, embedding scatter, gradient norms and weight
// histograms over epochs; the renderer and the PDF report build the same options from the same data.
import type { EChartsOption } from 'echarts';
import { CLASS_NAMES } from '../classes.js';
import type { ReliabilityBin } from '../calibration.js';
import type { EpochHistograms } from '../insight.js';
import { LIGHT_THEME, axisStyle, baseOption, type ChartCommon } from './theme.js';

/** Ten distinguishable class colours (Tableau 10), one per Fashion-MNIST class in label order. */
export const CLASS_PALETTE = ['#4E79A7', '#F28E2B', '#E15759', '#76B7B2', '#59A14F', '#EDC948', '#B07AA1', '#FF9DA7', '#9C755F', '#BAB0AC'] as const;

export interface ReliabilityInput extends ChartCommon {
  runs: { name: string; color?: string; bins: readonly ReliabilityBin[] }[];
}

/** Accuracy against mean confidence per non-empty bin, one line per run, and the diagonal of perfect calibration. */
export function reliabilityDiagramOption(input: ReliabilityInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const ax = axisStyle(theme);
  return {
    ...baseOption(input, theme),
    grid: { left: 52, right: 16, top: input.title ? 34 : 28, bottom: 44 },
    legend: { top: input.title ? 18 : 0, textStyle: { color: theme.text }, type: 'scroll' },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', min: 0, max: 1, name: 'confidence (top-class probability)', nameLocation: 'middle', nameGap: 26, ...ax },
    yAxis: { type: 'value', min: 0, max: 1, name: 'accuracy', nameLocation: 'middle', nameGap: 36, ...ax },
    series: [
      {
        type: 'line', name: 'perfectly calibrated', data: [[0, 0], [1, 1]], symbol: 'none', silent: true,
        lineStyle: { type: 'dashed', color: theme.axisLine, width: 1 }, itemStyle: { color: theme.axisLine },
      },
      ...input.runs.map((r, i) => ({
        type: 'line' as const,
        name: r.name,
        data: r.bins.filter((b) => b.count > 0).map((b) => [b.confidence, b.accuracy, b.count]),
        symbolSize: 6,
        itemStyle: { color: r.color ?? theme.palette[i % theme.palette.length] },
        lineStyle: { width: 2 },
        tooltip: { valueFormatter: undefined, formatter: (p: { value: number[] }) => `${r.name}<br/>confidence ${(100 * p.value[0]).toFixed(1)}% · accuracy ${(100 * p.value[1]).toFixed(1)}% · ${p.value[2]} images` },
      })),
    ] as EChartsOption['series'],
  };
}

export interface CurvesInput extends ChartCommon {
  kind: 'roc' | 'pr';
  curves: { name: string; color?: string; x: readonly number[]; y: readonly number[] }[];
}

/** ROC (false-positive against true-positive rate, with the chance diagonal) or precision–recall curves. */
export function curvesOption(input: CurvesInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const ax = axisStyle(theme);
  const roc = input.kind === 'roc';
  return {
    ...baseOption(input, theme),
    grid: { left: 52, right: 16, top: input.title ? 34 : 28, bottom: 44 },
    legend: { top: input.title ? 18 : 0, textStyle: { color: theme.text }, type: 'scroll' },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', min: 0, max: 1, name: roc ? 'false-positive rate' : 'recall', nameLocation: 'middle', nameGap: 26, ...ax },
    yAxis: { type: 'value', min: 0, max: 1, name: roc ? 'true-positive rate' : 'precision', nameLocation: 'middle', nameGap: 36, ...ax },
    series: [
      ...(roc ? [{
        type: 'line' as const, name: 'chance', data: [[0, 0], [1, 1]], symbol: 'none', silent: true,
        lineStyle: { type: 'dashed' as const, color: theme.axisLine, width: 1 }, itemStyle: { color: theme.axisLine },
      }] : []),
      ...input.curves.map((c, i) => ({
        type: 'line' as const, name: c.name, data: c.x.map((x, k) => [x, c.y[k]]), symbol: 'none', step: roc ? undefined : ('end' as const),
        itemStyle: { color: c.color ?? theme.palette[i % theme.palette.length] }, lineStyle: { width: 1.6 },
      })),
    ] as EChartsOption['series'],
  };
}

export interface EmbeddingPoints {
  x: readonly number[];
  y: readonly number[];
  labels: readonly number[];
  predicted: readonly number[];
  testIndices: readonly number[];
}

export interface EmbeddingInput extends ChartCommon {
  points: EmbeddingPoints;
  /** Axis names, e.g. "PC1 (31%)". */
  axes?: [string, string];
  symbolSize?: number;
  /** Screen: a legend to toggle classes; the report prints a compact one. */
  legend?: boolean;
}

/**
 * One scatter series per true class (its colour), correct answers as dots, mistakes as hollow diamonds outlined
 * in the class colour. Each point's value is [x, y, testIndex, label, predicted] for tooltips and clicks.
 */
export function embeddingOption(input: EmbeddingInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const ax = axisStyle(theme);
  const p = input.points;
  const size = input.symbolSize ?? 4;
  const byClass = CLASS_NAMES.map(() => ({ right: [] as number[][], wrong: [] as number[][] }));
  for (let i = 0; i < p.x.length; i++) {
    const c = p.labels[i];
    if (!byClass[c]) continue;
    (p.predicted[i] === c ? byClass[c].right : byClass[c].wrong).push([p.x[i], p.y[i], p.testIndices[i], c, p.predicted[i]]);
  }
  const series = byClass.flatMap((s, c) => [
    { type: 'scatter' as const, name: CLASS_NAMES[c], data: s.right, symbolSize: size, itemStyle: { color: CLASS_PALETTE[c], opacity: 0.75 }, large: s.right.length > 4000 },
    {
      type: 'scatter' as const, name: CLASS_NAMES[c], data: s.wrong, symbol: 'diamond', symbolSize: size + 4,
      itemStyle: { color: 'rgba(0,0,0,0)', borderColor: CLASS_PALETTE[c], borderWidth: 1.2 }, z: 3,
    },
  ]);
  return {
    ...baseOption(input, theme),
    grid: { left: 44, right: 12, top: input.title ? 30 : 10, bottom: input.legend === false ? 36 : 88 },
    legend: input.legend === false ? undefined : { bottom: 0, textStyle: { color: theme.text, fontSize: 11 }, itemWidth: 10, itemHeight: 10, data: [...CLASS_NAMES] },
    tooltip: { trigger: 'item' },
    // Projections have no meaningful origin: the axes stay at the edges instead of crossing at 0.
    xAxis: { type: 'value', scale: true, name: input.axes?.[0], nameLocation: 'middle', nameGap: 24, ...ax, axisLine: { ...ax.axisLine, onZero: false }, splitLine: { show: false } },
    yAxis: { type: 'value', scale: true, name: input.axes?.[1], nameLocation: 'middle', nameGap: 30, ...ax, axisLine: { ...ax.axisLine, onZero: false }, splitLine: { show: false } },
    series,
  };
}

export interface GradNormInput extends ChartCommon {
  epochs: readonly EpochHistograms[];
  /** 'gradNorm' (log axis: vanishing gradients show as lines falling by decades) or 'weightNorm'. */
  metric?: 'gradNorm' | 'weightNorm';
}

/** One line per weight tensor over the epochs (1-based), on a log axis. */
export function tensorNormOption(input: GradNormInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const ax = axisStyle(theme);
  const metric = input.metric ?? 'gradNorm';
  const names = input.epochs[0]?.tensors.map((t) => t.name) ?? [];
  return {
    ...baseOption(input, theme),
    grid: { left: 62, right: 16, top: 36, bottom: 40 },
    legend: { top: 0, type: 'scroll', textStyle: { color: theme.text } },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? v.toExponential(2) : String(v)) },
    xAxis: { type: 'category', name: 'epoch', nameLocation: 'middle', nameGap: 24, data: input.epochs.map((e) => String(e.epoch + 1)), ...ax },
    yAxis: { type: 'log', name: metric === 'gradNorm' ? 'gradient L2 norm' : 'weight L2 norm', nameLocation: 'middle', nameGap: 48, ...ax },
    series: names.map((name, i) => ({
      type: 'line' as const, name, showSymbol: input.epochs.length < 30,
      data: input.epochs.map((e) => Math.max(e.tensors[i]?.[metric] ?? NaN, 1e-30)),
      itemStyle: { color: theme.palette[i % theme.palette.length] },
      lineStyle: { type: name.endsWith('bias') || name.endsWith('beta') ? ('dashed' as const) : ('solid' as const) },
    })),
  };
}

export interface DeadReluInput extends ChartCommon {
  epochs: readonly EpochHistograms[];
}

/** Share of ReLU units that output 0 for every probe image, per ReLU layer over the epochs. */
export function deadReluOption(input: DeadReluInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const ax = axisStyle(theme);
  const layers = input.epochs[0]?.deadRelu.map((d) => d.layer) ?? [];
  return {
    ...baseOption(input, theme),
    grid: { left: 52, right: 16, top: 36, bottom: 40 },
    legend: { top: 0, type: 'scroll', textStyle: { color: theme.text } },
    tooltip: { trigger: 'axis', valueFormatter: (v) => (typeof v === 'number' ? `${v.toFixed(1)}%` : String(v)) },
    xAxis: { type: 'category', name: 'epoch', nameLocation: 'middle', nameGap: 24, data: input.epochs.map((e) => String(e.epoch + 1)), ...ax },
    yAxis: { type: 'value', min: 0, max: 100, name: 'dead units (%)', nameLocation: 'middle', nameGap: 34, ...ax },
    series: layers.map((layer, i) => ({
      type: 'line' as const, name: layer,
      data: input.epochs.map((e) => { const d = e.deadRelu[i]; return d && d.units > 0 ? (100 * d.dead) / d.units : NaN; }),
      itemStyle: { color: theme.palette[i % theme.palette.length] },
    })),
  };
}

export interface RidgelineInput extends ChartCommon {
  epochs: readonly EpochHistograms[];
  tensor: number;
  which: 'weights' | 'gradients';
}

/**
 * TensorBoard-style ridgeline: one filled curve per epoch (the first at the back, the last in front), each the
 * histogram of the tensor's values at that epoch end, normalised to its own peak and offset upwards by epoch.
 */
export function ridgelineOption(input: RidgelineInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const ax = axisStyle(theme);
  const n = input.epochs.length;
  const step = 0.6;
  const series = input.epochs.map((e, k) => {
    const h = e.tensors[input.tensor]?.[input.which];
    const peak = h ? Math.max(...h.counts, 1) : 1;
    const width = h ? (h.max - h.min) / h.counts.length : 0;
    const base = (n - 1 - k) * step;
    const data = h ? h.counts.map((c, b) => [h.min + (b + 0.5) * width, base + c / peak]) : [];
    const t = n > 1 ? k / (n - 1) : 1;
    const color = mix('#9ecae1', '#08306b', t);
    return {
      type: 'line' as const, name: `epoch ${e.epoch + 1}`, data, symbol: 'none', smooth: false, z: k,
      lineStyle: { color, width: 1 },
      // Each ridge is filled down to its own base, so the front ridges hide what is behind them.
      areaStyle: { color: theme.name === 'dark' ? 'rgba(20,24,30,0.92)' : 'rgba(255,255,255,0.92)', origin: base, opacity: 1 },
      tooltip: { formatter: (p: { value: number[] }) => `epoch ${e.epoch + 1}<br/>value ≈ ${p.value[0].toPrecision(3)}` },
    };
  });
  return {
    ...baseOption(input, theme),
    grid: { left: 56, right: 16, top: 10, bottom: 40 },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', scale: true, name: input.which === 'weights' ? 'weight value' : 'gradient value', nameLocation: 'middle', nameGap: 24, ...ax },
    yAxis: {
      type: 'value', min: 0, max: (n - 1) * step + 1.05, interval: step, ...ax, axisLine: { ...ax.axisLine, onZero: false },
      axisLabel: { color: theme.textMuted, formatter: (v: number) => { const k = n - 1 - Math.round(v / step); return k >= 0 && k < n && Math.abs(v / step - Math.round(v / step)) < 1e-6 ? `${input.epochs[k].epoch + 1}` : ''; } },
      name: 'epoch', nameLocation: 'middle', nameGap: 30, splitLine: { show: false },
    },
    series: series as EChartsOption['series'],
  };
}

function mix(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
  return `#${pa.map((v, i) => Math.round(v + (pb[i] - v) * t).toString(16).padStart(2, '0')).join('')}`;
}
