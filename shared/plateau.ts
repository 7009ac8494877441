// ReduceLROnPlateau (shared, pure): the rate after each epoch's validation loss, as PyTorch's scheduler computes it.
import type { Hyperparameters } from './hyper.js';

type PlateauSchedule = Extract<Hyperparameters['schedule'], { type: 'plateau' }>;

/**
 * PyTorch's ReduceLROnPlateau(mode='min', threshold=1e-4, threshold_mode='rel', eps=1e-8): an epoch improves when its
 * validation loss is below best·(1 − 1e-4); after more than `patience` epochs without improvement the rate is
 * multiplied by `factor` (not below minLr), and `cooldown` epochs pass before bad epochs count again.
 */
export interface PlateauState { rate: number; best: number | null; bad: number; cooldownLeft: number }

export class PlateauRule {
  rate: number;
  private best = Number.POSITIVE_INFINITY;
  private bad = 0;
  private cooldownLeft = 0;

  constructor(private readonly s: PlateauSchedule, baseRate: number) {
    this.rate = baseRate;
  }

  /** The rule's state, for a checkpoint (best is null before the first epoch: JSON has no Infinity). */
  snapshot(): PlateauState {
    return { rate: this.rate, best: Number.isFinite(this.best) ? this.best : null, bad: this.bad, cooldownLeft: this.cooldownLeft };
  }

  /** Puts the rule back where a checkpoint left it. */
  restore(s: PlateauState): void {
    this.rate = s.rate;
    this.best = s.best ?? Number.POSITIVE_INFINITY;
    this.bad = s.bad;
    this.cooldownLeft = s.cooldownLeft;
  }

  /** Records one epoch's validation loss; returns the rate for the next epoch. */
  update(valLoss: number): number {
    if (valLoss < this.best * (1 - 1e-4)) {
      this.best = valLoss;
      this.bad = 0;
    } else {
      this.bad += 1;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.bad = 0;
    }
    if (this.bad > this.s.patience) {
      const next = Math.max(this.rate * this.s.factor, this.s.minLr ?? 0);
      if (this.rate - next > 1e-8) this.rate = next;
      this.cooldownLeft = this.s.cooldown ?? 0;
      this.bad = 0;
    }
    return this.rate;
  }
}
