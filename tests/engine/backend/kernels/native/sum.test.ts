// Tests the native Sum (all leading axes, or all axes) on wasm against the 'cpu' backend, and its fallback.
import { beforeAll, describe, it } from 'vitest';
import { expectClose, randomValues, runOn } from '../reference.js';
import { SUM_CASES } from '../sum-cases.js';
import { nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
describe.skipIf(nativeMissing != null)(`native Sum equals cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(SUM_CASES)('shape %j axis %j keepDims %s', async (shape, axis, keepDims) => {
    const inputs = { x: { shape, values: randomValues(size(shape), size(shape) % 97) } };
    expectClose(await runOn('wasm', 'Sum', inputs, { axis, keepDims }), await runOn('cpu', 'Sum', inputs, { axis, keepDims }), 1e-4, 'Sum');
  });

  it('int32 sums go to the shipped kernel', async () => {
    const inputs = { x: { shape: [4, 3], values: Int32Array.from({ length: 12 }, (_, i) => i * 3 - 7), dtype: 'int32' as const } };
    expectClose(await runOn('wasm', 'Sum', inputs, { axis: 0, keepDims: false }), await runOn('cpu', 'Sum', inputs, { axis: 0, keepDims: false }), 0, 'Sum');
  });
});
