// Metrics against hand-computed numbers (each expected value is worked out in the comment beside it).
import { describe, expect, it } from 'vitest';
import {
  classificationReport, confusionMatrix, namedPairs, testMetrics, topConfusedPairs,
} from '../../../electron/engine/eval/metrics.js';
import { EvalError } from '../../../electron/engine/eval/errors.js';
import { ClassificationReportSchema, PredictionsSchema, TestMetricsSchema } from '../../../shared/run.js';

// 3 classes, 10 samples.
const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const predicted = [0, 0, 1, 2, 1, 1, 0, 2, 1, 1];
// class 0 → predicted 0,0,1,2; class 1 → 1,1,0; class 2 → 2,1,1
const cm = [
  [2, 1, 1],
  [1, 2, 0],
  [0, 2, 1],
];

describe('confusionMatrix', () => {
  it('puts actual classes in rows and predictions in columns', () => {
    expect(confusionMatrix(labels, predicted, 3)).toEqual(cm);
  });
  it('defaults to the 10 Fashion-MNIST classes', () => {
    const m = confusionMatrix([6, 6, 0], [4, 6, 9]);
    expect(m).toHaveLength(10);
    expect(m[6][4]).toBe(1);
    expect(m[6][6]).toBe(1);
    expect(m[0][9]).toBe(1);
    expect(m.flat().reduce((a, b) => a + b, 0)).toBe(3);
  });
  it('rejects mismatched lengths and labels out of range, naming the entry', () => {
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow(EvalError);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/labels\[1\] is 3/);
    expect(() => confusionMatrix([0, 1], [0, 1.5], 3)).toThrow(/predicted\[1\]/);
  });
});

