// Bench: the two seed models, from the engine's presets, built by the engine's own model builder.
import type * as tf from '@tensorflow/tfjs';
import { buildModel } from '../electron/engine/models/build.js';
import { getPreset } from '../electron/engine/models/presets.js';

export type BenchModel = 'ann' | 'cnn' | 'strong';

const PRESET: Record<BenchModel, string> = { ann: 'seed-ann', cnn: 'seed-cnn', strong: 'strong-cnn' };

export function buildBenchModel(which: BenchModel, seed = 1): { model: tf.LayersModel; inputShape: number[] } {
  const { model } = getPreset(PRESET[which]);
  return { model: buildModel(model, seed), inputShape: [...model.inputShape] };
}
