// Tests the graph layers' native kernels (GaussianNoise's draw, ReLU's, LeakyReLU's and PReLU's gradients) through the engine's
// layers: bit-equal to tfjs's op graphs (on the cpu backend, and on wasm with WORKBENCH_FUSED_GRAPH=0), native proven ran.
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addGaussianNoise, globalMaxPooling2d, leakyReLU, prelu } from '../../../../../electron/engine/models/graphOps.js';
import { randomValues } from '../reference.js';
import { biasRelu, biasReluAvailable, biasReluCalls } from '../../../../../electron/engine/models/biasRelu.js';
import { addon, expectNative, expectSame, nativeMissing, useNative, type ExactOut } from './setup.js';

beforeAll(useNative);
afterAll(useNative);
afterEach(() => {
  delete process.env.WORKBENCH_FUSED_GRAPH;
});

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const read = (t: tf.Tensor): ExactOut => ({ shape: [...t.shape], dtype: t.dtype, values: Float32Array.from(t.dataSync()) });
/** `f()`'s values, its tensors freed. */
function tidyRead(f: () => tf.Tensor): ExactOut {
  let out: ExactOut | null = null;
  tf.tidy(() => {
    out = read(f());
  });
  return out!;
}

/** Inputs with exact zeros, −0, NaN and ±inf among seeded values, so every branch of the masks is taken. */
function inputs(n: number, seed: number): Float32Array {
  const v = randomValues(n, seed);
  const specials = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40];
  for (let i = 0; i < Math.min(n, specials.length * 3); i += 3) v[i] = specials[(i / 3) % specials.length];
  return v;
}

/** The tfjs op graph of GaussianNoise's training call (what the layer ran before the native kernel). */
/** noise.c runs its value pass through noise_vec.c on x86-64 CPUs with AVX-512F and DQ. */
const hasAvx512Dq = process.arch === 'x64' && existsSync('/proc/cpuinfo')
  && ((f) => f.includes(' avx512f') && f.includes(' avx512dq'))(readFileSync('/proc/cpuinfo', 'utf8'));
const reference = (x: tf.Tensor, stddev: number, seed: number) => tf.add(x, tf.randomNormal(x.shape, 0, stddev, 'float32', seed));

