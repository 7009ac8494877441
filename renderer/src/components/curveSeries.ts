// Renderer (pure): a run's epochs and batch points as the curve and learning-rate charts take them, wall-clock times included.
import type { EpochSummary, RunDetail } from '../../../shared/run.js';
import type { CurveRun } from '../../../shared/charts/trainingCurves.js';
import type { RateRun, ScheduleHyper } from '../../../shared/charts/learningRate.js';
import type { BatchPoint } from '../stores/runs.js';

export interface ExplorerRun {
  name: string;
  color: string;
  epochs: readonly EpochSummary[];
  batches: readonly BatchPoint[];
  /** trainBegin's time (ms since 1970): batch times count from it. */
  startT: number | null;
  hyper: ScheduleHyper | null;
  batchesPerEpoch: number | null;
}

/**
 * Seconds since the start for each epoch: the running sum of the epochs' own durations (train + validation), which stored
 * runs have too. Batch points use their event time minus trainBegin's, so both count from the same start.
 */
export function epochElapsed(epochs: readonly Pick<EpochSummary, 'epoch' | 'seconds'>[]): number[] {
  let sum = 0;
  return [...epochs].sort((a, b) => a.epoch - b.epoch).map((e) => (sum += Math.max(0, e.seconds)));
}

export function curveRunOf(r: ExplorerRun): CurveRun {
  const sorted = [...r.epochs].sort((a, b) => a.epoch - b.epoch);
  const elapsed = epochElapsed(sorted);
  return {
    name: r.name,
    color: r.color,
    epochs: sorted.map((e, k) => ({ ...e, elapsed: elapsed[k] })),
    batches: r.batches.map((b) => ({ ...b, elapsed: r.startT !== null && b.t !== undefined ? Math.max(0, (b.t - r.startT) / 1000) : undefined })),
  };
}

export function rateRunOf(r: ExplorerRun): RateRun {
  const sorted = [...r.epochs].sort((a, b) => a.epoch - b.epoch);
  const elapsed = epochElapsed(sorted);
  return {
    name: r.name,
    color: r.color,
    epochs: sorted.map((e, k) => ({ epoch: e.epoch, learningRate: e.learningRate, elapsed: elapsed[k] })),
    planned: r.hyper && r.batchesPerEpoch ? { hyper: r.hyper, batchesPerEpoch: r.batchesPerEpoch } : null,
  };
}

/**
 * A stored run as the explorer takes it. Run folders keep per-epoch summaries only, so there are no batch points: the curves
 * show the epoch means, and wall-clock time comes from the epochs' own durations.
 */
export function explorerRunOfDetail(detail: Pick<RunDetail, 'epochs' | 'config' | 'begin'>, name: string, color: string): ExplorerRun {
  return {
    name,
    color,
    epochs: detail.epochs,
    batches: [],
    startT: null,
    hyper: detail.config?.request.hyper ?? detail.begin?.config.request.hyper ?? null,
    batchesPerEpoch: detail.begin?.batchesPerEpoch ?? null,
  };
}
