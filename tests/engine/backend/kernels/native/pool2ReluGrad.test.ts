// The 2x2 stride-2 paths of native/src/pool2_relu.c: max pooling's forward and the fused max-pool + relu + bias
// gradient, each the bits of pooling.c's general pass it replaces (WORKBENCH_POOL2_MAX=0, WORKBENCH_POOL2_RELU_GRAD=0) on 1 and 2 threads with NaN, -inf, -0 and ties, parts that
// split an image mid-band, odd sizes (a row and a column in no window); dz the same on 1 and 2 threads; tfjs's cpu
// backend; the path counted only where it claims the shape.
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_POOL_RELU_GRAD_KERNEL } from '../../../../../electron/engine/backend/kernels/native/ConvPool.js';
import { expectClose, randomValues } from '../reference.js';
import { addon, expectSame, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_POOL2_RELU_GRAD;
  delete process.env.WORKBENCH_POOL2_MAX;
});

interface Case { n: number; h: number; w: number; c: number; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid'; covered: boolean }
type Out = { shape: number[]; dtype: string; values: Float32Array };

const cases: Case[] = [
  // the seed CNN's first pool; 2 parts split image 2 inside band 6 (rows 12 and 13)
  { n: 5, h: 26, w: 26, c: 32, pool: [2, 2], strides: [2, 2], pad: 'valid', covered: true },
  // the seed CNN's second pool, odd size; 2 parts split image 4 inside a row
  { n: 9, h: 11, w: 13, c: 64, pool: [2, 2], strides: [2, 2], pad: 'valid', covered: true },
  { n: 3, h: 12, w: 10, c: 8, pool: [2, 2], strides: [2, 2], pad: 'same', covered: true }, // 'same' on even sizes: no padding
  { n: 40, h: 9, w: 14, c: 16, pool: [2, 2], strides: [2, 2], pad: 'valid', covered: true }, // odd height only, 2 parts
  { n: 3, h: 11, w: 11, c: 16, pool: [2, 2], strides: [2, 2], pad: 'same', covered: false }, // padded windows
  { n: 3, h: 12, w: 12, c: 12, pool: [2, 2], strides: [2, 2], pad: 'valid', covered: false }, // not a multiple of 8 channels
  { n: 3, h: 12, w: 12, c: 16, pool: [3, 3], strides: [2, 2], pad: 'valid', covered: false }, // overlapping windows
];

/** A relu output: zeros (ties in a window), -0, values in (0, 1), repeated maxima; `specials` adds NaN and -inf. */
function reluOutput(size: number, seed: number, specials: boolean): Float32Array {
  const v = randomValues(size, seed).map((x) => (x < 0 ? 0 : Math.round(x * 16) / 16));
  for (let i = 0; i < size; i += 17) v[i] = -0;
  if (specials) {
    for (let i = 11; i < size; i += 97) v[i] = NaN;
    for (let i = 3; i < size; i += 131) v[i] = -Infinity;
  }
  return v;
}

const read = (t: tf.Tensor): Out => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync().slice() as Float32Array });

/** [pooled, dz, db] on wasm: tf.maxPool (the native MaxPool) and the fused gradient kernel. */
function fused(k: Case, specials: boolean): Out[] {
  return tf.tidy(() => {
    const y = tf.tensor(reluOutput(k.n * k.h * k.w * k.c, 3 + k.c, specials), [k.n, k.h, k.w, k.c]);
    const pooled = tf.maxPool(y as tf.Tensor4D, k.pool, k.strides, k.pad);
    const dyv = randomValues(pooled.size, 21);
    for (let i = 0; i < dyv.length; i += 13) dyv[i] = -0;
    if (specials) for (let i = 4; i < dyv.length; i += 101) dyv[i] = NaN;
    const dy = tf.tensor(dyv, pooled.shape);
    const out = tf.engine().runKernel(MAX_POOL_RELU_GRAD_KERNEL, { dy, y }, { filterSize: k.pool, strides: k.strides, pad: k.pad } as never) as tf.Tensor[];
    return [pooled, ...out].map(read);
  });
}

/** tfjs's cpu backend: the pool, dz = MaxPoolGrad · step(y), db = Sum(dz). */
async function cpu(k: Case): Promise<Out[]> {
  await tf.setBackend('cpu');
  const out = tf.tidy(() => {
    const y = tf.tensor(reluOutput(k.n * k.h * k.w * k.c, 3 + k.c, false), [k.n, k.h, k.w, k.c]);
    const pooled = tf.maxPool(y as tf.Tensor4D, k.pool, k.strides, k.pad);
    const dyv = randomValues(pooled.size, 21);
    for (let i = 0; i < dyv.length; i += 13) dyv[i] = -0;
    const dy = tf.tensor(dyv, pooled.shape);
    const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: y, output: pooled }, { filterSize: k.pool, strides: k.strides, pad: k.pad } as never) as tf.Tensor;
    const dz = tf.mul(dx, tf.step(y));
    return [pooled, dz, tf.sum(dz, [0, 1, 2])].map(read);
  });
  await tf.setBackend('wasm');
  return out;
}

const count = () => addon!.counts().maxPoolReluGrad2x2;
const countMax = () => addon!.counts().maxPool2x2;

describe.skipIf(nativeMissing != null)(`2x2 stride-2 relu + max pool gradient${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w×$c pool $pool/$strides $pad: the general pass\'s bits on 1 and 2 threads, counted only where covered', async (k) => {
    await tf.setBackend('wasm');
    const dzByThreads: Out[] = [];
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const specials of [false, true]) {
        process.env.WORKBENCH_POOL2_RELU_GRAD = '0';
        let before = count();
        const off = fused(k, specials);
        expect(count() - before, 'switched off').toBe(0);
        delete process.env.WORKBENCH_POOL2_RELU_GRAD;
        before = count();
        const on = fused(k, specials);
        expect(count() - before, 'the 2x2 path ran').toBe(k.covered ? 1 : 0);
        expectSame(on, off);
        if (specials) dzByThreads.push(on[1]);
      }
    }
    expectSame(dzByThreads[1], dzByThreads[0]);
    addon!.setThreads(2);
  });

  it.each(cases)('$n×$h×$w×$c pool $pool/$strides $pad: the forward\'s bits with its path off, on 1 and 2 threads', async (k) => {
    await tf.setBackend('wasm');
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const specials of [false, true]) {
        process.env.WORKBENCH_POOL2_MAX = '0';
        let before = countMax();
        const off = fused(k, specials)[0];
        expect(countMax() - before, 'switched off').toBe(0);
        delete process.env.WORKBENCH_POOL2_MAX;
        before = countMax();
        const on = fused(k, specials)[0];
        expect(countMax() - before, 'the 2x2 forward ran').toBe(k.covered ? 1 : 0);
        expectSame(on, off);
      }
    }
    addon!.setThreads(2);
  });

  it.each(cases.filter((k) => k.covered))('$n×$h×$w×$c $pad: equal to tfjs\'s cpu backend', async (k) => {
    await tf.setBackend('wasm');
    const before = [count(), countMax()];
    const got = fused(k, false);
    expect([count() - before[0], countMax() - before[1]]).toEqual([1, 1]);
    const want = await cpu(k);
    expectSame(got[0], want[0]);
    expectSame(got[1], want[1]);
    expectClose(got[2], want[2], 1e-4, 'db');
  });
});
