// McNemar, the χ²/binomial p-values behind it, and mean ± std, against hand-computed values.
import { describe, expect, it } from 'vitest';
import { binomialTwoSidedHalf, chiSquare1Sf, erfc, mcnemar, meanStd } from '../../../electron/engine/eval/stats.js';
import { EvalError } from '../../../electron/engine/eval/errors.js';

/** Builds paired predictions with the given counts of (A right, B right) outcomes; label is always 0. */
function pairs(bothRight: number, aOnly: number, bOnly: number, bothWrong: number) {
  const labels: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const add = (n: number, pa: number, pb: number) => { for (let i = 0; i < n; i++) { labels.push(0); a.push(pa); b.push(pb); } };
  add(bothRight, 0, 0);
  add(aOnly, 0, 1);
  add(bOnly, 2, 0);
  add(bothWrong, 3, 4); // both wrong, and wrong differently: still concordant for McNemar
  return { labels, a, b };
}

describe('erfc', () => {
  it('matches tabulated values to 1e-9 relative (values: Abramowitz & Stegun / CPython math.erfc)', () => {
    const table: Array<[number, number]> = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [2.5, 0.0004069520174449590],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [-1, 1.8427007929497148],
    ];
    for (const [x, want] of table) expect(Math.abs(erfc(x) - want) / want).toBeLessThan(1e-9);
  });
  it('is continuous where the series hands over to the continued fraction', () => {
    expect(Math.abs(erfc(2.4999999) - erfc(2.5000001))).toBeLessThan(1e-9);
  });
});

describe('mcnemar', () => {
  it('b = 10, c = 2: χ² = (|10 − 2| − 1)²/12 = 49/12, p = 0.0433; exact p = 2·(1 + 12 + 66)/4096', () => {
    const { labels, a, b } = pairs(5, 10, 2, 3);
    const r = mcnemar(labels, a, b);
    expect(r.n01).toBe(10);
    expect(r.n10).toBe(2);
    expect(r.statistic).toBeCloseTo(49 / 12, 12);
    expect(r.pValue).toBeCloseTo(0.0433081428, 8); // erfc(√(49/24))
    expect(r.exactPValue).toBeCloseTo(158 / 4096, 12);
  });
  it('is symmetric in the two models', () => {
    const { labels, a, b } = pairs(5, 10, 2, 3);
    const r = mcnemar(labels, b, a);
    expect([r.n01, r.n10]).toEqual([2, 10]);
    expect(r.statistic).toBeCloseTo(49 / 12, 12);
    expect(r.exactPValue).toBeCloseTo(158 / 4096, 12);
  });
  it('gives p = 1 when the models never disagree, or disagree equally often', () => {
    const none = mcnemar(...Object.values(pairs(7, 0, 0, 3)) as [number[], number[], number[]]);
    expect(none).toEqual({ n01: 0, n10: 0, statistic: 0, pValue: 1, exactPValue: 1 });
    const even = mcnemar(...Object.values(pairs(0, 4, 4, 0)) as [number[], number[], number[]]);
    expect(even.statistic).toBe(0);
    expect(even.pValue).toBe(1);
    expect(even.exactPValue).toBe(1); // 2·P(X ≤ 4 | n = 8) = 2·163/256 > 1 → 1
  });
  it('rejects prediction lists of another length', () => {
    expect(() => mcnemar([0, 1], [0, 1], [0])).toThrow(EvalError);
  });
});

describe('p-value helpers', () => {
  it('χ²(1) upper tail: 3.841459 is the 5% critical value, 6.634897 the 1%', () => {
    expect(chiSquare1Sf(3.841458820694124)).toBeCloseTo(0.05, 10);
    expect(chiSquare1Sf(6.634896601021214)).toBeCloseTo(0.01, 10);
    expect(chiSquare1Sf(0)).toBe(1);
  });
  it('exact binomial at p = 1/2 on small and large n', () => {
    expect(binomialTwoSidedHalf(0, 5)).toBeCloseTo(2 / 32, 14);
    expect(binomialTwoSidedHalf(5, 5)).toBeCloseTo(2 / 32, 14);
    expect(binomialTwoSidedHalf(1, 4)).toBeCloseTo(2 * 5 / 16, 14);
    // n = 1300 would underflow 0.5^n in plain floating point; value from scipy.stats.binomtest(600, 1300).
    expect(binomialTwoSidedHalf(600, 1300)).toBeCloseTo(0.0060157938610449, 12);
  });
});

describe('meanStd', () => {
  it('uses the sample standard deviation (n − 1)', () => {
    // mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32; std = √(32/7)
    const r = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(r.mean).toBe(5);
    expect(r.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(r.n).toBe(8);
  });
  it('gives std 0 for one value and refuses none or non-finite ones', () => {
    expect(meanStd([0.884])).toEqual({ mean: 0.884, std: 0, n: 1 });
    expect(() => meanStd([])).toThrow(/at least one run/);
    expect(() => meanStd([1, NaN])).toThrow(/values\[1\] is NaN/);
  });
});
