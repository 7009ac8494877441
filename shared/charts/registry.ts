// The one place chart builders are registered (shared, pure): screen and PDF report look charts up by kind.
import type { EChartsOption } from 'echarts';
import { trainingCurvesOption } from './trainingCurves.js';
import { confusionDiffOption, confusionMatrixOption } from './confusionMatrix.js';
import { classDistributionOption, f1ChangeOption, perClassF1Option } from './classBars.js';
import { accuracyComparisonOption } from './accuracyBars.js';
import { intensityHeatmapOption } from './intensityHeatmap.js';
import { sweepParallelOption, sweepScatterOption } from './sweep.js';

export const chartBuilders = {
  trainingCurves: trainingCurvesOption,
  confusionMatrix: confusionMatrixOption,
  confusionDiff: confusionDiffOption,
  classDistribution: classDistributionOption,
  perClassF1: perClassF1Option,
  f1Change: f1ChangeOption,
  accuracyComparison: accuracyComparisonOption,
  intensityHeatmap: intensityHeatmapOption,
  sweepParallel: sweepParallelOption,
  sweepScatter: sweepScatterOption,
} as const;

export type ChartKind = keyof typeof chartBuilders;
export type ChartInput<K extends ChartKind> = Parameters<(typeof chartBuilders)[K]>[0];
export const CHART_KINDS = Object.keys(chartBuilders) as ChartKind[];

/**
 * The ECharts pieces each kind needs, so a host registers exactly these with `echarts/core`'s use()
 * (the renderer with its own imports, the report with SSR) and nothing drifts when a chart is added.
 */
export const chartRequirements: Record<ChartKind, { series: string[]; components: string[] }> = {
  trainingCurves: { series: ['line'], components: ['grid', 'legend', 'tooltip', 'title', 'markLine'] },
  confusionMatrix: { series: ['heatmap'], components: ['grid', 'tooltip', 'title', 'visualMap'] },
  confusionDiff: { series: ['heatmap'], components: ['grid', 'tooltip', 'title', 'visualMap'] },
  classDistribution: { series: ['bar'], components: ['grid', 'legend', 'tooltip', 'title'] },
  perClassF1: { series: ['bar'], components: ['grid', 'legend', 'tooltip', 'title'] },
  f1Change: { series: ['bar'], components: ['grid', 'tooltip', 'title', 'markLine'] },
  accuracyComparison: { series: ['bar', 'custom'], components: ['grid', 'tooltip', 'title', 'markLine'] },
  intensityHeatmap: { series: ['heatmap'], components: ['grid', 'tooltip', 'title', 'visualMap'] },
  sweepParallel: { series: ['parallel'], components: ['parallel', 'tooltip', 'title', 'visualMap'] },
  sweepScatter: { series: ['scatter'], components: ['grid', 'tooltip', 'title'] },
};

export function buildChart<K extends ChartKind>(kind: K, input: ChartInput<K>): EChartsOption {
  const builder = chartBuilders[kind] as (i: ChartInput<K>) => EChartsOption;
  if (!builder) throw new Error(`unknown chart kind "${String(kind)}"; known: ${CHART_KINDS.join(', ')}`);
  return builder(input);
}
