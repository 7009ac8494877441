// Insight chart options: each renders, and carries the data it was given where a reader looks for it.
import { describe, expect, it } from 'vitest';
import type { EChartsOption } from 'echarts';
import {
  CLASS_PALETTE, curvesOption, deadReluOption, embeddingOption, reliabilityDiagramOption, ridgelineOption, tensorNormOption,
} from '../../../shared/charts/insight.js';
import { reliabilityBins } from '../../../shared/calibration.js';
import type { EpochHistograms } from '../../../shared/insight.js';
import { renderSvg } from './render.js';

type Series = { type: string; name: string; data: unknown[]; symbol?: string; areaStyle?: { origin?: unknown } };
const series = (o: EChartsOption) => [o.series].flat() as unknown as Series[];

const epochs: EpochHistograms[] = [0, 1, 2].map((epoch) => ({
  epoch,
  omitted: 0,
  tensors: [
    { name: 'dense/kernel', layer: 'dense', size: 4, weights: { min: -1, max: 1, counts: [1, 2, 1, 0] }, gradients: { min: -0.1, max: 0.1, counts: [0, 3, 1, 0] }, gradNorm: 10 ** -epoch, weightNorm: 1 },
    { name: 'dense/bias', layer: 'dense', size: 2, weights: { min: 0, max: 0, counts: [0, 0, 2, 0] }, gradients: { min: 0, max: 0.1, counts: [1, 0, 0, 1] }, gradNorm: 0.5, weightNorm: 0 },
  ],
  deadRelu: [{ layer: 'dense', dead: epoch, units: 4 }],
}));

describe('insight charts', () => {
  it('reliability: the diagonal and one line per run through its non-empty bins', () => {
    const bins = reliabilityBins([0.9, 0.1, 0.2, 0.8], [0, 0], 2);
    const o = reliabilityDiagramOption({ runs: [{ name: 'A', bins }] });
    const s = series(o);
    expect(s[0].data).toEqual([[0, 0], [1, 1]]);
    expect(s[1].data).toHaveLength(2);
    expect(renderSvg(o)).toContain('<svg');
  });

  it('ROC draws the chance diagonal; PR does not', () => {
    const c = [{ name: 'A', x: [0, 0.5, 1], y: [0, 1, 1] }];
    expect(series(curvesOption({ kind: 'roc', curves: c })).map((s) => s.name)).toEqual(['chance', 'A']);
    expect(series(curvesOption({ kind: 'pr', curves: c })).map((s) => s.name)).toEqual(['A']);
    expect(renderSvg(curvesOption({ kind: 'pr', curves: c }))).toContain('<svg');
  });

  it('embedding: correct answers as dots and mistakes as diamonds in their true class colour, the test index in each point', () => {
    const o = embeddingOption({ points: { x: [0, 1, 2], y: [0, 1, 2], labels: [6, 6, 4], predicted: [6, 4, 4], testIndices: [10, 11, 12] } });
    const s = series(o);
    expect(s).toHaveLength(20);
    const [shirtRight, shirtWrong] = [s[12], s[13]];
    expect(shirtRight.data).toEqual([[0, 0, 10, 6, 6]]);
    expect(shirtWrong.data).toEqual([[1, 1, 11, 6, 4]]);
    expect(shirtWrong.symbol).toBe('diamond');
    expect(JSON.stringify(o)).toContain(CLASS_PALETTE[6]);
    expect(renderSvg(o)).toContain('<svg');
  });

  it('gradient norms on a log axis, one line per tensor; dead ReLU in percent', () => {
    const n = tensorNormOption({ epochs });
    expect((n.yAxis as { type: string }).type).toBe('log');
    expect(series(n)[0].data).toEqual([1, 0.1, 0.01]);
    expect(series(deadReluOption({ epochs }))[0].data).toEqual([0, 25, 50]);
    expect(renderSvg(n)).toContain('<svg');
  });

  it('ridgeline: one ridge per epoch, the first at the back (highest base), filled down to its base', () => {
    const o = ridgelineOption({ epochs, tensor: 0, which: 'weights' });
    const s = series(o);
    expect(s).toHaveLength(3);
    const bases = s.map((r) => r.areaStyle?.origin as number);
    expect(bases[0]).toBeGreaterThan(bases[1]);
    expect(bases[2]).toBe(0);
    // bin centres on x, base + count/peak on y
    expect(s[2].data[1]).toEqual([-0.25, 1]);
    expect(renderSvg(o)).toContain('<svg');
  });
});
