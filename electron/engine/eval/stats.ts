// Engine/eval (pure): McNemar's test for two models on the same test set, and mean ± sample std over seeds.
import { EvalError } from './errors.js';

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

function checkLength(name: string, values: ArrayLike<number>, n: number): void {
  if (values.length !== n) throw new EvalError(`${name} has ${values.length} predictions but labels has ${n}; both models must be evaluated on the same samples`, name);
}

/** McNemar's test on two models' predictions for the same labelled samples, in the same order. */
export function mcnemar(labels: ArrayLike<number>, predA: ArrayLike<number>, predB: ArrayLike<number>): McNemarResult {
  checkLength('predA', predA, labels.length);
  checkLength('predB', predB, labels.length);
  let b = 0;
  let c = 0;
  for (let i = 0; i < labels.length; i++) {
    const aRight = predA[i] === labels[i];
    const bRight = predB[i] === labels[i];
    if (aRight && !bRight) b++;
    else if (!aRight && bRight) c++;
  }
  const discordant = b + c;
  // Without disagreement, or with b = c, there is no evidence of a difference: R drops the correction there too.
  const statistic = discordant === 0 || b === c ? 0 : (Math.abs(b - c) - 1) ** 2 / discordant;
  return { n01: b, n10: c, statistic, pValue: chiSquare1Sf(statistic), exactPValue: binomialTwoSidedHalf(b, discordant) };
}

/** Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value). */
export function meanStd(values: number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) throw new EvalError('mean ± std of no values: at least one run is needed', 'values');
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new EvalError(`values[${i}] is ${v}; only finite numbers can be averaged`, `values[${i}]`);
  });
  const mean = values.reduce((a, v) => a + v, 0) / n;
  if (n === 1) return { mean, std: 0, n };
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}
