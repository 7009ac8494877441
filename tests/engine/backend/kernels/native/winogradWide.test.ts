// The Winograd path's tile transforms 16 channels at a time (native/src/winograd.c): forward with bias and relu, input
// gradient and filter gradient give the bits of the 8-channel transforms (WORKBENCH_WINOGRAD_WIDE=0) on 1 and 2 threads,
// with NaN, ±inf and -0, on channel counts with 16-blocks, an 8-block and a scalar tail; the same bits on 1 and 2
// threads; the counter proves which ran. (winograd.test.ts and winogradFilterGrad.test.ts check the path against cpu.)
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from '../reference.js';
import { addon, expectSame, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterEach(() => {
  delete process.env.WORKBENCH_WINOGRAD_WIDE;
  addon?.setThreads(2);
});

interface Case { n: number; h: number; w: number; ci: number; co: number; pad: 'same' | 'valid' }
const cases: Case[] = [
  { n: 6, h: 13, w: 13, ci: 32, co: 64, pad: 'valid' }, // the seed CNN's second conv
  { n: 3, h: 9, w: 8, ci: 40, co: 56, pad: 'same' }, // two 16-blocks and an 8-block each way
  { n: 4, h: 11, w: 7, ci: 36, co: 35, pad: 'valid' }, // 16-blocks and a scalar tail
];
type Out = { shape: number[]; dtype: string; values: Float32Array };
const read = (t: tf.Tensor): Out => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync().slice() as Float32Array });

function values(n: number, seed: number, specials: boolean): Float32Array {
  const v = randomValues(n, seed);
  for (let i = 0; i < n; i += 29) v[i] = -0;
  if (specials) {
    v[7 % n] = NaN;
    v[101 % n] = Infinity;
    v[203 % n] = -Infinity;
  }
  return v;
}

/** [forward + bias + relu, input gradient, filter gradient] on wasm. */
function run(k: Case, specials: boolean): Out[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(k.n * k.h * k.w * k.ci, 3, specials), [k.n, k.h, k.w, k.ci]);
    const f = tf.tensor4d(values(9 * k.ci * k.co, 5, false), [3, 3, k.ci, k.co]);
    const bias = tf.tensor1d(values(k.co, 7, false));
    const y = tf.fused.conv2d({ x, filter: f, strides: 1, pad: k.pad, bias, activation: 'relu' });
    const dy = tf.tensor(values(y.size, 9, specials), y.shape);
    const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: f },
      { strides: [1, 1], pad: k.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: x.shape } as never) as tf.Tensor;
    const df = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy },
      { strides: [1, 1], pad: k.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: f.shape } as never) as tf.Tensor;
    return [y, dx, df].map(read);
  });
}

const counts = () => {
  const c = addon!.counts();
  return { wide: c.conv2dWinogradWide, fw: c.conv2dWinograd, dx: c.conv2dInputGradWinograd, dw: c.conv2dFilterGradWinograd };
};

describe.skipIf(nativeMissing != null)(`Winograd transforms 16 channels at a time${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w $ci→$co $pad: the 8-channel transforms\' bits on 1 and 2 threads, NaN and ±inf included', async (k) => {
    await tf.setBackend('wasm');
    const byThreads: Out[][] = [];
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const specials of [false, true]) {
        process.env.WORKBENCH_WINOGRAD_WIDE = '0';
        let before = counts();
        const off = run(k, specials);
        let after = counts();
        expect(after.wide - before.wide, 'switched off').toBe(0);
        expect([after.fw - before.fw, after.dx - before.dx, after.dw - before.dw], 'all three on Winograd').toEqual([1, 1, 1]);
        delete process.env.WORKBENCH_WINOGRAD_WIDE;
        before = counts();
        const on = run(k, specials);
        after = counts();
        expect(after.wide - before.wide, 'the 16-channel transforms ran in all three').toBe(3);
        expectSame(on, off);
        if (specials) byThreads.push(on);
      }
    }
    expectSame(byThreads[1], byThreads[0]);
  });
});
