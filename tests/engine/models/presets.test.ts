// Presets: contract-valid, the seed's models and setup exactly, and a stronger CNN whose 15 epochs fit 15 minutes on two cores.
import { describe, expect, it } from 'vitest';
import { getPreset, PresetError, PRESETS } from '../../../electron/engine/models/presets.js';
import { PresetSchema } from '../../../shared/api.js';
import { HyperparametersSchema, SEED_HYPERPARAMETERS } from '../../../shared/hyper.js';
import { inferShapes } from '../../../shared/model/inferShapes.js';
import { estimateMacs } from '../../../shared/model/flops.js';

const byId = (id: string) => PRESETS.find((p) => p.id === id)!;

describe('PRESETS', () => {
  it('parse with PresetSchema and HyperparametersSchema, unchanged, with unique ids', () => {
    for (const p of PRESETS) {
      expect(PresetSchema.parse(p)).toEqual(p);
      expect(HyperparametersSchema.parse(p.hyper)).toEqual(p.hyper);
      expect(inferShapes(p.model).ok).toBe(true);
    }
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    expect(PRESETS.map((p) => p.id)).toEqual(expect.arrayContaining(['seed-ann', 'seed-cnn', 'strong-cnn']));
  });

  it('seed-ann and seed-cnn: the seed\'s Keras models (235,146 and 225,034 params) with its training setup', () => {
    const ann = byId('seed-ann');
    const cnn = byId('seed-cnn');
    expect(ann.hyper).toEqual(SEED_HYPERPARAMETERS);
    expect(cnn.hyper).toEqual(SEED_HYPERPARAMETERS);
    expect([ann.hyper.optimizer.type, ann.hyper.learningRate, ann.hyper.batchSize, ann.hyper.epochs]).toEqual(['adam', 1e-3, 128, 10]);
    expect(inferShapes(ann.model).totalParams).toBe(235_146);
    expect(inferShapes(cnn.model).totalParams).toBe(225_034);
    expect(inferShapes(cnn.model).layers.map((l) => l.outputShape))
      .toEqual([[null, 26, 26, 32], [null, 13, 13, 32], [null, 11, 11, 64], [null, 5, 5, 64], [null, 1600], [null, 128], [null, 10]]);
  });

  it('strong-cnn: batch norm, dropout, augmentation, label smoothing, AdamW one-cycle, 15 epochs, a few times the seed CNN\'s MACs', () => {
    const strong = byId('strong-cnn');
    const types = strong.model.layers.map((l) => l.type);
    expect(types).toContain('BatchNormalization');
    expect(types).toContain('Dropout');
    expect(strong.hyper.augmentation).toEqual({ maxShift: 2, horizontalFlip: true });
    expect(strong.hyper.schedule.type).toBe('onecycle');
    expect(strong.hyper.optimizer.type).toBe('adamw');
    expect(strong.hyper.labelSmoothing).toBe(0.1);
    expect(strong.hyper.epochs).toBe(15);
    // The compute that fits 15 epochs in under 15 minutes on two cores (about 950 samples/s measured): no bigger.
    const macs = estimateMacs(strong.model);
    const seedMacs = estimateMacs(byId('seed-cnn').model);
    expect(macs).toBeGreaterThan(2 * seedMacs);
    expect(macs).toBeLessThan(8 * seedMacs);
    expect(strong.description).toContain('15 epochs');
  });

  it('every description states the model\'s computed params and MACs', () => {
    for (const p of PRESETS) {
      expect(p.description).toContain(`${inferShapes(p.model).totalParams.toLocaleString('en-US')} params`);
      expect(p.description).toContain(`${(estimateMacs(p.model) / 1e6).toFixed(2)}M multiply-adds per sample`);
    }
  });

  it('is frozen, so no caller can change a preset for everyone', () => {
    expect(Object.isFrozen(PRESETS)).toBe(true);
    expect(() => {
      (byId('seed-cnn').hyper as { epochs: number }).epochs = 1;
    }).toThrow(TypeError);
  });
});

describe('getPreset', () => {
  it('returns an editable copy', () => {
    const p = getPreset('seed-cnn');
    expect(p).toEqual(byId('seed-cnn'));
    p.hyper.epochs = 1;
    p.model.layers.pop();
    expect(byId('seed-cnn').hyper.epochs).toBe(10);
    expect(byId('seed-cnn').model.layers).toHaveLength(7);
  });

  it('names the known ids when the id is unknown', () => {
    expect(() => getPreset('seed-rnn')).toThrow(PresetError);
    expect(() => getPreset('seed-rnn')).toThrow(/unknown preset "seed-rnn"; known presets: seed-ann, seed-cnn, strong-cnn/);
  });
});
