// Calibration maths against hand-computed values and textbook examples.
import { describe, expect, it } from 'vitest';
import {
  applyTemperature, calibrationErrors, confidenceByCorrectness, fitTemperature, nllAtTemperature, oneVsRest,
  precisionRecallCurve, reliabilityBins, rocCurve, thinCurve,
} from '../../shared/calibration.js';

// Four samples, two classes: top probabilities 0.9 (right), 0.9 (wrong), 0.65 (right), 0.55 (right).
const probs = [0.9, 0.1, 0.1, 0.9, 0.35, 0.65, 0.55, 0.45];
const labels = [0, 0, 1, 0];

describe('reliability bins, ECE and MCE', () => {
  it('puts each confidence in (b/M, (b+1)/M] and computes ECE and MCE by hand', () => {
    const bins = reliabilityBins(probs, labels, 2);
    expect(bins).toHaveLength(15);
    const used = bins.map((b, i) => [i, b] as const).filter(([, b]) => b.count > 0);
    // 0.9·15 = 13.5 → bin 13; 0.65·15 = 9.75 → bin 9; 0.55·15 = 8.25 → bin 8.
    expect(used.map(([i, b]) => [i, b.count])).toEqual([[8, 1], [9, 1], [13, 2]]);
    expect(bins[13].accuracy).toBe(0.5);
    expect(bins[13].confidence).toBeCloseTo(0.9, 12);
    const { ece, mce } = calibrationErrors(bins);
    // ECE = 2/4·|0.5 − 0.9| + 1/4·|1 − 0.65| + 1/4·|1 − 0.55| = 0.2 + 0.0875 + 0.1125
    expect(ece).toBeCloseTo(0.4, 12);
    expect(mce).toBeCloseTo(0.45, 12);
  });

  it('puts a confidence on a bin edge into the lower bin, and 1.0 into the last', () => {
    const bins = reliabilityBins([0.5, 0.5, 1, 0], [0, 0], 2, 2);
    expect(bins.map((b) => b.count)).toEqual([1, 1]);
  });

  it('refuses a shape mismatch with what is wrong', () => {
    expect(() => reliabilityBins([0.5, 0.5, 1], [0, 1], 2)).toThrow(/3 numbers, but 2 labels × 2 classes need 4/);
  });

  it('gives the mean confidence of correct and wrong answers', () => {
    const r = confidenceByCorrectness(probs, labels, 2);
    expect(r.nCorrect).toBe(3);
    expect(r.nWrong).toBe(1);
    expect(r.correct).toBeCloseTo((0.9 + 0.65 + 0.55) / 3, 12);
    expect(r.wrong).toBeCloseTo(0.9, 12);
  });
});

describe('ROC and precision–recall', () => {
  // scikit-learn's documented example: roc_auc_score = 0.75, average_precision_score = 0.8333….
  const scores = [0.1, 0.4, 0.35, 0.8];
  const pos = [false, false, true, true];

  it('matches the known ROC AUC and its curve', () => {
    const roc = rocCurve(scores, pos);
    expect(roc.auc).toBeCloseTo(0.75, 12);
    expect(roc.x).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(roc.y).toEqual([0, 0.5, 0.5, 1, 1]);
  });

  it('matches the known average precision', () => {
    const pr = precisionRecallCurve(scores, pos);
    expect(pr.auc).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
  });

  it('counts ties half (Mann–Whitney)', () => {
    // pos 0.5, 0.5 against neg 0.2, 0.5: pairs 1, ½, 1, ½ → 3/4.
    expect(rocCurve([0.2, 0.5, 0.5, 0.5], [false, true, true, false]).auc).toBeCloseTo(0.75, 12);
    expect(rocCurve([0.5, 0.5], [false, true]).auc).toBe(0.5);
    // All tied: one point after (0,0), precision = base rate.
    const pr = precisionRecallCurve([0.3, 0.3, 0.3], [true, false, false]);
    expect(pr.x).toEqual([0, 1]);
    expect(pr.auc).toBeCloseTo(1 / 3, 12);
  });

  it('is NaN without both classes, and perfect ranking gives 1', () => {
    expect(rocCurve([0.1, 0.2], [true, true]).auc).toBeNaN();
    expect(precisionRecallCurve([0.1, 0.2], [false, false]).auc).toBeNaN();
    expect(rocCurve([0.1, 0.2, 0.9], [false, false, true]).auc).toBe(1);
  });

  it('one-vs-rest takes the class column and the label', () => {
    const { scores: s, positive } = oneVsRest(probs, labels, 2, 1);
    expect(Array.from(s)).toEqual([0.1, 0.9, 0.65, 0.45]);
    expect(Array.from(positive)).toEqual([0, 0, 1, 0]);
  });

  it('thins a long curve keeping both ends', () => {
    const x = Array.from({ length: 1001 }, (_, i) => i / 1000);
    const t = thinCurve({ x, y: x, auc: 0.5 }, 11);
    expect(t.x).toHaveLength(11);
    expect(t.x[0]).toBe(0);
    expect(t.x[10]).toBe(1);
  });
});

describe('temperature scaling', () => {
  it('T = 1 leaves the probabilities as they are', () => {
    const out = applyTemperature(probs, 2, 1);
    out.forEach((v, i) => expect(v).toBeCloseTo(probs[i], 12));
  });

  it('finds T = ln 9 / ln 3 = 2 when 0.9-confident answers are right 75% of the time', () => {
    // At the optimum σ(ln 9 / T) equals the accuracy 0.75, i.e. ln 9 / T = ln 3.
    const p: number[] = [], y: number[] = [];
    for (let i = 0; i < 8; i++) { p.push(0.9, 0.1); y.push(i < 6 ? 0 : 1); }
    const fit = fitTemperature(p, y, 2);
    expect(fit.temperature).toBeCloseTo(2, 4);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
    expect(fit.nllBefore).toBeCloseTo(nllAtTemperature(p, y, 2, 1), 12);
    // the 0.9 becomes 0.75 after scaling
    expect(applyTemperature(p, 2, fit.temperature)[0]).toBeCloseTo(0.75, 4);
  });

  it('refuses a non-positive temperature', () => {
    expect(() => applyTemperature(probs, 2, 0)).toThrow(/positive/);
  });
});
