// McNemar from discordant counts and the paired (Newcombe) interval of an accuracy difference, against hand-computed and published values.
import { describe, expect, it } from 'vitest';
import { decisivePValue, mcnemarFromCounts, normalQuantile, pairedDifferenceInterval, wilson } from '../../shared/stats.js';

describe('mcnemarFromCounts', () => {
  it('reproduces the issue\'s case: +0.85 pp on 2,000 images is p ≈ 0.15, not significant', () => {
    // 54 images only A got right, 71 only B: B − A = 17 / 2000 = +0.85 pp. χ² = (|54 − 71| − 1)² / 125 = 256 / 125.
    const t = mcnemarFromCounts(54, 71);
    expect(t.statistic).toBeCloseTo(2.048, 12);
    expect(t.pValue).toBeCloseTo(0.15240628395674938, 10); // erfc(√(2.048 / 2))
    expect(t.exactPValue).toBeCloseTo(0.15212086696675978, 10); // 2 · Σ_{i ≤ 54} C(125, i) / 2¹²⁵
    expect(decisivePValue(t)).toEqual({ p: t.pValue, exact: false });
  });

  it('uses the exact binomial p below 25 discordant images', () => {
    // 2 vs 8: exact p = 2 · (1 + 10 + 45) / 1024 = 0.109375; χ² = (6 − 1)² / 10 = 2.5.
    const t = mcnemarFromCounts(2, 8);
    expect(t.statistic).toBe(2.5);
    expect(t.exactPValue).toBeCloseTo(0.109375, 12);
    expect(decisivePValue(t)).toEqual({ p: t.exactPValue, exact: true });
  });

  it('finds no evidence without disagreement or with equal counts', () => {
    expect(mcnemarFromCounts(0, 0)).toMatchObject({ statistic: 0, pValue: 1, exactPValue: 1 });
    expect(mcnemarFromCounts(30, 30)).toMatchObject({ statistic: 0, pValue: 1 });
  });
});

describe('confidence intervals', () => {
  it('has the normal quantiles a researcher knows', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829304, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 7);
  });

  it('matches Newcombe\'s Wilson interval for 81 / 263 (0.2553 to 0.3662)', () => {
    const [lo, hi] = wilson(81, 263, normalQuantile(0.975));
    expect(lo).toBeCloseTo(0.2553, 4);
    expect(hi).toBeCloseTo(0.3662, 4);
  });

  it('matches the published paired interval for the Cavo et al. table (59, 6, 16, 80): −0.1186 to −0.0046', () => {
    // Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables", ch. 8: estimate −0.0621 (95% CI −0.1186 to −0.0046).
    // There rows are the first measurement; here A right / B wrong = 16, A wrong / B right = 6, so B − A = −10 / 161.
    const ci = pairedDifferenceInterval({ n: 161, bothRight: 59, n01: 16, n10: 6, bothWrong: 80 });
    expect(ci.difference).toBeCloseTo(-0.0621, 4);
    expect(ci.lower).toBeCloseTo(-0.1186, 4);
    expect(ci.upper).toBeCloseTo(-0.0046, 4);
    expect(ci.method).toMatch(/Newcombe/);
  });

  it('is antisymmetric when A and B swap, and stays wide when nothing is discordant', () => {
    const ab = pairedDifferenceInterval({ n: 2000, bothRight: 1700, n01: 54, n10: 71, bothWrong: 175 });
    const ba = pairedDifferenceInterval({ n: 2000, bothRight: 1700, n01: 71, n10: 54, bothWrong: 175 });
    expect(ab.difference).toBeCloseTo(0.0085, 12);
    expect(ba.lower).toBeCloseTo(-ab.upper, 12);
    expect(ba.upper).toBeCloseTo(-ab.lower, 12);
    // Not significant at 5 %: the interval straddles 0, as McNemar's p ≈ 0.15 says.
    expect(ab.lower).toBeLessThan(0);
    expect(ab.upper).toBeGreaterThan(0);
    const none = pairedDifferenceInterval({ n: 500, bothRight: 400, n01: 0, n10: 0, bothWrong: 100 });
    expect(none.difference).toBe(0);
    expect(none.lower).toBeLessThan(0);
    expect(none.upper).toBeGreaterThan(0);
  });

  it('refuses counts that do not add up', () => {
    expect(() => pairedDifferenceInterval({ n: 10, bothRight: 5, n01: 1, n10: 1, bothWrong: 1 })).toThrow(/add up/);
    expect(() => pairedDifferenceInterval({ n: 0, bothRight: 0, n01: 0, n10: 0, bothWrong: 0 })).toThrow(/at least one/);
  });
});
