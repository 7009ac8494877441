import { describe, expect, it } from 'vitest';
import { buildChart, chartBuilders, chartRequirements, CHART_KINDS, type ChartInput, type ChartKind } from '../../../shared/charts/index.js';
import { SEED_ANN_EPOCHS, SEED_ANN_F1, SEED_CNN_F1, syntheticConfusion } from './fixtures.js';
import { renderSvg } from './render.js';

const m = syntheticConfusion([900, 950, 850, 900, 850, 950, 700, 950, 950, 950]);
const samples: { [K in ChartKind]: ChartInput<K> } = {
  trainingCurves: { metric: 'accuracy', runs: [{ name: 'ANN', epochs: SEED_ANN_EPOCHS }] },
  confusionMatrix: { matrix: m },
  confusionDiff: { a: m, b: m },
  classDistribution: { counts: { train: new Array(10).fill(5000) } },
  perClassF1: { runs: [{ name: 'ANN', f1: SEED_ANN_F1 }] },
  f1Change: { a: { name: 'ANN', f1: SEED_ANN_F1 }, b: { name: 'CNN', f1: SEED_CNN_F1 } },
  accuracyComparison: { bars: [{ name: 'ANN', mean: 0.88, std: 0.01, n: 2 }] },
  intensityHeatmap: { image: new Array(784).fill(0.25) },
  sweepParallel: { keys: ['hyper.learningRate', 'hyper.optimizer.type'], trials: sweepTrials() },
  sweepScatter: { keys: ['hyper.learningRate'], trials: sweepTrials() },
};

function sweepTrials() {
  return [1e-4, 1e-3, 1e-2].map((lr, i) => ({
    id: `t${i}`, label: String(i + 1), params: { 'hyper.learningRate': lr, 'hyper.optimizer.type': i ? 'adam' : 'sgd' },
    valAccuracy: 0.8 + i / 100, paramCount: 1000 * (i + 1), trainSeconds: 2 + i,
  }));
}

describe('chart registry', () => {
  it('lists requirements for every registered kind', () => {
    expect(Object.keys(chartRequirements).sort()).toEqual(CHART_KINDS.slice().sort());
  });
  it.each(CHART_KINDS)('%s builds through buildChart and renders', (kind) => {
    const option = buildChart(kind, samples[kind] as never);
    expect(JSON.stringify(option)).toBe(JSON.stringify(chartBuilders[kind](samples[kind] as never)));
    for (const s of [option.series].flat()) expect(chartRequirements[kind].series).toContain((s as { type: string }).type);
    expect(renderSvg(option)).toContain('<svg');
  });
  it('names the known kinds when asked for an unknown one', () => {
    expect(() => buildChart('pie' as ChartKind, {} as never)).toThrow(/known: trainingCurves/);
  });
});
