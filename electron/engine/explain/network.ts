// Engine/explain: a stored Sequential model seen as a chain of layers, so a method can stop at a layer and go on from
// there, and read class scores before the softmax (the logits every method differentiates).
import * as tf from '@tensorflow/tfjs';
import { ExplainError } from './errors.js';

export interface ChainLayer {
  name: string;
  className: string;
  layer: tf.layers.Layer;
}

/** The model's layers in order (no InputLayer); refuses graphs that are not a chain. */
export function chainOf(model: tf.LayersModel): ChainLayer[] {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  for (const l of layers) {
    const inbound = l.inboundNodes.reduce((n, node) => n + node.inboundLayers.length, 0);
    if (inbound > 1) throw new ExplainError(`layer "${l.name}" has ${inbound} inputs: explanations need a sequential model (one layer after another)`, 'model');
  }
  if (layers.length === 0) throw new ExplainError('the model has no layers', 'model');
  return layers.map((layer) => ({ name: layer.name, className: layer.getClassName(), layer }));
}

export const isConv = (l: ChainLayer) => l.className === 'Conv2D';
export const isFeatureMapLayer = (l: ChainLayer) => /^(Conv2D|MaxPooling2D|AveragePooling2D)$/.test(l.className);

/** Runs layers [from, to) in inference mode (Dropout off, BatchNormalization on its moving statistics). */
export function applyRange(chain: readonly ChainLayer[], x: tf.Tensor, from: number, to: number): tf.Tensor {
  let h = x;
  for (let i = from; i < to; i++) h = chain[i].layer.apply(h, { training: false }) as tf.Tensor;
  return h;
}

/**
 * Class scores before the softmax: the last layer is applied without its activation when that activation is a
 * softmax (a Dense layer, as every spec ends); any other last layer's output is taken as the score.
 */
export function logitsFrom(chain: readonly ChainLayer[], x: tf.Tensor, from: number): tf.Tensor2D {
  const h = applyRange(chain, x, from, chain.length - 1);
  const last = chain[chain.length - 1];
  const config = last.layer.getConfig() as { activation?: string; useBias?: boolean };
  if (last.className === 'Dense' && config.activation === 'softmax') {
    const [kernel, bias] = last.layer.getWeights();
    const z = tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D);
    return (config.useBias !== false && bias ? tf.add(z, bias) : z) as tf.Tensor2D;
  }
  return last.layer.apply(h, { training: false }) as tf.Tensor2D;
}

/** A scalar target per batch row: score of `cls`, minus the score of `versus` for a contrast ("why A and not B"). */
export function targetScore(logits: tf.Tensor2D, cls: number, versus: number | null): tf.Tensor1D {
  const n = logits.shape[1];
  const oneHot = new Float32Array(n);
  oneHot[cls] = 1;
  if (versus !== null) oneHot[versus] -= 1;
  return tf.matMul(logits, tf.tensor2d(oneHot, [n, 1])).reshape([-1]) as tf.Tensor1D;
}
