// Training steps through the implicit-GEMM convolutions (native/src/conv_implicit.c): the bench models whose
// multi-channel strided or 5x5 convolutions take it (k5-gap's 5x5/2, strided-elu's 3x3/2; residual-sep's dilated 3x3
// has its own kernel, conv_dilated.c) give the same losses and weights, bit for bit, as conv.c's im2col + GEMM (WORKBENCH_IMPLICIT_CONV=0),
// and the path is proven to run (the addon's counters) on an avx512f machine.
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../../electron/engine/models/build.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import { BENCH_SET } from '../../../bench/model-set.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';

beforeAll(useNative);
// The strided forward shapes here would take conv_direct.c (faster, same bits; tested in convDirectStrided.test.ts):
// switched off so that these tests keep proving the implicit path.
beforeAll(() => {
  process.env.WORKBENCH_CONV_DIRECT = '0';
});
afterAll(() => {
  delete process.env.WORKBENCH_CONV_DIRECT;
});
afterEach(() => {
  delete process.env.WORKBENCH_IMPLICIT_CONV;
});

const specOf = (name: string): ModelSpec => BENCH_SET.find((e) => e.name === name)!.spec;
const BATCH = 32;

function train(spec: ModelSpec, implicit: boolean, steps: number) {
  if (implicit) delete process.env.WORKBENCH_IMPLICIT_CONV;
  else process.env.WORKBENCH_IMPLICIT_CONV = '0';
  const model = buildModel(spec, 5);
  const optimizer = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
  const step = makeTrainStep(model, optimizer, spec.inputShape, 10);
  const c0 = addon!.counts();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const x = randomValues(BATCH * 784, 300 + s).map((v) => (v + 1) / 2);
    const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 3 + s) % 10);
    losses.push(step(x, y, BATCH).loss);
  }
  const c1 = addon!.counts();
  const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  model.dispose();
  optimizer.dispose();
  return {
    losses, weights, forward: c1.conv2dImplicit - c0.conv2dImplicit, filter: c1.conv2dFilterGradImplicit - c0.conv2dFilterGradImplicit,
    input: c1.conv2dInputGradImplicit - c0.conv2dInputGradImplicit,
  };
}

describe.skipIf(nativeMissing != null)(`implicit-GEMM convolutions in training${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(['k5-gap', 'strided-elu'])('%s: Adam steps give im2col\'s bits, through the implicit path', async (name) => {
    await tf.setBackend('wasm');
    const spec = specOf(name);
    const off = train(spec, false, 3);
    const on = train(spec, true, 3);
    expect([off.forward, off.filter, off.input], 'switched off').toEqual([0, 0, 0]);
    if (addon!.isa() === 'avx512f') {
      // One such layer a model (neither a first layer), once a step each way (k5-gap's conv3 5x5/2 48->64;
      // strided-elu's 3x3/2 32->64).
      expect([on.forward, on.filter, on.input], 'implicit calls').toEqual([3, 3, 3]);
    } else {
      expect([on.forward, on.filter, on.input], 'implicit calls (avx512f only)').toEqual([0, 0, 0]);
    }
    expect(on.losses).toEqual(off.losses);
    on.weights.forEach((w, k) => {
      const at = w.findIndex((v, i) => !Object.is(v, off.weights[k][i]));
      expect(at, `weight ${k}: first difference at ${at} (${w[at]} vs ${off.weights[k][at]})`).toBe(-1);
    });
  }, 120_000);
});
