// Bench check: a bench model's weights, an input and its eval-mode output on tfjs, for bench/torch_equiv.py to replay in PyTorch.
import * as tf from '@tensorflow/tfjs';
import { analyse } from '../shared/model/analyse.js';
import { resolveGraph } from '../shared/model/graph.js';
import { benchEntry } from './model-set.js';
import { buildBenchModel } from './models.js';

export interface EquivalenceCase {
  model: string;
  spec: unknown;
  layers: Array<{ type: string; weights: Array<{ shape: number[]; data: number[] }>; flattenedFrom?: readonly number[] }>;
  x: number[];
  y: number[];
}

/** Weights that start at a constant (batch-norm statistics, layer-norm gain and offset, PReLU slopes), moved off it. */
const MOVED: ReadonlySet<string> = new Set(['BatchNormalization', 'LayerNormalization', 'PReLU']);

/**
 * Weights that start at a constant are moved off it so that a wrong translation of them shows; the rest is the
 * builder's own seeded initialisation. Layers are listed in spec order (a graph model's tfjs layers are in topological
 * order, behind an input layer), found by the names the engine gave them. Runs on whatever tfjs backend is active.
 */
export function equivalenceCase(name: string, samples = 4): EquivalenceCase {
  const { spec } = benchEntry(name);
  const { report, steps } = analyse(spec);
  const { inbound } = resolveGraph(spec.layers);
  const { model, inputShape } = buildBenchModel(name, 3);
  let result: EquivalenceCase | null = null;
  try {
    tf.tidy(() => {
      const layers = spec.layers.map((specLayer, i) => {
        const layer = model.getLayer(report.layers[i].name);
        let weights = layer.getWeights();
        if (MOVED.has(specLayer.type)) {
          weights = weights.map((t, j) => tf.add(t, tf.randomUniform(t.shape, 0.1, 0.5, 'float32', 7 + j)));
          layer.setWeights(weights);
        }
        const from = inbound[i];
        const prev = from && from.length === 1 && from[0] >= 0 ? spec.layers[from[0]] : undefined;
        return {
          type: specLayer.type,
          weights: weights.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) })),
          ...(specLayer.type === 'Dense' && prev?.type === 'Flatten' ? { flattenedFrom: steps[from![0]].input } : {}),
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
