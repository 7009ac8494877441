// Tests (shared): ReduceLROnPlateau's state survives a checkpoint: a rule restored from a snapshot (through JSON) goes on
// exactly as the original, and a fresh rule in its place would not.
import { describe, expect, it } from 'vitest';
import { PlateauRule } from '../../shared/plateau.js';

const schedule = { type: 'plateau', factor: 0.5, patience: 1, cooldown: 1, minLr: 1e-4 } as const;
// Improves, stalls twice (cut), cooldown, stalls again (cut), improves, stalls.
const losses = [1.0, 0.8, 0.85, 0.9, 0.95, 0.99, 1.1, 0.7, 0.75, 0.76, 0.77, 0.78];

describe('PlateauRule snapshot/restore', () => {
  it('a rule restored at any epoch gives the same rates as one that never stopped', () => {
    const whole = new PlateauRule(schedule, 0.1);
    const rates = losses.map((l) => whole.update(l));
    expect(new Set(rates).size).toBeGreaterThan(2); // the sequence really cuts the rate, more than once
    for (let k = 1; k < losses.length; k++) {
      const first = new PlateauRule(schedule, 0.1);
      losses.slice(0, k).forEach((l) => first.update(l));
      const restored = new PlateauRule(schedule, 0.1);
      restored.restore(JSON.parse(JSON.stringify(first.snapshot())));
      expect(losses.slice(k).map((l) => restored.update(l)), `restored after epoch ${k}`).toEqual(rates.slice(k));
    }
  });

  it('without the restore the rates differ (the state matters), and a fresh rule snapshots best as null', () => {
    const fresh = new PlateauRule(schedule, 0.1);
    expect(fresh.snapshot()).toEqual({ rate: 0.1, best: null, bad: 0, cooldownLeft: 0 });
    const whole = new PlateauRule(schedule, 0.1);
    const rates = losses.map((l) => whole.update(l));
    const k = 5;
    expect(losses.slice(k).map((l) => fresh.update(l))).not.toEqual(rates.slice(k));
  });
});
