// Learning-rate schedules (constant, step, cosine with warm-up), evaluated per batch.
import type { Hyperparameters } from '../../../shared/hyper.js';

/** Learning rate for batch `batch` (0-based) of epoch `epoch` (0-based). */
export function learningRateAt(hyper: Hyperparameters, epoch: number, batch: number, batchesPerEpoch: number): number {
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
