// Tests the dilated Conv2D straight on conv_dilated.c against dilation.ts's dense kernel with holes (the same output,
// input gradient and kernel gradient, bit for bit, on 1 and 2 threads) and against tfjs's cpu backend, the counters
// that prove the native path ran, the switch that turns it off, and the Conv2D layer taking it.
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dilateKernel, withTrainableDilation } from '../../../electron/engine/models/dilation.js';
import { dilatedConv, dilatedConvAvailable, dilatedConvCalls } from '../../../electron/engine/models/dilatedConv.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';

beforeAll(useNative);
afterAll(async () => {
  addon?.setThreads(2);
  await useNative();
});
afterEach(() => {
  delete process.env.WORKBENCH_NATIVE_DILATED_CONV;
});

type Case = { x: [number, number, number, number]; k: [number, number, number, number]; s: [number, number]; pad: 'same' | 'valid'; rate: [number, number] };

/** y, dx and dk under the loss Σ y·w, through the native path (`direct`) or the dense kernel. */
function run(c: Case, direct: boolean): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(c.x.reduce((a, b) => a * b, 1), 5).map((v) => (v > 0.6 ? 0 : v)), c.x);
    const k = tf.tensor4d(randomValues(c.k.reduce((a, b) => a * b, 1), 6), c.k);
    const f = (xi: tf.Tensor4D, ki: tf.Tensor4D) => (direct
      ? dilatedConv(xi, ki, c.s, c.pad, c.rate)
      : tf.conv2d(xi, dilateKernel(ki, c.rate), c.s, c.pad));
    const y = f(x, k);
    const w = tf.tensor(randomValues(y.size, 7), y.shape);
    const [dx, dk] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), w)))([x, k]);
    return [y, dx, dk].map((t) => Float32Array.from(t.dataSync()));
  });
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
const counters = () => {
  const c = addon!.counts();
  return [c.conv2dDilated, c.conv2dInputGradDilated, c.conv2dFilterGradDilated];
};

describe.skipIf(nativeMissing !== null)(`dilatedConv${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  const cases: Case[] = [
    // residual-sep's b_3x3; dense K 400 crosses the GEMM's 256-wide k block
    { x: [6, 14, 14, 16], k: [3, 3, 16, 16], s: [1, 1], pad: 'same', rate: [2, 2] },
    { x: [3, 9, 10, 40], k: [3, 3, 40, 24], s: [1, 1], pad: 'valid', rate: [2, 3] },
    { x: [2, 12, 13, 12], k: [3, 2, 12, 5], s: [2, 2], pad: 'same', rate: [3, 2] },
    { x: [5, 11, 11, 1], k: [3, 3, 1, 16], s: [1, 1], pad: 'same', rate: [2, 2] },
    { x: [4, 16, 16, 70], k: [3, 3, 70, 9], s: [1, 2], pad: 'same', rate: [4, 1] },
  ];

  it('gives the dense kernel\'s bits (output and both gradients), on 2 threads and on 1', async () => {
    await tf.setBackend('wasm');
    for (const threads of [2, 1]) {
      addon!.setThreads(threads);
      for (const c of cases) {
        const x = tf.zeros(c.x), k = tf.zeros(c.k);
        expect(dilatedConvAvailable(x, k)).toBe(true);
        tf.dispose([x, k]);
        const [n0, c0] = [dilatedConvCalls(), counters()];
        const direct = run(c, true);
        expect(dilatedConvCalls() - n0).toBe(2);
        // y twice (the value and inside tf.grads), one input and one filter gradient: conv_dilated.c ran each.
        expect(counters().map((v, i) => v - c0[i]), JSON.stringify(c)).toEqual([2, 1, 1]);
        const dense = run(c, false);
        expect(counters(), 'the dense path does not touch conv_dilated.c').toEqual(counters().map((v, i) => c0[i] + [2, 1, 1][i]));
        ['y', 'dx', 'dk'].forEach((name, i) => expect(same(direct[i], dense[i]), `${threads} thread(s) ${JSON.stringify(c)} ${name}`).toBe(true));
      }
    }
    addon!.setThreads(2);
    const two = cases.map((c) => run(c, true));
    addon!.setThreads(1);
    const one = cases.map((c) => run(c, true));
    addon!.setThreads(2);
    // y and dx: each element one image's sums, whatever the split. dk: conv.c's filter gradient sums per thread's part
    // (its bits follow the thread count, on the dense path too); the loop above pins it to the dense path's per count.
    two.forEach((outs, j) => outs.slice(0, 2).forEach((o, i) => expect(same(o, one[j][i]), `2 vs 1 thread ${JSON.stringify(cases[j])} #${i}`).toBe(true)));
  });

  it('agrees with tfjs\'s cpu backend (dense kernel there) on every case', async () => {
    await tf.setBackend('wasm');
    const native = cases.map((c) => run(c, true));
    await tf.setBackend('cpu');
    const cpu = cases.map((c) => run(c, false));
    await tf.setBackend('wasm');
    cases.forEach((c, j) => ['y', 'dx', 'dk'].forEach((name, i) => {
      const want = cpu[j][i], got = native[j][i];
      const scale = Math.max(1e-6, ...Array.from(want, Math.abs));
      const err = Math.max(...Array.from(got, (v, q) => Math.abs(v - want[q])));
      expect(got.length).toBe(want.length);
      expect(err / scale, `${JSON.stringify(c)} ${name}`).toBeLessThan(1e-5);
    }));
  });

  it('is off with WORKBENCH_NATIVE_DILATED_CONV=0 and on other backends', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 6, 6, 2]), k = tf.zeros([3, 3, 2, 1]);
    process.env.WORKBENCH_NATIVE_DILATED_CONV = '0';
    expect(dilatedConvAvailable(x, k)).toBe(false);
    delete process.env.WORKBENCH_NATIVE_DILATED_CONV;
    expect(dilatedConvAvailable(x, k)).toBe(true);
    tf.dispose([x, k]);
    await tf.setBackend('cpu');
    const xc = tf.zeros([1, 6, 6, 2]), kc = tf.zeros([3, 3, 2, 1]);
    expect(dilatedConvAvailable(xc, kc)).toBe(false);
    tf.dispose([xc, kc]);
    await tf.setBackend('wasm');
  });

  it('serves a dilated Conv2D layer\'s training step, the same bits as with the switch off', async () => {
    await tf.setBackend('wasm');
    const step = () => tf.tidy(() => {
      const make = (args: { dilationRate?: number | [number, number] }) => tf.layers.conv2d(args as Parameters<typeof tf.layers.conv2d>[0]);
      const layer = withTrainableDilation('conv', make, {
        filters: 8, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu',
      } as Parameters<typeof tf.layers.conv2d>[0] & { dilationRate: number });
      const x = tf.tensor4d(randomValues(3 * 10 * 10 * 4, 9), [3, 10, 10, 4]);
      layer.apply(x, { training: true });
      layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(randomValues(w.size, 11 + i), w.shape)));
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
        layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
      return [value, ...Object.values(grads)].map((t) => Float32Array.from(t.dataSync()));
    });
    const n0 = dilatedConvCalls();
    const on = step();
    expect(dilatedConvCalls() - n0).toBeGreaterThan(0);
    process.env.WORKBENCH_NATIVE_DILATED_CONV = '0';
    const n1 = dilatedConvCalls();
    const off = step();
    expect(dilatedConvCalls()).toBe(n1);
    expect(on.length).toBe(off.length);
    on.forEach((o, i) => expect(same(o, off[i]), `output ${i}`).toBe(true));
  });
});
