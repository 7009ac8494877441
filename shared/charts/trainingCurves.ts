// Training-curve chart (shared, pure): train/validation accuracy or loss per epoch for one or more runs.
import type { EChartsOption, LineSeriesOption } from 'echarts';
import { axisStyle, baseOption, LIGHT_THEME, runColor, type ChartCommon } from './theme.js';
import { smoothEma, thinPoints } from './smoothing.js';
import { unitAxis } from './axes.js';

export interface CurveEpoch {
  /** 0-based epoch index as the engine reports it; plotted at epoch + 1 (the end of that epoch). */
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
}

export interface CurveBatch {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
}

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
}

/** Where a per-batch point sits on the epoch axis: epoch 0, batch 0 of 100 → 0.01. */
export function batchX(b: Pick<CurveBatch, 'epoch' | 'batch' | 'batches'>): number {
  return b.epoch + (b.batch + 1) / Math.max(1, b.batches);
}

export function trainingCurvesOption(input: TrainingCurvesInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const splits = input.splits ?? ['train', 'validation'];
  const isAcc = input.metric === 'accuracy';
  const series: LineSeriesOption[] = [];
  const legend: string[] = [];
  const multi = input.runs.length > 1;
  /** Every y value drawn, for an accuracy axis in round steps. */
  const plotted: number[] = [];

  /** Several runs: one legend entry per run (toggling all its lines); the line style says train or validation. */
  const splitOf = new Map<string, string>();
  input.runs.forEach((run, i) => {
    const color = run.color ?? runColor(i, theme);
    const nameFor = (split: string) => (multi ? run.name : split);
    if (multi) legend.push(run.name);
    if (run.batches && run.batches.length > 0 && splits.includes('train')) {
      const pts = thinPoints(run.batches, input.maxBatchPoints ?? 600);
      const ys = smoothEma(pts.map((b) => (isAcc ? b.accuracy : b.loss)), input.smoothing ?? 0.6);
      plotted.push(...ys);
      series.push({
        id: `${i}:batch`,
        name: nameFor('train (per batch)'),
        type: 'line',
        showSymbol: false,
        silent: true,
        color,
        lineStyle: { width: 1.2, opacity: 0.45, color },
        data: pts.map((b, k) => [batchX(b), ys[k]]),
        z: 1,
        tooltip: { show: false },
      });
    }
    if (splits.includes('train')) {
      const name = nameFor('train');
      if (!multi) legend.push(name);
      splitOf.set(`${i}:train`, 'train');
      plotted.push(...run.epochs.map((e) => (isAcc ? e.accuracy : e.loss)));
      series.push({
        id: `${i}:train`,
        name,
        type: 'line',
        color,
        symbol: 'circle',
        symbolSize: 5,
        lineStyle: { width: 2, color },
        data: run.epochs.map((e) => [e.epoch + 1, isAcc ? e.accuracy : e.loss]),
        z: 3,
      });
    }
    if (splits.includes('validation')) {
      const name = nameFor('validation');
      if (!multi) legend.push(name);
      splitOf.set(`${i}:validation`, 'validation');
      plotted.push(...run.epochs.map((e) => (isAcc ? e.valAccuracy : e.valLoss)));
      series.push({
        id: `${i}:validation`,
        name,
        type: 'line',
        color,
        symbol: 'emptyCircle',
        symbolSize: 6,
        lineStyle: { width: 2, type: 'dashed', color },
        data: run.epochs.map((e) => [e.epoch + 1, isAcc ? e.valAccuracy : e.valLoss]),
        z: 3,
      });
    }
  });

  const refs = input.referenceLines ?? [];
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
        label: { color: theme.textMuted, formatter: '{b}', fontSize: 11 },
        data: referenceLabelData(refs, (r) => `${r.label} ${fmtMetric(r.value, isAcc)}`, 'insideStart'),
      },
    });
  }

  const maxEpoch = Math.max(
    input.epochsTotal ?? 0,
    ...input.runs.map((r) => Math.max(0, ...r.epochs.map((e) => e.epoch + 1), ...(r.batches ?? []).map((b) => Math.ceil(batchX(b))))),
  );

  return {
    ...baseOption(input, theme),
    color: [...theme.palette],
    // Legend below the plot: run names can be long, and the top belongs to the title and the y-axis name.
    grid: { left: 52, right: 20, top: input.title ? 44 : 24, bottom: 62, containLabel: false },
    legend: { data: legend, bottom: 0, textStyle: { color: theme.textMuted }, itemWidth: 18, itemHeight: 8, type: 'scroll' },
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
        return [typeof x === 'number' ? `epoch ${Number.isInteger(x) ? x : x.toFixed(2)}` : '', ...rows].filter(Boolean).join('<br/>');
      },
    },
    xAxis: {
      type: 'value',
      name: 'epoch',
      nameLocation: 'middle',
      nameGap: 24,
      min: 0,
      max: Math.max(1, maxEpoch),
      minInterval: 1,
      ...axisStyle(theme),
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      name: isAcc ? 'accuracy' : 'loss',
      // Accuracy ends at 1 in round steps: ECharts' own choice could print "0.99" over "1".
      ...(isAcc ? accuracyAxis([...plotted, ...refs.map((r) => r.value)]) : { scale: true, min: 0 }),
      ...axisStyle(theme),
    },
    series,
  };
}

/**
 * Mark-line data for reference lines whose labels must not overprint each other: sorted by value, the higher
 * of two neighbours puts its label above its line and the lower one below.
 */
export function referenceLabelData(refs: readonly ReferenceLine[], text: (r: ReferenceLine) => string, side: 'insideStart' | 'insideEnd') {
  const order = refs.map((r, i) => ({ r, i })).sort((a, b) => b.r.value - a.r.value);
  return order.map(({ r }, k) => ({
    yAxis: r.value,
    name: text(r),
    label: { position: `${side}${k % 2 === 0 ? 'Top' : 'Bottom'}` as const },
  }));
}

/** Before the first point a live chart spans the whole 0–1 range. */
function accuracyAxis(values: readonly number[]) {
  return values.some(Number.isFinite) ? unitAxis(values) : { min: 0, max: 1, interval: 0.2 };
}

function fmtMetric(v: number, isAcc: boolean): string {
  return isAcc ? `${(v * 100).toFixed(2)}%` : v.toFixed(4);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
