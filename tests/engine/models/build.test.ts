// tfjs cross-check: models built from specs have exactly the shapes and parameter counts inferShapes predicts.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../../electron/engine/models/build.js';
import { PRESETS } from '../../../electron/engine/models/presets.js';
import { inferShapes, validateModelSpec, SpecError } from '../../../shared/model/inferShapes.js';
import type { ModelSpec, ModelSpecInput } from '../../../shared/spec.js';
import { mulberry32 } from '../../../electron/engine/data/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const built: tf.LayersModel[] = [];
afterEach(() => {
  built.splice(0).forEach((m) => m.dispose());
});
function build(spec: ModelSpec, seed: number): tf.LayersModel {
  const m = buildModel(spec, seed);
  built.push(m);
  return m;
}

const size = (ws: tf.LayerVariable[]) => ws.reduce((a, w) => a + tf.util.sizeFromShape(w.shape as number[]), 0);

/** Asserts tfjs agrees with inferShapes on every layer: name, output shape, params, trainable params. */
function expectAgreement(spec: ModelSpec): tf.LayersModel {
  const report = inferShapes(spec);
  expect(report.ok, JSON.stringify(report.issues)).toBe(true);
  const model = build(spec, 1);
  expect(model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => ({ name: l.name, shape: l.outputShape, params: l.countParams(), trainable: size(l.trainableWeights) })))
    .toEqual(report.layers.map((l) => ({ name: l.name, shape: l.outputShape, params: l.params, trainable: l.trainableParams })));
  expect(model.countParams()).toBe(report.totalParams);
  expect(size(model.trainableWeights)).toBe(report.trainableParams);
  expect(size(model.nonTrainableWeights)).toBe(report.nonTrainableParams);
  return model;
}

/** A random valid spec: each layer is drawn among those that fit the current shape, as inferShapes reports it. */
function randomSpec(seed: number): ModelSpec {
  const rand = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: T[]): T => xs[int(0, xs.length - 1)];
  const spec: ModelSpecInput = { name: `random-${seed}`, inputShape: rand() < 0.75 ? [28, 28, 1] : [784], layers: [] };
  const shape = () => {
    const r = inferShapes(spec).layers;
    return r.length ? r[r.length - 1].outputShape.slice(1) as number[] : [...spec.inputShape];
  };
  const count = int(1, 6);
  for (let i = 0; i < count; i++) {
    const s = shape();
    const padding = pick(['valid', 'same'] as const);
    const fit = (max: number) => (padding === 'same' ? int(1, max) : int(1, Math.min(max, s[0], s[1])));
    type Make = () => ModelSpecInput['layers'][number];
    const image: Make[] = [
      () => ({ type: 'Conv2D' as const, filters: int(1, 12), kernelSize: [fit(5), fit(5)] as [number, number], strides: int(1, 3), padding, activation: pick(['relu', 'tanh', 'linear', 'gelu'] as const), useBias: rand() < 0.8 }),
      () => ({ type: 'MaxPooling2D' as const, poolSize: fit(3), strides: rand() < 0.5 ? int(1, 3) : undefined, padding }),
      () => ({ type: 'AveragePooling2D' as const, poolSize: [fit(3), fit(3)] as [number, number], padding }),
      () => ({ type: 'BatchNormalization' as const, momentum: 0.9 }),
      () => ({ type: 'Dropout' as const, rate: 0.3 }),
      () => ({ type: pick(['Flatten', 'GlobalAveragePooling2D'] as const) }),
    ];
    const vector: Make[] = [
      () => ({ type: 'Dense' as const, units: int(1, 40), activation: pick(['relu', 'sigmoid', 'elu', 'swish'] as const), useBias: rand() < 0.8 }),
      () => ({ type: 'BatchNormalization' as const }),
      () => ({ type: 'Dropout' as const, rate: 0.5 }),
    ];
    spec.layers.push(pick(s.length === 3 ? image : vector)());
  }
  if (shape().length === 3) spec.layers.push({ type: pick(['Flatten', 'GlobalAveragePooling2D'] as const) });
  spec.layers.push({ type: 'Dense', units: 10, activation: 'softmax' });
  return validateModelSpec(spec);
}

