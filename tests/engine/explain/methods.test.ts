import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { prepare, explainImage, toInput, featureMaps } from '../../../electron/engine/explain/explain.js';
import { gradCam, gridGeometry, integratedGradients, smoothGrad, EXPLAIN_METHODS, IG_STEPS } from '../../../electron/engine/explain/methods.js';
import { mulberry32 } from '../../../electron/engine/data/rng.js';
import { inRegion, massShare, regionDenseModel, stripeImage, stripeModel } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const flat = (rows: number[][]) => rows.flat();

describe('maps of a model whose answer depends on one region', () => {
  const image = stripeImage();
  it.each(EXPLAIN_METHODS)('%s puts the map on the striped region for the stripe class (conv model)', (method) => {
    const e = prepare(stripeModel());
    const r = explainImage(e, image, { method, classes: [0] });
    const map = flat(r.maps[0].heatmap);
    expect(map.every((v) => v >= 0)).toBe(true);
    expect(map.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // The region (with the one-pixel rim the 3×3 kernel sees) is 100 of 784 pixels (13 %); the map sits inside it.
    // SmoothGrad's noise now and then fires the stripe detector on the grey, so it is allowed a little spill.
    expect(massShare(map, (p) => inRegion(p, 1))).toBeGreaterThan(method === 'smoothgrad' ? 0.9 : 0.95);
  });

  it.each(EXPLAIN_METHODS.filter((m) => m !== 'gradcam'))('%s puts the map on the region for a dense model', (method) => {
    const e = prepare(regionDenseModel());
    const r = explainImage(e, image, { method, classes: [0] });
    expect(massShare(flat(r.maps[0].heatmap), (p) => inRegion(p))).toBeGreaterThan(0.99);
  });

  it('the brightness class spreads its Grad-CAM over the whole image instead', () => {
    const e = prepare(stripeModel());
    const r = explainImage(e, image, { method: 'gradcam', classes: [1] });
    expect(massShare(flat(r.maps[0].heatmap), (p) => inRegion(p, 1))).toBeLessThan(0.3);
  });
});

describe('Grad-CAM', () => {
  it('matches a manual computation on a tiny model (conv 3×3 valid → flatten → dense)', () => {
    const rng = mulberry32(11);
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'c' }));
    model.add(tf.layers.flatten({ name: 'f' }));
    model.add(tf.layers.dense({ units: 10, activation: 'softmax', name: 'd' }));
    const k = Float32Array.from({ length: 18 }, () => rng() * 2 - 1);
    const kb = [0.05, -0.02];
    const w = Float32Array.from({ length: 26 * 26 * 2 * 10 }, () => (rng() * 2 - 1) * 0.1);
    model.layers[0].setWeights([tf.tensor4d(k, [3, 3, 1, 2]), tf.tensor1d(kb)]);
    model.layers[2].setWeights([tf.tensor2d(w, [26 * 26 * 2, 10]), tf.zeros([10])]);
    const img = Uint8Array.from({ length: 784 }, () => Math.floor(rng() * 256));
    const x = toInput(img);
    const cls = 3;
    // By hand: A = relu(conv), ∂logit/∂A = the dense column (flatten is linear), α = its mean per channel.
    const A = new Float64Array(26 * 26 * 2);
    for (let r = 0; r < 26; r++) for (let c = 0; c < 26; c++) for (let o = 0; o < 2; o++) {
      let s = kb[o];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += x[(r + i) * 28 + c + j] * k[(i * 3 + j) * 2 + o];
      A[(r * 26 + c) * 2 + o] = Math.max(0, s);
    }
    const alpha = [0, 0];
    for (let p = 0; p < 26 * 26; p++) for (let o = 0; o < 2; o++) alpha[o] += w[(p * 2 + o) * 10 + cls] / (26 * 26);
    const manual = Array.from({ length: 26 * 26 }, (_, p) => Math.max(0, alpha[0] * A[p * 2] + alpha[1] * A[p * 2 + 1]));
    const e = prepare(model);
    const r = gradCam(e.chain, e.inputShape, x, { cls, versus: null });
    expect(r.coarse!.height).toBe(26);
    manual.forEach((v, p) => expect(r.coarse!.values[p]).toBeCloseTo(v, 4));
    // Upsampling: a valid 3×3 conv centres unit j on pixel j + 1, so pixel p takes unit p − 1 (clamped at the edges).
    for (const [dr, dc] of [[0, 0], [5, 17], [27, 27], [13, 2], [1, 26]]) {
      const u = (p: number) => Math.min(25, Math.max(0, p - 1));
      expect(r.heatmap[dr * 28 + dc]).toBeCloseTo(manual[u(dr) * 26 + u(dc)], 4);
    }
  });

  it('places each unit over the centre of its receptive field (seed CNN layout)', () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 1, kernelSize: 3, name: 'c1' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'p1' }));
    model.add(tf.layers.conv2d({ filters: 1, kernelSize: 3, name: 'c2' }));
    model.add(tf.layers.conv2d({ filters: 1, kernelSize: 5, padding: 'same', strides: 2, name: 'c3' }));
    const { chain } = prepare(model);
    expect(gridGeometry(chain, 0)).toEqual({ start: 1, jump: 1 });
    expect(gridGeometry(chain, 1)).toEqual({ start: 1.5, jump: 2 });
    // conv2d_1 of the seed CNN: 11×11 units centred on pixels 3.5, 5.5, …, 23.5.
    expect(gridGeometry(chain, 2)).toEqual({ start: 3.5, jump: 2 });
    // 'same' 5×5 stride 2 on 11: output 6, total padding 4, 2 before: the first unit sits over input unit 0.
    expect(gridGeometry(chain, 3)).toEqual({ start: 3.5, jump: 4 });
  });

  it('refuses a model without convolutions, pointing to saliency', () => {
    const e = prepare(regionDenseModel());
    expect(() => explainImage(e, stripeImage(), { method: 'gradcam' })).toThrow(/needs a convolutional layer.*saliency/);
  });

  it('names the conv layers when the layer asked for is not one', () => {
    const e = prepare(stripeModel());
    expect(() => explainImage(e, stripeImage(), { method: 'gradcam', layer: 'gap' })).toThrow(/"gap" is not a convolutional layer.*conv layers are: conv_a/);
    expect(() => explainImage(e, stripeImage(), { method: 'gradcam', layer: 'nope' })).toThrow(/conv_a/);
  });

  it('a contrast map is ReLU of the difference of the two classes\' weighted activations', () => {
    const e = prepare(stripeModel());
    const r = explainImage(e, stripeImage(), { method: 'gradcam', classes: [0, 1], contrast: true });
    expect(r.maps.map((m) => [m.cls, m.versus])).toEqual([[0, null], [1, null], [0, 1]]);
    // Class 1 reads only brightness (channel 1), class 0 only stripes: A − B is the stripe map where it beats brightness.
    expect(massShare(flat(r.maps[2].heatmap), (p) => inRegion(p, 1))).toBeGreaterThan(0.95);
  });
});

