// Engine/explain: answers an explanation request for one image of a loaded model (probabilities, the maps asked
// for, the conv layers on offer) and reads a layer-by-layer picture of its activations (feature maps).
import * as tf from '@tensorflow/tfjs';
import { IMAGE_PIXELS, IMAGE_SIZE, NUM_CLASSES } from '../../../shared/classes.js';
import type { ExplainMap, ExplainMethodName, LayerActivation } from '../../../shared/explain.js';
import { ExplainError } from './errors.js';
import { chainOf, forwardAll, isFeatureMapLayer, type ChainLayer } from './network.js';
import { convLayerNames, resolveConvLayer, runMethod, type Target, type MethodOptions, type MapResult } from './methods.js';

/** A stored model prepared for explanation. */
export interface Explainable {
  model: tf.LayersModel;
  chain: ChainLayer[];
  inputShape: (number | null)[];
}

export function prepare(model: tf.LayersModel): Explainable {
  return { model, chain: chainOf(model), inputShape: model.inputs[0].shape };
}

/** 784 uint8 pixels → floats in [0, 1], as training fed them. */
export function toInput(pixels: Uint8Array): Float32Array {
  if (pixels.length !== IMAGE_PIXELS) throw new ExplainError(`an image has ${IMAGE_PIXELS} pixels, got ${pixels.length}`, 'image');
  return Float32Array.from(pixels, (v) => v / 255);
}

export function probabilities(e: Explainable, x: Float32Array): number[] {
  const per = e.inputShape.slice(1).map((d) => d ?? 1);
  return tf.tidy(() => Array.from((e.model.predict(tf.tensor(x, [1, ...per])) as tf.Tensor).dataSync()));
}

export function to28(values: Float32Array): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < IMAGE_SIZE; r++) rows.push(Array.from(values.subarray(r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE), (v) => (v > 0 && Number.isFinite(v) ? v : 0)));
  return rows;
}

export interface ExplainOptions extends MethodOptions {
  method: ExplainMethodName;
  /** Classes to explain; empty = the predicted one. */
  classes?: readonly number[];
  /** With two classes: also logit[A] − logit[B]. */
  contrast?: boolean;
  /** With no classes: the k most probable ones. */
  top?: number;
}

export interface ImageExplanation {
  probabilities: number[];
  predicted: number;
  method: ExplainMethodName;
  layer: string | null;
  convLayers: string[];
  maps: ExplainMap[];
  /** Per map, what the method computed beyond the heatmap (IG completeness, Grad-CAM's coarse map). */
  details: MapResult[];
}

export function explainImage(e: Explainable, pixels: Uint8Array, opts: ExplainOptions): ImageExplanation {
  const x = toInput(pixels);
  const probs = probabilities(e, x);
  if (probs.length !== NUM_CLASSES) throw new ExplainError(`the model outputs ${probs.length} values, not one per class (${NUM_CLASSES})`, 'model');
  const predicted = probs.indexOf(Math.max(...probs));
  const ranked = probs.map((p, k) => ({ p, k })).sort((a, b) => b.p - a.p || a.k - b.k).map((r) => r.k);
  const classes = opts.classes && opts.classes.length > 0 ? [...opts.classes] : ranked.slice(0, opts.top ?? 1);
  for (const c of classes) if (!Number.isInteger(c) || c < 0 || c >= NUM_CLASSES) throw new ExplainError(`class ${c} is not one of 0–${NUM_CLASSES - 1}`, 'class');
  if (opts.contrast && classes.length !== 2) throw new ExplainError(`a contrast ("why A and not B") needs exactly two classes, got ${classes.length}`, 'classes');
  const layer = opts.method === 'gradcam' ? e.chain[resolveConvLayer(e.chain, opts.layer)].name : null;
  const targets: Target[] = classes.map((cls) => ({ cls, versus: null }));
  if (opts.contrast) targets.push({ cls: classes[0], versus: classes[1] });
  const details = targets.map((t) => runMethod(opts.method, e.chain, e.inputShape, x, t, { ...opts, layer }));
  return {
    probabilities: probs,
    predicted,
    method: opts.method,
    layer,
    convLayers: convLayerNames(e.chain),
    maps: targets.map((t, i) => ({ cls: t.cls, versus: t.versus, heatmap: to28(details[i].heatmap) })),
    details,
  };
}

const MAX_CHANNELS = 64;

/**
 * Every layer's output for the image in topological order (channels of conv, pooling and padding layers as images,
 * mean and share of zeros for all), and the first Conv2D layer's filters.
 */
export function featureMaps(e: Explainable, pixels: Uint8Array): { layers: LayerActivation[]; filters: { layer: string; height: number; width: number; kernels: number[][] } | null } {
  const x = toInput(pixels);
  const per = e.inputShape.slice(1).map((d) => d ?? 1);
  const out: LayerActivation[] = [];
  tf.tidy(() => {
    const acts = forwardAll(e.chain, tf.tensor(x, [1, ...per]));
    e.chain.forEach((l, i) => {
      const h = acts[i];
      const v = h.dataSync() as Float32Array;
      let sum = 0;
      let zeros = 0;
      for (const a of v) {
        sum += a;
        if (a === 0) zeros++;
      }
      const shape = h.shape.slice(1);
      let channels: number[][] | null = null;
      if (isFeatureMapLayer(l) && shape.length === 3) {
        const [hh, ww, c] = shape;
        channels = [];
        for (let k = 0; k < Math.min(c, MAX_CHANNELS); k++) {
          const img = new Array<number>(hh * ww);
          for (let p = 0; p < hh * ww; p++) img[p] = v[p * c + k];
          channels.push(img);
        }
      }
      out.push({ name: l.name, className: l.className, shape, mean: sum / v.length, zeroShare: zeros / v.length, channels });
    });
  });
  // A SeparableConv2D's or DepthwiseConv2D's first weight is a per-channel kernel, not filters over the image.
  const first = e.chain.find((l) => l.className === 'Conv2D');
  let filters = null;
  if (first) {
    const kernel = first.layer.getWeights()[0]; // [kh, kw, in, out]
    const [kh, kw, cin, cout] = kernel.shape;
    const k = kernel.dataSync();
    const kernels: number[][] = [];
    for (let o = 0; o < cout; o++) {
      const img = new Array<number>(kh * kw).fill(0);
      for (let p = 0; p < kh * kw; p++) for (let ci = 0; ci < cin; ci++) img[p] += k[(p * cin + ci) * cout + o] / cin;
      kernels.push(img);
    }
    filters = { layer: first.name, height: kh, width: kw, kernels: kernels.slice(0, 512) };
  }
  return { layers: out, filters };
}
