// gemm_kernel.c's transposed-B packing column by column (WORKBENCH_GEMM_PACK_ROWS): every matmul the bits of the plain
// packing (switch off), for the seed CNN's Dense-layer GEMMs and odd sizes (partial tiles, N < one tile, two k blocks),
// every transpose combination, the bias and relu epilogue, batches with a broadcast side, NaN/±Inf/−0 inputs, on 1 and
// 2 threads; the path counted.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => delete process.env.WORKBENCH_GEMM_PACK_ROWS);

// [m, n, k, batch, batchB]
const shapes: [number, number, number, number, number][] = [
  [128, 1600, 128, 1, 1], // the Dense layer's dx = dy . W^T
  [128, 128, 1600, 1, 1], // its forward (x . W) and, transposed, dW = x^T . dy
  [1600, 128, 128, 1, 1],
  [130, 70, 300, 1, 1], // two k blocks, partial tiles both ways
  [7, 1000, 33, 1, 1], // few rows: columns split, a partial last tile
  [9, 31, 5, 1, 1], // N below one tile
  [17, 65, 19, 3, 1], // batches, B broadcast
];

function values(size: number, seed: number, specials: boolean): Float32Array {
  const v = randomValues(size, seed);
  for (let i = 0; i < size; i += 23) v[i] = -0;
  if (specials) {
    for (let i = 5; i < size; i += 997) v[i] = NaN;
    for (let i = 9; i < size; i += 1009) v[i] = Infinity;
    for (let i = 13; i < size; i += 1013) v[i] = -Infinity;
  }
  return v;
}

/** C's bits from the addon: A [batch, m, k] (or [batch, k, m]), B [batchB, k, n] (or [batchB, n, k]), bias [n]. */
function run(m: number, n: number, k: number, batch: number, batchB: number, ta: number, tb: number, act: number, specials: boolean, threads: number): Uint32Array {
  const la = batch * m * k, lb = batchB * k * n, lc = batch * m * n;
  const heap = new ArrayBuffer(4 * (la + lb + n + lc));
  const f = new Float32Array(heap);
  f.set(values(la, 3 + m, specials), 0);
  f.set(values(lb, 7 + n, specials), la);
  f.set(values(n, 11, false), la + lb);
  f.fill(777, la + lb + n);
  const A = 0, B = 4 * la, BIAS = B + 4 * lb, C = BIAS + 4 * n;
  addon!.setThreads(threads);
  addon!.matmul(heap, Float64Array.of(A, B, C, act < 0 ? -1 : BIAS, Math.max(act, 0), batch, batch, batchB, m, n, k, ta, tb));
  return new Uint32Array(heap, C, lc).slice();
}

/** Index of the first element whose bits differ, or -1. */
const firstDiff = (a: Uint32Array, b: Uint32Array) => (a.length !== b.length ? 0 : a.findIndex((v, i) => v !== b[i]));

describe.skipIf(nativeMissing != null)(`GEMM transposed-B packing by columns${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  for (const [m, n, k, batch, batchB] of shapes) {
    it(`${batch}x[${m}x${k}].[${k}x${n}]: the bits of the plain packing, every transpose, epilogue, 1 and 2 threads`, () => {
      for (const [ta, tb] of [[0, 1], [1, 1], [0, 0], [1, 0]])
        for (const act of tb ? [-1, 0, 1] : [-1])
          for (const specials of [false, true])
            for (const threads of [1, 2]) {
              const before = addon!.counts().gemmPackRows;
              const on = run(m, n, k, batch, batchB, ta, tb, act, specials, threads);
              expect(addon!.counts().gemmPackRows, 'gemmPackRows calls').toBeGreaterThan(before);
              process.env.WORKBENCH_GEMM_PACK_ROWS = '0';
              const mid = addon!.counts().gemmPackRows;
              const off = run(m, n, k, batch, batchB, ta, tb, act, specials, threads);
              expect(addon!.counts().gemmPackRows, 'no gemmPackRows call with the switch off').toBe(mid);
              delete process.env.WORKBENCH_GEMM_PACK_ROWS;
              expect(firstDiff(on, off), `ta ${ta} tb ${tb} act ${act} specials ${specials} threads ${threads}: first differing element`).toBe(-1);
            }
      // The output does not depend on the thread count.
      expect(firstDiff(run(m, n, k, batch, batchB, 0, 1, 1, true, 1), run(m, n, k, batch, batchB, 0, 1, 1, true, 2))).toBe(-1);
    });
  }
});
