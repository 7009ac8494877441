// Builds a tfjs Sequential model from a validated spec (engine layer); shapes and params agree with inferShapes.
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../../shared/spec.js';
import { inferShapes, validateModelSpec } from '../../../shared/model/inferShapes.js';
import { buildLayer } from './layerBuilders.js';
import { isChain } from '../../../shared/model/graph.js';
import { buildGraphModel } from './buildGraph.js';

/**
 * Validates `spec` (throws SpecError listing every issue) and builds an uncompiled model.
 * Layer i's kernel is glorotUniform(seed + i) and biases start at zero, so the same seed gives the same weights;
 * a Dropout at index i draws its training masks from (seed + i, step), so a rebuilt model repeats them.
 */
export function buildModel(spec: ModelSpec, seed: number): tf.LayersModel {
  const parsed = validateModelSpec(spec);
  const report = inferShapes(parsed);
  // A chain stays a tf.Sequential built exactly as before; named branches and merges take the functional API.
  const model = isChain(parsed.layers) ? tf.sequential({ name: modelName(parsed.name) }) : buildGraphModel(parsed, report, seed, modelName(parsed.name));
  if (model instanceof tf.Sequential) {
    parsed.layers.forEach((layer, i) => {
      model.add(buildLayer(layer, {
        name: report.layers[i].name,
        seed: seed + i,
        inputShape: i === 0 ? [...parsed.inputShape] : undefined,
      }));
    });
  }
  // A mismatch means a layer kind and its builder disagree: a bug here, not in the user's spec.
  if (model.countParams() !== report.totalParams) {
    throw new Error(`internal error: tfjs built ${model.countParams()} params but inferShapes counted ${report.totalParams} for "${parsed.name}"`);
  }
  return model;
}

/** tfjs uses the model name in saved topology only; keep it a plain identifier so every loader accepts it. */
function modelName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 64) || 'model';
}
