// Preset: a stronger CNN along the seed's section 7 (batch norm, dropout, augmentation, a learning-rate schedule).
import type { ModelSpecInput } from '../../../../shared/spec.js';
import { count, millions, type PresetDefinition } from './definition.js';

const conv = (filters: number) => ({ type: 'Conv2D', filters, kernelSize: 3, padding: 'same', activation: 'relu' }) as const;
/** PyTorch's 0.1 in Keras terms, not Keras's 0.99: the moving statistics settle within an epoch, so short (--limit) runs evaluate sensibly. */
const bn = { type: 'BatchNormalization', momentum: 0.9 } as const;

/**
 * Two VGG-style blocks of two 3×3 convolutions each. Widths 16/32 (not 32/64) keep the compute under twice the
 * seed CNN's, so it stays trainable on two CPU cores; depth, batch norm and augmentation do the work instead of width.
 */
const block = (filters: number): ModelSpecInput['layers'] => [
  conv(filters), bn, conv(filters), bn,
  { type: 'MaxPooling2D', poolSize: 2, padding: 'valid' },
  { type: 'Dropout', rate: 0.25 },
];

export const strongCnn: PresetDefinition = {
  id: 'strong-cnn',
  title: 'Stronger CNN (BN, dropout, augmentation)',
  describe: (f) => 'What the seed\'s section 7 proposes: two blocks of [Conv 3×3 same ReLU → BatchNorm] ×2 → MaxPool 2 → Dropout 0.25 '
    + '(16 then 32 filters) → Flatten → Dense 128 ReLU → BatchNorm → Dropout 0.5 → Dense 10 softmax; '
    + 'random shifts of up to 2 px and horizontal flips, Adam 1e-3 with cosine decay, batch 128, 15 epochs. '
    + `${count(f.params)} params, ${millions(f.macs)} multiply-adds per sample (the seed CNN: 225,034 and 2.63M).`,
  model: {
    name: 'Stronger CNN',
    inputShape: [28, 28, 1],
    layers: [
      ...block(16),
      ...block(32),
      { type: 'Flatten' },
      { type: 'Dense', units: 128, activation: 'relu' },
      bn,
      { type: 'Dropout', rate: 0.5 },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  hyper: {
    optimizer: { type: 'adam' },
    learningRate: 1e-3,
    schedule: { type: 'cosine', minLearningRate: 1e-5 },
    batchSize: 128,
    epochs: 15,
    augmentation: { maxShift: 2, horizontalFlip: true },
    seed: 42,
  },
};
