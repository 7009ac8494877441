// Bench check: a bench model's weights, an input and its eval-mode output on tfjs, for bench/torch_equiv.py to replay in PyTorch.
import * as tf from '@tensorflow/tfjs';
import { analyse } from '../shared/model/analyse.js';
import { benchEntry } from './model-set.js';
import { buildBenchModel } from './models.js';

export interface EquivalenceCase {
  model: string;
  spec: unknown;
  layers: Array<{ type: string; weights: Array<{ shape: number[]; data: number[] }>; flattenedFrom?: readonly number[] }>;
  x: number[];
  y: number[];
}

/**
 * Batch-norm statistics are moved off their 0/1 start so that a wrong translation of them shows; the rest is the
 * builder's own seeded initialisation. Runs on whatever tfjs backend is active.
 */
export function equivalenceCase(name: string, samples = 4): EquivalenceCase {
  const { spec } = benchEntry(name);
  const steps = analyse(spec).steps;
  const { model, inputShape } = buildBenchModel(name, 3);
  let result: EquivalenceCase | null = null;
  try {
    tf.tidy(() => {
      const layers = model.layers.map((layer, i) => {
        let weights = layer.getWeights();
        if (spec.layers[i].type === 'BatchNormalization') {
          weights = weights.map((t, j) => tf.add(t, tf.randomUniform(t.shape, 0.1, 0.5, 'float32', 7 + j)));
          layer.setWeights(weights);
        }
        const prev = spec.layers[i - 1];
        return {
          type: spec.layers[i].type,
          weights: weights.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) })),
          ...(spec.layers[i].type === 'Dense' && prev?.type === 'Flatten' ? { flattenedFrom: steps[i - 1].input } : {}),
        };
      });
      const x = tf.randomUniform([samples, ...inputShape], 0, 1, 'float32', 11);
      const y = model.predict(x) as tf.Tensor;
      result = { model: name, spec, layers, x: Array.from(x.dataSync()), y: Array.from(y.dataSync()) };
    });
  } finally {
    model.dispose();
  }
  return result!;
}
