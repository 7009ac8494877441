// The report's numbers: runs grouped into models, McNemar pairing by test index, mean ± std, config diff.
import { describe, it, expect } from 'vitest';
import { analyse, commonName, groupArms, pairedTest } from '../../../electron/engine/report/analysis.js';
import { ReportError } from '../../../electron/engine/report/errors.js';
import { metricsFrom, predictionsFrom, runDetail, annSpec } from './fixtures.js';

// Six labelled images: A is right on 0,1,2,5; B is right on 0,2,3,4.
const labels = [0, 1, 2, 3, 4, 5];
const predA = [0, 1, 2, 0, 0, 5];
const predB = [0, 9, 2, 3, 4, 1];

describe('pairedTest', () => {
  it('counts discordant pairs (n01: only A right, n10: only B right) and the concordant ones', () => {
    const t = pairedTest(predictionsFrom(labels, predA), predictionsFrom(labels, predB))!;
    expect(t).toMatchObject({ n: 6, n01: 2, n10: 2, bothRight: 2, bothWrong: 0 });
    // b = c: no evidence of a difference, χ² = 0 and p = 1 (R's mcnemar.test convention).
    expect(t.statistic).toBe(0);
    expect(t.pValue).toBeCloseTo(1, 12);
  });

  it('pairs images by test index, whatever order each run stored them in', () => {
    const order = [5, 3, 1, 0, 4, 2];
    const b = predictionsFrom(order.map((i) => labels[i]), order.map((i) => predB[i]), order);
    expect(pairedTest(predictionsFrom(labels, predA), b)).toMatchObject({ n: 6, n01: 2, n10: 2, bothRight: 2, bothWrong: 0 });
  });

  it('uses only the images both runs evaluated', () => {
    const b = predictionsFrom([labels[1], labels[3]], [predB[1], predB[3]], [1, 3]);
    // Image 1: only A right; image 3: only B right.
    expect(pairedTest(predictionsFrom(labels, predA), b)).toMatchObject({ n: 2, n01: 1, n10: 1 });
    expect(pairedTest(predictionsFrom(labels, predA), predictionsFrom([1], [1], [99]))).toBeNull();
    expect(pairedTest(null, predictionsFrom(labels, predB))).toBeNull();
  });

  it('refuses runs whose labels disagree for the same image', () => {
    const wrong = predictionsFrom([0, 1, 2, 3, 4, 6], predB);
    expect(() => pairedTest(predictionsFrom(labels, predA), wrong)).toThrow(ReportError);
  });
});

describe('groupArms', () => {
  it('keeps single runs apart and averages the repeats of a group', () => {
    // Group accuracies 4/6 and 5/6: mean 0.75, sample std sqrt(2 * (1/12)^2) = 0.11785…
    const g0 = runDetail({ id: 'g-0', name: 'seed-cnn #1', groupId: 'g', repeatIndex: 0, seed: 42, test: metricsFrom(labels, predA) });
    const g1 = runDetail({ id: 'g-1', name: 'seed-cnn #2', groupId: 'g', repeatIndex: 1, seed: 43, test: metricsFrom(labels, [0, 1, 2, 3, 0, 5]) });
    const single = runDetail({ id: 'solo', name: 'seed-ann', test: metricsFrom(labels, predB) });
    const arms = groupArms([single, g1, g0], [null, null, null]);
    expect(arms.map((a) => a.name)).toEqual(['seed-ann', 'seed-cnn']);
    const g = arms[1];
    expect(g.grouped).toBe(true);
    expect(g.runs.map((r) => r.id)).toEqual(['g-0', 'g-1']);
    expect(g.rep.id).toBe('g-0');
    expect(g.accuracy!.mean).toBeCloseTo(0.75, 12);
    expect(g.accuracy!.std).toBeCloseTo(Math.sqrt(2 * (1 / 12) ** 2), 12);
    expect(arms[0].accuracy).toMatchObject({ mean: 4 / 6, std: 0, n: 1 });
  });

  it('names groups by what their run names share and never lets two models read the same', () => {
    expect(commonName(['seed-cnn #1', 'seed-cnn #2', 'seed-cnn #3'])).toBe('seed-cnn');
    expect(commonName(['cnn (seed 42)', 'cnn (seed 43)'])).toBe('cnn');
    const a = runDetail({ id: 'a', name: 'model' });
    const b = runDetail({ id: 'b', name: 'model' });
    expect(groupArms([a, b], [null, null]).map((x) => x.name)).toEqual(['model', 'model (2)']);
  });

  it('rejects a prediction list that does not match the runs', () => {
    expect(() => groupArms([], [])).toThrow(/at least one run/);
    expect(() => groupArms([runDetail({ id: 'a' })], [])).toThrow(/one \(or null\) per run/);
  });
});

describe('analyse', () => {
  it('compares every model with the first: accuracy delta, per-class F1 and confusion differences, config diff', () => {
    const a = runDetail({ id: 'a', name: 'ann', test: metricsFrom(labels, predA) });
    const cnnSpec = { ...annSpec, name: 'cnn', layers: [annSpec.layers[0], annSpec.layers[2]] };
    const b = runDetail({ id: 'b', name: 'cnn', model: cnnSpec, lr: 0.01, test: metricsFrom(labels, predB) });
    const { comparisons, ranking } = analyse([a, b], [predictionsFrom(labels, predA), predictionsFrom(labels, predB)]);
    const c = comparisons[0];
    expect(c.deltaAccuracy).toBeCloseTo(0, 12);
    expect(c.test).toMatchObject({ n01: 2, n10: 2 });
    // B predicts image 1 (class 1) as 9: one more in cell [1][9], one fewer on the diagonal.
    expect(c.confusionDelta![1][9]).toBe(1);
    expect(c.confusionDelta![1][1]).toBe(-1);
    expect(c.f1Delta).toHaveLength(10);
    const settings = c.configChanges.map((x) => x.setting);
    expect(settings).toEqual(['model.name', 'model.layers[2]', 'model.layers[3]', 'model.layers (count)', 'hyper.learningRate']);
    expect(c.configChanges.find((x) => x.setting === 'model.layers[3]')).toMatchObject({ a: 'Dense(10, softmax)', b: '—' });
    expect(ranking).toHaveLength(2);
  });
});
