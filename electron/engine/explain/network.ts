// Engine/explain: a stored model seen as its layers in topological order, each with the indices of the layers it
// reads, so a method can run the network by hand, replace one layer's output and go on from there, and read class
// scores before the softmax (the logits every method differentiates). A Sequential model is the special case where
// every layer reads the one before it; a functional ("graph") model may branch and merge (Add, Concatenate).
import * as tf from '@tensorflow/tfjs';
import { ExplainError } from './errors.js';

/** The model input in ChainLayer.inputs. */
export const MODEL_INPUT = -1;

export interface ChainLayer {
  name: string;
  className: string;
  layer: tf.layers.Layer;
  /** Indices of the layers whose outputs this layer takes, in order (MODEL_INPUT for the model input). */
  inputs: number[];
}

/**
 * The model's layers in topological order (no InputLayer), the output layer last. Refuses models with several inputs
 * or outputs and layers used more than once (shared layers), which no spec builds.
 */
export function chainOf(model: tf.LayersModel): ChainLayer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ExplainError(`the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs: explanations need one image in and one set of class scores out`, 'model');
  }
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  if (layers.length === 0) throw new ExplainError('the model has no layers', 'model');
  const index = new Map(layers.map((l, i) => [l, i]));
  const inbound = layers.map((l) => {
    if (l.inboundNodes.length !== 1) throw new ExplainError(`layer "${l.name}" is used ${l.inboundNodes.length} times in the model: explanations need every layer applied once`, 'model');
    return l.inboundNodes[0].inboundLayers.map((src) => {
      if (src.getClassName() === 'InputLayer') return MODEL_INPUT;
      const j = index.get(src);
      if (j === undefined) throw new ExplainError(`layer "${l.name}" reads "${src.name}", which is not a layer of this model`, 'model');
      return j;
    });
  });
  // Depth-first topological order, following the model's own order (already topological in tfjs) wherever it can.
  const order: number[] = [];
  const state = new Uint8Array(layers.length); // 0 unseen, 1 on the stack, 2 placed
  const visit = (i: number) => {
    if (state[i] === 2) return;
    if (state[i] === 1) throw new ExplainError(`layer "${layers[i].name}" is part of a cycle`, 'model');
    state[i] = 1;
    for (const j of inbound[i]) if (j !== MODEL_INPUT) visit(j);
    state[i] = 2;
    order.push(i);
  };
  layers.forEach((_, i) => visit(i));
  const position = new Map(order.map((i, k) => [i, k]));
  const chain = order.map((i) => ({
    name: layers[i].name, className: layers[i].getClassName(), layer: layers[i],
    inputs: inbound[i].map((j) => (j === MODEL_INPUT ? MODEL_INPUT : position.get(j)!)),
  }));
  const output = model.outputs[0].sourceLayer;
  if (chain[chain.length - 1].layer !== output) {
    throw new ExplainError(`the model's output layer "${output.name}" is not its last layer`, 'model');
  }
  return chain;
}

/** True when every layer reads only the one before it (a Sequential model, or a functional one that is a chain). */
export function isSequential(chain: readonly ChainLayer[]): boolean {
  return chain.every((l, i) => l.inputs.length === 1 && l.inputs[0] === i - 1);
}

/** Layers Grad-CAM can look at: convolutions whose output keeps the image's rows and columns. */
export const CONV_CLASSES = ['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D'] as const;
export const isConv = (l: ChainLayer) => (CONV_CLASSES as readonly string[]).includes(l.className);
/** Layers whose channels are shown as images in the feature maps: convolutions, pooling and padding. */
export const isFeatureMapLayer = (l: ChainLayer) => /^(Conv2D|SeparableConv2D|DepthwiseConv2D|MaxPooling2D|AveragePooling2D|ZeroPadding2D)$/.test(l.className);

function applyLayer(l: ChainLayer, args: tf.Tensor[]): tf.Tensor {
  return l.layer.apply(args.length === 1 ? args[0] : args, { training: false }) as tf.Tensor;
}

/** Every layer's output for input `x`, in inference mode (Dropout off, BatchNormalization on its moving statistics). */
export function forwardAll(chain: readonly ChainLayer[], x: tf.Tensor, upTo = chain.length): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (let i = 0; i < upTo; i++) out.push(applyLayer(chain[i], chain[i].inputs.map((j) => (j === MODEL_INPUT ? x : out[j]))));
  return out;
}

