// The direct dilated convolution (native/src/conv_dilated_direct.c; off: WORKBENCH_DILATED_DIRECT=0): forward, input
// and filter gradient must give the im2col + GEMM path's bits (conv_dilated.c) for residual-sep's shape and odd ones
// (channels 8/24/48, several k blocks, odd sizes, 'same' padding on both sides, rectangular dilations, NaN/±Inf/−0
// inputs) on 1 and 2 threads, and be counted only where taken.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dilatedConvGeometry } from '../../../../../electron/engine/backend/kernels/native/DilatedConv.js';
import { randomValues } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => { delete process.env.WORKBENCH_DILATED_DIRECT; });

interface Case { n: number; h: number; w: number; c: number; co: number; k: [number, number]; d: [number, number]; pad: 'same' | 'valid' }
const cases: Case[] = [
  { n: 6, h: 14, w: 14, c: 16, co: 16, k: [3, 3], d: [2, 2], pad: 'same' }, // residual-sep's (dense K 400: 2 k blocks)
  { n: 3, h: 13, w: 11, c: 32, co: 48, k: [3, 3], d: [2, 3], pad: 'same' }, // several k blocks, pad both sides
  { n: 2, h: 12, w: 15, c: 24, co: 32, k: [3, 3], d: [3, 2], pad: 'valid' }, // 24 channels: a k block cuts a tap
  { n: 3, h: 9, w: 10, c: 8, co: 16, k: [2, 3], d: [2, 2], pad: 'same' }, // 8 channels: input gradient not taken
  { n: 2, h: 11, w: 9, c: 48, co: 16, k: [5, 3], d: [2, 1], pad: 'same' },
  { n: 5, h: 7, w: 7, c: 16, co: 24, k: [3, 3], d: [2, 2], pad: 'same' }, // 24 outputs: not taken
];

function run(k: Case, which: 0 | 1 | 2, special: boolean): Uint32Array {
  const g = dilatedConvGeometry([k.n, k.h, k.w, k.c], [...k.k, k.c, k.co], { strides: [1, 1], pad: k.pad, dilations: k.d })!;
  const nx = k.n * k.h * k.w * k.c, nf = k.k[0] * k.k[1] * k.c * k.co, ny = k.n * g[7] * g[8] * k.co;
  const no = Math.max(nx, ny, nf);
  const heap = new ArrayBuffer(4 * (nx + nf + ny + no));
  const f32 = new Float32Array(heap);
  f32.set(randomValues(nx, 51 + k.c), 0);
  f32.set(randomValues(nf, 52), nx);
  f32.set(randomValues(ny, 53 + k.co), nx + nf);
  if (special) {
    [f32[3], f32[k.w * k.c + 5], f32[2 * k.w * k.c + 1], f32[nx - 1]] = [NaN, -0, Infinity, -Infinity];
    f32.fill(-0, 4 * k.c, 6 * k.c);
    [f32[nx + nf + 2], f32[nx + nf + ny - 1]] = [-0, NaN];
    f32.fill(-0, nx + nf + 9 * k.co, nx + nf + 12 * k.co);
  }
  const [x, f, dy, out] = [0, nx, nx + nf, nx + nf + ny].map((i) => 4 * i);
  if (which === 0) addon!.conv2d(heap, Float64Array.of(x, f, -1, out, 0, ...g));
  else if (which === 1) addon!.conv2dInputGrad(heap, Float64Array.of(dy, f, out, ...g));
  else addon!.conv2dFilterGrad(heap, Float64Array.of(x, dy, out, ...g));
  return new Uint32Array(heap, out, which === 0 ? ny : which === 1 ? nx : nf);
}

describe.skipIf(nativeMissing != null)(`direct dilated convolution${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w×$c → $co, $k dil $d $pad: the GEMM path\'s bits, 1 and 2 threads', (k) => {
    const avx512 = addon!.isa() === 'avx512f';
    for (const which of [0, 1, 2] as const)
      for (const special of [false, true])
        for (const threads of [1, 2]) {
          addon!.setThreads(threads);
          process.env.WORKBENCH_DILATED_DIRECT = '0';
          const before = addon!.counts().conv2dDilatedDirect;
          const off = run(k, which, special);
          expect(addon!.counts().conv2dDilatedDirect).toBe(before);
          delete process.env.WORKBENCH_DILATED_DIRECT;
          const on = run(k, which, special);
          const taken = avx512 && k.co % 16 === 0 && (which !== 1 || k.c % 16 === 0);
          expect(addon!.counts().conv2dDilatedDirect - before, `pass ${which}`).toBe(taken ? 1 : 0);
          const at = on.findIndex((v, i) => v !== off[i]);
          expect(at, `pass ${which} special ${special} threads ${threads}: first difference at ${at}`).toBe(-1);
        }
  });
});
