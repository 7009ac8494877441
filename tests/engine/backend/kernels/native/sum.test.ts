// Tests the native Sum (all leading axes, or all axes) on wasm against the 'cpu' backend, and its fallback.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, randomValues, runOn } from '../reference.js';
import { SUM_CASES } from '../sum-cases.js';
import { expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
/** The native Sum covers all axes, or all but the last; the rest go to the shipped kernel. */
const covered = (shape: number[], axis: number | number[]) => {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + shape.length : a)))].sort();
  return axes.length === shape.length || (axes.length === shape.length - 1 && axes.every((a, i) => a === i));
};
describe.skipIf(nativeMissing != null)(`native Sum equals cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(SUM_CASES)('shape %j axis %j keepDims %s', async (shape, axis, keepDims) => {
    const inputs = { x: { shape, values: randomValues(size(shape), size(shape) % 97) } };
    const got = await expectNative('sumRows', () => runOn('wasm', 'Sum', inputs, { axis, keepDims }), covered(shape, axis));
    expectClose(got, await runOn('cpu', 'Sum', inputs, { axis, keepDims }), 1e-4, 'Sum');
  });

  it('the cases include both native and shipped paths', () => {
    const kinds = SUM_CASES.map(([shape, axis]) => covered(shape, axis));
    expect(kinds).toContain(true);
    expect(kinds).toContain(false);
  });

  it('int32 sums go to the shipped kernel', async () => {
    const inputs = { x: { shape: [4, 3], values: Int32Array.from({ length: 12 }, (_, i) => i * 3 - 7), dtype: 'int32' as const } };
    const got = await expectNative('sumRows', () => runOn('wasm', 'Sum', inputs, { axis: 0, keepDims: false }), false);
    expectClose(got, await runOn('cpu', 'Sum', inputs, { axis: 0, keepDims: false }), 0, 'Sum');
  });
});
