import { describe, expect, it } from 'vitest';
import { toTrainRequest, ExperimentRunSchema } from '../../../electron/cli/experimentConfig.js';
import { getPreset } from '../../../electron/engine/models/presets.js';

const model = {
  name: 'tiny',
  inputShape: [28, 28, 1],
  layers: [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }],
};

describe('toTrainRequest', () => {
  it('fills a partial hyper next to a model from the seed setup', () => {
    const run = ExperimentRunSchema.parse({ model, hyper: { epochs: 1 } });
    const req = toTrainRequest(run, {});
    expect(req.hyper.epochs).toBe(1);
    expect(req.hyper.learningRate).toBe(1e-3);
    expect(req.hyper.batchSize).toBe(128);
    expect(req.hyper.optimizer.type).toBe('adam');
  });

  it('fills a partial hyper next to a preset from the preset', () => {
    const strong = getPreset('strong-cnn');
    const req = toTrainRequest(ExperimentRunSchema.parse({ preset: 'strong-cnn', hyper: { epochs: 2 } }), {});
    expect(req.hyper.epochs).toBe(2);
    expect(req.hyper.schedule).toEqual(strong.hyper.schedule);
    expect(req.hyper.batchSize).toBe(strong.hyper.batchSize);
  });

  it('still names the field when a given value is invalid', () => {
    const run = ExperimentRunSchema.parse({ model, hyper: { learningRate: -1 } });
    expect(() => toTrainRequest(run, {})).toThrow(/learningRate/);
  });
});
