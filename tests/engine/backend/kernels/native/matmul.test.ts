// Tests the native BatchMatMul and _FusedMatMul on wasm against the 'cpu' backend: transposes, batches, broadcasting, blocking.
import { beforeAll, describe, it } from 'vitest';
import { expectClose, randomValues, runOn } from '../reference.js';
import { expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

/** wasm equals cpu, and the native GEMM did (or, for what it does not cover, did not) run. */
const run = async (kernel: string, inputs: Parameters<typeof runOn>[2], attrs: object, native = true) => {
  const got = await expectNative('matmul', () => runOn('wasm', kernel, inputs, attrs), native);
  expectClose(got, await runOn('cpu', kernel, inputs, attrs), 1e-4, kernel);
};
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const mat = (shape: number[], seed: number) => ({ shape, values: randomValues(size(shape), seed) });

/** m, k, n: tiny, Dense-sized, ragged, and over one GEMM block in every dimension (MC 144, KC 256, NC 1024). */
const dims: Array<[number, number, number]> = [[1, 7, 3], [128, 784, 256], [33, 65, 17], [150, 300, 1100]];
const cases: Array<[number, number, number, boolean, boolean]> = [];
for (const [m, k, n] of dims) for (const ta of [false, true]) for (const tb of [false, true]) cases.push([m, k, n, ta, tb]);

describe.skipIf(nativeMissing != null)(`native matrix products equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('BatchMatMul %i×%i·%i transposeA %s transposeB %s', async (m, k, n, ta, tb) => {
    await run('BatchMatMul', { a: mat(ta ? [k, m] : [m, k], m + k), b: mat(tb ? [n, k] : [k, n], n) }, { transposeA: ta, transposeB: tb });
  });

  it('batches, with either side broadcast', async () => {
    await run('BatchMatMul', { a: mat([3, 5, 6], 1), b: mat([3, 6, 4], 2) }, { transposeA: false, transposeB: false });
    await run('BatchMatMul', { a: mat([1, 5, 6], 3), b: mat([3, 6, 4], 4) }, { transposeA: false, transposeB: false });
    await run('BatchMatMul', { a: mat([2, 3, 6, 5], 5), b: mat([6, 4], 6) }, { transposeA: true, transposeB: false });
    // Both sides broadcast: the native GEMM walks one batch index, so the shipped kernel takes it.
    await run('BatchMatMul', { a: mat([2, 1, 5, 6], 7), b: mat([1, 3, 6, 4], 8) }, { transposeA: false, transposeB: false }, false);
  });

  it.each(cases)('_FusedMatMul with bias and relu %i×%i·%i transposeA %s transposeB %s', async (m, k, n, ta, tb) => {
    await run('_FusedMatMul', { a: mat(ta ? [k, m] : [m, k], m), b: mat(tb ? [n, k] : [k, n], k), bias: mat([n], n + 1) },
      { transposeA: ta, transposeB: tb, activation: 'relu' });
  });

  // The op layer hands this kernel rank-3 inputs; the shipped wasm kernel we fall back to needs them.
  it('_FusedMatMul: no bias, linear; and falls back for other activations', async () => {
    await run('_FusedMatMul', { a: mat([9, 12], 1), b: mat([12, 10], 2) }, { transposeA: false, transposeB: false, activation: 'linear' });
    await run('_FusedMatMul', { a: mat([1, 9, 12], 3), b: mat([1, 12, 10], 4), bias: mat([10], 5) },
      { transposeA: false, transposeB: false, activation: 'leakyrelu', leakyreluAlpha: 0.2 }, false);
  });

  // tfjs-layers hands a Dense layer's elu to _FusedMatMul; in inference that ran the stock kernel, then tfjs's elu.
  it.each(['elu', 'relu6', 'sigmoid'])('_FusedMatMul with bias and %s: the GEMM, then one native activation pass', async (activation) => {
    const a = mat([33, 20], 6);
    await expectNative('activation', () => run('_FusedMatMul', { a: { ...a, values: a.values.map((v) => 8 * v) }, b: mat([20, 17], 7), bias: mat([17], 8) },
      { transposeA: false, transposeB: false, activation }));
  });
});