describe('buildModel agrees with inferShapes', () => {
  it.each(PRESETS.map((p) => [p.id, p]))('preset %s', (_id, preset) => {
    const model = expectAgreement(preset.model);
    const probs = tf.tidy(() => model.predict(tf.zeros([2, ...preset.model.inputShape])) as tf.Tensor);
    expect(probs.shape).toEqual([2, 10]);
    const sums = tf.tidy(() => tf.sum(probs, -1).arraySync() as number[]);
    probs.dispose();
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
  });

  const seeds = Array.from({ length: 14 }, (_, i) => 1000 + i);
  it.each(seeds)('random valid spec %i', (seed) => {
    expectAgreement(randomSpec(seed));
  });

  it('the random specs cover strides, same padding and every layer type', () => {
    const specs = seeds.map(randomSpec);
    const types = new Set(specs.flatMap((s) => s.layers.map((l) => l.type)));
    expect([...types].sort()).toEqual(['AveragePooling2D', 'BatchNormalization', 'Conv2D', 'Dense', 'Dropout', 'Flatten', 'GlobalAveragePooling2D', 'MaxPooling2D']);
    const layers = specs.flatMap((s) => s.layers);
    expect(layers.some((l) => 'padding' in l && l.padding === 'same')).toBe(true);
    expect(layers.some((l) => l.type === 'Conv2D' && l.strides !== 1)).toBe(true);
  });
});

describe('seeded initialisation', () => {
  const spec = PRESETS.find((p) => p.id === 'seed-cnn')!.model;
  const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

  it('the same seed gives the same weights, whatever random numbers were drawn in between', () => {
    const a = weights(build(spec, 7));
    Math.random();
    tf.tidy(() => tf.randomNormal([100]).dataSync());
    const b = weights(build(spec, 7));
    expect(b).toEqual(a);
  });

  it('another seed gives other kernels; biases start at zero', () => {
    const a = build(spec, 7);
    const b = build(spec, 8);
    const kernelA = a.layers[0].getWeights()[0].dataSync();
    const kernelB = b.layers[0].getWeights()[0].dataSync();
    expect(Array.from(kernelA)).not.toEqual(Array.from(kernelB));
    expect(Array.from(a.layers[0].getWeights()[1].dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('identical layers in one model get different kernels (seed + layer index)', () => {
    const twin = validateModelSpec({ name: 'twin', inputShape: [784], layers: [{ type: 'Dense', units: 10 }, { type: 'Dense', units: 10 }, { type: 'Dense', units: 10, activation: 'softmax' }] });
    const m = build(twin, 3);
    expect(Array.from(m.layers[1].getWeights()[0].dataSync())).not.toEqual(Array.from(m.layers[2].getWeights()[0].dataSync()));
  });

  it('glorot uniform: kernels stay within ±sqrt(6 / (fan_in + fan_out))', () => {
    const m = build(spec, 5);
    const limit = Math.sqrt(6 / (3 * 3 * 1 + 3 * 3 * 32));
    const k = Array.from(m.layers[0].getWeights()[0].dataSync());
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(limit / 2);
  });
});

describe('serialisation', () => {
  it.each(PRESETS.map((p) => [p.id, p]))('preset %s survives a save and tf.loadLayersModel round trip', async (_id, preset) => {
    const model = build(preset.model, 11);
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    built.push(loaded);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const x = tf.randomUniform([3, ...preset.model.inputShape], 0, 1, 'float32', 5);
    const [a, b] = [model, loaded].map((m) => tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync())));
    x.dispose();
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
  });
});

describe('buildModel rejects invalid specs', () => {
  it('throws the SpecError of validateModelSpec', () => {
    const bad = { name: 'bad', inputShape: [784], layers: [{ type: 'Conv2D', filters: 4, kernelSize: 3 }, { type: 'Dense', units: 10, activation: 'softmax' }] };
    expect(() => buildModel(bad as unknown as ModelSpec, 1)).toThrow(SpecError);
    expect(() => buildModel(bad as unknown as ModelSpec, 1)).toThrow(/layer 1 \(Conv2D\) gets a flat vector/);
  });
});
