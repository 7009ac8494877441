// Learning-rate chart (shared, pure): the rate each epoch ended with, over the schedule the run was planned with.
import type { EChartsOption, LineSeriesOption } from 'echarts';
import { learningRateAt, type ScheduleHyper } from '../schedule.js';
import { axisStyle, baseOption, LIGHT_THEME, runColor, type ChartCommon } from './theme.js';
import { clockText, type CurveXAxis } from './trainingCurves.js';

export type { ScheduleHyper };

/** The rate of batch `batch` (0-based) of epoch `epoch` (0-based): the engine's own schedule (shared/schedule.ts). */
export const scheduledLearningRate = learningRateAt;

/** The whole planned schedule on the epoch axis, at most `max` points (x = epoch + fraction, as batch points sit). */
export function plannedSchedule(hyper: ScheduleHyper, batchesPerEpoch: number, max = 200): Array<[number, number]> {
  const per = Math.max(1, batchesPerEpoch);
  const total = hyper.epochs * per;
  const stride = Math.max(1, Math.ceil(total / max));
  const out: Array<[number, number]> = [];
  for (let step = 0; step < total; step += stride) {
    const epoch = Math.floor(step / per);
    out.push([epoch + (step % per + 1) / per, scheduledLearningRate(hyper, epoch, step % per, per)]);
  }
  const last = total - 1;
  if (total > 0 && (out.length === 0 || out[out.length - 1][0] !== hyper.epochs)) {
    out.push([hyper.epochs, scheduledLearningRate(hyper, Math.floor(last / per), last % per, per)]);
  }
  return out;
}

export interface RateRun {
  name: string;
  color?: string;
  /** What each finished epoch reported: the rate of its last batch. */
  epochs: ReadonlyArray<{ epoch: number; learningRate: number; elapsed?: number }>;
  /** The run's schedule, drawn dashed over the whole run (epoch axis only). */
  planned?: { hyper: ScheduleHyper; batchesPerEpoch: number } | null;
}

export interface LearningRateInput extends ChartCommon {
  runs: readonly RateRun[];
  xAxis?: CurveXAxis;
  zoom?: boolean;
}

export function learningRateOption(input: LearningRateInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const time = input.xAxis === 'time';
  const series: LineSeriesOption[] = [];
  const xs: number[] = [1];
  input.runs.forEach((run, i) => {
    const color = run.color ?? runColor(i, theme);
    if (run.planned && !time) {
      const pts = plannedSchedule(run.planned.hyper, run.planned.batchesPerEpoch);
      xs.push(...pts.map((p) => p[0]));
      series.push({ id: `${i}:planned`, name: `${run.name} · planned`, type: 'line', showSymbol: false, silent: true, color, lineStyle: { width: 1.2, type: 'dashed', opacity: 0.6, color }, data: pts });
    }
    const data = run.epochs.flatMap((e) => {
      const x = time ? e.elapsed : e.epoch + 1;
      return x === undefined || !Number.isFinite(x) ? [] : [[x, e.learningRate]];
    });
    xs.push(...data.map((d) => d[0]));
    series.push({ id: `${i}:lr`, name: run.name, type: 'line', color, symbol: 'circle', symbolSize: 5, lineStyle: { width: 2, color }, data });
  });
  const fmt = (v: number) => (v === 0 ? '0' : v >= 0.01 && v < 100 ? String(Number(v.toPrecision(3))) : v.toExponential(1));
  // A plateau schedule cannot be planned: its dashed line is the starting rate, the dots say what happened; the axis says so.
  const plateau = !time && input.runs.some((r) => r.planned?.hyper.schedule.type === 'plateau');
  return {
    ...baseOption(input, theme),
    color: [...theme.palette],
    grid: { left: 62, right: 20, top: input.title ? 44 : 24, bottom: 62 + (input.zoom ? 30 : 0), containLabel: false },
    legend: { data: input.runs.map((r) => r.name), bottom: 0, textStyle: { color: theme.textMuted }, itemWidth: 18, itemHeight: 8, type: 'scroll' },
    ...(input.zoom
      ? { dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }, { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 16, bottom: 26, showDetail: false, borderColor: theme.axisLine }] }
      : {}),
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as Array<{ seriesId?: string; marker?: string; value?: unknown }>;
        const hit = list.find((p) => p.seriesId?.endsWith(':lr') && Array.isArray(p.value)) ?? list.find((p) => Array.isArray(p.value));
        if (!hit) return '';
        const [x, y] = hit.value as number[];
        return `${time ? `${clockText(x)} since start` : `epoch ${Number.isInteger(x) ? x : x.toFixed(2)}`}<br/>${hit.marker ?? ''}learning rate <b>${fmt(y)}</b>`;
      },
    },
    xAxis: {
      type: 'value', name: time ? 'time since start (m:ss)' : plateau ? 'epoch · plateau: dots = rates used (set by val. loss)' : 'epoch', nameLocation: 'middle', nameGap: 24, min: 0, max: Math.max(...xs),
      ...(time ? {} : { minInterval: 1 }),
      ...axisStyle(theme),
      ...(time ? { axisLabel: { color: theme.textMuted, formatter: (v: number) => clockText(v) } } : {}),
      splitLine: { show: false },
    },
    yAxis: { type: 'value', name: 'learning rate', min: 0, ...axisStyle(theme), axisLabel: { color: theme.textMuted, formatter: fmt } },
    series,
  };
}
