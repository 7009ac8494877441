// Multi-channel convolutions read straight from the image, no im2col (native/src/conv_implicit.c), and the input
// gradient from a transposed filter: forward (every epilogue, with and without bias, NaN/±Inf/−0 in the image), filter
// and input gradients give the bits of conv.c's im2col + GEMM (WORKBENCH_IMPLICIT_CONV=0) on 1 and 2 threads, the
// forward and input gradient the same bits on 1 and 2 threads, tfjs's cpu backend to float rounding, and the path counted exactly where it claims to run (avx512f GEMM, input channels a multiple of 8,
// output channels a multiple of 16, not a stride-1 unpadded 1x1).
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convGeometry } from '../../../../../electron/engine/backend/kernels/native/conv-geometry.js';
import { expectClose, randomValues, runOn } from '../reference.js';
import { addon, nativeMissing, outputsOn, useNative } from './setup.js';

beforeAll(useNative);
// The strided forward shapes here would take conv_direct.c (faster, same bits; tested in convDirectStrided.test.ts):
// switched off so that these tests keep proving the implicit path.
beforeAll(() => {
  process.env.WORKBENCH_CONV_DIRECT = '0';
});
afterAll(() => {
  delete process.env.WORKBENCH_CONV_DIRECT;
});
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_IMPLICIT_CONV;
});

interface Case { n: number; h: number; w: number; c: number; co: number; k: [number, number]; s: number; pad: 'same' | 'valid' }
const cases: Case[] = [
  { n: 12, h: 14, w: 14, c: 48, co: 64, k: [5, 5], s: 2, pad: 'valid' }, // k5-gap's third conv: K = 1200, five k blocks
  { n: 6, h: 28, w: 28, c: 32, co: 48, k: [3, 3], s: 2, pad: 'same' }, // padding, a 16-wide last panel, 588-row dW parts
  { n: 3, h: 9, w: 11, c: 8, co: 16, k: [5, 3], s: 1, pad: 'same' }, // 8 channels, one 16-wide panel, a 2-row last tile
  { n: 4, h: 10, w: 10, c: 24, co: 32, k: [1, 1], s: 2, pad: 'valid' }, // a strided 1x1 (conv.c's im2col path)
  { n: 2, h: 28, w: 28, c: 16, co: 80, k: [7, 7], s: 3, pad: 'same' }, // 80 = 32 + 32 + 16
  { n: 3, h: 6, w: 6, c: 64, co: 16, k: [2, 2], s: 1, pad: 'valid' },
  { n: 2, h: 9, w: 9, c: 12, co: 32, k: [3, 3], s: 2, pad: 'same' }, // 12 channels: not taken
  { n: 2, h: 9, w: 9, c: 16, co: 24, k: [3, 3], s: 2, pad: 'same' }, // 24 outputs: not taken
  { n: 2, h: 7, w: 7, c: 16, co: 32, k: [1, 1], s: 1, pad: 'same' }, // pointwise: conv.c's plain GEMM, not taken
];
const geometry = (k: Case) => convGeometry([k.n, k.h, k.w, k.c], [...k.k, k.c, k.co], [k.s, k.s], k.pad, 1, 'NHWC')!;
const covered = (k: Case) => addon!.isa() === 'avx512f' && k.c % 8 === 0 && k.co % 16 === 0 && !(k.k[0] === 1 && k.k[1] === 1 && k.s === 1);

function forward(k: Case, act: number, withBias: boolean, special: boolean): Uint8Array {
  const g = geometry(k);
  const nx = k.n * k.h * k.w * k.c, nf = k.k[0] * k.k[1] * k.c * k.co, ny = k.n * g[7] * g[8] * k.co;
  const heap = new ArrayBuffer(4 * (nx + nf + k.co + ny));
  const f32 = new Float32Array(heap);
  f32.set(randomValues(nx, 31 + k.c), 0);
  if (special) [f32[3], f32[k.w * k.c + 5], f32[2 * k.w * k.c + 1], f32[nx - 1]] = [NaN, -0, Infinity, -Infinity];
  f32.set(randomValues(nf, 32), nx);
  f32.set(randomValues(k.co, 33), nx + nf);
  addon!.conv2d(heap, Float64Array.of(0, 4 * nx, withBias ? 4 * (nx + nf) : -1, 4 * (nx + nf + k.co), act, ...g));
  return new Uint8Array(heap, 4 * (nx + nf + k.co));
}

function gradInputs(k: Case, nan: boolean) {
  const g = geometry(k);
  const x = randomValues(k.n * k.h * k.w * k.c, 41 + k.co);
  if (nan) x[7 * k.c + 3] = NaN;
  const dy = randomValues(k.n * g[7] * g[8] * k.co, 42);
  return { x: { shape: [k.n, k.h, k.w, k.c], values: x }, dy: { shape: [k.n, g[7], g[8], k.co], values: dy } };
}
const attrs = (k: Case) => ({ strides: [k.s, k.s], pad: k.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [...k.k, k.c, k.co] });

