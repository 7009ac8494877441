// Engine/eval (pure): McNemar's test for two models on the same test set, and mean ± sample std over seeds.
import { EvalError } from './errors.js';
import { mcnemarFromCounts, type McNemarResult } from '../../../shared/stats.js';

// The pure math lives in shared/ so the renderer's Compare view computes exactly what the report prints.
export { binomialTwoSidedHalf, chiSquare1Sf, erfc, type McNemarResult } from '../../../shared/stats.js';

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
  return mcnemarFromCounts(b, c);
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
