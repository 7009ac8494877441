// Tests the native Sum (all leading axes, or all axes) on wasm against the 'cpu' backend, and its fallback.
import { beforeAll, describe, it } from 'vitest';
import { expectClose, randomValues, runOn } from '../reference.js';
import { nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const cases: Array<[number[], number | number[], boolean]> = [
  [[128, 26, 26, 32], [0, 1, 2], false], [[128, 11, 11, 64], [0, 1, 2], true], [[128, 128], 0, false], [[7, 3], [0], true],
  [[5, 4, 3], [1, 0], false], [[300], 0, false], [[300], -1, true], [[6, 5, 4], [0, 1, 2], false], [[6, 5, 4], [0, 1, 2], true],
  [[4, 9], -1, false], [[3, 4, 5], [0, 2], false], [[3, 4, 5], 1, true],
];

describe.skipIf(nativeMissing != null)(`native Sum equals cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('shape %j axis %j keepDims %s', async (shape, axis, keepDims) => {
    const inputs = { x: { shape, values: randomValues(size(shape), size(shape) % 97) } };
    expectClose(await runOn('wasm', 'Sum', inputs, { axis, keepDims }), await runOn('cpu', 'Sum', inputs, { axis, keepDims }), 1e-4, 'Sum');
  });

  it('int32 sums go to the shipped kernel', async () => {
    const inputs = { x: { shape: [4, 3], values: Int32Array.from({ length: 12 }, (_, i) => i * 3 - 7), dtype: 'int32' as const } };
    expectClose(await runOn('wasm', 'Sum', inputs, { axis: 0, keepDims: false }), await runOn('cpu', 'Sum', inputs, { axis: 0, keepDims: false }), 0, 'Sum');
  });
});
