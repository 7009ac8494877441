// Tests the dilated depthwise convolution straight on depthwise.c's dilation against dilation.ts's dense kernel with
// holes: the same output, input gradient and kernel gradient, bit for bit, and the switch that turns it off.
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dilateKernel } from '../../../electron/engine/models/dilation.js';
import { dilatedDepthwise, dilatedDepthwiseAvailable, dilatedDepthwiseCalls } from '../../../electron/engine/models/dilatedDepthwise.js';
import { nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';

beforeAll(useNative);
afterAll(useNative);
afterEach(() => {
  delete process.env.WORKBENCH_NATIVE_DILATED_DW;
});

type Case = { x: [number, number, number, number]; k: [number, number, number, number]; s: [number, number]; pad: 'same' | 'valid'; rate: [number, number] };

/** y, dx and dk under the loss Σ y·w, through the native path (`direct`) or the dense kernel. */
function run(c: Case, direct: boolean): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(c.x.reduce((a, b) => a * b, 1), 5), c.x);
    const k = tf.tensor4d(randomValues(c.k.reduce((a, b) => a * b, 1), 6), c.k);
    const f = (xi: tf.Tensor4D, ki: tf.Tensor4D) => (direct
      ? dilatedDepthwise(xi, ki, c.s, c.pad, c.rate)
      : tf.depthwiseConv2d(xi, dilateKernel(ki, c.rate), c.s, c.pad));
    const y = f(x, k);
    const w = tf.tensor(randomValues(y.size, 7), y.shape);
    const [dx, dk] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), w)))([x, k]);
    return [y, dx, dk].map((t) => Float32Array.from(t.dataSync()));
  });
}

describe.skipIf(nativeMissing !== null)(`dilatedDepthwise${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  const cases: Case[] = [
    { x: [4, 14, 14, 16], k: [3, 3, 16, 1], s: [1, 1], pad: 'same', rate: [2, 2] },
    { x: [3, 6, 6, 64], k: [3, 3, 64, 1], s: [1, 1], pad: 'same', rate: [2, 2] },
    { x: [2, 11, 9, 5], k: [3, 2, 5, 2], s: [1, 1], pad: 'valid', rate: [2, 3] },
    { x: [2, 12, 13, 12], k: [3, 3, 12, 1], s: [2, 2], pad: 'same', rate: [3, 2] },
    { x: [70, 8, 8, 8], k: [2, 2, 8, 3], s: [1, 1], pad: 'same', rate: [4, 1] },
  ];
  it('gives the dense kernel\'s bits: output and both gradients', async () => {
    await tf.setBackend('wasm');
    for (const c of cases) {
      const x = tf.zeros(c.x), k = tf.zeros(c.k);
      expect(dilatedDepthwiseAvailable(x, k)).toBe(true);
      tf.dispose([x, k]);
      const n0 = dilatedDepthwiseCalls();
      const direct = run(c, true);
      expect(dilatedDepthwiseCalls() - n0).toBe(2);
      const dense = run(c, false);
      ['y', 'dx', 'dk'].forEach((name, i) => {
        expect(direct[i].length, `${JSON.stringify(c)} ${name}`).toBe(dense[i].length);
        expect(Buffer.from(direct[i].buffer).equals(Buffer.from(dense[i].buffer)), `${JSON.stringify(c)} ${name}`).toBe(true);
      });
    }
  });

  it('is off with WORKBENCH_NATIVE_DILATED_DW=0 and on other backends', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 4, 4, 2]), k = tf.zeros([3, 3, 2, 1]);
    process.env.WORKBENCH_NATIVE_DILATED_DW = '0';
    expect(dilatedDepthwiseAvailable(x, k)).toBe(false);
    delete process.env.WORKBENCH_NATIVE_DILATED_DW;
    expect(dilatedDepthwiseAvailable(x, k)).toBe(true);
    tf.dispose([x, k]);
    await tf.setBackend('cpu');
    const xc = tf.zeros([1, 4, 4, 2]), kc = tf.zeros([3, 3, 2, 1]);
    expect(dilatedDepthwiseAvailable(xc, kc)).toBe(false);
    tf.dispose([xc, kc]);
  });
});