describe('integrated gradients', () => {
  it(`is complete: Σ attributions ≈ f(x) − f(black) with ${IG_STEPS} steps`, () => {
    const rng = mulberry32(5);
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: tf.initializers.constant({ value: 0.1 }) }));
    model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
    const e = prepare(model);
    const errors: number[] = [];
    for (let t = 0; t < 3; t++) {
      const x = Float32Array.from({ length: 784 }, () => rng());
      for (const cls of [0, 4]) {
        const r = integratedGradients(e.chain, e.inputShape, x, { cls, versus: null });
        errors.push(Math.abs(r.attributionSum! - r.scoreDelta!) / Math.max(1e-6, Math.abs(r.scoreDelta!)));
      }
    }
    console.log(`IG completeness relative error (random CNN, ${IG_STEPS} steps): max ${Math.max(...errors).toExponential(2)}`);
    // A ReLU network's gradient jumps along the path; the paper asks for completeness within 5 %.
    expect(Math.max(...errors)).toBeLessThan(0.05);
  });
});

describe('SmoothGrad', () => {
  it('is deterministic for the same seed and changes with the seed', () => {
    const e = prepare(stripeModel());
    const x = toInput(stripeImage());
    const a = smoothGrad(e.chain, e.inputShape, x, { cls: 0, versus: null }, { seed: 3 });
    const b = smoothGrad(e.chain, e.inputShape, x, { cls: 0, versus: null }, { seed: 3 });
    const c = smoothGrad(e.chain, e.inputShape, x, { cls: 0, versus: null }, { seed: 4 });
    expect(Array.from(a.heatmap)).toEqual(Array.from(b.heatmap));
    expect(Array.from(a.heatmap)).not.toEqual(Array.from(c.heatmap));
  });
});

describe('feature maps', () => {
  it('gives every layer\'s activations, statistics and the first conv layer\'s filters', () => {
    const e = prepare(stripeModel());
    const f = featureMaps(e, stripeImage());
    expect(f.layers.map((l) => l.name)).toEqual(['conv_a', 'gap', 'out']);
    expect(f.layers[0].shape).toEqual([26, 26, 2]);
    expect(f.layers[0].channels).toHaveLength(2);
    // The stripe channel is silent on the flat grey: most of it is zero.
    const stripe = f.layers[0].channels![0];
    expect(stripe.filter((v) => v === 0).length / stripe.length).toBeGreaterThan(0.85);
    expect(f.layers[0].zeroShare).toBeGreaterThan(0.4);
    expect(f.layers[1].channels).toBeNull();
    expect(f.filters?.layer).toBe('conv_a');
    expect(f.filters?.kernels[0]).toEqual([0, 0, 0, -1, 2, -1, 0, 0, 0]);
  });
});
