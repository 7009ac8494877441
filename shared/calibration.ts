// Shared calibration maths (pure): reliability bins, ECE/MCE, one-vs-rest ROC and precision–recall with AUC,
// confidence of right and wrong answers, and temperature scaling. Probabilities are row-major n × classes.

/** Equal-width confidence bins over [0, 1], as in Guo et al. (2017): 15 unless a caller says otherwise. */
export const DEFAULT_CALIBRATION_BINS = 15;

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Share of correct answers among the bin's samples (0 for an empty bin). */
  accuracy: number;
  /** Mean top-class probability of the bin's samples (0 for an empty bin). */
  confidence: number;
}

type Probs = ArrayLike<number>;
type Labels = ArrayLike<number>;

function argmaxRow(probs: Probs, row: number, k: number): number {
  let arg = 0;
  for (let c = 1; c < k; c++) if (probs[row * k + c] > probs[row * k + arg]) arg = c;
  return arg;
}

function checkShape(probs: Probs, labels: Labels, k: number): number {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`calibration needs at least 2 classes (got ${k})`);
  if (probs.length !== labels.length * k) {
    throw new RangeError(`probabilities hold ${probs.length} numbers, but ${labels.length} labels × ${k} classes need ${labels.length * k}`);
  }
  return labels.length;
}

/**
 * Reliability diagram bins: sample i (confidence c = its top probability) falls into bin ⌈c·M⌉ − 1, so the bins are
 * (0, 1/M], (1/M, 2/M], …, ((M−1)/M, 1]; a confidence of exactly 0 joins the first.
 */
export function reliabilityBins(probs: Probs, labels: Labels, classes: number, bins = DEFAULT_CALIBRATION_BINS): ReliabilityBin[] {
  const n = checkShape(probs, labels, classes);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`the number of calibration bins must be a positive integer (got ${bins})`);
  const count = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const arg = argmaxRow(probs, i, classes);
    const c = probs[i * classes + arg];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    count[b]++;
    conf[b] += c;
    if (arg === labels[i]) correct[b]++;
  }
  return count.map((m, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: m,
    accuracy: m > 0 ? correct[b] / m : 0,
    confidence: m > 0 ? conf[b] / m : 0,
  }));
}

/** ECE = Σ (n_b / n)·|acc_b − conf_b|; MCE = the largest |acc_b − conf_b| over non-empty bins. */
export function calibrationErrors(bins: readonly ReliabilityBin[]): { ece: number; mce: number } {
  const n = bins.reduce((s, b) => s + b.count, 0);
  let ece = 0, mce = 0;
  for (const b of bins) {
    if (b.count === 0) continue;
    const gap = Math.abs(b.accuracy - b.confidence);
    ece += (b.count / n) * gap;
    mce = Math.max(mce, gap);
  }
  return { ece: n > 0 ? ece : 0, mce };
}

/** Mean top-class probability of the correct and of the wrong answers (null where there are none). */
export function confidenceByCorrectness(probs: Probs, labels: Labels, classes: number): { correct: number | null; wrong: number | null; nCorrect: number; nWrong: number } {
  const n = checkShape(probs, labels, classes);
  let sc = 0, sw = 0, nc = 0, nw = 0;
  for (let i = 0; i < n; i++) {
    const arg = argmaxRow(probs, i, classes);
    const c = probs[i * classes + arg];
    if (arg === labels[i]) { sc += c; nc++; } else { sw += c; nw++; }
  }
  return { correct: nc > 0 ? sc / nc : null, wrong: nw > 0 ? sw / nw : null, nCorrect: nc, nWrong: nw };
}

export interface Curve {
  x: number[];
  y: number[];
  auc: number;
}

/** Scores sorted high to low, with tied scores grouped: a curve only has a point where the threshold can fall. */
function rankedGroups(scores: ArrayLike<number>, positive: ArrayLike<boolean>): { tp: number; fp: number }[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const groups: { tp: number; fp: number }[] = [];
  let i = 0;
  while (i < order.length) {
    const s = scores[order[i]];
    let tp = 0, fp = 0;
    while (i < order.length && scores[order[i]] === s) {
      if (positive[order[i]]) tp++; else fp++;
      i++;
    }
    groups.push({ tp, fp });
  }
  return groups;
}

/**
 * ROC curve (x = false-positive rate, y = true-positive rate) from (0,0) to (1,1) and its trapezoidal area. A group
 * of tied scores is one diagonal step, so a tie counts half, as in the Mann–Whitney U statistic. NaN without both classes.
 */
