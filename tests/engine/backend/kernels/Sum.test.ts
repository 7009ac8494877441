// Tests the wasm Sum we register (one pass for leading-axes sums) against the 'cpu' backend, and its hand-off to the shipped kernel.
import { beforeAll, describe, it } from 'vitest';
import { selectBackend } from '../../../../electron/engine/backend/select.js';
import { expectClose, randomValues, runOn } from './reference.js';
import { SUM_CASES } from './sum-cases.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('Sum on wasm equals cpu', () => {
  it.each(SUM_CASES)('shape %j axis %j keepDims %s', async (shape, axis, keepDims) => {
    const inputs = { x: { shape, values: randomValues(size(shape), size(shape) % 89) } };
    expectClose(await runOn('wasm', 'Sum', inputs, { axis, keepDims }), await runOn('cpu', 'Sum', inputs, { axis, keepDims }), 1e-4, 'Sum');
  });
});
