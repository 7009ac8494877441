// Training steps through the relu6 + max pool hand-over (models/relu6Pool.ts, native/src/relu6_pool.c): k5-gap (relu6
// 5×5 conv → overlapping 3×3/2 'same' pool) and a bias-free relu6 conv into a tiled 2×2 pool give the same losses and
// weights, bit for bit, as the separate relu6, MaxPool, MaxPoolGrad and BiasActGrad kernels (WORKBENCH_RELU6_POOL=0), on
// 2 threads and on 1; the path is proven to run (the addon's counter); a relu6 conv not followed by a pool keeps its path.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildModel } from '../../../electron/engine/models/build.js';
import { relu6PoolCalls } from '../../../electron/engine/models/relu6Pool.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import { BENCH_SET } from '../../../bench/model-set.js';
import { validateModelSpec } from '../../../shared/model/inferShapes.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';

afterEach(() => {
  delete process.env.WORKBENCH_RELU6_POOL;
  addon?.setThreads(2);
});

const BATCH = 24;
const k5Gap = (): ModelSpec => BENCH_SET.find((e) => e.name === 'k5-gap')!.spec;
const tiled = (): ModelSpec => validateModelSpec({
  name: 'relu6 into a 2x2 pool', inputShape: [28, 28, 1], layers: [
    { type: 'Conv2D', filters: 12, kernelSize: 3, padding: 'valid', activation: 'relu6', useBias: false },
    { type: 'MaxPooling2D', poolSize: 2, strides: 2, padding: 'valid' },
    { type: 'Flatten' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
});
const notPooled = (): ModelSpec => validateModelSpec({
  name: 'relu6 then dropout then pool', inputShape: [28, 28, 1], layers: [
    { type: 'Conv2D', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu6' },
    { type: 'Dropout', rate: 0.1 },
    { type: 'MaxPooling2D', poolSize: 3, strides: 2, padding: 'same' },
    { type: 'Flatten' },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
});

function train(spec: ModelSpec, on: boolean, steps: number) {
  if (on) delete process.env.WORKBENCH_RELU6_POOL;
  else process.env.WORKBENCH_RELU6_POOL = '0';
  const model = buildModel(spec, 5);
  const optimizer = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-2);
  const step = makeTrainStep(model, optimizer, spec.inputShape, 10);
  const c0 = addon!.counts().maxPoolRelu6;
  const f0 = relu6PoolCalls.forward;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    // Inputs scaled up so that pre-activations pass 6 (the clamp and its gradient matter).
    const x = randomValues(BATCH * 784, 300 + s).map((v) => (v + 1) * 4);
    const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 3 + s) % 10);
    losses.push(step(x, y, BATCH).loss);
  }
  const calls = addon!.counts().maxPoolRelu6 - c0;
  const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  model.dispose();
  optimizer.dispose();
  return { losses, weights, calls, forward: relu6PoolCalls.forward - f0 };
}

function expectSameRun(got: ReturnType<typeof train>, want: ReturnType<typeof train>): void {
  expect(got.losses).toEqual(want.losses);
  got.weights.forEach((w, k) => {
    const at = w.findIndex((v, i) => !Object.is(v, want.weights[k][i]));
    expect(at, `weight ${k}: first difference at ${at} (${w[at]} vs ${want.weights[k][at]})`).toBe(-1);
  });
}

describe.skipIf(nativeMissing != null)(`relu6 conv + max pool in training${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each([['k5-gap', k5Gap], ['tiled, no bias', tiled]] as const)('%s: Adam steps give the separate kernels\' bits, through the fused path, 2 and 1 threads', async (_, spec) => {
    await useNative();
    await tf.setBackend('wasm');
    for (const threads of [2, 1]) {
      addon!.setThreads(threads);
      const off = train(spec(), false, 3);
      const on = train(spec(), true, 3);
      expect([off.calls, off.forward], 'switched off').toEqual([0, 0]);
      expect([on.calls, on.forward], 'fused forward + gradient, once a step each').toEqual([6, 3]);
      expectSameRun(on, off);
    }
  }, 120_000);

  it('a relu6 conv whose consumer is not a max pool keeps the separate kernels', async () => {
    await useNative();
    await tf.setBackend('wasm');
    const run = train(notPooled(), true, 2);
    expect([run.calls, run.forward]).toEqual([0, 0]);
    expect(run.losses.every(Number.isFinite)).toBe(true);
  }, 60_000);
});