export function rocCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean>): Curve {
  const groups = rankedGroups(scores, positive);
  const P = groups.reduce((s, g) => s + g.tp, 0);
  const N = groups.reduce((s, g) => s + g.fp, 0);
  if (P === 0 || N === 0) return { x: [0, 1], y: [0, 1], auc: NaN };
  const x = [0], y = [0];
  let tp = 0, fp = 0, auc = 0;
  for (const g of groups) {
    const x0 = fp / N, y0 = tp / P;
    tp += g.tp; fp += g.fp;
    const x1 = fp / N, y1 = tp / P;
    auc += ((x1 - x0) * (y0 + y1)) / 2;
    x.push(x1); y.push(y1);
  }
  return { x, y, auc };
}

/**
 * Precision–recall curve (x = recall, y = precision), one point per distinct threshold, and average precision
 * AP = Σ (R_k − R_(k−1))·P_k (scikit-learn's average_precision_score, no interpolation). NaN without positives.
 */
export function precisionRecallCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean>): Curve {
  const groups = rankedGroups(scores, positive);
  const P = groups.reduce((s, g) => s + g.tp, 0);
  if (P === 0) return { x: [], y: [], auc: NaN };
  const x: number[] = [0], y: number[] = [1];
  let tp = 0, fp = 0, ap = 0, prevRecall = 0;
  for (const g of groups) {
    tp += g.tp; fp += g.fp;
    const recall = tp / P, precision = tp / (tp + fp);
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
    x.push(recall); y.push(precision);
  }
  return { x, y, auc: ap };
}

/** Column `cls` of the probabilities as the score, label === cls as the positive class. */
export function oneVsRest(probs: Probs, labels: Labels, classes: number, cls: number): { scores: Float64Array; positive: Uint8Array } {
  const n = checkShape(probs, labels, classes);
  const scores = new Float64Array(n);
  const positive = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] = probs[i * classes + cls];
    positive[i] = labels[i] === cls ? 1 : 0;
  }
  return { scores, positive };
}

/** At most `max` points of a curve, evenly spaced along it, first and last kept (for storage and charts). */
export function thinCurve(curve: Curve, max = 200): Curve {
  const n = curve.x.length;
  if (n <= max) return curve;
  const x: number[] = [], y: number[] = [];
  for (let j = 0; j < max; j++) {
    const i = Math.round((j * (n - 1)) / (max - 1));
    x.push(curve.x[i]); y.push(curve.y[i]);
  }
  return { x, y, auc: curve.auc };
}

/** Smallest probability taken to the log: softmax outputs in float32 can be exactly 0. */
const FLOOR = 1e-12;

/** softmax(log p / T) row by row: the model's probabilities at temperature T (T = 1 returns them unchanged). */
export function applyTemperature(probs: Probs, classes: number, temperature: number): Float64Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be a positive number (got ${temperature})`);
  const out = new Float64Array(probs.length);
  const rows = probs.length / classes;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, Math.log(Math.max(probs[i * classes + c], FLOOR)) / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(Math.log(Math.max(probs[i * classes + c], FLOOR)) / temperature - max);
      out[i * classes + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[i * classes + c] /= sum;
  }
  return out;
}

/** Mean negative log-likelihood of the labels at temperature T. */
export function nllAtTemperature(probs: Probs, labels: Labels, classes: number, temperature: number): number {
  const n = checkShape(probs, labels, classes);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    const z = new Array<number>(classes);
    for (let c = 0; c < classes; c++) {
      z[c] = Math.log(Math.max(probs[i * classes + c], FLOOR)) / temperature;
      max = Math.max(max, z[c]);
    }
    let lse = 0;
    for (let c = 0; c < classes; c++) lse += Math.exp(z[c] - max);
    sum += max + Math.log(lse) - z[labels[i]];
  }
  return n > 0 ? sum / n : NaN;
}

/**
 * Temperature scaling (Guo et al. 2017): the T in [0.05, 20] minimising the validation NLL, by golden-section search
 * on log T (the NLL is convex in 1/T). Returns T and the NLL before (T = 1) and after.
 */
export function fitTemperature(probs: Probs, labels: Labels, classes: number): { temperature: number; nllBefore: number; nllAfter: number } {
  const f = (logT: number) => nllAtTemperature(probs, labels, classes, Math.exp(logT));
  let a = Math.log(0.05), b = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a), d = a + g * (b - a);
  let fc = f(c), fd = f(d);
  while (b - a > 1e-6) {
    if (fc < fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c); }
    else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d); }
  }
  const temperature = Math.exp((a + b) / 2);
  return { temperature, nllBefore: f(0), nllAfter: nllAtTemperature(probs, labels, classes, temperature) };
}
