// Dropout masks come from the model seed and a per-layer step counter: new each step, the same sequence on a rebuild.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../../electron/engine/models/build.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import { validateModelSpec } from '../../../shared/model/inferShapes.js';
import { mulberry32 } from '../../../electron/engine/data/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const built: tf.LayersModel[] = [];
afterEach(() => {
  built.splice(0).forEach((m) => m.dispose());
});

const spec = validateModelSpec({
  name: 'drop',
  inputShape: [784],
  layers: [{ type: 'Dropout', rate: 0.5 }, { type: 'Dense', units: 16, activation: 'relu' }, { type: 'Dropout', rate: 0.25 }, { type: 'Dense', units: 10, activation: 'softmax' }],
});
function build(seed: number): tf.LayersModel {
  const m = buildModel(spec, seed);
  built.push(m);
  return m;
}

/** The first Dropout layer's output on a row of ones, in training mode, `steps` times: each row is one mask. */
function masks(m: tf.LayersModel, steps: number): number[][] {
  return Array.from({ length: steps }, () => tf.tidy(() => Array.from((m.layers[0].apply(tf.ones([1, 784]), { training: true }) as tf.Tensor).dataSync())));
}

describe('seeded dropout', () => {
  it('draws a new mask each step, and the same sequence again on a rebuild with the same seed', () => {
    const a = masks(build(5), 3);
    // Random numbers drawn elsewhere in between must not shift the sequence.
    Math.random();
    tf.tidy(() => tf.randomUniform([50]).dataSync());
    const b = masks(build(5), 3);
    expect(b).toEqual(a);
    expect(a[1]).not.toEqual(a[0]);
    expect(a[2]).not.toEqual(a[1]);
    expect(masks(build(6), 1)[0]).not.toEqual(a[0]);
    // Inverted dropout at rate 0.5: kept units are scaled by 2, and about half are dropped.
    expect(new Set(a.flat())).toEqual(new Set([0, 2]));
    const dropped = a[0].filter((v) => v === 0).length / 784;
    expect(dropped).toBeGreaterThan(0.4);
    expect(dropped).toBeLessThan(0.6);
  });

  it('is the identity at inference, and inference does not advance the mask sequence', () => {
    const m = build(5);
    const x = tf.tensor2d(Float32Array.from({ length: 784 }, (_, i) => i / 784), [1, 784]);
    const out = tf.tidy(() => Array.from((m.layers[0].apply(x, { training: false }) as tf.Tensor).dataSync()));
    expect(out).toEqual(Array.from(x.dataSync()));
    x.dispose();
    tf.tidy(() => m.predict(tf.ones([2, 784])));
    expect(masks(m, 2)).toEqual(masks(build(5), 2));
  });

  it('two seeded training runs give bit-identical losses and weights', () => {
    const run = () => {
      const m = build(9);
      const opt = tf.train.adam(1e-2);
      const step = makeTrainStep(m, opt, [784], 10);
      const rng = mulberry32(3);
      const x = Float32Array.from({ length: 32 * 784 }, () => rng());
      const y = Int32Array.from({ length: 32 }, () => Math.floor(rng() * 10));
      const losses = Array.from({ length: 4 }, () => step(x, y, 32).loss);
      const weights = m.getWeights().map((w) => Array.from(w.dataSync()));
      opt.dispose();
      return { losses, weights };
    };
    const a = run();
    const b = run();
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
  });

  it('saves as a plain Dropout that tf.loadLayersModel reads back, seed-free, with the same predictions', async () => {
    const model = build(11);
    masks(model, 2); // a trained model's counter has moved on; the saved form must not care
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const topology = JSON.stringify(artifacts!.modelTopology);
    const layers = (artifacts!.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    const drops = layers.filter((l) => l.class_name === 'Dropout');
    expect(drops).toHaveLength(2);
    drops.forEach((l) => expect(l.config.seed ?? null).toBeNull());
    expect(topology).not.toMatch(/Seeded/);

    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    built.push(loaded);
    const plain = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.1, name: 'plain_probe' })).constructor;
    expect(loaded.layers[0].constructor).toBe(plain);
    expect(model.layers[0].constructor).not.toBe(plain);
    expect(model.layers[0]).toBeInstanceOf(plain);
    const x = tf.randomUniform([3, 784], 0, 1, 'float32', 5);
    const [a, b] = [model, loaded].map((m) => tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync())));
    x.dispose();
    expect(b).toEqual(a);
  });
});
