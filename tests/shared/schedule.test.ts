// Tests the one-cycle and plateau schedules against PyTorch's schedulers (values printed by torch 1.13, see comments).
import { describe, expect, it } from 'vitest';
import { learningRateAt, oneCycleRate } from '../../shared/schedule.js';
import { PlateauRule } from '../../shared/plateau.js';
import { HyperparametersSchema } from '../../shared/hyper.js';
import { plannedSchedule } from '../../shared/charts/learningRate.js';

// torch.optim.lr_scheduler.OneCycleLR(SGD(lr=0.1), max_lr=0.1, total_steps=20, pct_start=0.3, div_factor=25,
// final_div_factor=1e4): the rate of steps 0..19.
const TORCH_ONECYCLE = [0.004, 0.01316718427, 0.03716718427, 0.06683281573, 0.09083281573, 0.1, 0.09874640062, 0.0950484632,
  0.08909161776, 0.08117456539, 0.07169430018, 0.06112620219, 0.0500002, 0.03887419781, 0.02830609982, 0.01882583461,
  0.01090878224, 0.004951936799, 0.001253999376, 4e-07];

// ReduceLROnPlateau(SGD(lr=0.1), factor=0.5, patience=1, cooldown=1, min_lr=0.01) after step(loss) for each loss.
const LOSSES = [1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91];
const TORCH_PLATEAU = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125];

describe('one-cycle', () => {
  it('equals PyTorch\'s OneCycleLR step for step', () => {
    TORCH_ONECYCLE.forEach((want, step) => expect(oneCycleRate(0.1, 0.3, 25, 1e4, step, 20)).toBeCloseTo(want, 9));
  });

  it('runs per batch through learningRateAt (4 epochs × 5 batches = the 20 steps above), peak from maxLr or the learning rate', () => {
    const h = HyperparametersSchema.parse({ learningRate: 0.1, batchSize: 32, epochs: 4, schedule: { type: 'onecycle' } });
    for (let s = 0; s < 20; s++) expect(learningRateAt(h, Math.floor(s / 5), s % 5, 5)).toBeCloseTo(TORCH_ONECYCLE[s], 9);
    const withMax = HyperparametersSchema.parse({ learningRate: 1, batchSize: 32, epochs: 4, schedule: { type: 'onecycle', maxLr: 0.1 } });
    expect(learningRateAt(withMax, 1, 0, 5)).toBeCloseTo(0.1, 12);
  });

  it('stays finite when a phase has no steps (one batch in all)', () => {
    for (const step of [0]) expect(Number.isFinite(oneCycleRate(0.1, 0.3, 25, 1e4, step, 1))).toBe(true);
  });
});

describe('plateau', () => {
  it('equals PyTorch\'s ReduceLROnPlateau (patience, cooldown, min_lr) epoch for epoch', () => {
    const rule = new PlateauRule({ type: 'plateau', factor: 0.5, patience: 1, cooldown: 1, minLr: 0.01 }, 0.1);
    expect(LOSSES.map((l) => rule.update(l))).toEqual(TORCH_PLATEAU);
  });

  it('never goes below minLr', () => {
    const rule = new PlateauRule({ type: 'plateau', factor: 0.1, patience: 0, minLr: 0.003 }, 0.1);
    const rates = [1, 1, 1, 1, 1].map((l) => rule.update(l));
    expect(rates).toEqual([0.1, 0.010000000000000002, 0.003, 0.003, 0.003]);
  });

  it('plans the base rate (it depends on validation) and uses the rule\'s rate once given', () => {
    const h = HyperparametersSchema.parse({ learningRate: 0.1, batchSize: 32, epochs: 3, schedule: { type: 'plateau', factor: 0.5, patience: 2 } });
    expect(plannedSchedule(h, 4).every(([, lr]) => lr === 0.1)).toBe(true);
    expect(learningRateAt(h, 2, 0, 4, 0.05)).toBe(0.05);
  });

  it('refuses a factor outside (0, 1) and a negative patience with messages naming them', () => {
    const bad = (schedule: unknown) => HyperparametersSchema.safeParse({ learningRate: 0.1, batchSize: 32, epochs: 3, schedule }).error!.issues[0].message;
    expect(bad({ type: 'plateau', factor: 1, patience: 2 })).toBe('factor must be in (0, 1)');
    expect(bad({ type: 'plateau', factor: 0.5, patience: -1 })).toBe('patience must be ≥ 0');
    expect(bad({ type: 'onecycle', pctStart: 1 })).toBe('pctStart must be in (0, 1)');
  });
});

describe('learning-rate chart with a plateau schedule', () => {
  it('says on its axis that the rate depends on validation, and only then', async () => {
    const { learningRateOption } = await import('../../shared/charts/learningRate.js');
    const run = (schedule: unknown) => ({
      name: 'r', epochs: [{ epoch: 0, learningRate: 0.1 }],
      planned: { hyper: HyperparametersSchema.parse({ learningRate: 0.1, batchSize: 32, epochs: 3, schedule }), batchesPerEpoch: 4 },
    });
    const axis = (schedule: unknown) => (learningRateOption({ runs: [run(schedule)], title: 'Learning rate' }).xAxis as { name?: string }).name;
    expect(axis({ type: 'plateau', factor: 0.5, patience: 1 })).toBe('epoch · plateau: dots = rates used (set by val. loss)');
    expect(axis({ type: 'constant' })).toBe('epoch');
  });
});
