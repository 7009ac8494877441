// Max pooling after a relu layer: the forward kernel equals MaxPool, and the fused gradient (pool gradient, relu mask
// and bias sum in one native pass) equals, bit for bit, the separate native kernels it replaces (MaxPoolGrad, then the
// relu mask and bias sum) on 1 and 2 threads, with NaN, -0, -inf and ties; and tfjs's cpu backend to float rounding.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIAS_ACT_GRAD_KERNEL, RELU_MASK } from '../../../../../electron/engine/backend/kernels/native/ConvLayer.js';
import { MAX_POOL_RELU_GRAD_KERNEL, RELU_MAX_POOL_KERNEL } from '../../../../../electron/engine/backend/kernels/native/ConvPool.js';
import { expectClose, randomValues } from '../reference.js';
import { addon, expectNative, expectSame, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));

interface Case { n: number; h: number; w: number; c: number; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
type Out = { shape: number[]; dtype: string; values: Float32Array };

/** A relu output: zeros (ties in a window), -0, values in (0, 1), a few repeated maxima; `specials` adds NaN and -inf. */
function reluOutput(size: number, seed: number, specials: boolean): Float32Array {
  const v = randomValues(size, seed).map((x) => (x < 0 ? 0 : x));
  for (let i = 0; i < size; i += 17) v[i] = -0;
  for (let i = 5; i + 1 < size; i += 23) v[i + 1] = v[i];
  if (specials) {
    for (let i = 11; i < size; i += 997) v[i] = NaN;
    for (let i = 3; i < size; i += 1301) v[i] = -Infinity;
  }
  return v;
}

const attrsOf = (k: Case) => ({ filterSize: k.pool, strides: k.strides, pad: k.pad });
const read = (t: tf.Tensor): Out => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync().slice() as Float32Array });

/** On wasm: [pooled, dz, db] through the fused kernels, and through MaxPool, MaxPoolGrad and the relu mask + bias sum. */
function both(k: Case, specials: boolean): { fused: Out[]; separate: Out[] } {
  return tf.tidy(() => {
    const y = tf.tensor(reluOutput(k.n * k.h * k.w * k.c, 7 + k.c, specials), [k.n, k.h, k.w, k.c]);
    const a = attrsOf(k);
    const pooled = tf.engine().runKernel(RELU_MAX_POOL_KERNEL, { x: y }, a as never) as tf.Tensor;
    const dyv = randomValues(pooled.size, 9);
    for (let i = 0; i < dyv.length; i += 13) dyv[i] = -0;
    const dy = tf.tensor(dyv, pooled.shape);
    const [dz, db] = tf.engine().runKernel(MAX_POOL_RELU_GRAD_KERNEL, { dy, y }, a as never) as tf.Tensor[];
    const pooled2 = tf.engine().runKernel(tf.MaxPool, { x: y }, a as never) as tf.Tensor;
    const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: y, output: pooled2 }, a as never) as tf.Tensor;
    const [dz2, db2] = tf.engine().runKernel(BIAS_ACT_GRAD_KERNEL, { dy: dx, x: y, y }, { fn: RELU_MASK, bias: true } as never) as tf.Tensor[];
    return { fused: [pooled, dz, db].map(read), separate: [pooled2, dz2, db2].map(read) };
  });
}

/** tfjs's cpu backend: the pool forward, and dz = MaxPoolGrad · step(y), db = Sum(dz) through its own kernels. */
async function cpu(k: Case): Promise<Out[]> {
  await tf.setBackend('cpu');
  const out = tf.tidy(() => {
    const y = tf.tensor(reluOutput(k.n * k.h * k.w * k.c, 7 + k.c, false), [k.n, k.h, k.w, k.c]);
    const pooled = tf.maxPool(y as tf.Tensor4D, k.pool, k.strides, k.pad);
    const dyv = randomValues(pooled.size, 9);
    for (let i = 0; i < dyv.length; i += 13) dyv[i] = -0;
    const dy = tf.tensor(dyv, pooled.shape);
    const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: y, output: pooled }, attrsOf(k) as never) as tf.Tensor;
    const dz = tf.mul(dx, tf.step(y));
    return [pooled, dz, tf.sum(dz, [0, 1, 2])].map(read);
  });
  await tf.setBackend('wasm');
  return out;
}

const cases: Case[] = [
  { n: 5, h: 26, w: 26, c: 32, pool: [2, 2], strides: [2, 2], pad: 'valid' }, // the seed CNN's first pool, an odd batch
  { n: 4, h: 11, w: 11, c: 64, pool: [2, 2], strides: [2, 2], pad: 'valid' }, // odd size: a row and a column in no window
  { n: 3, h: 13, w: 13, c: 5, pool: [2, 2], strides: [2, 2], pad: 'same' }, // channel tail, padded windows
  { n: 5, h: 28, w: 28, c: 16, pool: [3, 3], strides: [2, 2], pad: 'same' }, // overlapping (k5-gap's pool)
  { n: 3, h: 15, w: 15, c: 36, pool: [3, 3], strides: [2, 2], pad: 'valid' }, // overlapping, valid
  { n: 2, h: 9, w: 10, c: 12, pool: [2, 2], strides: [1, 1], pad: 'valid' }, // stride 1
  { n: 3, h: 14, w: 13, c: 8, pool: [3, 3], strides: [3, 3], pad: 'same' }, // stride = pool, padded
  { n: 2, h: 12, w: 12, c: 7, pool: [2, 3], strides: [2, 1], pad: 'same' }, // non-square window and strides
  { n: 2, h: 6, w: 6, c: 4, pool: [1, 1], strides: [1, 1], pad: 'valid' }, // identity window
];
const name = (k: Case) => `${k.n}x${k.h}x${k.w}x${k.c} pool ${k.pool.join('x')}/${k.strides.join('x')} ${k.pad}`;

describe.skipIf(nativeMissing != null)(`relu + max pool kernels${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w×$c: equal to the separate native kernels on 1 and 2 threads, NaN and -inf included (%#)', async (k) => {
    await tf.setBackend('wasm');
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const specials of [false, true]) {
        const { fused, separate } = await expectNative('maxPoolReluGrad', async () => both(k, specials));
        expectSame(fused, separate);
      }
    }
    addon!.setThreads(2);
  });

  it.each(cases)('%#: equal to tfjs\'s cpu backend', async (k) => {
    await tf.setBackend('wasm');
    const { fused } = both(k, false);
    const want = await cpu(k);
    expectSame(fused[0], want[0]);
    // Where windows overlap an input's gradients are summed in another order than the cpu kernel's.
    const overlapping = k.strides[0] < k.pool[0] || k.strides[1] < k.pool[1];
    if (overlapping) expectClose(fused[1], want[1], 1e-6, `${name(k)} dz`);
    else expectSame(fused[1], want[1]);
    expectClose(fused[2], want[2], 1e-4, `${name(k)} db`);
  });

  it('a shape the native kernel does not take is refused, not miscomputed', async () => {
    await tf.setBackend('wasm');
    const y = tf.zeros([2, 4, 4, 3]);
    const dy = tf.zeros([2, 3, 3, 3]); // not the pooled shape
    expect(() => tf.engine().runKernel(MAX_POOL_RELU_GRAD_KERNEL, { dy, y }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' } as never))
      .toThrow(/no kernel to fall back to/);
    tf.dispose([y, dy]);
  });
});
