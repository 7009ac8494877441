// Early stopping on validation loss or accuracy, remembering the best epoch.
import type { Hyperparameters } from '../../../shared/hyper.js';

type Config = NonNullable<Hyperparameters['earlyStopping']>;

export class EarlyStopper {
  best = Number.NaN;
  bestEpoch = -1;
  private wait = 0;

  constructor(private readonly config: Config) {}

  /** Records an epoch's validation numbers; true when training should stop. */
  update(epoch: number, valLoss: number, valAccuracy: number): { improved: boolean; stop: boolean } {
    const value = this.config.monitor === 'valLoss' ? valLoss : valAccuracy;
    const sign = this.config.monitor === 'valLoss' ? -1 : 1;
    const improved = Number.isNaN(this.best) || sign * (value - this.best) > this.config.minDelta;
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
    } else {
      this.wait += 1;
    }
    return { improved, stop: this.wait >= this.config.patience };
  }

  /** The counters a checkpoint keeps, so a resumed run stops where the uninterrupted one would. */
  snapshot(): { best: number | null; bestEpoch: number; wait: number } {
    return { best: Number.isNaN(this.best) ? null : this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  restore(s: { best: number | null; bestEpoch: number; wait: number }): void {
    this.best = s.best ?? Number.NaN;
    this.bestEpoch = s.bestEpoch;
    this.wait = s.wait;
  }
}
