// The strided-layer forward paths: the one-channel 3x3 register kernel (native/src/gemm_kernel.c's fw_regs3, any
// stride; off: WORKBENCH_CONV1_REGS3=0) and the direct multi-channel kernel without im2col (native/src/conv_direct.c,
// strides above 1; off: WORKBENCH_CONV_DIRECT=0). Each must give the bits of the path it bypasses for every epilogue
// (linear, relu, tfjs's relu; with and without bias; NaN, -0 and ±Inf in the image) on 1 and 2 threads, match tfjs's cpu
// backend to float rounding ('same' padding on one or both sides, odd sizes, elu after the conv), and be counted only
// where it claims to run.
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convGeometry } from '../../../../../electron/engine/backend/kernels/native/conv-geometry.js';
import { expectClose, randomValues } from '../reference.js';
import { addon, nativeMissing, outputsOn, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_CONV1_REGS3;
  delete process.env.WORKBENCH_CONV_DIRECT;
});

interface Case { n: number; h: number; w: number; c: number; co: number; k: [number, number]; s: [number, number]; pad: 'same' | 'valid' }
type Path = { name: string; env: string; counter: 'conv2dDirectRegs3' | 'conv2dDirect'; covers: (k: Case) => boolean };

const avx512 = () => addon!.isa() === 'avx512f';
const regs3: Path = {
  name: 'one-channel 3x3 register kernel', env: 'WORKBENCH_CONV1_REGS3', counter: 'conv2dDirectRegs3',
  covers: (k) => {
    const g = convGeometry([k.n, k.h, k.w, k.c], [...k.k, k.c, k.co], k.s, k.pad, 1, 'NHWC')!;
    const [, h, w, , kh, kw, , oh, ow, sh, sw, pt, pl] = g;
    const area = Math.max((oh - 1) * sh + kh, pt + h) * Math.max((ow - 1) * sw + kw, pl + w);
    return avx512() && k.c === 1 && kh === 3 && kw === 3 && k.co % 16 === 0 && area <= 4096;
  },
};
const direct: Path = {
  name: 'direct strided kernel', env: 'WORKBENCH_CONV_DIRECT', counter: 'conv2dDirect',
  covers: (k) => avx512() && k.c >= 8 && 256 % k.c === 0 && k.co % 16 === 0 && (k.s[0] > 1 || k.s[1] > 1) && k.k[0] * k.k[1] <= 64,
};

const regs3Cases: Case[] = [
  { n: 5, h: 28, w: 28, c: 1, co: 32, k: [3, 3], s: [2, 2], pad: 'same' }, // strided-elu's first layer (pad bottom/right only)
  { n: 3, h: 13, w: 11, c: 1, co: 48, k: [3, 3], s: [2, 2], pad: 'same' }, // odd sizes: padding on both sides
  { n: 2, h: 12, w: 17, c: 1, co: 16, k: [3, 3], s: [1, 1], pad: 'same' }, // stride 1: rows of 17 = 2 blocks of 8 + 1
  { n: 3, h: 10, w: 9, c: 1, co: 32, k: [3, 3], s: [3, 2], pad: 'valid' },
  { n: 1, h: 70, w: 70, c: 1, co: 16, k: [3, 3], s: [1, 1], pad: 'same' }, // padded copy over 4096 floats: not taken
  { n: 2, h: 11, w: 11, c: 1, co: 24, k: [3, 3], s: [2, 2], pad: 'same' }, // 24 channels: not taken
];
const directCases: Case[] = [
  { n: 5, h: 14, w: 14, c: 32, co: 64, k: [3, 3], s: [2, 2], pad: 'same' }, // strided-elu's second layer (K = 288: 2 k blocks)
  { n: 3, h: 13, w: 11, c: 16, co: 48, k: [3, 3], s: [2, 2], pad: 'same' }, // 32 + 16 channels, padding both sides
  { n: 2, h: 9, w: 12, c: 64, co: 80, k: [3, 3], s: [2, 2], pad: 'valid' }, // K = 576: 3 k blocks; 64 + 16 channels
  { n: 3, h: 11, w: 11, c: 8, co: 16, k: [5, 5], s: [2, 2], pad: 'same' }, // 5x5, one k block
  { n: 2, h: 10, w: 13, c: 32, co: 32, k: [3, 3], s: [1, 2], pad: 'same' }, // stride 2 across only
  { n: 2, h: 14, w: 14, c: 24, co: 32, k: [3, 3], s: [2, 2], pad: 'same' }, // 24 channels (not a divisor of 256): not taken
  { n: 2, h: 14, w: 14, c: 32, co: 40, k: [3, 3], s: [2, 2], pad: 'same' }, // 40 outputs: not taken
  { n: 2, h: 9, w: 9, c: 16, co: 32, k: [3, 3], s: [1, 1], pad: 'valid' }, // stride 1 (Winograd's): not taken
];

