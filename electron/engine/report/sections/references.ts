// Section "Published reference points" (engine/report): our accuracies against human performance and the Zalando benchmark.
import type { EChartsOption } from 'echarts';
import { accuracyComparisonOption } from '../../../../shared/charts/accuracyBars.js';
import { COLORS, SIZES } from '../document.js';
import { table } from '../table.js';
import { chartFigure, CHART_SCALE } from '../charts.js';
import { formatAccuracy, formatPoints } from '../format.js';
import { REFERENCE_POINTS, README_SOURCE } from '../references.js';
import { PDF_THEME } from './data.js';
import type { SectionContext } from '../input.js';

/**
 * Paper layout of the shared accuracy chart: model names (and the spread under them) wrap within their slot
 * instead of running into each other, which needs the plot's width in px, known here and not on screen.
 */
function forPaper(option: EChartsOption, chartWidth: number): EChartsOption {
  const xAxis = option.xAxis && !Array.isArray(option.xAxis) ? (option.xAxis as { data?: unknown[]; axisLabel?: object }) : null;
  if (!xAxis) return option;
  const grid = option.grid && !Array.isArray(option.grid) ? option.grid : {};
  const px = (v: unknown) => (typeof v === 'number' ? v : 0);
  const slot = (chartWidth - px(grid.left) - px(grid.right)) / Math.max(1, xAxis.data?.length ?? 1);
  return {
    ...option,
    xAxis: { ...xAxis, axisLabel: { ...(xAxis.axisLabel ?? {}), width: Math.max(40, slot - 8), overflow: 'break', verticalAlign: 'top', margin: 6 } } as EChartsOption['xAxis'],
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
        // The chart is laid out at text width / CHART_SCALE px.
        ctx.doc.width / CHART_SCALE,
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
