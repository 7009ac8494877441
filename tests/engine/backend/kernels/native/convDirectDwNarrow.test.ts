// The one-channel 3x3 filter gradient with 8 or 16 output channels (residual-sep's stem) on the AVX2 direct kernel in an
// AVX-512 process (native/src/conv.c): im2col + GEMM's bits (WORKBENCH_CONV1_DW_NARROW=0) on 1 and 2 threads, NaN
// included, tfjs's cpu backend to float rounding, and its counter: it runs on avx512f only, for these shapes only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, randomValues, runOn } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_CONV1_DW_NARROW;
});

interface Case { n: number; h: number; w: number; co: number; s: number; pad: 'same' | 'valid'; narrow: boolean }
const cases: Case[] = [
  { n: 40, h: 28, w: 28, co: 16, s: 1, pad: 'same', narrow: true }, // the stem: several 256-row blocks and chunks
  { n: 6, h: 10, w: 13, co: 8, s: 2, pad: 'valid', narrow: true },
  { n: 5, h: 11, w: 9, co: 16, s: 2, pad: 'same', narrow: true },
  { n: 3, h: 11, w: 11, co: 24, s: 1, pad: 'same', narrow: false }, // 24: neither kernel, im2col
  { n: 3, h: 11, w: 11, co: 32, s: 1, pad: 'same', narrow: false }, // 32: the AVX-512 kernel itself
];
const outSize = (n: number, s: number, pad: string) => (pad === 'valid' ? Math.floor((n - 3) / s) + 1 : Math.ceil(n / s));

function inputs(k: Case, nan: boolean) {
  const x = randomValues(k.n * k.h * k.w, 13 + k.co);
  if (nan) x[4 * k.w + 6] = NaN;
  const [oh, ow] = [outSize(k.h, k.s, k.pad), outSize(k.w, k.s, k.pad)];
  return { x: { shape: [k.n, k.h, k.w, 1], values: x }, dy: { shape: [k.n, oh, ow, k.co], values: randomValues(k.n * oh * ow * k.co, 14) } };
}
const attrs = (k: Case) => ({ strides: [k.s, k.s], pad: k.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 1, k.co] });

describe.skipIf(nativeMissing != null)(`narrow one-channel filter gradient${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w → $co, $pad stride $s: im2col\'s bits on 1 and 2 threads, counted where it claims', async (k) => {
    const runs = k.narrow && addon!.isa() === 'avx512f';
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const nan of [false, true]) {
        const { x, dy } = inputs(k, nan);
        process.env.WORKBENCH_CONV1_DW_NARROW = '0';
        const before = addon!.counts().conv2dFilterGradDirectNarrow;
        const off = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
        expect(addon!.counts().conv2dFilterGradDirectNarrow - before, 'switched off').toBe(0);
        delete process.env.WORKBENCH_CONV1_DW_NARROW;
        const on = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
        expect(addon!.counts().conv2dFilterGradDirectNarrow - before, 'narrow path calls').toBe(runs ? 1 : 0);
        expect(Buffer.from(on.values.buffer).equals(Buffer.from(off.values.buffer)), `bits, ${threads} threads, NaN ${nan}`).toBe(true);
      }
    }
    addon!.setThreads(2);
  });

  it.each(cases)('%#: tfjs\'s cpu backend to float rounding', async (k) => {
    const { x, dy } = inputs(k, false);
    const got = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
    const want = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
    expectClose(got, want, 2e-3);
  });
});
