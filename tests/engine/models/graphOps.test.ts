// Tests the graph layers' fused paths at model level: the bench's two graph models train to the same weights, bit for
// bit, with WORKBENCH_FUSED_GRAPH on and off; and the seed hash (shared with dropout) and PReLU period helpers.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { preluPeriod } from '../../../electron/engine/models/graphOps.js';
import { dilatedDepthwiseCalls } from '../../../electron/engine/models/dilatedDepthwise.js';
import { biasReluCalls } from '../../../electron/engine/models/biasRelu.js';
import { aleaState } from '../../../electron/engine/backend/kernels/native/Dropout.js';
import { buildModel } from '../../../electron/engine/models/build.js';
import { benchEntry } from '../../../bench/model-set.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';

beforeAll(useNative);
afterAll(useNative);
afterEach(() => {
  delete process.env.WORKBENCH_FUSED_GRAPH;
});

describe('aleaState', () => {
  it('is seedrandom\'s Alea state after seeding (the generator tfjs\'s randomNormal uses)', () => {
    const alea = createRequire(import.meta.url)('seedrandom/lib/alea.js') as (seed: string, opts: { state: true }) => { state(): object };
    for (const seed of ['1', '42', '7000033', '123456789012', '0.5', 'abc']) expect(aleaState(seed)).toEqual(alea(seed, { state: true }).state());
  });
});

describe('preluPeriod', () => {
  it('is alpha\'s size when alpha covers x\'s trailing axes after leading ones, else null', () => {
    expect(preluPeriod([128, 256], [256])).toBe(256);
    expect(preluPeriod([8, 14, 14, 32], [1, 1, 32])).toBe(32);
    expect(preluPeriod([8, 14, 14, 32], [1, 14, 32])).toBe(448);
    expect(preluPeriod([8, 14, 14, 32], [14, 14, 32])).toBe(14 * 14 * 32);
    expect(preluPeriod([8, 14, 14, 32], [14, 1, 32])).toBeNull();
    expect(preluPeriod([8, 14, 14, 32], [1, 1, 1])).toBe(1);
    expect(preluPeriod([8, 4], [1, 8, 4])).toBeNull();
  });
});

/** Three Adam steps of the bench model `name` (batch 16, seeded data) on wasm + native: every weight's values. */
function train(name: string): Float32Array[] {
  const spec = benchEntry(name).spec;
  const model = buildModel(spec, 7);
  const optimizer = tf.train.adam(1e-3);
  const inShape = [16, ...spec.inputShape];
  const n = inShape.reduce((a, b) => a * b, 1);
  for (let s = 0; s < 3; s++) {
    tf.tidy(() => {
      const x = tf.tensor(randomValues(n, 10 + s).map((v) => (v + 1) / 2), inShape);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => (i * 7 + s) % 10), 'int32'), 10);
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    });
  }
  const out = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  model.dispose();
  optimizer.dispose();
  return out;
}

describe.skipIf(nativeMissing !== null)(`the bench's graph models, fused and not${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(['mlp-res', 'residual-sep'])('%s: the same weights after three steps with WORKBENCH_FUSED_GRAPH on and off', async (name) => {
    await tf.setBackend('wasm');
    const before = { ...addon!.counts() };
    const dilated0 = dilatedDepthwiseCalls();
    const biasRelu0 = biasReluCalls();
    const fused = train(name);
    const after = addon!.counts();
    // residual-sep's dilated SeparableConv2D and DepthwiseConv2D straight on depthwise.c's dilation, three steps.
    expect(dilatedDepthwiseCalls() - dilated0, 'dilated depthwise calls').toBe(name === 'mlp-res' ? 0 : 6);
    // residual-sep's two relu SeparableConv2D, its relu DepthwiseConv2D and its dilated relu Conv2D: bias + relu fused.
    expect(biasReluCalls() - biasRelu0, 'fused bias + relu calls').toBe(name === 'mlp-res' ? 0 : 12);
    expect(after.noise - before.noise, 'native noise calls').toBe(3);
    // One LeakyReLU and one PReLU per model and step, plus mlp-res's two relu Dense layers (denseTraining.ts's
    // gradient) and residual-sep's seven relu layers and its global max pooling. The relu Dense and Conv2D layers
    // with a bias take the conv layers' fused bias + relu gradient (biasActGrad, ConvLayer.ts) instead of reluGrad, and
    // so do residual-sep's relu separable, depthwise and dilated layers (biasRelu.ts).
    const reluLike = (c: typeof before) => c.reluGrad + c.biasActGrad;
    expect(reluLike(after) - reluLike(before), 'native ReLU/LeakyReLU/PReLU/max gradient calls').toBe(name === 'mlp-res' ? 12 : 30);
    expect(after.reluGrad - before.reluGrad, 'of which through reluGrad').toBe(name === 'mlp-res' ? 6 : 9);
    process.env.WORKBENCH_FUSED_GRAPH = '0';
    const dilated1 = dilatedDepthwiseCalls();
    const plain = train(name);
    expect(addon!.counts().noise, 'no native noise with the switch off').toBe(after.noise);
    expect(dilatedDepthwiseCalls(), 'no native dilated depthwise with the switch off').toBe(dilated1);
    expect(biasReluCalls(), 'no fused bias + relu with the switch off').toBe(biasRelu0 + (name === 'mlp-res' ? 0 : 12));
    expect(fused.length).toBe(plain.length);
    fused.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(plain[i].buffer)), `weight ${i}`).toBe(true));
  }, 120_000);
});
