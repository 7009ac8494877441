// Section "Published reference points" (engine/report): our accuracies against human performance and the Zalando benchmark.
import type { EChartsOption } from 'echarts';
import { accuracyComparisonOption } from '../../../../shared/charts/accuracyBars.js';
import { COLORS, SIZES } from '../document.js';
import { table } from '../table.js';
import { accuracyStep, chartFigure, CHART_SCALE } from '../charts.js';
import { formatAccuracy, formatPoints } from '../format.js';
import { REFERENCE_POINTS, README_SOURCE } from '../references.js';
import { PDF_THEME } from './data.js';
import type { SectionContext } from '../input.js';

const RIGHT_GUTTER = 150;

interface BarFacts {
  name: string;
  mean: number;
  std: number;
  n: number;
}

/**
 * Print adjustments of the shared accuracy chart: one-line bar labels at the base (an error bar's whisker crosses
 * the top, and three lines overflow a short bar), "± std · n" under the model name instead, reference labels in a
 * gutter right of the plot (inside it they run over the last bar), round y ticks, and model names that wrap within
 * their slot instead of running into each other.
 */
function forPaper(option: EChartsOption, bars: readonly BarFacts[], plotWidth: number): EChartsOption {
  const series = Array.isArray(option.series) ? option.series : [];
  const xAxis = option.xAxis && !Array.isArray(option.xAxis) ? option.xAxis : null;
  const yAxis = option.yAxis && !Array.isArray(option.yAxis) ? (option.yAxis as { min?: unknown; max?: unknown }) : null;
  const grid = option.grid && !Array.isArray(option.grid) ? option.grid : {};
  const yMin = typeof yAxis?.min === 'number' ? yAxis.min : null;
  return {
    ...option,
    grid: { ...grid, right: RIGHT_GUTTER },
    ...(xAxis
      ? {
          xAxis: {
            ...xAxis,
            data: bars.map((b) => (b.std > 0 ? `${b.name}\n± ${(b.std * 100).toFixed(2)} pp · n = ${b.n}` : b.name)),
            axisLabel: { ...((xAxis as { axisLabel?: object }).axisLabel ?? {}), width: Math.max(40, plotWidth / bars.length - 8), overflow: 'break', verticalAlign: 'top', lineHeight: 15, margin: 6 },
          } as EChartsOption['xAxis'],
        }
      : {}),
    ...(yAxis && yMin !== null ? { yAxis: { ...yAxis, interval: accuracyStep(yMin, typeof yAxis.max === 'number' ? yAxis.max : 1) } as EChartsOption['yAxis'] } : {}),
    series: series.map((s) => {
      if (s.type !== 'bar' || !Array.isArray(s.data)) return s;
      const markLine = s.markLine && Array.isArray(s.markLine.data)
        ? { ...s.markLine, data: s.markLine.data.map((d) => (d && typeof d === 'object' && !Array.isArray(d) ? { ...d, label: { ...((d as { label?: object }).label ?? {}), position: 'end', distance: 6 } } : d)) }
        : s.markLine;
      return {
        ...s,
        markLine,
        data: s.data.map((d, i) =>
          d && typeof d === 'object' && 'label' in d
            ? { ...d, label: { ...(d.label as object), position: 'insideBottom', distance: 6, formatter: `${((bars[i]?.mean ?? 0) * 100).toFixed(2)}%` } }
            : d,
        ),
      };
    }) as EChartsOption['series'],
  };
}

/** Bars of test accuracy (± std over seeds) with the published reference points as dashed lines. */
export function accuracyFigure(ctx: SectionContext, heightRatio: number): void {
  const evaluated = ctx.analysis.arms.filter((a) => a.accuracy);
  const seeds = evaluated.some((a) => a.grouped);
  const bars = evaluated.map((a) => ({ name: a.label, mean: a.accuracy!.mean, std: a.accuracy!.std, n: a.accuracy!.n, color: a.color }));
  chartFigure(
    ctx.doc,
    ctx.charts,
    'accuracy-references',
    `Test accuracy of each model${seeds ? ' (mean; error bars ± one standard deviation over seeds)' : ''} with published reference points as dashed lines (human performance, Zalando benchmark entries)`,
    () =>
      forPaper(
        accuracyComparisonOption({
          bars,
          referenceLines: REFERENCE_POINTS.filter((r) => r.onChart).map((r) => ({ value: r.accuracy, label: r.label })),
          theme: PDF_THEME,
          animation: false,
        }),
        bars,
        // The chart is laid out at text width / CHART_SCALE px; its grid leaves 56 px on the left.
        ctx.doc.width / CHART_SCALE - 56 - RIGHT_GUTTER,
      ),
    { heightRatio },
  );
}

export function referencesSection(ctx: SectionContext): void {
  const { doc, analysis } = ctx;
  doc.heading(1, 'Published reference points');
  const evaluated = analysis.arms.filter((a) => a.accuracy);
  doc.paragraph(
    'Where the models stand against published numbers for the same test set. The benchmark entries were trained elsewhere with their own epochs, preprocessing and seeds, ' +
      'and each is a single reported number without an error bar, so treat them as orientation, not as a controlled comparison.',
  );
  if (evaluated.length > 0) accuracyFigure(ctx, 0.55);
  const best = evaluated.length ? evaluated.reduce((b, a) => (a.accuracy!.mean > b.accuracy!.mean ? a : b)) : null;
  table(
    doc,
    [
      { header: 'Reference' },
      { header: 'Test accuracy', align: 'right' },
      { header: 'Submitted by' },
      ...(best ? [{ header: `${best.name} vs reference`, align: 'right' as const }] : []),
    ],
    REFERENCE_POINTS.map((r) => [
      `${r.description}${r.onChart ? '' : ' (not drawn)'}`,
      formatAccuracy(r.accuracy).replace(/0+$/, '').replace(/\.$/, '.0'),
      r.by,
      ...(best ? [formatPoints(best.accuracy!.mean - r.accuracy)] : []),
    ]),
    { caption: 'Published reference points on the Fashion-MNIST test set', size: SIZES.small },
  );
  doc.paragraph(`Source: ${README_SOURCE}. The README notes that the submitted benchmark results were not tested by its maintainers.`, {
    size: SIZES.small,
    color: COLORS.muted,
  });
}
