// Tests the native MaxPool and MaxPoolGrad on wasm against the 'cpu' backend across the pooling grid.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { poolCases, pooledSize } from '../pool-grid.js';
import { expectClose, randomValues, runOn } from '../reference.js';
import { expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

describe.skipIf(nativeMissing != null)(`native pooling kernels equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(poolCases())('MaxPool and MaxPoolGrad $h×$w×$c batch $batch, pool $size stride $stride $pad', async ({ h, w, c, batch, size, stride, pad }) => {
    const x = { shape: [batch, h, w, c], values: randomValues(batch * h * w * c, h * 10 + size) };
    const attrs = { filterSize: size, strides: stride, pad };
    const want = await runOn('cpu', 'MaxPool', { x }, attrs);
    expectClose(await expectNative('maxPool', () => runOn('wasm', 'MaxPool', { x }, attrs)), want, 0, 'MaxPool');
    const outShape = [batch, pooledSize(h, size, stride, pad), pooledSize(w, size, stride, pad), c];
    const inputs = { dy: { shape: outShape, values: randomValues(outShape.reduce((a, b) => a * b, 1), size + stride) }, input: x, output: { shape: outShape, values: want.values } };
    expectClose(await expectNative('maxPoolGrad', () => runOn('wasm', 'MaxPoolGrad', inputs, attrs)), await runOn('cpu', 'MaxPoolGrad', inputs, attrs), 1e-5, 'MaxPoolGrad');
  });

  it('a seed-CNN-sized pool (26×26×32, batch 32) splits over threads and still equals cpu', async () => {
    await tf.setBackend('cpu');
    const x = { shape: [32, 26, 26, 32], values: randomValues(32 * 26 * 26 * 32, 77) };
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    const want = await runOn('cpu', 'MaxPool', { x }, attrs);
    expectClose(await expectNative('maxPool', () => runOn('wasm', 'MaxPool', { x }, attrs)), want, 0, 'MaxPool');
    const dy = { shape: [32, 13, 13, 32], values: randomValues(32 * 13 * 13 * 32, 78) };
    const inputs = { dy, input: x, output: { shape: want.shape, values: want.values } };
    expectClose(await expectNative('maxPoolGrad', () => runOn('wasm', 'MaxPoolGrad', inputs, attrs)), await runOn('cpu', 'MaxPoolGrad', inputs, attrs), 1e-5, 'MaxPoolGrad');
  });
});
