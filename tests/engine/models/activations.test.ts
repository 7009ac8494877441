// The fused activations inside built models: cpu's gradients on wasm + native, the native path taken, and saved models
// that hold plain Keras activations.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../../electron/engine/models/build.js';
import { validateModelSpec } from '../../../shared/model/inferShapes.js';
import { ACTIVATIONS } from '../../../shared/spec.js';
import { gradients } from '../backend/layer-cases.js';
import { expectClose, randomValues } from '../backend/kernels/reference.js';
import { expectNative, nativeMissing, useNative } from '../backend/kernels/native/setup.js';

beforeAll(useNative);
const built: tf.LayersModel[] = [];
afterEach(() => { built.splice(0).forEach((m) => m.dispose()); });

const hidden = ACTIVATIONS.filter((a) => a !== 'softmax');
/** Every activation of the spec, on Conv2D (image) and Dense (vector) layers. */
const spec = validateModelSpec({
  name: 'all activations',
  inputShape: [28, 28, 1],
  layers: [
    { type: 'MaxPooling2D', poolSize: 4 },
    ...hidden.map((activation) => ({ type: 'Conv2D' as const, filters: 3, kernelSize: 3, padding: 'same' as const, activation })),
    { type: 'Flatten' },
    ...hidden.map((activation) => ({ type: 'Dense' as const, units: 12, activation })),
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
});

describe.skipIf(nativeMissing != null)(`built models with fused activations${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('a training step on wasm + native gives cpu\'s gradients, through the fused kernels', async () => {
    await tf.setBackend('cpu');
    const model = buildModel(spec, 3);
    built.push(model);
    const x = randomValues(4 * 784, 8).map((v) => v * 3);
    const y = Int32Array.from([1, 4, 7, 9]);
    const want = await expectNative('activation', async () => gradients(model, x, y), false);
    await tf.setBackend('wasm');
    const got = await expectNative('activation', async () => gradients(model, x, y));
    for (const k of Object.keys(want)) expectClose(got[k], want[k], 2e-5, k);
  });

  it('saves plain Keras activations that tf.loadLayersModel reads, with the same predictions', async () => {
    await tf.setBackend('wasm');
    const model = buildModel(spec, 4);
    built.push(model);
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const text = JSON.stringify(artifacts!.modelTopology);
    for (const a of hidden) expect(text).toContain(`"activation":"${a}"`);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    built.push(loaded);
    const x = tf.tensor(randomValues(5 * 784, 9), [5, 28, 28, 1]);
    const [a, b] = [model, loaded].map((m) => tf.tidy(() => ({ shape: [5, 10], values: (m.predict(x) as tf.Tensor).dataSync() as Float32Array })));
    x.dispose();
    expectClose(a, b, 1e-5, 'predictions');
  });
});
