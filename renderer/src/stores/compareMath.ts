// Renderer comparison logic (pure): paired significance, the experiment behind a run, most-confused pairs and repeat statistics.
import type { ConfusionPair, Predictions, RunDetail } from '../../../shared/run.js';
import {
  ALPHA, decisivePValue, mcnemarFromCounts, pairedDifferenceInterval,
  type DifferenceInterval, type McNemarResult, type PairedCounts,
} from '../../../shared/stats.js';

export type PairedComparison =
  | { ok: true; counts: PairedCounts; test: McNemarResult; p: number; exact: boolean; significant: boolean; interval: DifferenceInterval }
  | { ok: false; reason: string };

const int = (v: number) => v.toLocaleString('en-US');

/**
 * McNemar's test and the paired 95 % interval of B − A. Both need the two runs' predictions on the same test images
 * (matched by test index, so a different order still pairs up); otherwise the reason says why there is no test.
 */
export function pairedComparison(a: Predictions, b: Predictions, level = 0.95, roleB = 'B'): PairedComparison {
  const bAt = new Map(b.testIndices.map((t, k) => [t, k]));
  const counts: PairedCounts = { n: 0, bothRight: 0, n01: 0, n10: 0, bothWrong: 0 };
  for (let i = 0; i < a.testIndices.length; i++) {
    const k = bAt.get(a.testIndices[i]);
    if (k === undefined) continue;
    if (a.labels[i] !== b.labels[k]) {
      return { ok: false, reason: `Test image ${a.testIndices[i]} has label ${a.labels[i]} in A and ${b.labels[k]} in ${roleB}: the runs were evaluated on different data, so McNemar's test does not apply.` };
    }
    const aRight = a.predicted[i] === a.labels[i];
    const bRight = b.predicted[k] === b.labels[k];
    counts.n++;
    if (aRight && bRight) counts.bothRight++;
    else if (aRight) counts.n01++;
    else if (bRight) counts.n10++;
    else counts.bothWrong++;
  }
  if (counts.n === 0 || counts.n !== a.testIndices.length || counts.n !== b.testIndices.length) {
    return {
      ok: false,
      reason: `McNemar's test needs both runs evaluated on the same test images: A was tested on ${int(a.testIndices.length)}, ${roleB} on ${int(b.testIndices.length)}, ${int(counts.n)} in common. Train both with the same data limit (or "full test set") to compare them.`,
    };
  }
  const test = mcnemarFromCounts(counts.n01, counts.n10);
  const { p, exact } = decisivePValue(test);
  return { ok: true, counts, test, p, exact, significant: p < ALPHA, interval: pairedDifferenceInterval(counts, level) };
}

/** "0.15", "0.046", "0.0012", "< 0.0001": two significant digits, as a researcher quotes a p-value. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  if (p < 0.0001) return '< 0.0001';
  return Number(p.toPrecision(2)).toString();
}

/** The sentence next to a difference: whether it is significant at the 5 % level, with the p that decides. */
export function significanceWords(c: PairedComparison): string {
  if (!c.ok) return 'not tested: different test images';
  const p = formatP(c.p);
  const eq = p.startsWith('<') ? ` ${p}` : ` = ${p}`;
  return c.significant ? `significant, p${eq}${c.exact ? ' (exact)' : ''}` : `not significant, p${eq}${c.exact ? ' (exact)' : ''}`;
}

/** The training request and the seed actually used: what makes two runs different experiments. */
export function experimentOf(d: RunDetail): unknown {
  if (!d.config) return {};
  const { request, seed } = d.config;
  return { model: request.model, hyper: { ...request.hyper, seed }, data: request.data, backend: d.begin?.backend.name ?? request.backend };
}

/** Off-diagonal cells ordered by the larger count across runs: the confusions worth looking at. */
export function topConfusedPairs(matrices: ReadonlyArray<readonly (readonly number[])[]>, k = 10): Array<{ actual: number; predicted: number; counts: number[] }> {
  if (matrices.length === 0) return [];
  const n = matrices[0].length;
  const out: Array<{ actual: number; predicted: number; counts: number[] }> = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) out.push({ actual: i, predicted: j, counts: matrices.map((m) => m[i]?.[j] ?? 0) });
    }
  }
  return out.sort((x, y) => Math.max(...y.counts) - Math.max(...x.counts) || x.actual - y.actual || x.predicted - y.predicted).slice(0, k);
}

export function pairCount(pairs: readonly ConfusionPair[], actual: number, predicted: number): number | null {
  return pairs.find((p) => p.actual === actual && p.predicted === predicted)?.count ?? null;
}

/** Mean and sample standard deviation (0 for a single value). */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: 0, n: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

export interface AccuracyGroup {
  key: string;
  name: string;
  runIds: string[];
  mean: number;
  std: number;
  n: number;
}

/** Runs that are repeats of one config (same group id) become one bar with mean ± std; others stand alone. */
export function groupAccuracies(details: ReadonlyArray<{ id: string; name: string; groupId: string | null; accuracy: number | null }>): AccuracyGroup[] {
  const groups = new Map<string, { name: string; runIds: string[]; values: number[] }>();
  for (const d of details) {
    if (d.accuracy === null) continue;
    const key = d.groupId ?? d.id;
    const g = groups.get(key) ?? { name: d.groupId ? d.name.replace(/\s*[#(]?\d+\)?$/, '') || d.name : d.name, runIds: [], values: [] };
    g.runIds.push(d.id);
    g.values.push(d.accuracy);
    groups.set(key, g);
  }
  return [...groups.entries()].map(([key, g]) => ({ key, name: g.name, runIds: g.runIds, ...meanStd(g.values) }));
}
