// Training-curve chart (shared, pure): train/validation accuracy or loss per epoch for one or more runs.
import type { EChartsOption, LineSeriesOption } from 'echarts';
import { axisStyle, baseOption, LIGHT_THEME, runColor, type ChartCommon } from './theme.js';
import { smoothEma, thinPoints } from './smoothing.js';
import { estimateTextWidth, gutterReferenceData, unitAxis } from './axes.js';

export interface CurveEpoch {
  /** 0-based epoch index as the engine reports it; plotted at epoch + 1 (the end of that epoch). */
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** Seconds from the start of the run to the end of this epoch, for the wall-clock axis. */
  elapsed?: number;
}

export interface CurveBatch {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  /** Seconds from the start of the run to this batch, for the wall-clock axis. */
  elapsed?: number;
}

/** Epochs (the default) or seconds since the run started. */
export type CurveXAxis = 'epoch' | 'time';

export interface CurveRun {
  name: string;
  color?: string;
  epochs: readonly CurveEpoch[];
  /** Per-batch progress, drawn thin and smoothed behind the epoch points. */
  batches?: readonly CurveBatch[];
}

export interface ReferenceLine {
  value: number;
  label: string;
}

export interface TrainingCurvesInput extends ChartCommon {
  runs: readonly CurveRun[];
  metric: 'accuracy' | 'loss';
  /** Which splits to draw; both by default. */
  splits?: ReadonlyArray<'train' | 'validation'>;
  /** EMA weight for the per-batch series, in [0, 1). */
  smoothing?: number;
  /** Upper end of the x axis, so a live chart does not rescale every epoch. */
  epochsTotal?: number;
  referenceLines?: readonly ReferenceLine[];
  /** At most this many per-batch points per run (older points are thinned evenly). */
  maxBatchPoints?: number;
  /** Wall-clock x axis: points without `elapsed` are left out. */
  xAxis?: CurveXAxis;
  /** Loss on a log10 axis (ignored for accuracy). */
  logScale?: boolean;
  /** Zoom on the x axis: mouse wheel / drag inside the plot and a slider under it (needs ECharts' dataZoom components). */
  zoom?: boolean;
}

/** Room under the plot for the legend, and for the zoom slider when there is one. */
const LEGEND_ROOM = 62;
const SLIDER_ROOM = 30;
const REF_LABEL_SIZE = 11;

/** Where a per-batch point sits on the epoch axis: epoch 0, batch 0 of 100 → 0.01. */
export function batchX(b: Pick<CurveBatch, 'epoch' | 'batch' | 'batches'>): number {
  return b.epoch + (b.batch + 1) / Math.max(1, b.batches);
}

/** "1:05" / "1:02:05": wall-clock seconds as a researcher reads them on an axis. */
export function clockText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

