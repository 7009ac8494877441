// Explanations of graph models (tf.model with a residual Add, SeparableConv2D, LayerNormalization): the network walk,
// Grad-CAM on any conv-like layer, gradient methods, receptive-field placement through merges, feature maps.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../electron/engine/models/build.js';
import { prepare, explainImage, featureMaps, toInput } from '../../../electron/engine/explain/explain.js';
import { gradCam, gridGeometry, integratedGradients, saliency, IG_STEPS, EXPLAIN_METHODS } from '../../../electron/engine/explain/methods.js';
import { MODEL_INPUT, forwardAll, isSequential, logitsFrom, targetScore } from '../../../electron/engine/explain/network.js';
import { mulberry32 } from '../../../electron/engine/data/rng.js';
import type { ModelSpecInput } from '../../../shared/spec.js';
import { inRegion, massShare, stripeImage } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The residual example of the model editor. */
const RESIDUAL: ModelSpecInput = {
  name: 'residual example',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', name: 'c1', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'Conv2D', name: 'c2', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'Add', inputs: ['c1', 'c2'] },
    { type: 'SeparableConv2D', filters: 32, kernelSize: 3, activation: 'relu' },
    { type: 'LayerNormalization' },
    { type: 'GlobalMaxPooling2D' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

const residual = (seed = 3) => buildModel(RESIDUAL as never, seed);

const byClass = (m: tf.LayersModel, cls: string) => m.layers.find((l) => l.getClassName() === cls)!;

/**
 * The residual example with hand-set weights whose class 0 depends on the striped region alone: c1's channel 0 is the
 * stripe detector of helpers.stripeModel (silent on flat grey and on the zero-padded border), c2 is all zeros (so
 * Add passes c1 on), the SeparableConv2D copies channel 0 from its centre tap, LayerNormalization keeps channel 0
 * only (gamma e₀), and the Dense reads that channel for class 0.
 */
function stripeResidual(): tf.LayersModel {
  const model = residual();
  const k1 = new Float32Array(3 * 3 * 1 * 16);
  k1[(1 * 3 + 0) * 16] = -1; k1[(1 * 3 + 1) * 16] = 2; k1[(1 * 3 + 2) * 16] = -1;
  const b1 = new Float32Array(16); b1[0] = -1;
  model.getLayer('c1').setWeights([tf.tensor4d(k1, [3, 3, 1, 16]), tf.tensor1d(b1)]);
  model.getLayer('c2').setWeights([tf.zeros([3, 3, 16, 16]), tf.zeros([16])]);
  const depth = new Float32Array(3 * 3 * 16); depth[(1 * 3 + 1) * 16 + 0] = 1;
  const point = new Float32Array(16 * 32); point[0] = 1;
  byClass(model, 'SeparableConv2D').setWeights([tf.tensor4d(depth, [3, 3, 16, 1]), tf.tensor4d(point, [1, 1, 16, 32]), tf.zeros([32])]);
  const gamma = new Float32Array(32); gamma[0] = 1;
  byClass(model, 'LayerNormalization').setWeights([tf.tensor1d(gamma), tf.zeros([32])]);
  const dense = new Float32Array(32 * 10); dense[0] = 1;
  byClass(model, 'Dense').setWeights([tf.tensor2d(dense, [32, 10]), tf.zeros([10])]);
  return model;
}

describe('the network of a graph model', () => {
  it('lists the layers in topological order with the layers each reads', () => {
    const e = prepare(residual());
    expect(isSequential(e.chain)).toBe(false);
    expect(e.chain.map((l) => l.className)).toEqual(['Conv2D', 'Conv2D', 'Add', 'SeparableConv2D', 'LayerNormalization', 'GlobalMaxPooling2D', 'Dense']);
    expect(e.chain.map((l) => l.inputs)).toEqual([[MODEL_INPUT], [0], [0, 1], [2], [3], [4], [5]]);
  });

  it('a Sequential model is the chain it always was', () => {
    const e = prepare(buildModel({ name: 's', inputShape: [784], layers: [{ type: 'Dense', units: 4, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] } as never, 1));
    expect(isSequential(e.chain)).toBe(true);
  });
});

describe('maps of a graph model whose answer depends on one region', () => {
  const image = stripeImage();

  it('the hand-set model answers class 0 from the stripes', () => {
    const e = prepare(stripeResidual());
    const r = explainImage(e, image, { method: 'saliency', classes: [0] });
    expect(r.predicted).toBe(0);
  });

  it.each(EXPLAIN_METHODS)('%s puts the map on the striped region', (method) => {
    const e = prepare(stripeResidual());
    const r = explainImage(e, image, { method, classes: [0] });
    const map = r.maps[0].heatmap.flat();
    expect(map.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    expect(map.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(massShare(map, (p) => inRegion(p, 1))).toBeGreaterThan(method === 'smoothgrad' ? 0.9 : 0.95);
  });

  it('Grad-CAM: the default is the last conv-like layer (SeparableConv2D); c1 and c2 can be asked for; all conv layers are offered', () => {
    const e = prepare(stripeResidual());
    const r = explainImage(e, image, { method: 'gradcam', classes: [0] });
    expect(r.layer).toBe(e.chain[3].name);
    expect(r.convLayers).toEqual(['c1', 'c2', e.chain[3].name]);
    const x = toInput(image);
    const atC1 = gradCam(e.chain, e.inputShape, x, { cls: 0, versus: null }, { layer: 'c1' });
    const atSep = r.details[0];
    expect(atC1.coarse!.height).toBe(28);
    expect(atSep.coarse!.height).toBe(26);
    // c1 is 'same': unit (i, j) sits on pixel (i, j), so the heatmap is the coarse map itself.
    expect(Array.from(atC1.heatmap)).toEqual(Array.from(atC1.coarse!.values));
    // The separable conv is 3×3 'valid' after the Add of two 'same' convs: unit (i, j) sits on pixel (i + 1, j + 1).
    for (const [r0, c0] of [[5, 7], [10, 10], [13, 12], [20, 3]]) {
      expect(atSep.heatmap[r0 * 28 + c0]).toBeCloseTo(atSep.coarse!.values[(r0 - 1) * 26 + (c0 - 1)], 5);
    }
    expect(massShare(atC1.heatmap, (p) => inRegion(p, 1))).toBeGreaterThan(0.95);
    // c2's weights are zero: the class cannot depend on it, and its map is empty.
    const atC2 = gradCam(e.chain, e.inputShape, x, { cls: 0, versus: null }, { layer: 'c2' });
    expect(atC2.heatmap.every((v) => v === 0)).toBe(true);
    expect(() => explainImage(e, image, { method: 'gradcam', layer: 'add' })).toThrow(/"add" is not a convolutional layer.*c1, c2, separable/);
  });
});

describe('a graph model with seeded weights', () => {
  const rng = mulberry32(9);
  const x = Float32Array.from({ length: 784 }, () => rng());

  it('Grad-CAM at c1 and at the default layer: non-negative, finite, and different maps', () => {
    const e = prepare(residual());
    const last = gradCam(e.chain, e.inputShape, x, { cls: 2, versus: null });
    const first = gradCam(e.chain, e.inputShape, x, { cls: 2, versus: null }, { layer: 'c1' });
    for (const m of [last, first]) {
      expect(m.heatmap).toHaveLength(784);
      expect(m.heatmap.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    }
    expect(last.layer).not.toBe(first.layer);
    expect(Array.from(last.heatmap)).not.toEqual(Array.from(first.heatmap));
  });

  it('Grad-CAM at c1 weighs each channel by its score derivative along both paths (the skip and c2): a finite-difference check', () => {
    const e = prepare(residual());
    const cls = 4;
    const r = gradCam(e.chain, e.inputShape, x, { cls, versus: null }, { layer: 'c1' });
    // α_k = mean over positions of ∂score/∂A_k = d/dε score(A + ε·e_k) / (h·w), with c1's output replaced by A + ε·e_k.
    const manual = tf.tidy(() => {
      const acts = forwardAll(e.chain, tf.tensor(x, [1, 28, 28, 1]), e.chain.length - 1);
      const A = acts[0];
      const score = (shifted: tf.Tensor) => targetScore(logitsFrom(e.chain, shifted, 1, acts), cls, null).dataSync()[0];
      const eps = 1e-2;
      const alpha = Array.from({ length: 16 }, (_, k) => {
        const bump = tf.oneHot([k], 16).reshape([1, 1, 1, 16]).mul(eps);
        return (score(A.add(bump)) - score(A.sub(bump))) / (2 * eps) / (28 * 28);
      });
      return tf.relu(A.mul(tf.tensor(alpha).reshape([1, 1, 1, 16])).sum(-1)).dataSync();
    });
    const scale = Math.max(...manual);
    expect(scale).toBeGreaterThan(0);
    let worst = 0;
    manual.forEach((v, p) => { worst = Math.max(worst, Math.abs(v - r.coarse!.values[p])); });
    expect(worst / scale).toBeLessThan(0.02);
    const sal = saliency(e.chain, e.inputShape, x, { cls, versus: null });
    expect(sal.heatmap.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    expect(sal.heatmap.some((v) => v > 0)).toBe(true);
  });

  it(`integrated gradients are complete: Σ attributions ≈ f(x) − f(black) with ${IG_STEPS} steps`, () => {
    const e = prepare(residual());
    const errors: number[] = [];
    for (let t = 0; t < 1; t++) {
      const img = Float32Array.from({ length: 784 }, () => rng());
      for (const cls of [1, 7]) {
        const r = integratedGradients(e.chain, e.inputShape, img, { cls, versus: null });
        errors.push(Math.abs(r.attributionSum! - r.scoreDelta!) / Math.max(1e-6, Math.abs(r.scoreDelta!)));
      }
    }
    console.log(`IG completeness relative error (residual graph model, ${IG_STEPS} steps): max ${Math.max(...errors).toExponential(2)}`);
    expect(Math.max(...errors)).toBeLessThan(0.05);
  });

  it('the logits the methods differentiate are the softmax\'s input: softmax(logits) = the model\'s output', () => {
    const model = residual();
    const e = prepare(model);
    const batch = tf.tensor(x, [1, 28, 28, 1]);
    const viaLogits = tf.softmax(logitsFrom(e.chain, batch, 0)).dataSync();
    const direct = (model.predict(batch) as tf.Tensor).dataSync();
    direct.forEach((p, k) => expect(viaLogits[k]).toBeCloseTo(p, 6));
  });
});

describe('receptive-field placement through merges', () => {
  it('follows zero padding, and gives up (null: the map is stretched) where a merge joins differently placed grids', () => {
    const input = tf.input({ shape: [28, 28, 1] });
    const a = tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'a' }).apply(input) as tf.SymbolicTensor; // 26, centred on 1
    const padded = tf.layers.zeroPadding2d({ padding: [[2, 0], [0, 2]], name: 'pad' }).apply(input) as tf.SymbolicTensor; // 30
    const b = tf.layers.conv2d({ filters: 2, kernelSize: 5, name: 'b' }).apply(padded) as tf.SymbolicTensor; // 26, rows on 0, cols on 2
    const merged = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const c = tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c' }).apply(merged) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 10, activation: 'softmax', name: 'out' }).apply(tf.layers.flatten().apply(c) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const e = prepare(tf.model({ inputs: input, outputs: out }));
    const at = (name: string) => e.chain.findIndex((l) => l.name === name);
    expect(gridGeometry(e.chain, at('a'))).toEqual({ start: 1, jump: 1 });
    expect(gridGeometry(e.chain, at('b'), 0)).toEqual({ start: 0, jump: 1 });
    expect(gridGeometry(e.chain, at('b'), 1)).toEqual({ start: 2, jump: 1 });
    expect(gridGeometry(e.chain, at('sum'))).toBeNull();
    expect(gridGeometry(e.chain, at('c'))).toBeNull();
    // Grad-CAM still answers there, with the coarse 24×24 map stretched over the image.
    const r = gradCam(e.chain, e.inputShape, toInput(stripeImage()), { cls: 0, versus: null }, { layer: 'c' });
    expect(r.coarse!.height).toBe(24);
    expect(r.heatmap.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
  });
});

describe('feature maps of a graph model', () => {
  it('gives every layer in topological order, with channels for the conv-like layers', () => {
    const e = prepare(residual());
    const f = featureMaps(e, stripeImage());
    expect(f.layers.map((l) => l.className)).toEqual(['Conv2D', 'Conv2D', 'Add', 'SeparableConv2D', 'LayerNormalization', 'GlobalMaxPooling2D', 'Dense']);
    expect(f.layers.map((l) => l.shape)).toEqual([[28, 28, 16], [28, 28, 16], [28, 28, 16], [26, 26, 32], [26, 26, 32], [32], [10]]);
    expect(f.layers.map((l) => l.channels?.length ?? null)).toEqual([16, 16, null, 32, null, null, null]);
    expect(f.layers.every((l) => Number.isFinite(l.mean) && l.zeroShare >= 0 && l.zeroShare <= 1)).toBe(true);
    expect(f.filters?.layer).toBe('c1');
    expect(f.filters?.kernels).toHaveLength(16);
    // The Add's output is c1 + c2 for the image.
    const model = residual();
    const probe = tf.model({ inputs: model.inputs, outputs: [model.getLayer('c1').output as tf.SymbolicTensor, model.getLayer('c2').output as tf.SymbolicTensor] });
    const [o1, o2] = probe.predict(tf.tensor(toInput(stripeImage()), [1, 28, 28, 1])) as tf.Tensor[];
    const sum = o1.add(o2).mean().dataSync()[0];
    expect(f.layers[2].mean).toBeCloseTo(sum, 5);
  });
});

describe('the new layer kinds', () => {
  /** Every new kind in one chain: padding, depthwise conv, leaky and parametric ReLU, spatial dropout, noise. */
  const KINDS: ModelSpecInput = {
    name: 'new kinds',
    inputShape: [28, 28, 1],
    layers: [
      { type: 'GaussianNoise', stddev: 0.1 },
      { type: 'ZeroPadding2D', padding: [[2, 0], [0, 2]] },
      { type: 'Conv2D', filters: 4, kernelSize: 5 },
      { type: 'LeakyReLU' },
      { type: 'DepthwiseConv2D', kernelSize: 3, depthMultiplier: 2, padding: 'same' },
      { type: 'PReLU' },
      { type: 'SpatialDropout2D', rate: 0.3 },
      { type: 'LayerNormalization' },
      { type: 'GlobalMaxPooling2D' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  };

  it.each(EXPLAIN_METHODS)('%s answers a finite, non-negative map in inference mode (noise and dropout off)', (method) => {
    const e = prepare(buildModel(KINDS as never, 2));
    const a = explainImage(e, stripeImage(), { method, classes: [3], steps: 16, samples: 4 });
    const b = explainImage(e, stripeImage(), { method, classes: [3], steps: 16, samples: 4 });
    const map = a.maps[0].heatmap.flat();
    expect(map.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    expect(map.some((v) => v > 0)).toBe(true);
    expect(b.maps).toEqual(a.maps);
    if (method === 'gradcam') expect(a.layer).toBe(e.chain[4].name); // the DepthwiseConv2D, the last conv-like layer
  });

  it('places the depthwise conv\'s units through the zero padding and the 5×5 valid conv', () => {
    const e = prepare(buildModel(KINDS as never, 2));
    // Rows: 2 rows padded on top shift the grid by −2, the 5×5 valid conv by +2: unit i on pixel i. Columns: padded
    // after, so unit j sits on pixel j + 2. The 'same' depthwise conv keeps both.
    expect(gridGeometry(e.chain, 4, 0)).toEqual({ start: 0, jump: 1 });
    expect(gridGeometry(e.chain, 4, 1)).toEqual({ start: 2, jump: 1 });
    const f = featureMaps(e, stripeImage());
    expect(f.layers.find((l) => l.className === 'ZeroPadding2D')!.shape).toEqual([30, 30, 1]);
    expect(f.layers.find((l) => l.className === 'DepthwiseConv2D')!.channels).toHaveLength(8);
  });
});
