// Confusion-matrix heatmaps (shared, pure): counts of one run, and the difference B − A of two runs.
import type { EChartsOption, HeatmapSeriesOption } from 'echarts';
import { CLASS_NAMES } from '../classes.js';
import { baseOption, interpolateColor, labelColorOn, LIGHT_THEME, type ChartCommon, type ChartTheme } from './theme.js';

export interface ConfusionMatrixInput extends ChartCommon {
  /** matrix[actual][predicted] = count. */
  matrix: readonly (readonly number[])[];
  classNames?: readonly string[];
  /** Cells to outline (e.g. the seed's similar-class pairs). */
  highlight?: ReadonlyArray<{ actual: number; predicted: number }>;
  /** Short class names on the axes when the chart is small. */
  compact?: boolean;
  /**
   * What the cells print: 'count' (default) or 'row', the percentage of the true class, which is what stays
   * comparable next to a run tested on a different number of images.
   */
  labels?: 'count' | 'row';
}

export interface ConfusionDiffInput extends ChartCommon {
  a: readonly (readonly number[])[];
  b: readonly (readonly number[])[];
  classNames?: readonly string[];
  compact?: boolean;
  /**
   * 'count' subtracts counts; 'row' subtracts each cell's share of its row in percentage points, the only fair
   * difference when A and B were tested on different numbers of images.
   */
  normalize?: 'count' | 'row';
}

function rowShares(m: readonly (readonly number[])[]): number[][] {
  return m.map((row) => {
    const sum = row.reduce((s, v) => s + v, 0);
    return row.map((v) => (sum > 0 ? (100 * v) / sum : 0));
  });
}

/** The (actual, predicted) cell behind a click on either heatmap; null for clicks elsewhere. */
export function confusionCellFromClick(params: { seriesType?: string; value?: unknown }): { actual: number; predicted: number } | null {
  if (params.seriesType !== 'heatmap' || !Array.isArray(params.value)) return null;
  const [predicted, actual] = params.value as number[];
  if (!Number.isInteger(predicted) || !Number.isInteger(actual)) return null;
  return { actual, predicted };
}

/** Abbreviations that keep a 10×10 matrix legible at small sizes. */
export function shortClassName(name: string): string {
  const map: Record<string, string> = { 'T-shirt/top': 'T-shirt', 'Ankle boot': 'Boot', Pullover: 'Pullov.' };
  return map[name] ?? name;
}

function checkSquare(m: readonly (readonly number[])[], what: string): number {
  const n = m.length;
  if (n === 0 || m.some((row) => row.length !== n)) throw new RangeError(`${what} must be a square matrix, got ${n} rows of lengths ${m.map((r) => r.length).join(',')}`);
  return n;
}

function axes(names: readonly string[], theme: ChartTheme, compact: boolean) {
  const labels = compact ? names.map(shortClassName) : [...names];
  const common = {
    type: 'category' as const,
    data: labels,
    axisLine: { lineStyle: { color: theme.axisLine } },
    axisTick: { show: false },
    splitArea: { show: false },
    nameTextStyle: { color: theme.textMuted, fontWeight: 600 as const },
  };
  return {
    xAxis: { ...common, name: 'predicted', nameLocation: 'middle' as const, nameGap: compact ? 38 : 58, position: 'bottom' as const, axisLabel: { color: theme.textMuted, rotate: 40, interval: 0, fontSize: compact ? 10 : 11 } },
    // Row 0 (first class) at the top, as in the seed's figures.
    yAxis: { ...common, name: 'actual', nameLocation: 'middle' as const, nameGap: compact ? 52 : 74, inverse: true, axisLabel: { color: theme.textMuted, interval: 0, fontSize: compact ? 10 : 11 } },
  };
}

