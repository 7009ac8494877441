// Tests the native AvgPool, AvgPoolGrad and Mean on wasm against the 'cpu' backend, and the overlapping MaxPoolGrad's edge cases.
import { beforeAll, describe, expect, it } from 'vitest';
import { poolCases, pooledSize } from '../pool-grid.js';
import { expectClose, randomValues, runOn } from '../reference.js';
import { expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe.skipIf(nativeMissing != null)(`native average pooling and mean equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(poolCases())('AvgPool and AvgPoolGrad $h×$w×$c batch $batch, pool $size stride $stride $pad', async ({ h, w, c, batch, size: pool, stride, pad }) => {
    const x = { shape: [batch, h, w, c], values: randomValues(batch * h * w * c, h * 10 + pool) };
    const attrs = { filterSize: pool, strides: stride, pad };
    const want = await runOn('cpu', 'AvgPool', { x }, attrs);
    expectClose(await expectNative('avgPool', () => runOn('wasm', 'AvgPool', { x }, attrs)), want, 1e-6, 'AvgPool');
    const outShape = [batch, pooledSize(h, pool, stride, pad), pooledSize(w, pool, stride, pad), c];
    const inputs = { dy: { shape: outShape, values: randomValues(size(outShape), pool + stride) }, input: x };
    expectClose(await expectNative('avgPoolGrad', () => runOn('wasm', 'AvgPoolGrad', inputs, attrs)), await runOn('cpu', 'AvgPoolGrad', inputs, attrs), 1e-6, 'AvgPoolGrad');
  });

  it('a bench-sized 3×3 stride-1 same AvgPool (5×5×64, batch 128) and its gradient split over threads and equal cpu', async () => {
    const x = { shape: [128, 5, 5, 64], values: randomValues(128 * 25 * 64, 3) };
    const attrs = { filterSize: 3, strides: 1, pad: 'same' };
    expectClose(await expectNative('avgPool', () => runOn('wasm', 'AvgPool', { x }, attrs)), await runOn('cpu', 'AvgPool', { x }, attrs), 1e-6, 'AvgPool');
    const inputs = { dy: { shape: x.shape, values: randomValues(size(x.shape), 4) }, input: x };
    expectClose(await expectNative('avgPoolGrad', () => runOn('wasm', 'AvgPoolGrad', inputs, attrs)), await runOn('cpu', 'AvgPoolGrad', inputs, attrs), 1e-6, 'AvgPoolGrad');
  });

  it.each([
    { shape: [128, 5, 5, 96], axis: [1, 2], keepDims: false },
    { shape: [3, 4, 6, 5], axis: [1, 2], keepDims: true },
    { shape: [16, 14, 14, 48], axis: [0, 1, 2], keepDims: true },
    { shape: [300, 40], axis: [0], keepDims: false },
    { shape: [4, 6, 5, 7], axis: [1], keepDims: false },
    { shape: [2, 3, 4, 5], axis: [2, 1], keepDims: false },
  ])('Mean of $shape over $axis (keepDims $keepDims)', async ({ shape, axis, keepDims }) => {
    const x = { shape, values: randomValues(size(shape), shape[0]) };
    const attrs = { axis, keepDims };
    expectClose(await expectNative('mean', () => runOn('wasm', 'Mean', { x }, attrs)), await runOn('cpu', 'Mean', { x }, attrs), 2e-6, 'Mean');
  });

  it.each([
    { shape: [4, 5, 6], axis: [2] }, { shape: [4, 5, 6], axis: [0, 1, 2] }, { shape: [4, 5, 6, 7], axis: [0, 2] },
  ])('Mean of $shape over $axis is left to the shipped kernel', async ({ shape, axis }) => {
    const x = { shape, values: randomValues(size(shape), 9) };
    const attrs = { axis, keepDims: false };
    expectClose(await expectNative('mean', () => runOn('wasm', 'Mean', { x }, attrs), false), await runOn('cpu', 'Mean', { x }, attrs), 2e-6, 'Mean');
  });

  it('overlapping MaxPoolGrad (3×3 stride 2 same): ties, -inf-only and NaN windows route as cpu does', async () => {
    const shape = [2, 7, 7, 6];
    const values = randomValues(size(shape), 11).map((v, i) => (i % 5 === 0 ? 0.5 : i % 17 === 0 ? -Infinity : v));
    for (let i = 0; i < 6 * 7 * 3; i++) values[i] = -Infinity; // the first three rows of image 0: some windows hold only -inf
    values[6 * 7 * 5 + 1] = NaN;
    const x = { shape, values };
    const attrs = { filterSize: 3, strides: 2, pad: 'same' };
    const want = await runOn('cpu', 'MaxPool', { x }, attrs);
    const inputs = { dy: { shape: want.shape, values: randomValues(size(want.shape), 12) }, input: x, output: { shape: want.shape, values: want.values } };
    const got = await expectNative('maxPoolGrad', () => runOn('wasm', 'MaxPoolGrad', inputs, attrs));
    const ref = await runOn('cpu', 'MaxPoolGrad', inputs, attrs);
    expectClose(got, ref, 1e-6, 'MaxPoolGrad');
    expect(got.values.some((v) => Number.isNaN(v))).toBe(false);
  });
});
