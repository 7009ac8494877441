// Builds a graph model (named "inputs", Add, Concatenate) with tfjs's functional API (engine layer).
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../../shared/spec.js';
import type { ShapeReport } from '../../../shared/model/report.js';
import { INPUT_INDEX, resolveGraph } from '../../../shared/model/graph.js';
import { buildLayer } from './layerBuilders.js';

/**
 * One symbolic tensor per layer, each layer applied to the tensors its "inputs" name (the previous layer by default);
 * the last layer is the output. Seeds and names follow the sequential builder: layer i draws from seed + i.
 */
export function buildGraphModel(spec: ModelSpec, report: ShapeReport, seed: number, name: string): tf.LayersModel {
  const { inbound } = resolveGraph(spec.layers);
  const input = tf.input({ shape: [...spec.inputShape], name: 'input' });
  const outputs: tf.SymbolicTensor[] = [];
  spec.layers.forEach((layer, i) => {
    const from = inbound[i];
    if (!from) throw new Error(`internal error: layer ${i + 1}'s inputs did not resolve after validation`);
    const args = from.map((j) => (j === INPUT_INDEX ? input : outputs[j]));
    const built = buildLayer(layer, { name: report.layers[i].name, seed: seed + i });
    outputs.push(built.apply(args.length === 1 ? args[0] : args) as tf.SymbolicTensor);
  });
  return tf.model({ inputs: input, outputs: outputs[outputs.length - 1], name });
}