/**
 * Layer `to`'s input tensors when layer `at`'s output is replaced by `value`: the layers that depend on `at` are run
 * again from `value`; all others keep their outputs in `acts` (constants to a gradient taken with respect to `value`).
 * For a chain this is layers at+1 … to−1 applied one after another to `value`.
 */
function inputsOfFrom(chain: readonly ChainLayer[], acts: readonly tf.Tensor[] | null, x: tf.Tensor | null, at: number, value: tf.Tensor, to: number): tf.Tensor[] {
  const out: (tf.Tensor | undefined)[] = [];
  out[at] = value;
  const dependsOnAt = new Uint8Array(chain.length);
  dependsOnAt[at] = 1;
  const get = (j: number): tf.Tensor => {
    if (j === MODEL_INPUT) {
      if (!x) throw new Error('internal error: the model input is needed but was not given');
      return x;
    }
    const v = out[j] ?? acts?.[j];
    if (!v) throw new Error(`internal error: layer ${j}'s output is needed before it was computed`);
    return v;
  };
  for (let i = at + 1; i < to; i++) {
    if (!chain[i].inputs.some((j) => j !== MODEL_INPUT && dependsOnAt[j])) continue;
    dependsOnAt[i] = 1;
    out[i] = applyLayer(chain[i], chain[i].inputs.map(get));
  }
  return chain[to].inputs.map(get);
}

/**
 * Runs layers [from, to) in inference mode, where `x` is the output of layer from−1 (the model input when from = 0).
 * In a graph, the layers after `from` that do not depend on layer from−1 need `acts` (every layer's output for the
 * same image, from forwardAll); in a chain they never occur.
 */
export function applyRange(chain: readonly ChainLayer[], x: tf.Tensor, from: number, to: number, acts: readonly tf.Tensor[] | null = null): tf.Tensor {
  if (to <= from) return x;
  if (from === 0) return forwardAll(chain, x, to)[to - 1];
  const ins = inputsOfFrom(chain, acts, null, from - 1, x, to - 1);
  return applyLayer(chain[to - 1], ins);
}

/**
 * Class scores before the softmax, with `x` the output of layer from−1 (the model input when from = 0): the last
 * layer is applied without its activation when that activation is a softmax (a Dense layer, as every spec ends); any
 * other last layer's output is taken as the score. `acts` as in applyRange, for graphs when from > 0.
 */
export function logitsFrom(chain: readonly ChainLayer[], x: tf.Tensor, from: number, acts: readonly tf.Tensor[] | null = null): tf.Tensor2D {
  const lastIndex = chain.length - 1;
  const last = chain[lastIndex];
  let ins: tf.Tensor[];
  if (from === 0) {
    const all = forwardAll(chain, x, lastIndex);
    ins = last.inputs.map((j) => (j === MODEL_INPUT ? x : all[j]));
  } else if (from > lastIndex) {
    throw new Error('internal error: logits asked for after the last layer');
  } else {
    ins = inputsOfFrom(chain, acts, null, from - 1, x, lastIndex);
  }
  const config = last.layer.getConfig() as { activation?: string; useBias?: boolean };
  if (last.className === 'Dense' && config.activation === 'softmax' && ins.length === 1) {
    const [kernel, bias] = last.layer.getWeights();
    const z = tf.matMul(ins[0] as tf.Tensor2D, kernel as tf.Tensor2D);
    return (config.useBias !== false && bias ? tf.add(z, bias) : z) as tf.Tensor2D;
  }
  return applyLayer(last, ins) as tf.Tensor2D;
}

/** A scalar target per batch row: score of `cls`, minus the score of `versus` for a contrast ("why A and not B"). */
export function targetScore(logits: tf.Tensor2D, cls: number, versus: number | null): tf.Tensor1D {
  const n = logits.shape[1];
  const oneHot = new Float32Array(n);
  oneHot[cls] = 1;
  if (versus !== null) oneHot[versus] -= 1;
  return tf.matMul(logits, tf.tensor2d(oneHot, [n, 1])).reshape([-1]) as tf.Tensor1D;
}
