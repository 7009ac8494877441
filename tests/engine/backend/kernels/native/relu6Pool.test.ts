// Max pooling over a relu6 layer taken from its pre-activation z (native/src/relu6_pool.c): the forward equals relu6
// then MaxPool, and the fused gradient (pool gradient, relu6 mask and bias sum in one pass) equals, bit for bit, the
// separate native kernels it replaces (MaxPoolGrad on relu6(z), then BiasActGrad(relu6) from z) on 1 and 2 threads, with
// NaN, ±Inf, -0, exact 0 and 6 and ties; and tfjs's cpu backend (tfjs-layers' relu6 → maxPool and its autodiff) to float rounding.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIAS_ACT_GRAD_KERNEL, LAYER_ACTIVATION_KERNEL } from '../../../../../electron/engine/backend/kernels/native/ConvLayer.js';
import { MAX_POOL_RELU6_GRAD_KERNEL, RELU6_MAX_POOL_KERNEL } from '../../../../../electron/engine/backend/kernels/native/Relu6Pool.js';
import { NATIVE_ACTIVATIONS } from '../../../../../electron/engine/backend/kernels/native/Activation.js';
import { expectClose, randomValues } from '../reference.js';
import { addon, expectSame, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));

interface Case { n: number; h: number; w: number; c: number; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }
type Out = { shape: number[]; dtype: string; values: Float32Array };
const RELU6 = NATIVE_ACTIVATIONS.relu6;

/** A pre-activation over (-8, 8): exact 0, -0, 6 and values above 6 (ties at 6 after relu6), repeats; `specials` adds NaN and ±Inf. */
function preActivation(size: number, seed: number, specials: boolean): Float32Array {
  const v = randomValues(size, seed).map((x) => x * 8);
  for (let i = 0; i < size; i += 17) v[i] = -0;
  for (let i = 4; i < size; i += 19) v[i] = 0;
  for (let i = 7; i < size; i += 29) v[i] = 6;
  for (let i = 5; i + 1 < size; i += 23) v[i + 1] = v[i];
  if (specials) {
    for (let i = 11; i < size; i += 997) v[i] = NaN;
    for (let i = 3; i < size; i += 1301) v[i] = -Infinity;
    for (let i = 8; i < size; i += 1103) v[i] = Infinity;
  }
  return v;
}

const attrsOf = (k: Case) => ({ filterSize: k.pool, strides: k.strides, pad: k.pad });
const read = (t: tf.Tensor): Out => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync().slice() as Float32Array });
const gradient = (size: number) => {
  const v = randomValues(size, 9);
  for (let i = 0; i < v.length; i += 13) v[i] = -0;
  return v;
};

/** On wasm: [pooled, dz, db] through the fused kernels, and through relu6, MaxPool, MaxPoolGrad and BiasActGrad(relu6). */
function both(k: Case, specials: boolean): { fused: Out[]; separate: Out[] } {
  return tf.tidy(() => {
    const z = tf.tensor(preActivation(k.n * k.h * k.w * k.c, 7 + k.c, specials), [k.n, k.h, k.w, k.c]);
    const a = attrsOf(k);
    const pooled = tf.engine().runKernel(RELU6_MAX_POOL_KERNEL, { x: z }, a as never) as tf.Tensor;
    const dy = tf.tensor(gradient(pooled.size), pooled.shape);
    const [dz, db] = tf.engine().runKernel(MAX_POOL_RELU6_GRAD_KERNEL, { dy, z }, a as never) as tf.Tensor[];
    const y = tf.engine().runKernel(LAYER_ACTIVATION_KERNEL, { x: z }, { fn: RELU6, bias: true } as never) as tf.Tensor;
    const pooled2 = tf.engine().runKernel(tf.MaxPool, { x: y }, a as never) as tf.Tensor;
    const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: y, output: pooled2 }, a as never) as tf.Tensor;
    const [dz2, db2] = tf.engine().runKernel(BIAS_ACT_GRAD_KERNEL, { dy: dx, x: z, y }, { fn: RELU6, bias: true } as never) as tf.Tensor[];
    return { fused: [pooled, dz, db].map(read), separate: [pooled2, dz2, db2].map(read) };
  });
}

/** tfjs's cpu backend: maxPool of tfjs-layers' relu6 (minimum(6, relu(z)): at z = 6 the gradient goes to the constant)
 * and its gradient through tfjs's own autodiff. */
async function cpu(k: Case): Promise<Out[]> {
  await tf.setBackend('cpu');
  const out = tf.tidy(() => {
    const z = tf.tensor(preActivation(k.n * k.h * k.w * k.c, 7 + k.c, false), [k.n, k.h, k.w, k.c]) as tf.Tensor4D;
    const f = (t: tf.Tensor) => tf.maxPool(tf.minimum(6, tf.relu(t)) as tf.Tensor4D, k.pool, k.strides, k.pad);
    const pooled = f(z);
    const dy = tf.tensor(gradient(pooled.size), pooled.shape) as tf.Tensor4D;
    const dz = tf.grad(f)(z, dy);
    return [pooled, dz, tf.sum(dz, [0, 1, 2])].map(read);
  });
  await tf.setBackend('wasm');
  return out;
}

const cases: Case[] = [
  { n: 5, h: 28, w: 28, c: 32, pool: [3, 3], strides: [2, 2], pad: 'same' }, // k5-gap's pool, an odd batch
  { n: 3, h: 15, w: 15, c: 36, pool: [3, 3], strides: [2, 2], pad: 'valid' }, // overlapping, valid, a 4-channel tail block
  { n: 3, h: 13, w: 13, c: 5, pool: [2, 2], strides: [2, 2], pad: 'same' }, // tiled, channel tail, padded windows
  { n: 4, h: 11, w: 11, c: 64, pool: [2, 2], strides: [2, 2], pad: 'valid' }, // tiled, a row and a column in no window
  { n: 2, h: 12, w: 12, c: 7, pool: [2, 3], strides: [2, 1], pad: 'same' }, // non-square window and strides
  { n: 1, h: 9, w: 10, c: 12, pool: [2, 2], strides: [1, 1], pad: 'valid' }, // one image split between the parts
];

describe.skipIf(nativeMissing != null)(`relu6 + max pool kernels${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w×$c $pool/$strides $pad: equal to the separate native kernels on 1 and 2 threads, specials included', async (k) => {
    await tf.setBackend('wasm');
    const one: Out[][] = [];
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const specials of [false, true]) {
        const before = addon!.counts().maxPoolRelu6;
        const { fused, separate } = both(k, specials);
        expect(addon!.counts().maxPoolRelu6 - before, 'relu6 pool calls').toBe(2);
        expectSame(fused, separate);
        if (threads === 1) one.push(fused);
        else expectSame(fused, one[specials ? 1 : 0]);
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
    if (overlapping) expectClose(fused[1], want[1], 1e-6, 'dz');
    else expectSame(fused[1], want[1]);
    expectClose(fused[2], want[2], 1e-4, 'db');
  });

  it('a shape the native kernel does not take is refused, not miscomputed', async () => {
    await tf.setBackend('wasm');
    const z = tf.zeros([2, 4, 4, 3]);
    const dy = tf.zeros([2, 3, 3, 3]); // not the pooled shape
    expect(() => tf.engine().runKernel(MAX_POOL_RELU6_GRAD_KERNEL, { dy, z }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' } as never))
      .toThrow(/no kernel to fall back to/);
    tf.dispose([z, dy]);
  });
});
