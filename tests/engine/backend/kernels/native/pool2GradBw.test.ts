// native/src/pool2_relu.c's WORKBENCH_POOL2_GRAD_BW pass (the next band's y prefetched, the bias sums 32 channels side
// by side): dz and db bit for bit those of the same kernel with the switch off, and of pooling.c's general pass
// (WORKBENCH_POOL2_RELU_GRAD=0; NaN equal to any NaN there), on 1 and 2 threads, with NaN, ±inf, -0 and ties, the seed CNN's shapes, odd sizes
// (a row and a column in no window) and channel counts not a multiple of 32; the path counted.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_POOL2_GRAD_BW;
  delete process.env.WORKBENCH_POOL2_RELU_GRAD;
});

// [n, h, w, c]: the seed CNN's two pools (batch cut so 2 parts split an image mid-band), odd sizes, 8..72 channels.
const shapes: [number, number, number, number][] = [
  [5, 26, 26, 32], [9, 11, 11, 64], [7, 11, 13, 64], [3, 12, 10, 40], [4, 9, 14, 8], [3, 7, 7, 72], [2, 2, 2, 96], [40, 9, 14, 16],
];

/** y: a relu output with zeros (ties), -0, repeated maxima, and with `specials` NaN, ±inf; dy with -0 (and NaN, ±inf).
 *  Without specials db is finite, so its sums' order shows in its bits. */
function inputs(n: number, h: number, w: number, c: number, specials: boolean): [Float32Array, Float32Array] {
  const y = randomValues(n * h * w * c, 5 + c).map((x) => (x < 0 ? 0 : x < 0.5 ? Math.round(x * 16) / 16 : x));
  for (let i = 0; i < y.length; i += 17) y[i] = -0;
  const dy = randomValues(n * Math.floor(h / 2) * Math.floor(w / 2) * c, 29);
  for (let i = 0; i < dy.length; i += 13) dy[i] = -0;
  if (!specials) return [y, dy];
  for (let i = 11; i < y.length; i += 97) y[i] = NaN;
  for (let i = 3; i < y.length; i += 131) y[i] = -Infinity;
  for (let i = 7; i < y.length; i += 151) y[i] = Infinity;
  for (let i = 4; i < dy.length; i += 101) dy[i] = NaN;
  for (let i = 6; i < dy.length; i += 89) dy[i] = Infinity;
  for (let i = 8; i < dy.length; i += 103) dy[i] = -Infinity;
  return [y, dy];
}

/** [dz, db] as bits, through the addon on a heap of its own; dz and db pre-filled with garbage. */
function run(n: number, h: number, w: number, c: number, threads: number, specials: boolean): Uint32Array[] {
  const [y, dy] = inputs(n, h, w, c, specials);
  const bytes = 4 * (2 * y.length + dy.length + c);
  const heap = new ArrayBuffer(bytes);
  const f = new Float32Array(heap);
  f.set(y, 0);
  f.set(dy, y.length);
  f.fill(12345.5, y.length + dy.length);
  const Y = 0, DY = 4 * y.length, DZ = DY + 4 * dy.length, DB = DZ + 4 * y.length;
  addon!.setThreads(threads);
  addon!.maxPoolReluGrad(heap, Float64Array.of(Y, DY, DZ, DB, n, h, w, c, 2, 2, Math.floor(h / 2), Math.floor(w / 2), 2, 2, 0, 0));
  return [new Uint32Array(heap, DZ, y.length).slice(), new Uint32Array(heap, DB, c).slice()];
}

/** Bits with every NaN as one pattern. */
const nanless = (bits: Uint32Array) => bits.map((b) => ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0 ? 0x7fc00000 : b));

describe.skipIf(nativeMissing != null)(`pool2 relu grad, prefetch + wide bias sums${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  for (const [n, h, w, c] of shapes) {
    it(`[${n}x${h}x${w}x${c}]: the bits of the switch off and of the general pass, 1 and 2 threads`, () => {
      for (const [threads, specials] of [[1, true], [2, true], [1, false], [2, false]] as const) {
        const before = addon!.counts().maxPoolReluGrad2x2Bw;
        const on = run(n, h, w, c, threads, specials);
        expect(addon!.counts().maxPoolReluGrad2x2Bw - before, 'WORKBENCH_POOL2_GRAD_BW calls').toBe(1);
        process.env.WORKBENCH_POOL2_GRAD_BW = '0';
        const off = run(n, h, w, c, threads, specials);
        expect(addon!.counts().maxPoolReluGrad2x2Bw - before, 'no call with the switch off').toBe(1);
        process.env.WORKBENCH_POOL2_RELU_GRAD = '0';
        const general = run(n, h, w, c, threads, specials);
        delete process.env.WORKBENCH_POOL2_GRAD_BW;
        delete process.env.WORKBENCH_POOL2_RELU_GRAD;
        for (const [k, name] of ['dz', 'db'].entries()) {
          expect(on[k], `${name}, ${threads} thread(s), specials ${specials}, switch off`).toEqual(off[k]);
          // The general pass (pooling.c) may carry another NaN's sign and payload (as before this pass): NaN equals NaN there.
          expect(nanless(on[k]), `${name}, ${threads} thread(s), specials ${specials}, general pass`).toEqual(nanless(general[k]));
        }
      }
      // dz does not depend on the thread count (db's parts do, as before).
      expect(run(n, h, w, c, 1, true)[0]).toEqual(run(n, h, w, c, 2, true)[0]);
    });
  }
});
