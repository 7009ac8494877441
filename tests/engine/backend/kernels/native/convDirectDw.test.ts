// The one-input-channel 3x3 and 5x5 filter gradient computed straight from the image (native/src/gemm_kernel.c, conv.c): the
// bits of im2col + GEMM (WORKBENCH_CONV1_DW=0) on 1 and 2 threads, NaN included, tfjs's cpu backend to float rounding,
// and the path proven to run where it claims to (3x3 on avx512f: 32k output channels, or 8 or 16 on the AVX2 kernel; avx2+fma: 8 or 16; 5x5 on
// avx512f: 16k output channels, padded image at most 4096 floats).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, randomValues, runOn } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_CONV1_DW;
});

interface Case { n: number; h: number; w: number; co: number; k: [number, number]; s: number; pad: 'same' | 'valid' }
const cases: Case[] = [
  { n: 64, h: 28, w: 28, co: 32, k: [3, 3], s: 1, pad: 'valid' }, // the seed CNN's first layer: several 256-row blocks and chunks
  { n: 5, h: 12, w: 11, co: 64, k: [3, 3], s: 1, pad: 'same' },
  { n: 3, h: 13, w: 14, co: 32, k: [3, 3], s: 2, pad: 'same' },
  { n: 4, h: 9, w: 20, co: 16, k: [3, 3], s: 1, pad: 'valid' },
  { n: 6, h: 10, w: 10, co: 8, k: [3, 3], s: 2, pad: 'valid' },
  { n: 3, h: 11, w: 11, co: 32, k: [1, 9], s: 1, pad: 'same' }, // 9 taps in one row
  { n: 3, h: 11, w: 11, co: 24, k: [3, 3], s: 1, pad: 'same' }, // not covered: im2col
  { n: 40, h: 28, w: 28, co: 32, k: [5, 5], s: 1, pad: 'same' }, // k5-gap's first layer (5x5: avx512f, 16k channels)
  { n: 5, h: 13, w: 12, co: 48, k: [5, 5], s: 2, pad: 'same' },
  { n: 4, h: 11, w: 14, co: 16, k: [5, 5], s: 1, pad: 'valid' },
  { n: 3, h: 9, w: 9, co: 16, k: [5, 5], s: 3, pad: 'valid' },
  { n: 2, h: 70, w: 70, co: 16, k: [5, 5], s: 1, pad: 'same' }, // padded copy larger than 4096 floats: im2col
  { n: 3, h: 11, w: 11, co: 24, k: [5, 5], s: 1, pad: 'same' }, // not covered: im2col
];

function inputs(k: Case, nan: boolean) {
  const x = randomValues(k.n * k.h * k.w, 3 + k.co);
  if (nan) x[5 * k.w + 7] = NaN;
  const oh = k.pad === 'valid' ? Math.floor((k.h - k.k[0]) / k.s) + 1 : Math.ceil(k.h / k.s);
  const ow = k.pad === 'valid' ? Math.floor((k.w - k.k[1]) / k.s) + 1 : Math.ceil(k.w / k.s);
  const dy = randomValues(k.n * oh * ow * k.co, 4);
  return { x: { shape: [k.n, k.h, k.w, 1], values: x }, dy: { shape: [k.n, oh, ow, k.co], values: dy } };
}
const attrs = (k: Case) => ({ strides: [k.s, k.s], pad: k.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [...k.k, 1, k.co] });
const padded = (k: Case) => {
  const oh = k.pad === 'valid' ? Math.floor((k.h - k.k[0]) / k.s) + 1 : Math.ceil(k.h / k.s);
  const ow = k.pad === 'valid' ? Math.floor((k.w - k.k[1]) / k.s) + 1 : Math.ceil(k.w / k.s);
  const pt = k.pad === 'valid' ? 0 : Math.floor(Math.max(0, (oh - 1) * k.s + k.k[0] - k.h) / 2);
  const pl = k.pad === 'valid' ? 0 : Math.floor(Math.max(0, (ow - 1) * k.s + k.k[1] - k.w) / 2);
  return Math.max((oh - 1) * k.s + k.k[0], pt + k.h) * Math.max((ow - 1) * k.s + k.k[1], pl + k.w);
};
const covered = (k: Case, isa: string) => k.k[0] * k.k[1] === 25
  ? isa === 'avx512f' && k.co % 16 === 0 && padded(k) <= 4096
  : k.k[0] * k.k[1] === 9 && (isa === 'avx512f' ? k.co % 32 === 0 || (k.co % 8 === 0 && k.co <= 16) : isa === 'avx2+fma' ? k.co % 8 === 0 && k.co <= 16 : false);

describe.skipIf(nativeMissing != null)(`one-channel direct filter gradient${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w → $co, $k $pad stride $s: im2col\'s bits on 1 and 2 threads, the path counted', async (k) => {
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const nan of [false, true]) {
        const { x, dy } = inputs(k, nan);
        process.env.WORKBENCH_CONV1_DW = '0';
        const before = addon!.counts().conv2dFilterGradDirect;
        const off = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
        expect(addon!.counts().conv2dFilterGradDirect - before, 'switched off').toBe(0);
        delete process.env.WORKBENCH_CONV1_DW;
        const on = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
        expect(addon!.counts().conv2dFilterGradDirect - before, 'direct path calls').toBe(covered(k, addon!.isa()) ? 1 : 0);
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
