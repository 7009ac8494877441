import { describe, expect, it } from 'vitest';
import type { LineSeriesOption } from 'echarts';
import { learningRateOption, plannedSchedule, scheduledLearningRate } from '../../../shared/charts/learningRate.js';
import { learningRateAt } from '../../../electron/engine/train/schedule.js';
import { HyperparametersSchema } from '../../../shared/hyper.js';
import { renderSvg } from './render.js';

const hyper = (schedule: object, epochs = 6) => HyperparametersSchema.parse({ learningRate: 0.01, batchSize: 32, epochs, schedule });

describe('scheduledLearningRate', () => {
  it('equals the engine\'s schedule at every batch (constant, step, cosine with and without warm-up)', () => {
    for (const h of [hyper({ type: 'constant' }), hyper({ type: 'step', stepEpochs: 2, gamma: 0.5 }), hyper({ type: 'cosine', minLearningRate: 0.001, warmupEpochs: 0 }), hyper({ type: 'cosine', minLearningRate: 0, warmupEpochs: 2 })]) {
      for (let e = 0; e < h.epochs; e++) for (let b = 0; b < 7; b++) expect(scheduledLearningRate(h, e, b, 7)).toBe(learningRateAt(h, e, b, 7));
    }
  });
  it('plans the whole schedule up to the last epoch in at most max points', () => {
    const pts = plannedSchedule(hyper({ type: 'step', stepEpochs: 2, gamma: 0.5 }), 1000, 100);
    expect(pts.length).toBeLessThanOrEqual(101);
    expect(pts.at(-1)![0]).toBe(6);
    expect(pts.at(-1)![1]).toBeCloseTo(0.01 * 0.25);
    expect(pts[0][1]).toBe(0.01);
  });
});

describe('learningRateOption', () => {
  const epochs = [0, 1, 2].map((epoch) => ({ epoch, learningRate: 0.01 * 0.5 ** epoch, elapsed: 10 * (epoch + 1) }));
  it('draws the reported rate per epoch over the planned schedule', () => {
    const o = learningRateOption({ runs: [{ name: 'r', epochs, planned: { hyper: hyper({ type: 'step', stepEpochs: 1, gamma: 0.5 }, 3), batchesPerEpoch: 10 } }] });
    const s = o.series as LineSeriesOption[];
    expect(s.map((x) => x.id)).toEqual(['0:planned', '0:lr']);
    expect(s[1].data).toEqual([[1, 0.01], [2, 0.005], [3, 0.0025]]);
    expect((s[0].lineStyle as { type: string }).type).toBe('dashed');
  });
  it('plots wall-clock time without the plan (it has no times)', () => {
    const o = learningRateOption({ xAxis: 'time', runs: [{ name: 'r', epochs, planned: { hyper: hyper({ type: 'constant' }, 3), batchesPerEpoch: 10 } }] });
    const s = o.series as LineSeriesOption[];
    expect(s.map((x) => x.id)).toEqual(['0:lr']);
    expect(s[0].data).toEqual([[10, 0.01], [20, 0.005], [30, 0.0025]]);
  });
  it('renders with ECharts', () => {
    expect(renderSvg(learningRateOption({ title: 'Learning rate', runs: [{ name: 'r', epochs }] }))).toContain('Learning rate');
  });
});
