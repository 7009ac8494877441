// Renderer (pure): one definition of a run's epoch count and queue place, so the queue table, the runs table and the live panel agree.
import type { RunStatus, RunSummary } from '../../../shared/run.js';

export interface EpochProgress {
  /** Epochs completed (an epochEnd was logged for each). */
  done: number;
  total: number | null;
  /** 1-based epoch being trained right now, or null when none is (queued, ended, or between epochs before the first batch). */
  inProgress: number | null;
}

/**
 * Completed epochs are the count everywhere ("2 / 10"); the epoch being trained is a separate, labelled fact
 * ("epoch 3 in progress"). `lastBatchEpoch` is the 0-based epoch of the newest batch event, if any.
 */
export function epochProgress(done: number, total: number | null | undefined, status: RunStatus | string, lastBatchEpoch?: number | null): EpochProgress {
  const t = total ?? null;
  const capped = t === null ? done : Math.min(done, t);
  let inProgress: number | null = null;
  if (status === 'running' && (t === null || capped < t)) {
    // A batch of the next epoch may not have arrived yet; the epoch after the last completed one is the one running.
    inProgress = Math.max(capped + 1, lastBatchEpoch !== null && lastBatchEpoch !== undefined ? lastBatchEpoch + 1 : 0);
    if (t !== null) inProgress = Math.min(inProgress, t);
  }
  return { done: capped, total: t, inProgress };
}

/** "2 / 10": completed epochs over planned ones. */
export function epochText(p: EpochProgress): string {
  return `${p.done} / ${p.total ?? '—'}`;
}

/** "epoch 3 in progress", or '' when none is. */
export function epochDetail(p: EpochProgress): string {
  return p.inProgress === null ? '' : `epoch ${p.inProgress} in progress`;
}

export interface QueuePlace {
  /** 1-based place among the runs waiting to start. */
  place: number;
  waiting: number;
  running: number;
}

/** Where a queued run stands, from the current list (queued runs start in the order they were created). */
export function queuePlace(summaries: readonly Pick<RunSummary, 'id' | 'status' | 'createdAt'>[], runId: string): QueuePlace | null {
  const waiting = summaries.filter((s) => s.status === 'queued').sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const i = waiting.findIndex((s) => s.id === runId);
  if (i < 0) return null;
  return { place: i + 1, waiting: waiting.length, running: summaries.filter((s) => s.status === 'running').length };
}

/** "next to start" / "2nd in line · 2 running": never a place that counts the run itself twice. */
export function queueText(q: QueuePlace): string {
  const where = q.place === 1 ? 'next to start' : `${ordinal(q.place)} in line`;
  return q.running > 0 ? `${where} · ${q.running} running` : where;
}

export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}
