// Preset: the seed report's CNN (section 3.2) with its training setup (section 4).
import { SEED_HYPERPARAMETERS } from '../../../../shared/hyper.js';
import { count, millions, type PresetDefinition } from './definition.js';

export const seedCnn: PresetDefinition = {
  id: 'seed-cnn',
  title: 'Seed CNN',
  describe: (f) => 'The seed report\'s CNN (section 3.2): Conv 32 3×3 ReLU → MaxPool 2 → Conv 64 3×3 ReLU → MaxPool 2 → Flatten → '
    + `Dense 128 ReLU → Dense 10 softmax, Adam 1e-3, batch 128, 10 epochs. ${count(f.params)} params, ${millions(f.macs)} multiply-adds per sample. `
    + 'The seed reports 90.6% test accuracy.',
  model: {
    name: 'Seed CNN',
    inputShape: [28, 28, 1],
    layers: [
      { type: 'Conv2D', filters: 32, kernelSize: [3, 3], activation: 'relu' },
      { type: 'MaxPooling2D', poolSize: [2, 2] },
      { type: 'Conv2D', filters: 64, kernelSize: [3, 3], activation: 'relu' },
      { type: 'MaxPooling2D', poolSize: [2, 2] },
      { type: 'Flatten' },
      { type: 'Dense', units: 128, activation: 'relu' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  hyper: SEED_HYPERPARAMETERS,
};
