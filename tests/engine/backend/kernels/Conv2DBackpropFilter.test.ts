// Tests the wasm Conv2DBackpropFilter we add against the reference 'cpu' backend across the conv parameter grid.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../electron/engine/backend/select.js';
import { convCases, convTitle } from './conv-grid.js';
import { expectClose, randomValues, runOn } from './reference.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

describe('Conv2DBackpropFilter on wasm equals cpu', () => {
  it('is registered on wasm', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each(convCases())(convTitle, async ({ stride, pad, k, ci, co, batch, h, w, outH, outW }) => {
    const seed = stride * 1000 + k * 100 + ci * 10 + batch;
    const inputs = {
      x: { shape: [batch, h, w, ci], values: randomValues(batch * h * w * ci, seed) },
      dy: { shape: [batch, outH, outW, co], values: randomValues(batch * outH * outW * co, seed + 1) },
    };
    const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape: [k, k, ci, co] };
    expectClose(await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs), await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs));
  });

  it('handles rectangular kernels and strides', async () => {
    const inputs = {
      x: { shape: [2, 11, 10, 5], values: randomValues(2 * 11 * 10 * 5, 7) },
      dy: { shape: [2, 5, 3, 6], values: randomValues(2 * 5 * 3 * 6, 8) },
    };
    const attrs = { strides: [2, 3], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 2, 5, 6] };
    expectClose(await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs), await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs));
  });
});
