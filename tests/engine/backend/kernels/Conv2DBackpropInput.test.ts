// Tests the wasm Conv2DBackpropInput we register (a forward conv of the dilated gradient) against the 'cpu' backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../electron/engine/backend/select.js';
import { convCases, convTitle } from './conv-grid.js';
import { expectClose, randomValues, runOn } from './reference.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

const run = async (inputs: Parameters<typeof runOn>[2], attrs: object) => {
  expectClose(await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs), await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs));
};

describe('Conv2DBackpropInput on wasm equals cpu', () => {
  it('is ours', () => {
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc.name).toBe('kernelFunc');
  });

  it.each(convCases())(convTitle, async ({ stride, pad, k, ci, co, batch, h, w, outH, outW }) => {
    await run({
      dy: { shape: [batch, outH, outW, co], values: randomValues(batch * outH * outW * co, k + co + 5) },
      filter: { shape: [k, k, ci, co], values: randomValues(k * k * ci * co, ci + 5) },
    }, { strides: [stride, stride], pad, dataFormat: 'NHWC', inputShape: [batch, h, w, ci] });
  });

  it('rectangular kernels and strides, and a padding larger than the kernel (shipped kernel)', async () => {
    const dy = { shape: [2, 5, 3, 6], values: randomValues(2 * 5 * 3 * 6, 9) };
    const filter = { shape: [3, 2, 5, 6], values: randomValues(3 * 2 * 5 * 6, 10) };
    await run({ dy, filter }, { strides: [2, 3], pad: 'valid', dataFormat: 'NHWC', inputShape: [2, 11, 10, 5] });
    const dy2 = { shape: [1, 7, 7, 2], values: randomValues(98, 11) };
    const f2 = { shape: [2, 2, 3, 2], values: randomValues(24, 12) };
    await run({ dy: dy2, filter: f2 }, { strides: 1, pad: [[0, 0], [3, 0], [3, 0], [0, 0]], dataFormat: 'NHWC', inputShape: [1, 5, 5, 3] });
  });
});