function run(k: Case, act: number, withBias: boolean, special: boolean): Uint8Array {
  const g = convGeometry([k.n, k.h, k.w, k.c], [...k.k, k.c, k.co], k.s, k.pad, 1, 'NHWC')!;
  const nx = k.n * k.h * k.w * k.c, nf = k.k[0] * k.k[1] * k.c * k.co, ny = k.n * g[7] * g[8] * k.co;
  const heap = new ArrayBuffer(4 * (nx + nf + k.co + ny));
  const f32 = new Float32Array(heap);
  f32.set(randomValues(nx, 31 + k.co), 0);
  if (special) [f32[3], f32[k.w * k.c + 5], f32[2 * k.w * k.c + 1], f32[nx - 1]] = [NaN, -0, Infinity, -Infinity];
  f32.set(randomValues(nf, 32), nx);
  f32.set(randomValues(k.co, 33), nx + nf);
  addon!.conv2d(heap, Float64Array.of(0, 4 * nx, withBias ? 4 * (nx + nf) : -1, 4 * (nx + nf + k.co), act, ...g));
  return new Uint8Array(heap, 4 * (nx + nf + k.co));
}

describe.skipIf(nativeMissing != null)(`strided forward paths${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  for (const [path, cases] of [[regs3, regs3Cases], [direct, directCases]] as [Path, Case[]][]) {
    it.each(cases)(`${path.name}: $n×$h×$w×$c → $co, $k $pad stride $s: the bypassed path's bits, every epilogue, 1 and 2 threads`, (k) => {
      let ref: Uint8Array | null = null;
      for (const threads of [1, 2]) {
        addon!.setThreads(threads);
        for (const act of [0, 1, 2])
          for (const withBias of [false, true])
            for (const special of [false, true]) {
              process.env[path.env] = '0';
              const before = addon!.counts()[path.counter];
              const off = run(k, act, withBias, special);
              expect(addon!.counts()[path.counter] - before, 'switched off').toBe(0);
              delete process.env[path.env];
              const on = run(k, act, withBias, special);
              expect(addon!.counts()[path.counter] - before, 'fast path calls').toBe(path.covers(k) ? 1 : 0);
              expect(Buffer.from(on).equals(Buffer.from(off)), `bits: act ${act}, bias ${withBias}, NaN/Inf ${special}, ${threads} threads`).toBe(true);
              if (act === 1 && withBias && special) {
                // 1 vs 2 threads: the same bits.
                if (ref) expect(Buffer.from(on).equals(Buffer.from(ref)), '1 vs 2 threads').toBe(true);
                ref = on;
              }
            }
      }
      addon!.setThreads(2);
    });

    it.each(cases)(`${path.name} %#: tfjs's cpu backend to float rounding (fused conv, bias, relu and elu)`, async (k) => {
      for (const activation of ['relu', 'elu'] as const) {
        const fn = () => tf.fused.conv2d({
          x: tf.tensor4d(randomValues(k.n * k.h * k.w * k.c, 41), [k.n, k.h, k.w, k.c]),
          filter: tf.tensor4d(randomValues(k.k[0] * k.k[1] * k.c * k.co, 42), [...k.k, k.c, k.co]),
          strides: k.s, pad: k.pad, bias: tf.tensor1d(randomValues(k.co, 43)), activation,
        });
        const before = addon!.counts()[path.counter];
        const [got] = await outputsOn('wasm', fn);
        expect(addon!.counts()[path.counter] - before, `fast path calls (${activation})`).toBe(path.covers(k) ? 1 : 0);
        const [want] = await outputsOn('cpu', fn);
        expectClose(got, want, 1e-4);
      }
    });
  }
});
