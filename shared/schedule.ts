// Learning-rate schedules (shared, pure): constant, step, cosine with warm-up, evaluated per batch. The engine trains
// with it and the renderer draws the planned schedule from it, so the two can never disagree.
import type { Hyperparameters } from './hyper.js';

export type ScheduleHyper = Pick<Hyperparameters, 'learningRate' | 'schedule' | 'epochs'>;

/** Learning rate for batch `batch` (0-based) of epoch `epoch` (0-based). */
export function learningRateAt(hyper: ScheduleHyper, epoch: number, batch: number, batchesPerEpoch: number): number {
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
  }
}