describe.skipIf(nativeMissing !== null)(`GaussianNoise's native draw${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  const cases: Array<[number[], number, number]> = [
    [[128, 784], 0.1, 1], [[128, 784], 0.1, 7 * 1_000_003 + 12], [[3, 5], 2.5, 42], [[1], 1, 99], [[16, 13, 13, 3], 0.3, 123_456_789_012], [[1, 20_001], 1, 5],
    [[512, 784], 0.5, 31_337], [[17], 1, 8],
  ];
  it.each(cases)('shape %j, stddev %d, seed %d: the bits of x + tf.randomNormal on cpu', async (shape, stddev, seed) => {
    const x = randomValues(size(shape), seed % 1000);
    await tf.setBackend('cpu');
    const want = tidyRead(() => (reference(tf.tensor(x, shape), stddev, seed)));
    await tf.setBackend('wasm');
    const mwcBefore = addon!.counts().noiseMwc, vecBefore = addon!.counts().noiseVec, pipeBefore = addon!.counts().noisePipe;
    const got = await expectNative('noise', async () => tidyRead(() => (addGaussianNoise(tf.tensor(x, shape), stddev, seed))));
    expectSame(got, want);
    expect(addon!.counts().noiseMwc - mwcBefore, 'calls through the two-pass integer draw').toBe(1);
    expect(addon!.counts().noiseVec - vecBefore, 'calls through the AVX-512 value pass').toBe(hasAvx512Dq ? 1 : 0);
    // Large draws on 2 threads overlap the accept pass with the values (noise_pipe.h).
    expect(addon!.counts().noisePipe - pipeBefore, 'calls with the passes overlapped').toBe(size(shape) >= 16384 ? 1 : 0);
    // The scalar value pass (WORKBENCH_NATIVE_NOISE_VEC=0), the two passes one after the other
    // (WORKBENCH_NATIVE_NOISE_PIPE=0), and both: the same bits.
    for (const off of [['WORKBENCH_NATIVE_NOISE_VEC'], ['WORKBENCH_NATIVE_NOISE_PIPE'], ['WORKBENCH_NATIVE_NOISE_VEC', 'WORKBENCH_NATIVE_NOISE_PIPE']]) {
      for (const v of off) process.env[v] = '0';
      try {
        const before = addon!.counts();
        expectSame(tidyRead(() => addGaussianNoise(tf.tensor(x, shape), stddev, seed)), want);
        const after = addon!.counts();
        if (off.includes('WORKBENCH_NATIVE_NOISE_VEC')) expect(after.noiseVec - before.noiseVec, `${off}: no AVX-512 value pass`).toBe(0);
        if (off.includes('WORKBENCH_NATIVE_NOISE_PIPE')) expect(after.noisePipe - before.noisePipe, `${off}: no overlap`).toBe(0);
      } finally {
        for (const v of off) delete process.env[v];
      }
    }
    // The one-pass double loops, with SSE4.1's roundsd and with Alea's t | 0 through an int: the same bits.
    for (const loop of ['serial', 'portable']) {
      process.env.WORKBENCH_NATIVE_NOISE = loop;
      try {
        const before = addon!.counts().noiseMwc;
        expectSame(tidyRead(() => addGaussianNoise(tf.tensor(x, shape), stddev, seed)), want);
        expect(addon!.counts().noiseMwc - before, `${loop}: no call through the integer draw`).toBe(0);
      } finally {
        delete process.env.WORKBENCH_NATIVE_NOISE;
      }
    }
  });

  it('passes the gradient to x unchanged, and WORKBENCH_FUSED_GRAPH=0 or seed 0 take tfjs\'s draw', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(randomValues(40, 3), [8, 5]);
    const w = tf.tensor(randomValues(40, 4), [8, 5]);
    const dx = tidyRead(() => (tf.grad((t: tf.Tensor) => tf.sum(tf.mul(addGaussianNoise(t, 0.5, 17), w)))(x)));
    expectSame(dx, read(w));
    process.env.WORKBENCH_FUSED_GRAPH = '0';
    const off = await expectNative('noise', async () => tidyRead(() => (addGaussianNoise(x, 0.5, 17))), false);
    delete process.env.WORKBENCH_FUSED_GRAPH;
    expectSame(off, tidyRead(() => (reference(x, 0.5, 17))));
    await expectNative('noise', async () => addGaussianNoise(x, 0.5, 0).dispose(), false);
    tf.dispose([x, w]);
  });
});

/** One training step of `make()`'s layer on `backend`: y, dx, and the weights' gradients, for a loss Σ y·w. */
async function step(backend: string, make: () => tf.layers.Layer, shape: number[], seed: number, alphaInit?: Float32Array,
  quantise = false) {
  await tf.setBackend(backend);
  const layer = make();
  layer.build([null, ...shape.slice(1)]);
  if (alphaInit) layer.setWeights([tf.tensor(alphaInit, layer.getWeights()[0].shape)]);
  let out: ExactOut[] = [];
  tf.tidy(() => {
    // Quantised inputs tie often (every tied maximum takes the gradient in tfjs's Max).
    const xs = quantise ? inputs(size(shape), seed).map((v) => Math.round(v * 3) / 3) : inputs(size(shape), seed);
    const x = tf.variable(tf.tensor(xs, shape));
    const probe = make();
    const outShape = probe.computeOutputShape([null, ...shape.slice(1)]) as (number | null)[];
    const w = tf.tensor(randomValues(size([shape[0], ...outShape.slice(1) as number[]]), seed + 1), [shape[0], ...outShape.slice(1) as number[]]);
    const vars = [x, ...layer.trainableWeights.map((v) => v.read() as tf.Variable)];
    let y: tf.Tensor | null = null;
    const { grads } = tf.variableGrads(() => {
      y = tf.keep(layer.apply(x, { training: true }) as tf.Tensor);
      return tf.sum(tf.mul(y, w)) as tf.Scalar;
    }, vars);
    out = [read(y!), ...vars.map((v) => read(grads[v.name]))];
    tf.dispose([y!, x]);
  });
  tf.dispose(layer.weights.map((v) => v.read()));
  return out;
}

describe.skipIf(nativeMissing !== null)(`LeakyReLU's and PReLU's native gradients${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each([[[128, 256], 0.2], [[7, 5, 5, 3], 0.1], [[2, 9], 0.3], [[33000], 0.01]] as Array<[number[], number]>)(
    'LeakyReLU %j alpha %d: forward and dx equal tfjs\'s (cpu, and wasm unfused)', async (shape, alpha) => {
      const make = () => leakyReLU({ alpha });
      const cpu = await step('cpu', make, shape, 5);
      const got = await expectNative('reluGrad', () => step('wasm', make, shape, 5));
      process.env.WORKBENCH_FUSED_GRAPH = '0';
      const unfused = await expectNative('reluGrad', () => step('wasm', make, shape, 5), false);
      expectSame(got, unfused);
      // dx exactly as tfjs's cpu graph; y too where the native forward runs (≥ 32,768 elements: wasm's own kernel
      // below that takes alpha·x in float, the cpu backend in double, an ulp apart).
      expectSame(got.slice(1), cpu.slice(1));
      if (size(shape) >= 32768) expectSame(got[0], cpu[0]);
    });

  it.each([[[128, 256]], [[7, 5, 5, 3]], [[33000]]] as Array<[number[]]>)(
    'Relu %j: dx = dy·step(x) equals tfjs\'s gradient (cpu, and wasm unfused)', async (shape) => {
      const make = () => tf.layers.activation({ activation: 'relu' });
      const cpu = await step('cpu', make, shape, 8);
      const got = await expectNative('reluGrad', () => step('wasm', make, shape, 8));
      process.env.WORKBENCH_FUSED_GRAPH = '0';
      const unfused = await expectNative('reluGrad', () => step('wasm', make, shape, 8), false);
      expectSame(got, unfused);
      expectSame(got, cpu);
    });

  it.each([[[8, 6, 6, 64], false], [[3, 5, 4, 7], true], [[16, 28, 28, 16], true]] as Array<[number[], boolean]>)(
    'GlobalMaxPooling2D %j (ties: %s): max and dx equal tfjs\'s (cpu, and wasm unfused)', async (shape, ties) => {
      const make = () => globalMaxPooling2d({});
      const cpu = await step('cpu', make, shape, 6, undefined, ties);
      const got = await expectNative('reluGrad', () => step('wasm', make, shape, 6, undefined, ties));
      process.env.WORKBENCH_FUSED_GRAPH = '0';
      const unfused = await expectNative('reluGrad', () => step('wasm', make, shape, 6, undefined, ties), false);
      expectSame(got, unfused);
      expectSame(got, cpu);
    });

  // [input shape, sharedAxes, native]: alpha per unit, shared over H and W, shared over H only (all periodic), and
  // shared over W only (alpha [H,1,C] does not repeat over x's trailing elements: where/mul run, small and large; tfjs's
  // wasm Prelu kernel gets [H,1,C] wrong below 32,768 elements, so the layer no longer calls it for such an alpha).
  const preluCases: Array<[number[], number[] | undefined, boolean]> = [
    [[128, 256], undefined, true], [[8, 14, 14, 32], [1, 2], true], [[4, 5, 6, 3], [1], true], [[4, 5, 6, 3], undefined, true],
    [[8, 40, 40, 3], [2], false], [[4, 5, 6, 3], [2], false],
  ];
  it.each(preluCases)('PReLU %j sharedAxes %j: forward, dx and dalpha equal tfjs\'s (native: %s)', async (shape, sharedAxes, native) => {
    const make = () => prelu({ alphaInitializer: 'zeros', ...(sharedAxes ? { sharedAxes } : {}) });
    const alphaShape = shape.slice(1).map((d, i) => (sharedAxes?.includes(i + 1) ? 1 : d));
    const alpha = randomValues(size(alphaShape), 77).map((v) => v * 0.5);
    const got = await expectNative('reluGrad', () => step('wasm', make, shape, 9, alpha), native);
    process.env.WORKBENCH_FUSED_GRAPH = '0';
    const unfused = await step('wasm', make, shape, 9, alpha);
    expectSame(got, unfused);
    delete process.env.WORKBENCH_FUSED_GRAPH;
    // The cpu backend sums dalpha in its own order: equal up to that rounding; y and dx exactly.
    const cpu = await step('cpu', make, shape, 9, alpha);
    expectSame(got.slice(0, 2), cpu.slice(0, 2));
    const [g, c] = [got[2].values, cpu[2].values];
    const tol = 1e-5 * Math.max(1, ...Array.from(c, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
    for (let i = 0; i < c.length; i++) {
      if (Number.isNaN(c[i]) || !Number.isFinite(c[i])) expect(Object.is(g[i], c[i]) || (g[i] !== g[i] && c[i] !== c[i]), `dalpha[${i}]`).toBe(true);
      else expect(Math.abs(g[i] - c[i]), `dalpha[${i}]`).toBeLessThanOrEqual(tol);
    }
  });
});

describe.skipIf(nativeMissing !== null)(`the fused bias + relu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  /** relu(x + bias) and the gradients of Σ relu(x + bias)·w for x and bias: fused (biasRelu) or tfjs's add and relu. */
  function run(shape: number[], fused: boolean): ExactOut[] {
    const c = shape[shape.length - 1];
    let out: ExactOut[] = [];
    tf.tidy(() => {
      const x = tf.tensor(inputs(size(shape), 31), shape);
      const b = tf.tensor1d(inputs(c, 32).map((v, i) => (i === 1 ? -0 : v)));
      const w = tf.tensor(randomValues(size(shape), 33).map((v, i) => (i % 5 === 0 ? -v : v)), shape);
      const f = (xi: tf.Tensor, bi: tf.Tensor) => (fused ? biasRelu(xi, bi) : tf.relu(tf.add(xi, bi)));
      const [dx, db] = tf.grads((xi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi, bi), w)))([x, b]);
      out = [f(x, b), dx, db].map(read);
    });
    return out;
  }

  it.each([[[8, 14, 14, 32]], [[3, 5, 7]], [[40, 6, 6, 64]], [[2, 1]]] as Array<[number[]]>)(
    '%j: output, dx and the bias gradient equal tfjs\'s add + relu (cpu)', async (shape) => {
      await tf.setBackend('cpu');
      const want = run(shape, false);
      await useNative();
      expect(biasReluAvailable(tf.zeros(shape), tf.zeros([shape[shape.length - 1]]))).toBe(true);
      const n0 = biasReluCalls(), e0 = addon!.counts().eltwise, g0 = addon!.counts().biasActGrad;
      const got = run(shape, true);
      expect([biasReluCalls() - n0, addon!.counts().eltwise - e0 >= 1, addon!.counts().biasActGrad - g0]).toEqual([2, true, 1]);
      expectSame(got, want);
    });

  it('is off with WORKBENCH_NATIVE_BIAS_RELU=0 or WORKBENCH_FUSED_GRAPH=0, and on the cpu backend', async () => {
    await useNative();
    const x = tf.zeros([2, 3]), b = tf.zeros([3]);
    expect(biasReluAvailable(x, b)).toBe(true);
    expect(biasReluAvailable(x, tf.zeros([2]))).toBe(false);
    process.env.WORKBENCH_NATIVE_BIAS_RELU = '0';
    expect(biasReluAvailable(x, b)).toBe(false);
    delete process.env.WORKBENCH_NATIVE_BIAS_RELU;
    process.env.WORKBENCH_FUSED_GRAPH = '0';
    expect(biasReluAvailable(x, b)).toBe(false);
    delete process.env.WORKBENCH_FUSED_GRAPH;
    await tf.setBackend('cpu');
    expect(biasReluAvailable(tf.zeros([2, 3]), tf.zeros([3]))).toBe(false);
  });
});
