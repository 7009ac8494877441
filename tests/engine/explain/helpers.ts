// Test helpers for explanations: hand-built models with known answers, and rank correlation for map comparisons.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../../electron/engine/data/rng.js';

/** Rows 6–13, columns 6–13: the region the stripe model's class 0 looks at. */
export const REGION = { r0: 6, r1: 14, c0: 6, c1: 14 };

export function inRegion(p: number, margin = 0): boolean {
  const r = Math.floor(p / 28);
  const c = p % 28;
  return r >= REGION.r0 - margin && r < REGION.r1 + margin && c >= REGION.c0 - margin && c < REGION.c1 + margin;
}

/** A flat 0.6 grey image with vertical stripes (columns alternately 1 and 0) inside REGION. */
export function stripeImage(): Uint8Array {
  const img = new Uint8Array(784).fill(153);
  for (let p = 0; p < 784; p++) if (inRegion(p)) img[p] = (p % 28) % 2 === 0 ? 255 : 0;
  return img;
}

/**
 * Conv 3×3 'valid' (no zero padding, so the image border is no edge) with two channels — 0: a horizontal second-difference (stripe) detector with bias −1, silent on
 * flat areas and on SmoothGrad's noise; 1: a 3×3 mean (brightness) — then global average pooling and Dense 10 softmax. Class 0 reads only the
 * stripe channel, class 1 only brightness: class 0's answer depends on the striped region alone.
 */
export function stripeModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, padding: 'valid', activation: 'relu', name: 'conv_a' }));
  model.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', name: 'out' }));
  const k = new Float32Array(3 * 3 * 1 * 2);
  const set = (r: number, c: number, o: number, v: number) => { k[(r * 3 + c) * 2 + o] = v; };
  set(1, 0, 0, -1); set(1, 1, 0, 2); set(1, 2, 0, -1);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) set(r, c, 1, 1 / 9);
  const dense = new Float32Array(2 * 10);
  dense[0 * 10 + 0] = 40; // stripe channel → class 0
  dense[1 * 10 + 1] = 5; // brightness → class 1
  model.layers[0].setWeights([tf.tensor4d(k, [3, 3, 1, 2]), tf.tensor1d([-1, 0])]);
  model.layers[2].setWeights([tf.tensor2d(dense, [2, 10]), tf.zeros([10])]);
  return model;
}

/** Dense-only counterpart: class 0 = Σ of the REGION's pixels (weights zero elsewhere), through one ReLU layer. */
export function regionDenseModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [784], units: 4, activation: 'relu', name: 'hidden' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', name: 'out' }));
  const w1 = new Float32Array(784 * 4);
  for (let p = 0; p < 784; p++) {
    if (inRegion(p)) w1[p * 4 + 0] = 0.1;
    w1[p * 4 + 1] = 0.01;
  }
  const w2 = new Float32Array(4 * 10);
  w2[0 * 10 + 0] = 3;
  w2[1 * 10 + 1] = 3;
  model.layers[0].setWeights([tf.tensor2d(w1, [784, 4]), tf.zeros([4])]);
  model.layers[1].setWeights([tf.tensor2d(w2, [4, 10]), tf.zeros([10])]);
  return model;
}

export function massShare(map: ArrayLike<number>, pick: (p: number) => boolean): number {
  let inside = 0;
  let all = 0;
  for (let p = 0; p < map.length; p++) {
    all += map[p];
    if (pick(p)) inside += map[p];
  }
  return all > 0 ? inside / all : 0;
}

function ranks(a: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: a.length }, (_, i) => i).sort((x, y) => a[x] - a[y]);
  const r = new Float64Array(a.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && a[idx[j + 1]] === a[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2; // ties share their mean rank
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson on ranks, ties averaged). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const ma = ra.reduce((s, v) => s + v, 0) / n;
  const mb = rb.reduce((s, v) => s + v, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (ra[i] - ma) * (rb[i] - mb);
    va += (ra[i] - ma) ** 2;
    vb += (rb[i] - mb) ** 2;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/** Replaces one layer's weights with seeded uniform noise of the same scale (Adebayo et al.'s randomisation). */
export function randomiseLayer(layer: tf.layers.Layer, seed: number): void {
  const rng = mulberry32(seed);
  layer.setWeights(layer.getWeights().map((w) => {
    const v = w.dataSync();
    let scale = 0;
    for (const x of v) scale = Math.max(scale, Math.abs(x));
    scale ||= 0.05;
    return tf.tensor(Float32Array.from(v, () => (rng() * 2 - 1) * scale), w.shape);
  }));
}