export function confusionMatrixOption(input: ConfusionMatrixInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const n = checkSquare(input.matrix, 'confusion matrix');
  const names = input.classNames ?? CLASS_NAMES.slice(0, n);
  const compact = input.compact ?? false;
  const rowSums = input.matrix.map((row) => row.reduce((s, v) => s + v, 0));
  const highlighted = new Set((input.highlight ?? []).map((h) => `${h.actual},${h.predicted}`));
  const data: NonNullable<HeatmapSeriesOption['data']> = [];
  for (let actual = 0; actual < n; actual++) {
    for (let predicted = 0; predicted < n; predicted++) {
      const count = input.matrix[actual][predicted];
      // Colour by share of the row so small classes and off-diagonal mistakes stay visible next to a bright diagonal.
      const share = rowSums[actual] > 0 ? count / rowSums[actual] : 0;
      const shade = Math.sqrt(share);
      const bg = interpolateColor(theme.sequential, shade);
      const hl = highlighted.has(`${actual},${predicted}`);
      const text = input.labels === 'row' ? (count === 0 ? '0' : (100 * share).toFixed(share < 0.995 ? 1 : 0)) : String(count);
      data.push({
        value: [predicted, actual, shade, count],
        itemStyle: { color: bg, ...(hl ? { borderColor: theme.diverging[0], borderWidth: 2 } : {}) },
        label: { formatter: text, color: count === 0 ? theme.textMuted : labelColorOn(bg) },
      });
    }
  }
  return {
    ...baseOption(input, theme),
    tooltip: {
      formatter: (p: unknown) => {
        const v = (p as { value: number[] }).value;
        const row = rowSums[v[1]];
        const pct = row > 0 ? ((v[3] / row) * 100).toFixed(1) : '0.0';
        return `actual <b>${names[v[1]]}</b> → predicted <b>${names[v[0]]}</b><br/>${v[3]} images (${pct}% of ${names[v[1]]})`;
      },
    },
    grid: { left: compact ? 62 : 88, right: 8, top: input.title ? 30 : 8, bottom: compact ? 52 : 76 },
    ...axes(names, theme, compact),
    // ECharts draws a heatmap only through a visualMap; this one repeats the per-cell colours, hidden.
    visualMap: { show: false, type: 'continuous', dimension: 2, min: 0, max: 1, inRange: { color: [...theme.sequential] } },
    series: [
      {
        type: 'heatmap',
        data,
        label: { show: true, fontSize: compact ? 9 : 11 },
        emphasis: { itemStyle: { borderColor: theme.text, borderWidth: 1 } },
        itemStyle: { borderColor: theme.name === 'dark' ? '#0d1117' : '#ffffff', borderWidth: 1 },
        progressive: 0,
        animation: false,
      },
    ],
  };
}

/**
 * B − A per cell. Colour says whether B is better: more on the diagonal or fewer off it is green, the
 * reverse red; the label is the signed count difference.
 */
export function confusionDiffOption(input: ConfusionDiffInput): EChartsOption {
  const theme = input.theme ?? LIGHT_THEME;
  const n = checkSquare(input.a, 'confusion matrix A');
  if (checkSquare(input.b, 'confusion matrix B') !== n) throw new RangeError(`confusion matrices differ in size: A is ${n}×${n}, B is ${input.b.length}×${input.b.length}`);
  const names = input.classNames ?? CLASS_NAMES.slice(0, n);
  const compact = input.compact ?? false;
  const rows = input.normalize === 'row';
  const A = rows ? rowShares(input.a) : input.a;
  const B = rows ? rowShares(input.b) : input.b;
  const fmt = (d: number) => (rows ? d.toFixed(1) : String(d));
  const unit = rows ? ' pp' : '';
  let maxAbs = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) maxAbs = Math.max(maxAbs, Math.abs(B[i][j] - A[i][j]));
  const data: NonNullable<HeatmapSeriesOption['data']> = [];
  for (let actual = 0; actual < n; actual++) {
    for (let predicted = 0; predicted < n; predicted++) {
      const d = B[actual][predicted] - A[actual][predicted];
      const gain = actual === predicted ? d : -d;
      const t = maxAbs === 0 ? 0.5 : 0.5 + (0.5 * gain) / maxAbs;
      const bg = t < 0.5 ? interpolateColor([theme.diverging[0], theme.diverging[1]], t * 2) : interpolateColor([theme.diverging[1], theme.diverging[2]], (t - 0.5) * 2);
      data.push({
        value: [predicted, actual, gain, d],
        itemStyle: { color: bg },
        label: { formatter: Math.abs(d) < (rows ? 0.05 : 0.5) ? '·' : d > 0 ? `+${fmt(d)}` : fmt(d), color: d === 0 ? theme.textMuted : labelColorOn(bg) },
      });
    }
  }
  return {
    ...baseOption(input, theme),
    tooltip: {
      formatter: (p: unknown) => {
        const v = (p as { value: number[] }).value;
        const a = input.a[v[1]][v[0]];
        const b = input.b[v[1]][v[0]];
        const verdict = v[2] > 0 ? 'B better' : v[2] < 0 ? 'B worse' : 'no change';
        const shares = rows ? ` (${A[v[1]][v[0]].toFixed(1)}% → ${B[v[1]][v[0]].toFixed(1)}% of the row)` : '';
        return `actual <b>${names[v[1]]}</b> → predicted <b>${names[v[0]]}</b><br/>A ${a} · B ${b}${shares} · B−A ${v[3] > 0 ? '+' : ''}${fmt(v[3])}${unit} (${verdict})`;
      },
    },
    grid: { left: compact ? 62 : 88, right: 8, top: input.title ? 30 : 8, bottom: compact ? 52 : 76 },
    ...axes(names, theme, compact),
    visualMap: { show: false, type: 'continuous', dimension: 2, min: -Math.max(1, maxAbs), max: Math.max(1, maxAbs), inRange: { color: [...theme.diverging] } },
    series: [
      {
        type: 'heatmap',
        data,
        label: { show: true, fontSize: compact ? 9 : 11 },
        emphasis: { itemStyle: { borderColor: theme.text, borderWidth: 1 } },
        itemStyle: { borderColor: theme.name === 'dark' ? '#0d1117' : '#ffffff', borderWidth: 1 },
        animation: false,
      },
    ],
  };
}
