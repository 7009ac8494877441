// Tests how the training options read in the report's hyperparameter table and in the config diff.
import { describe, expect, it } from 'vitest';
import { augmentationExtrasText, extraScheduleText, lossText, trainOptionRows } from '../../shared/trainOptionsText.js';
import { compareExperiments } from '../../shared/configDiff.js';
import { HyperparametersSchema } from '../../shared/hyper.js';
import { ModelSpecSchema } from '../../shared/spec.js';

const base = { learningRate: 0.01, batchSize: 32, epochs: 3 };
const model = ModelSpecSchema.parse({
  name: 'm', inputShape: [784],
  layers: [{ type: 'Dense', units: 32, activation: 'relu', kernelRegularizer: { l2: 1e-4 }, kernelInitializer: 'heNormal' }, { type: 'Dense', units: 10, activation: 'softmax' }],
});

describe('training options in words', () => {
  it('a run without them adds no rows and keeps the old loss text', () => {
    const h = HyperparametersSchema.parse(base);
    expect(trainOptionRows(h)).toEqual([]);
    expect(lossText(h)).toBe('sparse categorical cross-entropy');
  });

  it('names clipping, per-layer L2 and initializers, smoothing and mixup', () => {
    const h = HyperparametersSchema.parse({ ...base, clipNorm: 1, clipValue: 0.5, labelSmoothing: 0.1, augmentation: { mixupAlpha: 0.2 } });
    expect(trainOptionRows(h, model)).toEqual([
      ['Gradient clipping', 'each element to ±0.5, then global norm ≤ 1'],
      ['L2 on kernels (layer: λ)', '1: 0.0001; in the training loss, not in validation/test loss'],
      ['Kernel initializers (layer)', '1: heNormal; others glorotUniform'],
    ]);
    expect(lossText(h)).toBe('categorical cross-entropy, label smoothing 0.1, mixed (soft) targets');
  });

  it('schedules and augmentation', () => {
    expect(extraScheduleText({ type: 'plateau', factor: 0.5, patience: 2, cooldown: 1 }, 0.01)).toBe('× 0.5 after 3 epochs without a lower validation loss, cooldown 1 (ReduceLROnPlateau)');
    expect(extraScheduleText({ type: 'onecycle', pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 }, 0.1)).toBe('one-cycle per batch: 4.0e-3 → 0.1 over the first 30 % of the steps, then cosine down to 4.0e-7');
    expect(augmentationExtrasText({ maxShift: 0, horizontalFlip: false, rotation: 10, zoom: 0.15, cutout: { probability: 0.5, size: 8 } }))
      .toBe('rotation ≤ ±10°, zoom 0.85–1.15×, cutout 8×8 px with p = 0.5');
  });

  it('the config diff lists the new fields, in the hyperparameters and on the layer', () => {
    const a = { model: { name: 'm', inputShape: [784], layers: [{ type: 'Dense', units: 32 }] }, hyper: HyperparametersSchema.parse(base) };
    const b = {
      model: { name: 'm', inputShape: [784], layers: [{ type: 'Dense', units: 32, kernelRegularizer: { l2: 1e-4 } }] },
      hyper: HyperparametersSchema.parse({ ...base, labelSmoothing: 0.1, optimizer: { type: 'adamw', weightDecay: 0.01 } }),
    };
    const d = compareExperiments(a, b);
    expect(d.settings).toContainEqual({ key: 'hyper.labelSmoothing', a: '—', b: '0.1' });
    expect(d.settings).toContainEqual({ key: 'hyper.optimizer.type', a: '"adam"', b: '"adamw"' });
    expect(d.settings).toContainEqual({ key: 'hyper.optimizer.weightDecay', a: '—', b: '0.01' });
    expect(d.layers[0]).toMatchObject({ op: 'changed', changes: [{ key: 'kernelRegularizer.l2', a: '—', b: '0.0001' }] });
  });
});
