// The new layer kinds and graph models as the engine builds them: tfjs agrees with inferShapes, wasm's forward and
// backward equal tfjs's cpu backend, seeded noise repeats, and a saved graph model loads back with the same outputs.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { loadArtifacts, saveArtifacts } from '../../../electron/engine/runs/model.js';
import { inferShapes } from '../../../shared/model/inferShapes.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { expectClose, randomValues } from '../backend/kernels/reference.js';

const OUT = { type: 'Dense', units: 10, activation: 'softmax' } as const;
const conv = (extra: object = {}) => ({ type: 'Conv2D', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', ...extra });
const spec = (layers: object[]): ModelSpec => ({ name: 't', inputShape: [28, 28, 1], layers: [...layers, { type: 'GlobalAveragePooling2D' }, OUT] } as ModelSpec);

const CASES: Record<string, ModelSpec> = {
  DepthwiseConv2D: spec([conv(), { type: 'DepthwiseConv2D', kernelSize: 3, depthMultiplier: 2, strides: 2, activation: 'relu' }]),
  'DepthwiseConv2D dilated': spec([conv(), { type: 'DepthwiseConv2D', kernelSize: 3, dilationRate: 2, padding: 'same' }]),
  'DepthwiseConv2D dilated valid': spec([conv(), { type: 'DepthwiseConv2D', kernelSize: [3, 2], dilationRate: [2, 3], depthMultiplier: 2 }]),
  SeparableConv2D: spec([conv(), { type: 'SeparableConv2D', filters: 6, kernelSize: 3, activation: 'relu' }]),
  'SeparableConv2D dilated': spec([conv(), { type: 'SeparableConv2D', filters: 6, kernelSize: 3, dilationRate: [2, 3], activation: 'elu' }]),
  'Conv2D dilated': spec([conv({ dilationRate: 2 }), conv({ dilationRate: [3, 2], padding: 'valid' })]),
  LayerNormalization: spec([conv(), { type: 'LayerNormalization' }]),
  GlobalMaxPooling2D: { name: 't', inputShape: [28, 28, 1], layers: [conv(), { type: 'GlobalMaxPooling2D' }, OUT] } as ModelSpec,
  ZeroPadding2D: spec([{ type: 'ZeroPadding2D', padding: [[1, 2], [0, 3]] }, conv({ padding: 'valid' })]),
  SpatialDropout2D: spec([conv(), { type: 'SpatialDropout2D', rate: 0.5 }]),
  GaussianNoise: spec([{ type: 'GaussianNoise', stddev: 0.3 }, conv()]),
  LeakyReLU: spec([conv({ activation: 'linear' }), { type: 'LeakyReLU', alpha: 0.2 }]),
  PReLU: spec([conv({ activation: 'linear' }), { type: 'PReLU', sharedAxes: [1, 2] }]),
  'Add and Concatenate': spec([
    conv({ name: 'a' }), conv({ name: 'b' }), { type: 'Add', inputs: ['a', 'b'], name: 's' },
    conv({ name: 'p', inputs: ['input'], filters: 2, kernelSize: 1 }), { type: 'Concatenate', inputs: ['s', 'p'] },
  ]),
};

/** Loss and the gradients of every weight for one batch, training mode, on the current backend. */
function step(model: tf.LayersModel, x: Float32Array, y: Int32Array) {
  return tf.tidy(() => {
    const xs = tf.tensor4d(x, [y.length, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar);
    const out: Record<string, { shape: number[]; values: Float32Array }> = {};
    for (const [name, g] of Object.entries(grads)) out[name.replace(/_\d+$/, '')] = { shape: g.shape, values: g.dataSync() as Float32Array };
    return { loss: value.dataSync()[0], grads: out, kernels: tf.engine().state.numTensors };
  });
}

beforeAll(async () => {
  await selectBackend('wasm', { native: true });
});

describe('new layer kinds: tfjs agrees with inferShapes', () => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const report = inferShapes(CASES[name]);
    expect(report.issues).toEqual([]);
    const model = buildModel(CASES[name], 1);
    const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    expect(layers.map((l) => [l.name, l.outputShape, l.countParams()])).toEqual(report.layers.map((l) => [l.name, l.outputShape, l.params]));
    model.dispose();
  });
});

