// Preset: the seed report's MLP (section 3.1) with its training setup (section 4).
import { SEED_HYPERPARAMETERS } from '../../../../shared/hyper.js';
import { count, millions, type PresetDefinition } from './definition.js';

export const seedAnn: PresetDefinition = {
  id: 'seed-ann',
  title: 'Seed ANN (MLP)',
  describe: (f) => 'The seed report\'s multilayer perceptron (section 3.1): 784 → Dense 256 ReLU → Dense 128 ReLU → Dense 10 softmax, '
    + `Adam 1e-3, batch 128, 10 epochs. ${count(f.params)} params, ${millions(f.macs)} multiply-adds per sample. The seed reports 88.4% test accuracy.`,
  model: {
    name: 'Seed ANN (MLP)',
    inputShape: [784],
    layers: [
      { type: 'Dense', units: 256, activation: 'relu' },
      { type: 'Dense', units: 128, activation: 'relu' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  hyper: SEED_HYPERPARAMETERS,
};
