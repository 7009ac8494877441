// Renderer (pure): the sweeps in the run list and one sweep's trials ranked by validation accuracy.
import type { RunDetail, RunSummary } from '../../../shared/run.js';
import type { SweepTrialPoint } from '../../../shared/charts/sweep.js';

export interface SweepGroup { id: string; runIds: string[]; name: string; latest: string }

/** Sweeps found in the run list (trials from every shard and machine that wrote into this store), newest first. */
export function sweepGroups(summaries: readonly RunSummary[]): SweepGroup[] {
  const byId = new Map<string, SweepGroup>();
  for (const s of summaries) {
    if (!s.sweepId) continue;
    let g = byId.get(s.sweepId);
    if (!g) byId.set(s.sweepId, (g = { id: s.sweepId, runIds: [], name: s.name.replace(/ #\d+$/, ''), latest: s.createdAt }));
    g.runIds.push(s.id);
    if (s.createdAt > g.latest) g.latest = s.createdAt;
  }
  return [...byId.values()].sort((a, b) => b.latest.localeCompare(a.latest));
}

export interface SweepTrialRow extends SweepTrialPoint {
  index: number;
  status: string;
  testAccuracy: number | null;
}

/** Trials with a validation accuracy, best first (ties: lower trial index first), and those without one. */
export function rankTrials(details: readonly RunDetail[]): { ranked: SweepTrialRow[]; pending: RunDetail[]; keys: string[]; method: string | null; planned: number | null } {
  const ranked: SweepTrialRow[] = [];
  const pending: RunDetail[] = [];
  const keys: string[] = [];
  let method: string | null = null;
  let planned: number | null = null;
  for (const d of details) {
    const sweep = d.config?.request.sweep;
    if (!sweep) continue;
    method = sweep.method;
    planned = sweep.trials;
    for (const k of Object.keys(sweep.params)) if (!keys.includes(k)) keys.push(k);
    if (d.epochs.length === 0) {
      pending.push(d);
      continue;
    }
    ranked.push({
      id: d.summary.id, label: String(sweep.index + 1), index: sweep.index, params: sweep.params, status: d.summary.status,
      valAccuracy: Math.max(...d.epochs.map((e) => e.valAccuracy)), testAccuracy: d.summary.testAccuracy,
      paramCount: d.summary.params ?? d.begin?.params ?? null, trainSeconds: d.summary.trainSeconds,
    });
  }
  ranked.sort((a, b) => b.valAccuracy - a.valAccuracy || a.index - b.index);
  return { ranked, pending, keys, method, planned };
}
