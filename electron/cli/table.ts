// The CLI's comparison table and McNemar line, from stored run summaries.
import type { RunSummary, RunDetail } from '../../shared/run.js';
import type { Workbench } from '../engine/workbench.js';
import { mcnemar } from '../engine/eval/stats.js';

const fmt = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? '-' : v.toFixed(digits));

export function comparisonTable(runs: RunSummary[], details: RunDetail[]): string {
  const header = ['run', 'id', 'status', 'params', 'backend', 'epochs', 'train s', 'samples/s', 'test acc', 'macro F1', 'test loss'];
  const rows = runs.map((s, i) => [
    s.name,
    s.id,
    s.status,
    s.params === null ? '-' : s.params.toLocaleString('en-US'),
    s.backend ?? '-',
    String(s.epochsDone),
    fmt(s.trainSeconds, 1),
    s.samplesPerSecond === null ? '-' : Math.round(s.samplesPerSecond).toLocaleString('en-US'),
    fmt(s.testAccuracy, 4),
    fmt(s.macroF1, 4),
    fmt(details[i]?.test?.loss, 4),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c <= 2 || c === 4 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** McNemar's test between the first two finished runs evaluated on the same test samples. */
export async function mcnemarLine(wb: Workbench, runs: RunSummary[]) {
  const done = runs.filter((r) => r.status === 'finished');
  if (done.length !== 2) return null;
  const [a, b] = await Promise.all(done.map((r) => wb.handlers.getPredictions({ runId: r.id })));
  if (a.testIndices.length !== b.testIndices.length || a.testIndices.some((v, i) => v !== b.testIndices[i])) return null;
  const r = mcnemar(a.labels, a.predicted, b.predicted);
  const text = `McNemar's test (${done[0].name} vs ${done[1].name}): chi2 = ${r.statistic.toFixed(3)}, p = ${r.pValue.toPrecision(3)}` +
    ` (only ${done[0].name} right: ${r.n01}, only ${done[1].name} right: ${r.n10}; exact p = ${r.exactPValue.toPrecision(3)})`;
  return { text, result: { a: done[0].id, b: done[1].id, ...r } };
}