describe('classificationReport', () => {
  it('matches scikit-learn on a hand-worked 3-class example', () => {
    const r = classificationReport(cm);
    expect(ClassificationReportSchema.parse(r)).toEqual(r);
    // column sums (predicted counts) 3,5,2; row sums (support) 4,3,3; trace 5 of 10.
    // class 0: p = 2/3, r = 2/4, f1 = 2·2/(2·2+1+2) = 4/7
    expect(r.perClass[0].precision).toBeCloseTo(2 / 3, 12);
    expect(r.perClass[0].recall).toBeCloseTo(0.5, 12);
    expect(r.perClass[0].f1).toBeCloseTo(4 / 7, 12);
    expect(r.perClass[0].support).toBe(4);
    // class 1: p = 2/5, r = 2/3, f1 = 4/(4+3+1) = 1/2
    expect(r.perClass[1]).toEqual({ precision: 0.4, recall: expect.closeTo(2 / 3, 12), f1: 0.5, support: 3 });
    // class 2: p = 1/2, r = 1/3, f1 = 2/(2+1+2) = 2/5
    expect(r.perClass[2]).toEqual({ precision: 0.5, recall: expect.closeTo(1 / 3, 12), f1: 0.4, support: 3 });
    // macro: p = (2/3 + 2/5 + 1/2)/3 = 47/90; r = (1/2 + 2/3 + 1/3)/3 = 1/2; f1 = (4/7 + 1/2 + 2/5)/3 = 103/210
    expect(r.macro.precision).toBeCloseTo(47 / 90, 12);
    expect(r.macro.recall).toBeCloseTo(0.5, 12);
    expect(r.macro.f1).toBeCloseTo(103 / 210, 12);
    expect(r.macro.support).toBe(10);
    // weighted by support 4,3,3: p = (8/3 + 6/5 + 3/2)/10 = 161/300; r = accuracy = 1/2; f1 = (16/7 + 3/2 + 6/5)/10 = 349/700
    expect(r.weighted.precision).toBeCloseTo(161 / 300, 12);
    expect(r.weighted.recall).toBeCloseTo(0.5, 12);
    expect(r.weighted.f1).toBeCloseTo(349 / 700, 12);
    expect(r.accuracy).toBe(0.5);
  });

  it('treats 0/0 as 0 and averages macro over classes that occur, as scikit-learn does', () => {
    // 5 classes; class 3 is never predicted, classes 2 and 4 never occur at all.
    const m = confusionMatrix([0, 1, 3, 3], [0, 1, 0, 1], 5);
    const r = classificationReport(m);
    // classes 0, 1: p = 1/2, r = 1, f1 = 2/(2+1) = 2/3; class 3: all 0 (zero_division=0)
    expect(r.perClass[0]).toEqual({ precision: 0.5, recall: 1, f1: expect.closeTo(2 / 3, 12), support: 1 });
    expect(r.perClass[3]).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(r.perClass[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.perClass[4]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    // scikit-learn's labels are {0, 1, 3}: macro p = 1/3, r = 2/3, f1 = (2/3 + 2/3 + 0)/3 = 4/9
    expect(r.macro.precision).toBeCloseTo(1 / 3, 12);
    expect(r.macro.recall).toBeCloseTo(2 / 3, 12);
    expect(r.macro.f1).toBeCloseTo(4 / 9, 12);
    // weighted by 1,1,2: p = 1/4, r = 1/2, f1 = (4/3)/4 = 1/3
    expect(r.weighted.precision).toBeCloseTo(0.25, 12);
    expect(r.weighted.recall).toBeCloseTo(0.5, 12);
    expect(r.weighted.f1).toBeCloseTo(1 / 3, 12);
    expect(r.accuracy).toBe(0.5);
  });

  it('counts a class that is predicted but never actual in the macro average (recall 0/0 → 0)', () => {
    // labels {0}, predictions {0, 1}: class 1 has p = 0/1 = 0, r = 0/0 → 0; class 0 p = 1, r = 1/2, f1 = 2/3
    const r = classificationReport(confusionMatrix([0, 0], [0, 1], 3));
    expect(r.macro.precision).toBeCloseTo(0.5, 12);
    expect(r.macro.recall).toBeCloseTo(0.25, 12);
    expect(r.macro.f1).toBeCloseTo(1 / 3, 12);
  });

  it('rejects a matrix that is not square', () => {
    expect(() => classificationReport([[1, 2], [3]])).toThrow(/row 1 has 1 cells; expected 2/);
  });
});

describe('confused pairs', () => {
  const m = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  m[6][4] = 7; // Shirt → Coat
  m[2][6] = 9; // Pullover → Shirt
  m[6][0] = 7; // Shirt → T-shirt/top
  m[4][2] = 7; // Coat → Pullover
  m[3][3] = 50; // diagonal: never a confusion
  m[9][7] = 1;

  it('reads the seed report pairs by name by default', () => {
    expect(namedPairs(m)).toEqual([
      { actual: 6, predicted: 4, count: 7 },
      { actual: 2, predicted: 6, count: 9 },
      { actual: 6, predicted: 0, count: 7 },
    ]);
    expect(namedPairs(m, [['Sneaker', 'Sandal']])).toEqual([{ actual: 7, predicted: 5, count: 0 }]);
    expect(() => namedPairs(m, [['Shirt', 'Jacket']])).toThrow(/unknown class name "Jacket"/);
  });

  it('lists off-diagonal cells largest first, ties by actual then predicted, zeros left out', () => {
    expect(topConfusedPairs(m, 4)).toEqual([
      { actual: 2, predicted: 6, count: 9 },
      { actual: 4, predicted: 2, count: 7 },
      { actual: 6, predicted: 0, count: 7 },
      { actual: 6, predicted: 4, count: 7 },
    ]);
    expect(topConfusedPairs(m)).toHaveLength(5);
    expect(topConfusedPairs(m, 100)).toHaveLength(5); // only five non-zero off-diagonal cells
  });
});

describe('testMetrics', () => {
  const row = (cells: Record<number, number>) => Array.from({ length: 10 }, (_, c) => cells[c] ?? 0);
  const probs = new Float32Array([
    ...row({ 0: 0.7, 1: 0.2, 2: 0.1 }), // label 0: right, −ln 0.7
    ...row({ 4: 0.6, 6: 0.4 }), // label 6 (Shirt) → 4 (Coat), −ln 0.4
    ...row({ 2: 1 }), // label 2: right, p clipped to 1 − 1e-7 → −ln(1 − 1e-7) ≈ 1e-7
    ...row({ 9: 1 }), // label 3 → 9, p = 0 clipped to 1e-7 → −ln 1e-7 = 16.118095651
  ]);
  const result = testMetrics({ labels: [0, 6, 2, 3], probs, testIndices: [100, 200, 300, 400], inferenceSeconds: 0.25 });

  it('computes the Keras loss with clipped probabilities', () => {
    // (0.356674944 + 0.916290732 + 0.0000001 + 16.118095651) / 4 = 4.347765357
    expect(result.metrics.loss).toBeCloseTo(4.347765357, 6);
    expect(result.metrics.accuracy).toBe(0.5);
    expect(result.metrics.samples).toBe(4);
    expect(result.metrics.inferenceSeconds).toBe(0.25);
  });

  it('fills the confusion matrix, report and pairs, and fits the contract', () => {
    expect(TestMetricsSchema.parse(result.metrics)).toEqual(result.metrics);
    expect(result.metrics.confusion[6][4]).toBe(1);
    expect(result.metrics.confusion[3][9]).toBe(1);
    expect(result.metrics.namedPairs[0]).toEqual({ actual: 6, predicted: 4, count: 1 });
    expect(result.metrics.topPairs).toEqual([
      { actual: 3, predicted: 9, count: 1 },
      { actual: 6, predicted: 4, count: 1 },
    ]);
    expect(result.metrics.report.perClass[0].f1).toBe(1);
  });

  it('lists every misclassified sample by its test-file index with its full probability vector', () => {
    const p = result.predictions;
    expect(PredictionsSchema.parse(p)).toEqual(p);
    expect(p.testIndices).toEqual([100, 200, 300, 400]);
    expect(p.predicted).toEqual([0, 4, 2, 9]);
    expect(p.misclassified).toEqual([
      { index: 200, label: 6, predicted: 4, probs: row({ 4: 0.6, 6: 0.4 }) },
      { index: 400, label: 3, predicted: 9, probs: row({ 9: 1 }) },
    ]);
  });

  it('breaks an argmax tie towards the lower class, as numpy does', () => {
    const tie = testMetrics({ labels: [5], probs: new Float32Array(row({ 3: 0.5, 5: 0.5 })), testIndices: [0], inferenceSeconds: 0 });
    expect(tie.predictions.predicted).toEqual([3]);
  });

  it('rejects inputs that do not fit together', () => {
    expect(() => testMetrics({ labels: [0, 1], probs: new Float32Array(10), testIndices: [0, 1], inferenceSeconds: 0 })).toThrow(/expected 2 samples × 10 classes = 20/);
    expect(() => testMetrics({ labels: [0], probs: new Float32Array(10), testIndices: [], inferenceSeconds: 0 })).toThrow(/testIndices has 0/);
    expect(() => testMetrics({ labels: [], probs: new Float32Array(0), testIndices: [], inferenceSeconds: 0 })).toThrow(EvalError);
    expect(() => testMetrics({ labels: [0], probs: new Float32Array(row({ 0: NaN })), testIndices: [0], inferenceSeconds: 0 })).toThrow(/not finite/);
  });
});
