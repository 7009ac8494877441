// Learning-rate schedules (shared, pure): constant, step, cosine with warm-up, one-cycle, plateau, evaluated per batch. The engine trains
// with it and the renderer draws the planned schedule from it, so the two can never disagree.
import type { Hyperparameters } from './hyper.js';

export type ScheduleHyper = Pick<Hyperparameters, 'learningRate' | 'schedule' | 'epochs'>;

/**
 * Learning rate for batch `batch` (0-based) of epoch `epoch` (0-based). `plateauRate` is the rate the plateau rule
 * (shared/plateau.ts) has reached from the validation losses so far; without it a plateau schedule plans the base rate.
 */
export function learningRateAt(hyper: ScheduleHyper, epoch: number, batch: number, batchesPerEpoch: number, plateauRate?: number): number {
  const base = hyper.learningRate;
  const s = hyper.schedule;
  switch (s.type) {
    case 'constant':
      return base;
    case 'step':
      return base * Math.pow(s.gamma, Math.floor(epoch / s.stepEpochs));
    case 'cosine': {
      const total = hyper.epochs * batchesPerEpoch;
      const warm = Math.min(s.warmupEpochs, hyper.epochs) * batchesPerEpoch;
      const step = epoch * batchesPerEpoch + batch;
      if (step < warm) return base * (step + 1) / warm;
      const progress = total > warm ? (step - warm) / (total - warm) : 1;
      return s.minLearningRate + (base - s.minLearningRate) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }
    case 'plateau':
      return plateauRate ?? base;
    case 'onecycle':
      return oneCycleRate(s.maxLr ?? base, s.pctStart, s.divFactor, s.finalDivFactor, epoch * batchesPerEpoch + batch, hyper.epochs * batchesPerEpoch);
  }
}

/**
 * PyTorch's OneCycleLR (two phases, cosine annealing) at step `step` of `total`: from maxLr/divFactor up to maxLr over
 * the first pctStart of the steps, then down to maxLr/(divFactor·finalDivFactor) at the last step.
 */
export function oneCycleRate(maxLr: number, pctStart: number, divFactor: number, finalDivFactor: number, step: number, total: number): number {
  const initial = maxLr / divFactor;
  const min = initial / finalDivFactor;
  const warmEnd = pctStart * total - 1;
  const anneal = (from: number, to: number, pct: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * Math.min(1, Math.max(0, pct))) + 1);
  // PyTorch divides by the phase length; a phase of zero length (tiny runs) is taken as finished instead of NaN.
  const pct = (from: number, to: number) => (to > from ? (step - from) / (to - from) : 1);
  if (step <= warmEnd) return anneal(initial, maxLr, pct(0, warmEnd));
  return anneal(maxLr, min, pct(Math.max(0, warmEnd), total - 1));
}