describe('a training step on wasm (native kernels where they apply) equals tfjs\'s cpu backend', () => {
  it.each(Object.keys(CASES))('%s: loss and every gradient', async (name) => {
    const batch = 3;
    const x = randomValues(batch * 784, name.length + 7);
    const y = Int32Array.from({ length: batch }, (_, i) => (i * 3) % 10);
    // Two models from one seed: the same initial weights, and the noise layers draw the same (seed, step) sequence.
    await tf.setBackend('cpu');
    const onCpu = buildModel(CASES[name], 5);
    const want = step(onCpu, x, y);
    await tf.setBackend('wasm');
    const onWasm = buildModel(CASES[name], 5);
    const got = step(onWasm, x, y);
    expect(Math.abs(got.loss - want.loss), `${name} loss`).toBeLessThan(1e-4);
    expect(Object.keys(got.grads).sort()).toEqual(Object.keys(want.grads).sort());
    for (const k of Object.keys(want.grads)) expectClose(got.grads[k], want.grads[k], 2e-4, `${name} ${k}`);
    onCpu.dispose();
    onWasm.dispose();
  });

  it('the depthwise gradients run through our wasm kernels (tfjs ships none)', () => {
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeDefined();
  });
});

describe('seeded noise', () => {
  const noisy = spec([conv(), { type: 'SpatialDropout2D', rate: 0.5 }, { type: 'GaussianNoise', stddev: 0.5 }]);
  const outputs = (seed: number) => {
    const model = buildModel(noisy, seed);
    const x = tf.ones([2, 28, 28, 1]);
    const runs = [0, 1].map(() => tf.tidy(() => Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync())));
    x.dispose();
    model.dispose();
    return runs;
  };

  it('a rebuilt model repeats the masks and noise of every step; successive steps differ; another seed differs', () => {
    const a = outputs(11);
    expect(outputs(11)).toEqual(a);
    expect(a[1]).not.toEqual(a[0]);
    expect(outputs(12)[0]).not.toEqual(a[0]);
  });

  it('SpatialDropout2D zeroes whole channels and is the identity in inference', () => {
    const model = buildModel(spec([conv({ activation: 'linear', useBias: true }), { type: 'SpatialDropout2D', rate: 0.5 }]), 3);
    const drop = model.layers.find((l) => l.getClassName() === 'SpatialDropout2D')!;
    const x = tf.ones([4, 5, 5, 8]);
    const y = drop.apply(x, { training: true }) as tf.Tensor;
    const v = y.arraySync() as number[][][][];
    for (const sample of v) {
      for (let c = 0; c < 8; c++) {
        const channel = sample.flatMap((row) => row.map((px) => px[c]));
        expect(new Set(channel).size).toBe(1); // all 0 or all 2 (= 1 / (1 − 0.5))
        expect([0, 2]).toContain(channel[0]);
      }
    }
    expect(Array.from((drop.apply(x, { training: false }) as tf.Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('stored graph models', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fmw-graph-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // The loaded model runs tfjs's own layers (dilated convolutions by tfjs's kernels): equal outputs also check the
  // engine's dilated-kernel path against tfjs's.
  it('a graph model with every new kind saves and loads back with the same predictions', async () => {
    const model = buildModel(spec([
      { type: 'ZeroPadding2D', padding: 1 }, conv({ name: 'c1', padding: 'valid' }), conv({ name: 'c2', dilationRate: 2 }),
      { type: 'Add', inputs: ['c1', 'c2'] }, { type: 'SpatialDropout2D', rate: 0.1 }, { type: 'GaussianNoise', stddev: 0.1 },
      { type: 'DepthwiseConv2D', kernelSize: 3, padding: 'same', name: 'dw', dilationRate: [1, 2] }, { type: 'SeparableConv2D', filters: 4, kernelSize: 3, padding: 'same', name: 'sep', dilationRate: 2 },
      { type: 'Concatenate', inputs: ['dw', 'sep'] }, { type: 'LayerNormalization' }, { type: 'LeakyReLU' }, { type: 'PReLU', sharedAxes: [1, 2] },
    ]), 9);
    const x = tf.tensor4d(randomValues(2 * 784, 4), [2, 28, 28, 1]);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    await model.save(tf.io.withSaveHandler((artifacts) => saveArtifacts(dir, artifacts)));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await loadArtifacts(dir)));
    expect(loaded.countParams()).toBe(model.countParams());
    expectClose({ shape: [before.length], values: (loaded.predict(x) as tf.Tensor).dataSync() }, { shape: [before.length], values: before }, 1e-5, 'reloaded');
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });
});
