// Tests the wasm MaxPoolGrad we register (the shipped one is wrong on even maps) against the 'cpu' backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../electron/engine/backend/select.js';
import { maxPoolGradConfig } from '../../../../electron/engine/backend/kernels/wasm/MaxPoolGrad.js';
import { poolCases, pooledSize } from './pool-grid.js';
import { expectClose, randomValues, runOn } from './reference.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

async function inputsFor(h: number, w: number, c: number, batch: number, size: number, stride: number, pad: 'valid' | 'same', seed: number) {
  await tf.setBackend('cpu');
  const x = randomValues(batch * h * w * c, seed);
  const outShape = [batch, pooledSize(h, size, stride, pad), pooledSize(w, size, stride, pad), c];
  const output = tf.tidy(() => tf.maxPool(tf.tensor4d(x, [batch, h, w, c]), size, stride, pad).dataSync() as Float32Array);
  return {
    dy: { shape: outShape, values: randomValues(outShape.reduce((a, b) => a * b, 1), seed + 1) },
    input: { shape: [batch, h, w, c], values: x },
    output: { shape: outShape, values: output },
  };
}

describe('MaxPoolGrad on wasm equals cpu', () => {
  it('is ours, not the shipped kernel', () => {
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(maxPoolGradConfig);
  });

  it.each(poolCases())('$h×$w×$c batch $batch, pool $size stride $stride $pad', async ({ h, w, c, batch, size, stride, pad }) => {
    const inputs = await inputsFor(h, w, c, batch, size, stride, pad, h * 100 + size * 10 + stride);
    const attrs = { filterSize: size, strides: stride, pad };
    expectClose(await runOn('wasm', 'MaxPoolGrad', inputs, attrs), await runOn('cpu', 'MaxPoolGrad', inputs, attrs));
  });

  it('sends a tie to the first maximum, as cpu does', async () => {
    const ones = new Float32Array(16).fill(1);
    const inputs = {
      dy: { shape: [1, 2, 2, 1], values: Float32Array.from([1, 2, 3, 4]) },
      input: { shape: [1, 4, 4, 1], values: ones },
      output: { shape: [1, 2, 2, 1], values: new Float32Array(4).fill(1) },
    };
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    const got = await runOn('wasm', 'MaxPoolGrad', inputs, attrs);
    expect(Array.from(got.values)).toEqual([1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0]);
    expectClose(got, await runOn('cpu', 'MaxPoolGrad', inputs, attrs));
  });
});
