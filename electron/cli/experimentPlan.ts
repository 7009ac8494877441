// CLI: from experiment entries and flags to the list of train requests this process trains: sweeps expanded,
// fine-tuning applied, and only this shard's trials kept (--shard i/N: the trials whose index ≡ i mod N).
import type { TrainRequest } from '../../shared/run.js';
import { toTrainRequest, type ExperimentRun, type Overrides } from './experimentConfig.js';
import { expandSweep } from './sweep.js';
import type { SweepSpec } from './sweepSpec.js';

export interface Shard { index: number; count: number }

/** "i/N" with 0 ≤ i < N; throws a message naming the flag otherwise. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count || count > 100_000) {
    throw new Error(`--shard must be i/N with 0 ≤ i < N (e.g. 0/4 for the first of four shards; Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT), got "${text}"`);
  }
  return { index, count };
}

/** "0,1,3" → [0, 1, 3]. */
export function parseLayerList(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const out = parts.map((p) => Number(p));
  const bad = parts.find((p, i) => !/^\d+$/.test(p) || !Number.isInteger(out[i]));
  if (bad !== undefined || parts.length === 0) throw new Error(`--freeze takes layer indices (0-based) separated by commas, e.g. 0,1; got "${text}"`);
  return [...new Set(out)];
}

export interface PlanOptions {
  sweepId?: string;
  shard?: Shard;
  initFrom?: { runId: string; freeze: number[] };
}

export interface Plan {
  /** The requests this process trains (this shard's). */
  requests: TrainRequest[];
  /** How many trials the whole plan has, across shards. */
  total: number;
  /** Sweep id → its early-stopping rule, for the sweeps that have one. */
  rules: Map<string, NonNullable<SweepSpec['earlyStop']>>;
}

export function planRequests(runs: ExperimentRun[], o: Overrides, sharedData: Record<string, unknown> | undefined, opts: PlanOptions = {}): Plan {
  const sweeps = runs.filter((r) => r.sweep).length;
  let k = 0;
  const rules: Plan['rules'] = new Map();
  const all = runs.flatMap((run, i) => {
    const { sweep, ...plain } = run;
    const base = toTrainRequest(plain, o, sharedData);
    if (!sweep) return [base];
    const id = opts.sweepId ? (sweeps > 1 ? `${opts.sweepId}-${k}` : opts.sweepId) : undefined;
    k++;
    const trials = expandSweep(base, sweep, `run ${i + 1} (${base.name ?? base.model.name})`, id);
    if (sweep.earlyStop && trials[0]?.sweep) rules.set(trials[0].sweep.id, sweep.earlyStop);
    return trials;
  }).map((r) => (opts.initFrom ? { ...r, initFrom: opts.initFrom } : r));
  const shard = opts.shard;
  return { requests: shard ? all.filter((_, i) => i % shard.count === shard.index) : all, total: all.length, rules };
}
