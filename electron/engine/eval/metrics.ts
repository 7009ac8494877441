// Engine/eval (pure): confusion matrix, scikit-learn-compatible classification report, confused pairs, test metrics.
import { CLASS_NAMES, NUM_CLASSES, SIMILAR_PAIRS, classIndex } from '../../../shared/classes.js';
import type { ClassMetrics, ClassificationReport, ConfusionPair, Predictions, TestMetrics } from '../../../shared/run.js';
import { EvalError } from './errors.js';

/** Keras clips probabilities to [EPSILON, 1 - EPSILON] before the log. */
const EPSILON = 1e-7;

function checkClass(value: number, numClasses: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= numClasses) {
    throw new EvalError(`${what} is ${value}; expected an integer class in 0..${numClasses - 1}`, what);
  }
}

/** Rows = actual class, columns = predicted class. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, numClasses = NUM_CLASSES): number[][] {
  if (labels.length !== predicted.length) {
    throw new EvalError(`labels has ${labels.length} entries but predicted has ${predicted.length}; they must pair up`, 'predicted');
  }
  const cm = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    checkClass(labels[i], numClasses, `labels[${i}]`);
    checkClass(predicted[i], numClasses, `predicted[${i}]`);
    cm[labels[i]][predicted[i]]++;
  }
  return cm;
}

function checkSquare(cm: number[][]): void {
  for (let i = 0; i < cm.length; i++) {
    if (cm[i].length !== cm.length) {
      throw new EvalError(`confusion matrix row ${i} has ${cm[i].length} cells; expected ${cm.length} (square matrix)`, 'cm');
    }
  }
}

/** zero_division=0: an undefined ratio counts as 0, as scikit-learn does when asked to. */
const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

/**
 * scikit-learn's `classification_report(y_true, y_pred, zero_division=0)`. `perClass` keeps every class of
 * the matrix (a class that is neither actual nor predicted gets all zeros); the macro average, like
 * scikit-learn's, is taken over the classes that occur in labels or predictions only.
 */
export function classificationReport(cm: number[][]): ClassificationReport {
  checkSquare(cm);
  const k = cm.length;
  const rowSum = cm.map((row) => row.reduce((a, b) => a + b, 0));
  const colSum = Array.from({ length: k }, (_, j) => cm.reduce((a, row) => a + row[j], 0));
  const total = rowSum.reduce((a, b) => a + b, 0);
  const perClass: ClassMetrics[] = cm.map((row, i) => {
    const tp = row[i];
    const fn = rowSum[i] - tp;
    const fp = colSum[i] - tp;
    // F1 as 2tp / (2tp + fp + fn): scikit-learn's form, equal to 2pr/(p+r) whenever both are defined.
    return { precision: ratio(tp, colSum[i]), recall: ratio(tp, rowSum[i]), f1: ratio(2 * tp, 2 * tp + fp + fn), support: rowSum[i] };
  });
  const present = perClass.filter((_, i) => rowSum[i] + colSum[i] > 0);
  const mean = (key: 'precision' | 'recall' | 'f1') => ratio(present.reduce((a, c) => a + c[key], 0), present.length);
  const weighted = (key: 'precision' | 'recall' | 'f1') => ratio(perClass.reduce((a, c) => a + c[key] * c.support, 0), total);
  const trace = cm.reduce((a, row, i) => a + row[i], 0);
  return {
    perClass,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: total },
    weighted: { precision: weighted('precision'), recall: weighted('recall'), f1: weighted('f1'), support: total },
    accuracy: ratio(trace, total),
  };
}

/** Counts of named [actual, predicted] class pairs; the seed report's section 5.4 pairs by default. */
export function namedPairs(cm: number[][], pairs: ReadonlyArray<readonly [string, string]> = SIMILAR_PAIRS): ConfusionPair[] {
  checkSquare(cm);
  return pairs.map(([a, p]) => {
    const actual = classIndex(a);
    const predicted = classIndex(p);
    if (actual >= cm.length || predicted >= cm.length) {
      throw new EvalError(`pair ${a} → ${p} lies outside the ${cm.length}×${cm.length} confusion matrix`, 'pairs');
    }
    return { actual, predicted, count: cm[actual][predicted] };
  });
}

/** The n largest off-diagonal cells (cells with count 0 are not confusions and are left out). */
export function topConfusedPairs(cm: number[][], n = 5): ConfusionPair[] {
  checkSquare(cm);
  const cells: ConfusionPair[] = [];
  cm.forEach((row, actual) => row.forEach((count, predicted) => {
    if (actual !== predicted && count > 0) cells.push({ actual, predicted, count });
  }));
  cells.sort((x, y) => y.count - x.count || x.actual - y.actual || x.predicted - y.predicted);
  return cells.slice(0, Math.max(0, n));
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Test-set metrics and predictions from softmax outputs. `labels[i]` and `probs` row i belong to test image `testIndices[i]`. */
export function testMetrics(args: {
  labels: ArrayLike<number>;
  probs: Float32Array;
  testIndices: ArrayLike<number>;
  inferenceSeconds: number;
}): { metrics: TestMetrics; predictions: Predictions } {
  const { labels, probs, testIndices, inferenceSeconds } = args;
  const n = labels.length;
  const k = CLASS_NAMES.length;
  if (n === 0) throw new EvalError('no test samples to evaluate (labels is empty)', 'labels');
  if (probs.length !== n * k) {
    throw new EvalError(`probs has ${probs.length} values; expected ${n} samples × ${k} classes = ${n * k}`, 'probs');
  }
  if (testIndices.length !== n) {
    throw new EvalError(`testIndices has ${testIndices.length} entries but labels has ${n}`, 'testIndices');
  }
  const predicted = new Array<number>(n);
  const misclassified: Predictions['misclassified'] = [];
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    checkClass(label, k, `labels[${i}]`);
    const row = probs.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c; // first maximum wins, as numpy's argmax
    if (!Number.isFinite(row[label])) throw new EvalError(`probs row ${i} holds ${row[label]} for its label; the model output is not finite`, 'probs');
    predicted[i] = best;
    lossSum -= Math.log(Math.min(Math.max(row[label], EPSILON), 1 - EPSILON));
    if (best !== label) {
      misclassified.push({ index: testIndices[i], label, predicted: best, probs: Array.from(row, round6) });
    }
  }
  const labelList = Array.from(labels);
  const confusion = confusionMatrix(labelList, predicted, k);
  const report = classificationReport(confusion);
  return {
    metrics: {
      accuracy: report.accuracy,
      loss: lossSum / n,
      report,
      confusion,
      namedPairs: namedPairs(confusion),
      topPairs: topConfusedPairs(confusion),
      samples: n,
      inferenceSeconds,
    },
    predictions: { testIndices: Array.from(testIndices), labels: labelList, predicted, misclassified },
  };
}
