// Max pooling's gradient with overlapping windows (3x3 stride 2: k5-gap's pool) through native/src/pooling.c's register
// path: the bits of the window-state path it replaces (WORKBENCH_POOL_GRAD_REGS=0) on 1 and 2 threads with NaN, ±inf,
// -0 and ties (first maximum wins, an all -inf window routes nothing), channel blocks of 32, 8 and a scalar tail; tfjs's
// cpu backend to float rounding; the path counted only for overlapping windows.
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, randomValues } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_POOL_GRAD_REGS;
});

interface Case { n: number; h: number; w: number; c: number; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
const cases: Case[] = [
  { n: 5, h: 28, w: 28, c: 32, pool: [3, 3], strides: [2, 2], pad: 'same' }, // k5-gap's pool
  { n: 3, h: 15, w: 15, c: 44, pool: [3, 3], strides: [2, 2], pad: 'valid' }, // a 32 block, an 8 block, a 4-channel tail
  { n: 2, h: 9, w: 11, c: 3, pool: [3, 3], strides: [1, 1], pad: 'same' }, // only the scalar tail
  { n: 2, h: 12, w: 10, c: 72, pool: [2, 3], strides: [1, 2], pad: 'same' }, // non-square, two 32 blocks + one 8
  { n: 3, h: 8, w: 8, c: 16, pool: [2, 2], strides: [2, 2], pad: 'valid' }, // not overlapping: the tiled path
];

function input(k: Case, specials: boolean): Float32Array {
  const v = randomValues(k.n * k.h * k.w * k.c, 5 + k.c).map((x) => Math.round(x * 8) / 8); // many ties
  for (let i = 0; i < v.length; i += 19) v[i] = -0;
  if (specials) {
    for (let i = 7; i < v.length; i += 311) v[i] = NaN;
    for (let i = 2; i < v.length; i += 401) v[i] = Infinity;
    // one image's first channel all -inf: its windows route nothing
    for (let p = 0; p < k.h * k.w; p++) v[p * k.c] = -Infinity;
  }
  return v;
}

function grad(k: Case, specials: boolean): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(input(k, specials), [k.n, k.h, k.w, k.c]);
    const y = tf.maxPool(x, k.pool, k.strides, k.pad);
    const dyv = randomValues(y.size, 3);
    for (let i = 0; i < dyv.length; i += 13) dyv[i] = -0;
    const dy = tf.tensor(dyv, y.shape);
    const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, { filterSize: k.pool, strides: k.strides, pad: k.pad } as never) as tf.Tensor;
    return dx.dataSync().slice() as Float32Array;
  });
}
const overlapping = (k: Case) => k.strides[0] < k.pool[0] || k.strides[1] < k.pool[1];

describe.skipIf(nativeMissing != null)(`max pool gradient, overlapping windows in registers${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w×$c pool $pool stride $strides $pad: the window-state path\'s bits, 1 and 2 threads', async (k) => {
    await tf.setBackend('wasm');
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const specials of [false, true]) {
        process.env.WORKBENCH_POOL_GRAD_REGS = '0';
        const before = addon!.counts().maxPoolGradRegs;
        const off = grad(k, specials);
        expect(addon!.counts().maxPoolGradRegs - before, 'switched off').toBe(0);
        delete process.env.WORKBENCH_POOL_GRAD_REGS;
        const on = grad(k, specials);
        expect(addon!.counts().maxPoolGradRegs - before, 'register path calls').toBe(overlapping(k) ? 1 : 0);
        expect(Buffer.from(on.buffer).equals(Buffer.from(off.buffer)), `bits, ${threads} threads, specials ${specials}`).toBe(true);
      }
    }
    addon!.setThreads(2);
  });

  it.each(cases)('%#: tfjs\'s cpu backend to float rounding', async (k) => {
    await tf.setBackend('wasm');
    const got = grad(k, false);
    await tf.setBackend('cpu');
    const want = grad(k, false);
    await tf.setBackend('wasm');
    const shape = [k.n, k.h, k.w, k.c];
    expectClose({ shape, values: got }, { shape, values: want }, 1e-6);
  });
});
