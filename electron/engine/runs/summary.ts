// Engine/runs (pure): a run's list row and detail, rebuilt from whatever of its files could be read.
import type {
  EpochSummary, RunConfig, RunDetail, RunStatus, RunSummary, TestMetrics, TrainBegin, TrainEvent,
} from '../../../shared/run.js';
import { deadOwnerReason, type Liveness, type StatusFile } from './owner.js';

export interface RunMeta { name?: string; tags?: string[]; importedFrom?: string }

/** One run folder as read from disk; `problems` lists what could not be read (empty for a healthy run). */
export interface RunFiles {
  id: string;
  config: RunConfig | null;
  status: StatusFile | null;
  meta: RunMeta;
  metrics: TestMetrics | null;
  events: TrainEvent[];
  logWarnings: string[];
  problems: string[];
  /** When the folder was made, for a run whose config cannot tell. */
  folderTime: string;
}

type Of<T extends TrainEvent['type']> = Extract<TrainEvent, { type: T }>;
function last<T extends TrainEvent['type']>(events: TrainEvent[], type: T): Of<T> | null {
  for (let i = events.length - 1; i >= 0; i--) if (events[i].type === type) return events[i] as Of<T>;
  return null;
}

const ACTIVE: ReadonlySet<RunStatus> = new Set(['queued', 'running']);

/** The log is the truth about how a run ended; status.json says who is working on it until then. */
export function effectiveStatus(files: Pick<RunFiles, 'status' | 'events'>, live: Liveness): { status: RunStatus; reason: string | null } {
  const end = currentEnd(files.events);
  if (end) return { status: end.status, reason: end.reason ?? null };
  const s = files.status;
  if (!s) return { status: 'interrupted', reason: 'interrupted: status.json is missing or unreadable, and the log has no end' };
  if (ACTIVE.has(s.status)) {
    const dead = deadOwnerReason(s, live);
    return dead ? { status: 'interrupted', reason: dead } : { status: s.status, reason: null };
  }
  return { status: s.status, reason: s.reason ?? null };
}

/** The last trainEnd, unless the run was queued or began again after it (a resume): then it has not ended yet. */
function currentEnd(events: TrainEvent[]): Of<'trainEnd'> | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'trainEnd') return e;
    if (e.type === 'trainBegin' || e.type === 'queued') return null;
  }
  return null;
}

/** One summary per epoch, the last logged winning (a resumed run may log an epoch's summary again). */
function uniqueEpochs(events: TrainEvent[]): EpochSummary[] {
  const byEpoch = new Map<number, EpochSummary>();
  for (const e of events) if (e.type === 'epochEnd') byEpoch.set(e.summary.epoch, e.summary);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

export function buildDetail(files: RunFiles, live: Liveness): RunDetail {
  const begin: TrainBegin | null = last(files.events, 'trainBegin');
  // A damaged config.json can still be recovered from the copy the trainer logged at trainBegin.
  const config = files.config ?? begin?.config ?? null;
  const epochs: EpochSummary[] = uniqueEpochs(files.events);
  const test = files.metrics ?? last(files.events, 'evaluated')?.test ?? null;
  const end = currentEnd(files.events) ?? last(files.events, 'trainEnd');
  const { status, reason } = effectiveStatus(files, live);
  const speeds = epochs.map((e) => e.samplesPerSecond).filter(Number.isFinite);
  const summary: RunSummary = {
    id: files.id,
    name: files.meta.name ?? config?.name ?? files.id,
    createdAt: config?.createdAt ?? files.folderTime,
    status,
    preset: config?.request.preset ?? null,
    modelName: config?.request.model.name ?? null,
    tags: files.meta.tags ?? config?.request.tags ?? [],
    groupId: config?.groupId ?? null,
    params: begin?.params ?? null,
    backend: begin?.backend.name ?? null,
    epochsDone: epochs.length,
    epochs: begin?.epochs ?? config?.request.hyper.epochs ?? null,
    testAccuracy: test?.accuracy ?? null,
    macroF1: test?.report.macro.f1 ?? null,
    trainSeconds: end?.trainSeconds ?? null,
    samplesPerSecond: speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null,
    trainSize: begin?.splitSizes.train ?? null,
    ...(config?.request.sweep ? { sweepId: config.request.sweep.id } : {}),
    reason,
    damaged: files.problems.length ? files.problems.join('; ') : null,
  };
  return { summary, config, begin, epochs, test, logWarnings: files.logWarnings };
}

/** The row for a folder that could not be read at all. */
export function unreadableSummary(id: string, problem: string, folderTime: string): RunSummary {
  return {
    id, name: id, createdAt: folderTime, status: 'interrupted', preset: null, modelName: null, tags: [], groupId: null,
    params: null, backend: null, epochsDone: 0, epochs: null, testAccuracy: null, macroF1: null, trainSeconds: null,
    samplesPerSecond: null, reason: null, damaged: problem,
  };
}
