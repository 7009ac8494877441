// Bench: the two seed models as specs, built by the engine's own model builder.
import type * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../shared/spec.js';
import { buildModel } from '../electron/engine/models/build.js';

export type BenchModel = 'ann' | 'cnn';

/** The seed notebook's sections 3.1 and 3.2 (Keras defaults filled in). */
export const SEED_SPECS: Record<BenchModel, ModelSpec> = {
  ann: {
    name: 'seed-ann',
    inputShape: [784],
    layers: [
      { type: 'Dense', units: 256, activation: 'relu', useBias: true },
      { type: 'Dense', units: 128, activation: 'relu', useBias: true },
      { type: 'Dense', units: 10, activation: 'softmax', useBias: true },
    ],
  },
  cnn: {
    name: 'seed-cnn',
    inputShape: [28, 28, 1],
    layers: [
      { type: 'Conv2D', filters: 32, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu', useBias: true },
      { type: 'MaxPooling2D', poolSize: 2, padding: 'valid' },
      { type: 'Conv2D', filters: 64, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu', useBias: true },
      { type: 'MaxPooling2D', poolSize: 2, padding: 'valid' },
      { type: 'Flatten' },
      { type: 'Dense', units: 128, activation: 'relu', useBias: true },
      { type: 'Dense', units: 10, activation: 'softmax', useBias: true },
    ],
  },
};

export function buildBenchModel(which: BenchModel, seed = 1): { model: tf.LayersModel; inputShape: number[] } {
  const spec = SEED_SPECS[which];
  return { model: buildModel(spec, seed), inputShape: [...spec.inputShape] };
}
