// Value-axis ranges and label room (shared, pure): round ticks the charts set themselves instead of leaving them to ECharts.
import type { ReferenceLine } from './trainingCurves.js';

export interface AxisRange {
  min: number;
  max: number;
  interval: number;
}

/** Steps an accuracy (or F1) axis may take, finest first. */
const UNIT_STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25] as const;
/** Steps a difference axis may take, finest first. */
const DELTA_STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1] as const;
const MAX_INTERVALS = 6;
const EPS = 1e-9;

const round = (v: number) => Number(v.toFixed(6));

/**
 * An axis for a score in [0, 1] that ends at 1: from a round value at least `pad` below the lowest value, in the
 * finest round step giving at most six intervals. The minimum is a multiple of the step, so every tick is one too:
 * left to itself ECharts picked a 0.03 step from 0.81 and printed "0.99" on top of the fixed maximum "1".
 * `room` keeps that fraction of the axis free below the lowest value whatever the range (a label at a bar's base).
 */
export function unitAxis(values: readonly number[], pad = 0.005, room = 0): AxisRange {
  const finite = values.filter(Number.isFinite);
  const lowest = finite.length > 0 ? Math.min(...finite) : 0;
  const lo = Math.max(0, Math.min(1, lowest - pad, room > 0 ? (lowest - room) / (1 - room) : 1));
  for (const step of UNIT_STEPS) {
    const min = round(Math.floor(lo / step + EPS) * step);
    if ((1 - min) / step <= MAX_INTERVALS + EPS && min < 1) return { min, max: 1, interval: step };
  }
  return { min: 0, max: 1, interval: 0.25 };
}

/**
 * An axis for differences that always shows 0: the data range widened by `padFraction` of its span on each side
 * that has values (room for the value labels drawn beyond the bar ends), rounded out to a round step.
 */
export function deltaAxis(values: readonly number[], padFraction = 0.15): AxisRange {
  const finite = values.filter(Number.isFinite);
  const dataLo = Math.min(0, ...finite);
  const dataHi = Math.max(0, ...finite);
  const span = Math.max(dataHi - dataLo, 0.01);
  const lo = dataLo < 0 ? dataLo - span * padFraction : 0;
  const hi = dataHi > 0 || dataLo === 0 ? dataHi + span * padFraction : 0;
  for (const step of DELTA_STEPS) {
    const min = round(Math.floor(lo / step + EPS) * step);
    const max = round(Math.ceil(hi / step - EPS) * step);
    if ((max - min) / step <= MAX_INTERVALS + EPS) return { min, max, interval: step };
  }
  const step = 10 ** Math.ceil(Math.log10(span));
  return { min: round(Math.floor(lo / step) * step), max: round(Math.ceil(hi / step) * step), interval: step };
}

/**
 * Rough width in px of `text` at `fontSize`, erring wide (DejaVu Sans, the report's face, is wider than the UI's):
 * the room a label needs outside the plot, which ECharts' containLabel does not reserve for mark-line labels.
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    if (' .,:;!|\'()[]il'.includes(ch)) em += 0.34;
    else if (ch === '%' || ch === 'm' || ch === 'w' || ch === 'M' || ch === 'W') em += 0.95;
    else if (/[A-Z+=±−]/.test(ch)) em += 0.76;
    else em += 0.64;
  }
  return Math.ceil(em * fontSize);
}

/**
 * Mark-line data for reference lines labelled to the right of the plot (in a gutter the chart reserves), so the
 * labels never run over the data. Each label is centred on its line; two lines closer than `minGap` (in axis units)
 * push their labels apart, the higher one above its line and the lower one below.
 */
export function gutterReferenceData(refs: readonly ReferenceLine[], text: (r: ReferenceLine) => string, minGap: number) {
  const order = refs.map((r, i) => ({ r, i })).sort((a, b) => b.r.value - a.r.value);
  let inRun = 0;
  return order.map(({ r }, k) => {
    const closeAbove = k > 0 && order[k - 1].r.value - r.value < minGap;
    const closeBelow = k < order.length - 1 && r.value - order[k + 1].r.value < minGap;
    // Within a run of close lines the labels take turns above and below.
    inRun = closeAbove ? inRun + 1 : 0;
    const verticalAlign: 'middle' | 'bottom' | 'top' = !closeAbove && !closeBelow ? 'middle' : inRun % 2 === 0 ? 'bottom' : 'top';
    return { yAxis: r.value, name: text(r), label: { position: 'end' as const, verticalAlign } };
  });
}