describe.skipIf(nativeMissing != null)(`implicit-GEMM convolutions${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w×$c → $co, $k $pad stride $s: forward, im2col\'s bits on 1 and 2 threads, counted', (k) => {
    let oneThread: Uint8Array[] = [];
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      const outs: Uint8Array[] = [];
      for (const act of [0, 1, 2])
        for (const withBias of [false, true])
          for (const special of [false, true]) {
            process.env.WORKBENCH_IMPLICIT_CONV = '0';
            const before = addon!.counts().conv2dImplicit;
            const off = forward(k, act, withBias, special);
            expect(addon!.counts().conv2dImplicit - before, 'switched off').toBe(0);
            delete process.env.WORKBENCH_IMPLICIT_CONV;
            const on = forward(k, act, withBias, special);
            expect(addon!.counts().conv2dImplicit - before, 'implicit path calls').toBe(covered(k) ? 1 : 0);
            expect(Buffer.from(on).equals(Buffer.from(off)), `bits: act ${act}, bias ${withBias}, NaN/Inf ${special}, ${threads} threads`).toBe(true);
            outs.push(on);
          }
      if (threads === 1) oneThread = outs;
      else outs.forEach((o, i) => expect(Buffer.from(o).equals(Buffer.from(oneThread[i])), `1 vs 2 threads, case ${i}`).toBe(true));
    }
    addon!.setThreads(2);
  });

  it.each(cases)('$n×$h×$w×$c → $co, $k $pad stride $s: filter gradient, im2col\'s bits on 1 and 2 threads, counted', async (k) => {
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const nan of [false, true]) {
        const { x, dy } = gradInputs(k, nan);
        process.env.WORKBENCH_IMPLICIT_CONV = '0';
        const before = addon!.counts().conv2dFilterGradImplicit;
        const off = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
        expect(addon!.counts().conv2dFilterGradImplicit - before, 'switched off').toBe(0);
        delete process.env.WORKBENCH_IMPLICIT_CONV;
        const on = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
        expect(addon!.counts().conv2dFilterGradImplicit - before, 'implicit path calls').toBe(covered(k) ? 1 : 0);
        expect(Buffer.from(on.values.buffer).equals(Buffer.from(off.values.buffer)), `bits, ${threads} threads, NaN ${nan}`).toBe(true);
      }
    }
    addon!.setThreads(2);
  });

  it.each(cases)('$n×$h×$w×$c → $co, $k $pad stride $s: input gradient, conv.c\'s bits on 1 and 2 threads, counted', async (k) => {
    const { x, dy } = gradInputs(k, false);
    const f = { shape: [...k.k, k.c, k.co], values: randomValues(k.k[0] * k.k[1] * k.c * k.co, 43) };
    f.values[5] = NaN;
    const a = { strides: [k.s, k.s], pad: k.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: x.shape };
    let one: Float32Array | null = null;
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      process.env.WORKBENCH_IMPLICIT_CONV = '0';
      const before = addon!.counts().conv2dInputGradImplicit;
      const off = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter: f }, a);
      expect(addon!.counts().conv2dInputGradImplicit - before, 'switched off').toBe(0);
      delete process.env.WORKBENCH_IMPLICIT_CONV;
      const on = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter: f }, a);
      expect(addon!.counts().conv2dInputGradImplicit - before, 'implicit input-gradient calls').toBe(covered(k) ? 1 : 0);
      expect(Buffer.from(on.values.buffer).equals(Buffer.from(off.values.buffer)), `bits, ${threads} threads`).toBe(true);
      if (one) expect(Buffer.from(on.values.buffer).equals(Buffer.from(one.buffer)), '1 vs 2 threads').toBe(true);
      one = on.values as Float32Array;
    }
    addon!.setThreads(2);
    f.values[5] = 0.25;
    expectClose(await runOn('wasm', 'Conv2DBackpropInput', { dy, filter: f }, a), await runOn('cpu', 'Conv2DBackpropInput', { dy, filter: f }, a), 1e-4 * Math.sqrt(k.co * k.k[0] * k.k[1]));
  });

  it.each(cases)('%#: tfjs\'s cpu backend to float rounding (fused forward with bias and relu, filter gradient)', async (k) => {
    const fn = () => tf.fused.conv2d({
      x: tf.tensor4d(randomValues(k.n * k.h * k.w * k.c, 51), [k.n, k.h, k.w, k.c]),
      filter: tf.tensor4d(randomValues(k.k[0] * k.k[1] * k.c * k.co, 52), [...k.k, k.c, k.co]),
      strides: k.s, pad: k.pad, bias: tf.tensor1d(randomValues(k.co, 53)), activation: 'relu',
    });
    const before = addon!.counts().conv2dImplicit;
    const [got] = await outputsOn('wasm', fn);
    expect(addon!.counts().conv2dImplicit - before, 'implicit path calls').toBe(covered(k) ? 1 : 0);
    const [want] = await outputsOn('cpu', fn);
    expectClose(got, want, 1e-4 * Math.sqrt(k.k[0] * k.k[1] * k.c));
    const { x, dy } = gradInputs(k, false);
    const dwBefore = addon!.counts().conv2dFilterGradImplicit;
    const dw = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs(k));
    expect(addon!.counts().conv2dFilterGradImplicit - dwBefore, 'implicit filter-gradient calls').toBe(covered(k) ? 1 : 0);
    expectClose(dw, await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs(k)), 2e-3);
  });
});
