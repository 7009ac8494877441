// Tests the wasm BatchMatMul we register (explicit transposes around the shipped kernel) against the 'cpu' backend.
import { beforeAll, describe, it } from 'vitest';
import { selectBackend } from '../../../../electron/engine/backend/select.js';
import { expectClose, randomValues, runOn } from './reference.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

const mat = (shape: number[], seed: number) => ({ shape, values: randomValues(shape.reduce((a, b) => a * b, 1), seed) });
const both = async (inputs: Parameters<typeof runOn>[2], attrs: object) =>
  expectClose(await runOn('wasm', 'BatchMatMul', inputs, attrs), await runOn('cpu', 'BatchMatMul', inputs, attrs), 1e-4, 'BatchMatMul');

describe('BatchMatMul on wasm equals cpu', () => {
  const cases: Array<[m: number, k: number, n: number, ta: boolean, tb: boolean]> = [];
  for (const [m, k, n] of [[1, 7, 3], [128, 784, 16], [33, 65, 10]]) for (const ta of [false, true]) for (const tb of [false, true]) cases.push([m, k, n, ta, tb]);
  it.each(cases)('%i×%i·%i transposeA %s transposeB %s', async (m, k, n, ta, tb) => {
    await both({ a: mat(ta ? [1, k, m] : [1, m, k], m), b: mat(tb ? [1, n, k] : [1, k, n], n) }, { transposeA: ta, transposeB: tb });
    await both({ a: mat(ta ? [k, m] : [m, k], m + 1), b: mat(tb ? [n, k] : [k, n], n + 1) }, { transposeA: ta, transposeB: tb });
  });

  it('batched and broadcast operands, transposed', async () => {
    await both({ a: mat([3, 6, 5], 1), b: mat([3, 4, 6], 2) }, { transposeA: true, transposeB: true });
    await both({ a: mat([1, 6, 5], 3), b: mat([3, 6, 4], 4) }, { transposeA: true, transposeB: false });
  });
});
