// The one-input-channel 5x5 forward with the filter held in registers (native/src/gemm_kernel.c's fw_regs): the bits of
// the one-channel direct kernel it bypasses (WORKBENCH_CONV1_REGS=0, itself equal to im2col + GEMM) for every epilogue
// (linear, relu, tfjs's relu; with and without bias; NaN, -0 and ±Inf in the image), on 1 and 2 threads; tfjs's cpu
// backend to float rounding; and the path counted only where it claims to run (avx512f, 16k output channels, a padded
// image of at most 4096 floats).
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convGeometry } from '../../../../../electron/engine/backend/kernels/native/conv-geometry.js';
import { expectClose, randomValues } from '../reference.js';
import { addon, nativeMissing, outputsOn, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_CONV1_REGS;
});

interface Case { n: number; h: number; w: number; co: number; k: [number, number]; s: number; pad: 'same' | 'valid' }
const cases: Case[] = [
  { n: 9, h: 28, w: 28, co: 32, k: [5, 5], s: 1, pad: 'same' }, // k5-gap's first layer
  { n: 3, h: 13, w: 11, co: 48, k: [5, 5], s: 2, pad: 'same' },
  { n: 4, h: 11, w: 14, co: 16, k: [5, 5], s: 1, pad: 'valid' }, // 10 outputs a row: a 2-pixel tail
  { n: 3, h: 9, w: 10, co: 16, k: [5, 5], s: 3, pad: 'valid' },
  { n: 1, h: 70, w: 70, co: 16, k: [5, 5], s: 1, pad: 'same' }, // padded copy larger than 4096 floats: not taken
  { n: 2, h: 11, w: 11, co: 24, k: [5, 5], s: 1, pad: 'same' }, // 24 channels: not taken
  { n: 2, h: 11, w: 11, co: 32, k: [3, 3], s: 1, pad: 'same' }, // 3x3: not taken
];
const covered = (k: Case, g: number[]) => {
  const [, h, w, , kh, kw, , oh, ow, sh, sw, pt, pl] = g;
  const area = Math.max((oh - 1) * sh + kh, pt + h) * Math.max((ow - 1) * sw + kw, pl + w);
  return addon!.isa() === 'avx512f' && kh * kw === 25 && k.co % 16 === 0 && area <= 4096;
};

function run(k: Case, act: number, withBias: boolean, special: boolean): Uint8Array {
  const g = convGeometry([k.n, k.h, k.w, 1], [...k.k, 1, k.co], [k.s, k.s], k.pad, 1, 'NHWC')!;
  const nx = k.n * k.h * k.w, nf = k.k[0] * k.k[1] * k.co, ny = k.n * g[7] * g[8] * k.co;
  const heap = new ArrayBuffer(4 * (nx + nf + k.co + ny));
  const f32 = new Float32Array(heap);
  f32.set(randomValues(nx, 11 + k.co), 0);
  if (special) [f32[3], f32[k.w + 5], f32[2 * k.w + 1], f32[nx - 1]] = [NaN, -0, Infinity, -Infinity];
  f32.set(randomValues(nf, 12), nx);
  f32.set(randomValues(k.co, 13), nx + nf);
  addon!.conv2d(heap, Float64Array.of(0, 4 * nx, withBias ? 4 * (nx + nf) : -1, 4 * (nx + nf + k.co), act, ...g));
  return new Uint8Array(heap, 4 * (nx + nf + k.co));
}

describe.skipIf(nativeMissing != null)(`one-channel 5x5 forward, filter in registers${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w → $co, $k $pad stride $s: the direct kernel\'s bits, every epilogue, 1 and 2 threads', (k) => {
    const g = convGeometry([k.n, k.h, k.w, 1], [...k.k, 1, k.co], [k.s, k.s], k.pad, 1, 'NHWC')!;
    for (const threads of [1, 2]) {
      addon!.setThreads(threads);
      for (const act of [0, 1, 2])
        for (const withBias of [false, true])
          for (const special of [false, true]) {
            process.env.WORKBENCH_CONV1_REGS = '0';
            const before = addon!.counts().conv2dDirectRegs;
            const off = run(k, act, withBias, special);
            expect(addon!.counts().conv2dDirectRegs - before, 'switched off').toBe(0);
            delete process.env.WORKBENCH_CONV1_REGS;
            const on = run(k, act, withBias, special);
            expect(addon!.counts().conv2dDirectRegs - before, 'register path calls').toBe(covered(k, g) ? 1 : 0);
            expect(Buffer.from(on).equals(Buffer.from(off)), `bits: act ${act}, bias ${withBias}, NaN/Inf ${special}, ${threads} threads`).toBe(true);
          }
    }
    addon!.setThreads(2);
  });

  it.each(cases)('%#: tfjs\'s cpu backend to float rounding (fused conv with bias and relu)', async (k) => {
    const fn = () => tf.fused.conv2d({
      x: tf.tensor4d(randomValues(k.n * k.h * k.w, 21), [k.n, k.h, k.w, 1]),
      filter: tf.tensor4d(randomValues(k.k[0] * k.k[1] * k.co, 22), [...k.k, 1, k.co]),
      strides: k.s, pad: k.pad, bias: tf.tensor1d(randomValues(k.co, 23)), activation: 'relu',
    });
    const before = addon!.counts().conv2dDirectRegs;
    const [got] = await outputsOn('wasm', fn);
    const g = convGeometry([k.n, k.h, k.w, 1], [...k.k, 1, k.co], [k.s, k.s], k.pad, 1, 'NHWC')!;
    expect(addon!.counts().conv2dDirectRegs - before, 'register path calls').toBe(covered(k, g) ? 1 : 0);
    const [want] = await outputsOn('cpu', fn);
    expectClose(got, want, 1e-4);
  });
});
