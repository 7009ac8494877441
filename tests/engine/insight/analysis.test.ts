// Insight on graph models: the embedding's features (the final Dense layer's input) and the dead-ReLU probe.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../electron/engine/models/build.js';
import { evaluate, featureModel, type StoredModel } from '../../../electron/engine/insight/analysis.js';
import { HistogramRecorder } from '../../../electron/engine/insight/histograms.js';
import type { RunConfig } from '../../../shared/run.js';
import type { ModelSpecInput } from '../../../shared/spec.js';
import { mulberry32 } from '../../../electron/engine/data/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const RESIDUAL: ModelSpecInput = {
  name: 'residual example',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', name: 'c1', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'Conv2D', name: 'c2', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'Add', inputs: ['c1', 'c2'] },
    { type: 'SeparableConv2D', filters: 32, kernelSize: 3, activation: 'relu' },
    { type: 'LayerNormalization' },
    { type: 'GlobalMaxPooling2D', name: 'pool' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

/** Two branches concatenated before the final Dense: its input is the Concatenate, not the layer listed before it. */
const BRANCHES: ModelSpecInput = {
  name: 'two branches',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'Conv2D', name: 'a', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'GlobalAveragePooling2D', name: 'ga' },
    { type: 'Conv2D', name: 'b', filters: 6, kernelSize: 5, activation: 'relu', inputs: ['input'] },
    { type: 'GlobalMaxPooling2D', name: 'gb' },
    { type: 'Concatenate', name: 'both', inputs: ['ga', 'gb'] },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};

const images = (n: number, seed: number) => {
  const rng = mulberry32(seed);
  return Uint8Array.from({ length: n * 784 }, () => Math.floor(rng() * 256));
};

function stored(spec: ModelSpecInput): StoredModel {
  const model = buildModel(spec as never, 5);
  const f = featureModel(model)!;
  const config = { id: 'graph', seed: 5, request: { model: { inputShape: spec.inputShape } } } as unknown as RunConfig;
  return { model, config, ...f };
}

describe('the embedding\'s features', () => {
  it('of the residual example: the 32 pooled channels the final Dense reads', () => {
    const m = stored(RESIDUAL);
    expect(m.featureLayer).toBe('pool');
    const n = 7;
    const r = evaluate(m, images(n, 1), Int32Array.from({ length: n }, (_, i) => i));
    expect(r.dims).toBe(32);
    expect(r.features).toHaveLength(n * 32);
    expect(r.features.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < n; i++) expect(r.probs.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // The features are what the Dense turns into the probabilities.
    const [kernel, bias] = m.model.layers[m.model.layers.length - 1].getWeights();
    const again = tf.softmax(tf.tensor2d(r.features, [n, 32]).matMul(kernel).add(bias)).dataSync();
    again.forEach((p, k) => expect(r.probs[k]).toBeCloseTo(p, 5));
  });

  it('of a graph whose final Dense reads a Concatenate of two branches: its 4 + 6 values', () => {
    const m = stored(BRANCHES);
    expect(m.featureLayer).toBe('both');
    expect(evaluate(m, images(3, 2), Int32Array.from([0, 1, 2])).dims).toBe(10);
  });

  it('of a sequential model: the layer before the last, as before', () => {
    const m = stored({ name: 'mlp', inputShape: [784], layers: [{ type: 'Dense', units: 12, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }] });
    expect(m.featureLayer).toBe(m.model.layers[m.model.layers.length - 2].name);
    expect(evaluate(m, images(2, 3), Int32Array.from([0, 1])).dims).toBe(12);
    expect(featureModel(buildModel({ name: 'one', inputShape: [784], layers: [{ type: 'Dense', units: 10, activation: 'softmax' }] } as never, 1))).toBeNull();
  });
});

describe('the dead-ReLU probe on a graph model', () => {
  it('reports each ReLU layer of the residual example; a c2 that never fires is all dead', () => {
    const model = buildModel(RESIDUAL as never, 5);
    model.getLayer('c2').setWeights([tf.zeros([3, 3, 16, 16]), tf.fill([16], -1)]);
    const n = 8;
    const recorder = new HistogramRecorder({
      model, images: images(n, 4), labels: Uint8Array.from({ length: n }, (_, i) => i % 10), train: Int32Array.from({ length: n }, (_, i) => i),
      inputShape: [28, 28, 1], seed: 5, runDir: '/nonexistent',
    });
    try {
      const e = recorder.measure(0);
      const sep = model.layers.find((l) => l.getClassName() === 'SeparableConv2D')!.name;
      expect(e.deadRelu.map((d) => [d.layer, d.units])).toEqual([['c1', 28 * 28 * 16], ['c2', 28 * 28 * 16], [sep, 26 * 26 * 32]]);
      expect(e.deadRelu[1].dead).toBe(28 * 28 * 16);
      expect(e.deadRelu[0].dead).toBeLessThan(28 * 28 * 16);
      // Every trainable tensor of the graph, the separable conv's two kernels included, gets a gradient histogram.
      expect(e.tensors.map((t) => t.layer)).toContain(sep);
      expect(e.tensors.every((t) => Number.isFinite(t.gradNorm))).toBe(true);
    } finally {
      recorder.dispose();
    }
  });
});
