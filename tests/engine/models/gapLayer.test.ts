// GlobalAveragePooling2D's training call on wasm (models/gapLayer.ts): its output and gradient equal tfjs's own (the
// Mean kernel and Mean's gradient with its ones tensor, WORKBENCH_FUSED_GAP=0) bit for bit, with NaN, ±Inf and -0 in dy;
// the gradient equals tfjs's cpu backend exactly (the forward to float rounding: the sums run in another order); k5-gap's
// Adam steps are identical either way and take the path once a step.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildModel } from '../../../electron/engine/models/build.js';
import { fusedGlobalAveragePooling2d, gapCalls } from '../../../electron/engine/models/gapLayer.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import { BENCH_SET } from '../../../bench/model-set.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { expectClose, randomValues } from '../backend/kernels/reference.js';

afterEach(() => {
  delete process.env.WORKBENCH_FUSED_GAP;
});

const SHAPE = [6, 5, 7, 12];
function gradient(): Float32Array {
  const v = randomValues(SHAPE[0] * SHAPE[3], 3);
  v[0] = NaN;
  v[1] = Infinity;
  v[2] = -Infinity;
  v[3] = -0;
  v[4] = 1e-40; // subnormal: x · 1 keeps it
  return v;
}

/** [output, dx] of a training call on `backend`. */
async function run(backend: string, on: boolean): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  if (on) delete process.env.WORKBENCH_FUSED_GAP;
  else process.env.WORKBENCH_FUSED_GAP = '0';
  const layer = fusedGlobalAveragePooling2d({});
  return tf.tidy(() => {
    const x = tf.tensor(randomValues(SHAPE.reduce((a, b) => a * b), 5), SHAPE);
    const dy = tf.tensor(gradient(), [SHAPE[0], SHAPE[3]]);
    const f = (t: tf.Tensor) => layer.apply(t, { training: true }) as tf.Tensor;
    const { value, grad } = tf.valueAndGrad(f)(x, dy);
    return [value.dataSync().slice() as Float32Array, grad.dataSync().slice() as Float32Array];
  });
}

const sameBits = (a: Float32Array, b: Float32Array, what: string) => {
  const at = a.findIndex((v, i) => !Object.is(v, b[i]));
  expect(at, `${what}: first difference at ${at} (${a[at]} vs ${b[at]})`).toBe(-1);
};

describe('global average pooling in training', () => {
  it('equals tfjs\'s own Mean and its gradient on wasm, bit for bit, and cpu\'s gradient exactly', async () => {
    await useNative();
    const c0 = gapCalls.forward;
    const on = await run('wasm', true);
    expect(gapCalls.forward - c0, 'path taken').toBe(1);
    const off = await run('wasm', false);
    expect(gapCalls.forward - c0, 'switched off').toBe(1);
    sameBits(on[0], off[0], 'output');
    sameBits(on[1], off[1], 'dx');
    const cpu = await run('cpu', true);
    expect(gapCalls.forward - c0, 'not on cpu').toBe(1);
    sameBits(on[1], cpu[1], 'dx vs cpu');
    expectClose({ shape: [on[0].length], values: on[0] }, { shape: [cpu[0].length], values: cpu[0] }, 1e-6, 'output vs cpu');
    await tf.setBackend('wasm');
  });

  it.skipIf(nativeMissing != null)(`k5-gap: Adam steps identical with the path on and off${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, async () => {
    await useNative();
    await tf.setBackend('wasm');
    const spec = BENCH_SET.find((e) => e.name === 'k5-gap')!.spec;
    const train = (on: boolean) => {
      if (on) delete process.env.WORKBENCH_FUSED_GAP;
      else process.env.WORKBENCH_FUSED_GAP = '0';
      const model = buildModel(spec, 5);
      const optimizer = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
      const step = makeTrainStep(model, optimizer, spec.inputShape, 10);
      const c0 = gapCalls.forward;
      const losses: number[] = [];
      for (let s = 0; s < 3; s++) {
        const x = randomValues(16 * 784, 40 + s).map((v) => (v + 1) / 2);
        losses.push(step(x, Int32Array.from({ length: 16 }, (_, i) => (i + s) % 10), 16).loss);
      }
      const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
      model.dispose();
      optimizer.dispose();
      return { losses, weights, calls: gapCalls.forward - c0 };
    };
    const off = train(false);
    const on = train(true);
    expect([off.calls, on.calls]).toEqual([0, 3]);
    expect(on.losses).toEqual(off.losses);
    on.weights.forEach((w, k) => sameBits(w, off.weights[k], `weight ${k}`));
    expect(addon).not.toBeNull();
  }, 120_000);
});
