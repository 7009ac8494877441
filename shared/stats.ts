// Shared statistics (pure): McNemar's test and a paired confidence interval for two classifiers on the same test images.

/**
 * Complementary error function, relative error below 1e-11 for all x (checked against CPython's math.erfc).
 * Below 2.5 a series without cancellation, erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1));
 * above it the continued fraction for erfc, so that small tail values keep their relative precision.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  if (x > 27) return 0; // below the smallest double
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated from the tail.
  let f = x;
  for (let k = 80; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Upper tail of the χ² distribution with one degree of freedom: P(X ≥ x) = erfc(√(x/2)). */
export function chiSquare1Sf(x: number): number {
  if (x <= 0) return 1;
  return erfc(Math.sqrt(x / 2));
}

/** Two-sided exact binomial p for k successes in n trials at p = 1/2: min(1, 2·P(X ≤ min(k, n−k))). */
export function binomialTwoSidedHalf(k: number, n: number): number {
  if (n === 0) return 1;
  const m = Math.min(k, n - k);
  // Sum the pmf in log space: 0.5^n underflows long before n reaches a test set's size.
  let logPmf = n * Math.log(0.5);
  let logSum = logPmf;
  for (let i = 0; i < m; i++) {
    logPmf += Math.log((n - i) / (i + 1));
    const hi = Math.max(logSum, logPmf);
    logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logPmf - hi));
  }
  return Math.min(1, 2 * Math.exp(logSum));
}

export interface McNemarResult {
  /** A right, B wrong. */
  n01: number;
  /** A wrong, B right. */
  n10: number;
  /** χ² with continuity correction, (|b − c| − 1)² / (b + c); 0 when b = c (as R's mcnemar.test). */
  statistic: number;
  /** χ² with one degree of freedom. */
  pValue: number;
  /** Two-sided exact binomial; the one to report when n01 + n10 < 25. */
  exactPValue: number;
}

/** McNemar's test from the discordant counts alone: only images one model got right and the other wrong carry information. */
export function mcnemarFromCounts(n01: number, n10: number): McNemarResult {
  const discordant = n01 + n10;
  // Without disagreement, or with b = c, there is no evidence of a difference: R drops the correction there too.
  const statistic = discordant === 0 || n01 === n10 ? 0 : (Math.abs(n01 - n10) - 1) ** 2 / discordant;
  return { n01, n10, statistic, pValue: chiSquare1Sf(statistic), exactPValue: binomialTwoSidedHalf(n01, discordant) };
}

/** Conventional 5 % level. */
export const ALPHA = 0.05;
/** Below this many discordant pairs the χ² approximation is poor and the exact binomial p is the one to read. */
export const EXACT_BELOW = 25;

/** The p-value to judge by: exact when discordant pairs are few. */
export function decisivePValue(t: McNemarResult): { p: number; exact: boolean } {
  const exact = t.n01 + t.n10 < EXACT_BELOW;
  return { p: exact ? t.exactPValue : t.pValue, exact };
}

/** Two models' outcomes on the same n test images. */
export interface PairedCounts {
  n: number;
  bothRight: number;
  /** A right, B wrong. */
  n01: number;
  /** A wrong, B right. */
  n10: number;
  bothWrong: number;
}

/** Standard normal quantile for a two-sided level (0.95 → 1.959964); Acklam's rational approximation, |error| < 1.2e-9. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs 0 < p < 1, got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Wilson score interval for a proportion k/n. */
export function wilson(k: number, n: number, z: number): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface DifferenceInterval {
  /** Accuracy of B minus accuracy of A, (n10 − n01) / n. */
  difference: number;
  lower: number;
  upper: number;
  level: number;
  method: 'Newcombe square-and-add, paired';
}

/**
 * Confidence interval for the paired difference of accuracies, B − A, by Newcombe's (1998) method 10 (square-and-add):
 * the Wilson intervals of both accuracies combined with the (continuity-corrected) correlation φ of the 2×2 table. Unlike the Wald interval it
 * stays inside [−1, 1] and does not collapse to a point when no image is discordant.
 */
export function pairedDifferenceInterval(t: PairedCounts, level = 0.95): DifferenceInterval {
  const { n, bothRight: a, n01: b, n10: c, bothWrong: d } = t;
  if (n <= 0) throw new RangeError('a confidence interval needs at least one paired test image');
  if (a + b + c + d !== n) throw new RangeError(`paired counts ${a} + ${b} + ${c} + ${d} do not add up to n = ${n}`);
  const z = normalQuantile(1 - (1 - level) / 2);
  const pB = (a + c) / n;
  const pA = (a + b) / n;
  const [lB, uB] = wilson(a + c, n, z);
  const [lA, uA] = wilson(a + b, n, z);
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  // Newcombe's φ with his continuity correction: shrunk by n/2 when positive, 0 when within n/2 of independence.
  const cross = a * d - b * c;
  const phi = margins === 0 ? 0 : (cross > n / 2 ? cross - n / 2 : cross >= 0 ? 0 : cross) / Math.sqrt(margins);
  const difference = pB - pA;
  const delta = Math.sqrt(Math.max(0, (pB - lB) ** 2 - 2 * phi * (pB - lB) * (uA - pA) + (uA - pA) ** 2));
  const epsilon = Math.sqrt(Math.max(0, (uB - pB) ** 2 - 2 * phi * (uB - pB) * (pA - lA) + (pA - lA) ** 2));
  return { difference, lower: Math.max(-1, difference - delta), upper: Math.min(1, difference + epsilon), level, method: 'Newcombe square-and-add, paired' };
}
