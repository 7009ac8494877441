// The depthwise register kernels (native/src/depthwise_avx512.c; off: WORKBENCH_DW_VEC=0): forward, input and filter
// gradient must give the row loops' bits (depthwise.c) for residual-sep's shapes and odd ones (channel tails, odd
// sizes, strides, dilations, padding on both sides, NaN/±Inf/−0 inputs) on 1 and 2 threads, and be counted where taken.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { depthwiseGeometry } from '../../../../../electron/engine/backend/kernels/native/Depthwise.js';
import { randomValues } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => { delete process.env.WORKBENCH_DW_VEC; });

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { n: number; h: number; w: number; c: number; m: number; k: [number, number]; s: [number, number]; d: [number, number]; pad: Pad }

const cases: Case[] = [
  { n: 6, h: 30, w: 30, c: 16, m: 1, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'valid' }, // residual-sep's stem
  { n: 5, h: 14, w: 14, c: 16, m: 1, k: [3, 3], s: [1, 1], d: [2, 2], pad: 'same' },
  { n: 5, h: 14, w: 14, c: 48, m: 1, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'valid' },
  { n: 7, h: 6, w: 6, c: 64, m: 1, k: [3, 3], s: [1, 1], d: [2, 2], pad: 'same' },
  { n: 3, h: 13, w: 11, c: 21, m: 1, k: [3, 3], s: [2, 2], d: [1, 1], pad: 'same' }, // 16 + 5 channels, pad both sides
  { n: 2, h: 9, w: 12, c: 5, m: 1, k: [3, 3], s: [1, 2], d: [1, 1], pad: [[0, 0], [2, 1], [1, 2], [0, 0]] },
  { n: 3, h: 11, w: 10, c: 40, m: 1, k: [3, 3], s: [1, 1], d: [3, 2], pad: 'same' },
  { n: 2, h: 10, w: 9, c: 13, m: 1, k: [5, 2], s: [2, 1], d: [1, 1], pad: 'same' }, // not 3x3: dW keeps the row loops
  { n: 2, h: 31, w: 29, c: 32, m: 1, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'same' }, // rows of 29, 31: blocks with a tail
  { n: 3, h: 12, w: 25, c: 16, m: 1, k: [3, 3], s: [2, 3], d: [1, 1], pad: 'same' },
  { n: 2, h: 9, w: 7, c: 17, m: 1, k: [1, 7], s: [1, 1], d: [1, 1], pad: 'valid' }, // one output column
  { n: 2, h: 5, w: 4, c: 16, m: 1, k: [3, 3], s: [1, 1], d: [4, 4], pad: 'same' }, // taps beyond the image
  { n: 2, h: 8, w: 8, c: 16, m: 2, k: [3, 3], s: [1, 1], d: [1, 1], pad: 'same' }, // multiplier 2: not taken
];

function run(k: Case, which: 0 | 1 | 2, special: boolean): Uint32Array {
  const fShape = [...k.k, k.c, k.m];
  const g = depthwiseGeometry([k.n, k.h, k.w, k.c], fShape, { strides: k.s, pad: k.pad, dilations: k.d })!;
  const nx = k.n * k.h * k.w * k.c, nf = k.k[0] * k.k[1] * k.c * k.m, ny = g[0] * g[7] * g[8] * k.c * k.m;
  const no = Math.max(nx, ny); // the forward's or the input gradient's output
  const heap = new ArrayBuffer(4 * (nx + nf + ny + no + nf));
  const f32 = new Float32Array(heap);
  f32.set(randomValues(nx, 71 + k.c), 0);
  f32.set(randomValues(nf, 72), nx);
  f32.set(randomValues(ny, 73), nx + nf);
  if (special) {
    [f32[3], f32[k.w * k.c + 5], f32[2 * k.w * k.c + 1], f32[nx - 1]] = [NaN, -0, Infinity, -Infinity];
    [f32[nx + nf + 2], f32[nx + nf + ny - 1]] = [-0, NaN];
    f32.fill(-0, nx + nf + 7 * k.c, nx + nf + 9 * k.c); // a run of −0 in dy (sums of −0 products)
    f32.fill(-0, 5 * k.c, 8 * k.c);
  }
  const [x, f, dy, outX, outF] = [0, nx, nx + nf, nx + nf + ny, nx + nf + ny + no].map((i) => 4 * i);
  if (which === 0) addon!.depthwise(heap, Float64Array.of(x, f, outX, ...g));
  else if (which === 1) addon!.depthwiseInputGrad(heap, Float64Array.of(dy, f, outX, ...g));
  else addon!.depthwiseFilterGrad(heap, Float64Array.of(x, dy, outF, ...g));
  return which === 2 ? new Uint32Array(heap, outF, nf) : which === 0
    ? new Uint32Array(heap, outX, ny) : new Uint32Array(heap, outX, nx);
}

describe.skipIf(nativeMissing != null)(`depthwise register kernels${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases)('$n×$h×$w×$c m$m $k stride $s dil $d pad $pad: the row loops\' bits, 1 and 2 threads', (k) => {
    const taken = addon!.isa() === 'avx512f' && k.m === 1;
    for (const which of [0, 1, 2] as const)
      for (const special of [false, true]) {
        let ref: Uint32Array | null = null;
        for (const threads of [1, 2]) {
          addon!.setThreads(threads);
          process.env.WORKBENCH_DW_VEC = '0';
          const before = addon!.counts().depthwiseVec;
          const off = run(k, which, special);
          expect(addon!.counts().depthwiseVec).toBe(before);
          delete process.env.WORKBENCH_DW_VEC;
          const on = run(k, which, special);
          // Taken: the forward; the input gradient at stride 1 across; the filter gradient of 3×3 kernels.
          const countedHere = taken && (which === 0 || (which === 1 ? k.s[1] === 1 : k.k[0] === 3 && k.k[1] === 3));
          expect(addon!.counts().depthwiseVec - before).toBe(countedHere ? 1 : 0);
          expect(Array.from(on)).toEqual(Array.from(off));
          if (ref == null) ref = off;
          else expect(Array.from(off)).toEqual(Array.from(ref)); // 1 vs 2 threads
        }
      }
  });
});
