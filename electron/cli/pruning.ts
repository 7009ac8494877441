// CLI: the median stopping rule for sweep trials (Google Vizier's): a trial whose best validation accuracy so far is
// below the median of the other trials' at the same epoch is stopped, once enough trials got that far. The other
// trials are read from the run store, so trials of every shard that writes into it count.
import type { TrainEvent } from '../../shared/run.js';
import type { Workbench } from '../engine/workbench.js';
import type { SweepSpec } from './sweepSpec.js';

type Rule = NonNullable<SweepSpec['earlyStop']>;

/** Best value of each prefix: bestSoFar([0.2, 0.5, 0.4]) = [0.2, 0.5, 0.5]. */
function bestSoFar(values: number[]): number[] {
  const out: number[] = [];
  values.forEach((v, i) => out.push(i === 0 ? v : Math.max(v, out[i - 1])));
  return out;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Should a trial with validation accuracies `own` (epochs 0…e) stop, given the other trials' histories?
 * Returns the median it fell below, or null to go on.
 */
export function medianStop(own: number[], others: number[][], rule: Rule): number | null {
  const e = own.length - 1;
  if (e + 1 < rule.afterEpochs) return null;
  const peers = others.filter((h) => h.length > e).map((h) => bestSoFar(h)[e]);
  if (peers.length < rule.minTrials) return null;
  const m = median(peers);
  return bestSoFar(own)[e] < m ? m : null;
}

/**
 * Watches this process's sweep trials and cancels those the rule stops; tags them "pruned" so the run list and the
 * Sweeps view say why. Returns the ids it stopped.
 */
export function watchPruning(wb: Workbench, rules: ReadonlyMap<string, Rule>, note: (line: string) => void): { pruned: Set<string>; settled: () => Promise<unknown> } {
  const pruned = new Set<string>();
  if (rules.size === 0) return { pruned, settled: async () => undefined };
  let chain: Promise<unknown> = Promise.resolve();
  const check = async (e: Extract<TrainEvent, { type: 'epochEnd' }>) => {
    const detail = await wb.handlers.getRun({ runId: e.runId });
    const sweep = detail.config?.request.sweep;
    const rule = sweep ? rules.get(sweep.id) : undefined;
    if (!sweep || !rule || pruned.has(e.runId)) return;
    // After its last epoch a trial only has its test evaluation left: stopping it would save nothing.
    if (e.summary.epoch + 1 >= (detail.begin?.epochs ?? Infinity)) return;
    const peers = (await wb.handlers.listRuns({})).filter((r) => r.sweepId === sweep.id && r.id !== e.runId);
    const histories = await Promise.all(peers.map(async (p) => (await wb.handlers.getRun({ runId: p.id })).epochs.map((x) => x.valAccuracy)));
    const own = detail.epochs.filter((x) => x.epoch <= e.summary.epoch).map((x) => x.valAccuracy);
    const m = medianStop(own, histories, rule);
    if (m === null || !wb.manager.running().includes(e.runId)) return;
    pruned.add(e.runId);
    note(`${detail.summary.name}: stopped by the median rule after epoch ${e.summary.epoch + 1} (best validation accuracy ${Math.max(...own).toFixed(4)} < median ${m.toFixed(4)} of ${histories.filter((h) => h.length > e.summary.epoch).length} other trials)`);
    await wb.manager.cancel(e.runId);
    await wb.handlers.tagRun({ runId: e.runId, tags: [...detail.summary.tags, 'pruned'] });
  };
  wb.onEvent((p) => {
    if (p.kind === 'train' && p.event.type === 'epochEnd') {
      const ev = p.event;
      chain = chain.then(() => check(ev)).catch((err) => note(`median rule: ${err instanceof Error ? err.message : String(err)}`));
    }
  });
  return { pruned, settled: () => chain };
}
