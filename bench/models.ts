// Bench: builds a model of the bench set (bench/model-set.ts) with the engine's own model builder.
import type * as tf from '@tensorflow/tfjs';
import { buildModel } from '../electron/engine/models/build.js';
import { benchEntry } from './model-set.js';

/** A name from BENCH_SET ('ann', 'cnn', 'strong', 'cnn-bn', …). */
export type BenchModel = string;

export function buildBenchModel(which: BenchModel, seed = 1): { model: tf.LayersModel; inputShape: number[] } {
  const { spec } = benchEntry(which);
  return { model: buildModel(spec, seed), inputShape: [...spec.inputShape] };
}