export function trainingCurvesOption(input: TrainingCurvesInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const time = input.xAxis === 'time';
  const logY = input.metric === 'loss' && !!input.logScale;
  const epochX = (e: CurveEpoch) => (time ? e.elapsed : e.epoch + 1);
  const batchXOf = (b: CurveBatch) => (time ? b.elapsed : batchX(b));
  /** [x, y] pairs with a known x, and on a log axis a positive y. */
  const points = <T>(items: readonly T[], x: (t: T) => number | undefined, y: (t: T, k: number) => number) =>
    items.flatMap((t, k) => {
      const xv = x(t);
      const yv = y(t, k);
      return xv === undefined || !Number.isFinite(xv) || (logY && !(yv > 0)) ? [] : [[xv, yv]];
    });
  const splits = input.splits ?? ['train', 'validation'];
  const isAcc = input.metric === 'accuracy';
  const series: LineSeriesOption[] = [];
  const legend: string[] = [];
  const multi = input.runs.length > 1;
  /** Epoch values drawn (the accuracy axis fits these), and per-batch ones (used only before the first epoch ends). */
  const plotted: number[] = [];
  const batchPlotted: number[] = [];
  const xs: number[] = [];

  /** Several runs: one legend entry per run (toggling all its lines); the line style says train or validation. */
  const splitOf = new Map<string, string>();
  input.runs.forEach((run, i) => {
    const color = run.color ?? runColor(i, theme);
    const nameFor = (split: string) => (multi ? run.name : split);
    if (multi) legend.push(run.name);
    if (run.batches && run.batches.length > 0 && splits.includes('train')) {
      const pts = thinPoints(run.batches, input.maxBatchPoints ?? 600);
      const ys = smoothEma(pts.map((b) => (isAcc ? b.accuracy : b.loss)), input.smoothing ?? 0.6);
      const data = points(pts, batchXOf, (_b, k) => ys[k]);
      batchPlotted.push(...data.map((d) => d[1]));
      xs.push(...data.map((d) => d[0]));
      series.push({
        id: `${i}:batch`,
        name: nameFor('train (per batch)'),
        type: 'line',
        showSymbol: false,
        silent: true,
        color,
        lineStyle: { width: 1.2, opacity: 0.45, color },
        data,
        z: 1,
        tooltip: { show: false },
      });
    }
    if (splits.includes('train')) {
      const name = nameFor('train');
      if (!multi) legend.push(name);
      splitOf.set(`${i}:train`, 'train');
      const data = points(run.epochs, epochX, (e) => (isAcc ? e.accuracy : e.loss));
      plotted.push(...data.map((d) => d[1]));
      xs.push(...data.map((d) => d[0]));
      series.push({
        id: `${i}:train`,
        name,
        type: 'line',
        color,
        symbol: 'circle',
        symbolSize: 5,
        lineStyle: { width: 2, color },
        data,
        z: 3,
      });
    }
    if (splits.includes('validation')) {
      const name = nameFor('validation');
      if (!multi) legend.push(name);
      splitOf.set(`${i}:validation`, 'validation');
      const data = points(run.epochs, epochX, (e) => (isAcc ? e.valAccuracy : e.valLoss));
      plotted.push(...data.map((d) => d[1]));
      xs.push(...data.map((d) => d[0]));
      series.push({
        id: `${i}:validation`,
        name,
        type: 'line',
        color,
        symbol: 'emptyCircle',
        symbolSize: 6,
        lineStyle: { width: 2, type: 'dashed', color },
        data,
        z: 3,
      });
    }
  });

  const refs = input.referenceLines ?? [];
  const refText = (r: ReferenceLine) => `${r.label} ${fmtMetric(r.value, isAcc)}`;
  // Before the first epoch ends only per-batch points exist; after that the epoch points decide the range.
  const yValues = plotted.length > 0 ? plotted : batchPlotted;
  const yAxis = isAcc ? accuracyAxis([...yValues, ...refs.map((r) => r.value)]) : null;
  if (refs.length > 0) {
    series.push({
      name: 'reference',
      type: 'line',
      data: [],
      silent: true,
      markLine: {
        symbol: 'none',
        silent: true,
        lineStyle: { color: theme.textMuted, type: 'dotted', width: 1 },
        label: { color: theme.textMuted, formatter: '{b}', fontSize: REF_LABEL_SIZE, distance: 4 },
        // Labels in a gutter right of the plot, where no curve runs; close lines push theirs apart.
        data: gutterReferenceData(refs, refText, yAxis ? (yAxis.max - yAxis.min) * 0.09 : 0.05),
      },
    });
  }
  const gutter = refs.length > 0 ? 8 + Math.max(...refs.map((r) => estimateTextWidth(refText(r), REF_LABEL_SIZE))) : 20;

  const maxEpoch = Math.max(
    input.epochsTotal ?? 0,
    ...input.runs.map((r) => Math.max(0, ...r.epochs.map((e) => e.epoch + 1), ...(r.batches ?? []).map((b) => Math.ceil(batchX(b))))),
  );
  const zoom = !!input.zoom;

  return {
    ...baseOption(input, theme),
    color: [...theme.palette],
    // Legend below the plot: run names can be long, and the top belongs to the title and the y-axis name.
    grid: { left: 52, right: gutter, top: input.title ? 44 : 24, bottom: LEGEND_ROOM + (zoom ? SLIDER_ROOM : 0), containLabel: false },
    legend: { data: legend, bottom: 0, textStyle: { color: theme.textMuted }, itemWidth: 18, itemHeight: 8, type: 'scroll' },
    ...(zoom
      ? {
          dataZoom: [
            { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
            {
              type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 16, bottom: 26, showDetail: false,
              borderColor: theme.axisLine, textStyle: { color: theme.textMuted },
            },
          ],
        }
      : {}),
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'line' },
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as Array<{ seriesId?: string; seriesName?: string; marker?: string; value?: unknown }>;
        const rows = list.filter((p) => p.seriesId && splitOf.has(p.seriesId)).map((p) => {
          const v = Array.isArray(p.value) ? p.value[1] : p.value;
          // Run names are free text (and may come from an imported archive): escape before they become tooltip HTML.
          const name = escapeHtml(String(p.seriesName));
          const label = multi ? `${name} · ${splitOf.get(p.seriesId!)}` : name;
          return `${p.marker ?? ''}${label}: <b>${typeof v === 'number' ? fmtMetric(v, isAcc) : String(v)}</b>`;
        });
        const x = list.map((p) => (Array.isArray(p.value) ? p.value[0] : null)).find((v) => typeof v === 'number');
        const head = typeof x !== 'number' ? '' : time ? `${clockText(x)} since start` : `epoch ${Number.isInteger(x) ? x : x.toFixed(2)}`;
        return [head, ...rows].filter(Boolean).join('<br/>');
      },
    },
    xAxis: {
      type: 'value',
      name: time ? 'time since start (m:ss)' : 'epoch',
      nameLocation: 'middle',
      nameGap: 24,
      min: 0,
      ...(time ? { max: Math.max(1, ...xs) } : { max: Math.max(1, maxEpoch), minInterval: 1 }),
      ...axisStyle(theme),
      ...(time ? { axisLabel: { color: theme.textMuted, formatter: (v: number) => clockText(v) } } : {}),
      splitLine: { show: false },
    },
    yAxis: {
      name: isAcc ? 'accuracy' : logY ? 'loss (log)' : 'loss',
      // Accuracy fits the epoch points (and reference lines) in round steps up to 1; early per-batch points below are clipped.
      ...(yAxis ? { type: 'value' as const, ...yAxis } : logY ? { type: 'log' as const, logBase: 10 } : { type: 'value' as const, scale: true, min: 0 }),
      ...axisStyle(theme),
    },
    series,
  };
}

/** Fitted to the data with a round floor just under the lowest value; before the first point, 0–1. */
function accuracyAxis(values: readonly number[]) {
  return values.some(Number.isFinite) ? unitAxis(values) : { min: 0, max: 1, interval: 0.2 };
}

function fmtMetric(v: number, isAcc: boolean): string {
  return isAcc ? `${(v * 100).toFixed(2)}%` : v.toFixed(4);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
