// Renderer comparison logic (pure): config differences, most-confused pairs and repeat statistics.
import type { ConfusionPair, RunDetail } from '../../../shared/run.js';

/** { a: { b: [1, 2] } } → { 'a.b[0]': 1, 'a.b[1]': 2 }. */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out[prefix] = '[]';
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = '{}';
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value === undefined ? '—' : JSON.stringify(value);
  }
  return out;
}

export interface ConfigDiffRow {
  key: string;
  values: string[];
}

/** Settings that differ between runs (name, tags and ids left out: they always differ). */
export function configDiff(configs: ReadonlyArray<unknown>): { differing: ConfigDiffRow[]; sameCount: number } {
  const flat = configs.map((c) => flatten(c));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((k) => !/^(name|tags)(\[|$)/.test(k)).sort(naturalKeyOrder);
  const differing: ConfigDiffRow[] = [];
  let sameCount = 0;
  for (const key of keys) {
    const values = flat.map((f) => f[key] ?? '—');
    if (new Set(values).size > 1) differing.push({ key, values });
    else sameCount++;
  }
  return { differing, sameCount };
}

function naturalKeyOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
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
