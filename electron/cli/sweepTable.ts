// CLI: the trials of each sweep ranked by validation accuracy (best epoch), as data for --json and as a text table.
import type { RunDetail, RunSummary } from '../../shared/run.js';

export interface RankedTrial {
  id: string;
  index: number;
  status: string;
  params: Record<string, unknown>;
  /** Best validation accuracy over the run's epochs (null before its first epoch). */
  valAccuracy: number | null;
  testAccuracy: number | null;
  paramCount: number | null;
  trainSeconds: number | null;
}

export interface SweepRanking { id: string; name: string; method: string; trials: number; ranked: RankedTrial[] }

export function rankSweeps(summaries: RunSummary[], details: RunDetail[]): SweepRanking[] {
  const byId = new Map<string, SweepRanking>();
  summaries.forEach((s, i) => {
    const sweep = details[i]?.config?.request.sweep;
    if (!sweep) return;
    let r = byId.get(sweep.id);
    if (!r) byId.set(sweep.id, (r = { id: sweep.id, name: sweep.name, method: sweep.method, trials: sweep.trials, ranked: [] }));
    const val = details[i].epochs.map((e) => e.valAccuracy);
    r.ranked.push({
      id: s.id, index: sweep.index, status: s.status, params: sweep.params,
      valAccuracy: val.length ? Math.max(...val) : null, testAccuracy: s.testAccuracy, paramCount: s.params, trainSeconds: s.trainSeconds,
    });
  });
  for (const r of byId.values()) r.ranked.sort((a, b) => (b.valAccuracy ?? -1) - (a.valAccuracy ?? -1) || a.index - b.index);
  return [...byId.values()];
}

const show = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(6))) : JSON.stringify(v));

export function sweepTable(r: SweepRanking): string {
  const keys = [...new Set(r.ranked.flatMap((t) => Object.keys(t.params)))];
  const header = ['rank', 'trial', ...keys, 'best val acc', 'test acc', 'params', 'train s', 'status', 'id'];
  const rows = r.ranked.map((t, i) => [
    String(i + 1), `#${t.index + 1}`, ...keys.map((k) => show(t.params[k])),
    t.valAccuracy === null ? '-' : t.valAccuracy.toFixed(4), t.testAccuracy === null ? '-' : t.testAccuracy.toFixed(4),
    t.paramCount === null ? '-' : t.paramCount.toLocaleString('en-US'), t.trainSeconds === null ? '-' : t.trainSeconds.toFixed(1), t.status, t.id,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const title = `sweep ${r.name} (${r.id}, ${r.method}): ${r.ranked.length} of ${r.trials} trials here, best validation accuracy first`;
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
