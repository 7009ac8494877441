// Tests the GEMM's narrow last column tile (gemm_kernel.c micro_narrow: N % NR at most one vector, e.g. 10 classes):
// every element bit-equal to the same element computed inside a full-width tile, and close to tfjs's cpu matMul.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { randomValues } from '../reference.js';
import { addon, nativeMissing } from './setup.js';

/** C = A·B for A [M, K] and B [K, N] (row-major) on a plain heap, with the given threads. */
function gemm(a: Float32Array, b: Float32Array, M: number, N: number, K: number, threads: number): Float32Array {
  const heap = new ArrayBuffer(4 * (M * K + K * N + M * N));
  new Float32Array(heap, 0, M * K).set(a);
  new Float32Array(heap, 4 * M * K, K * N).set(b);
  addon!.setThreads(threads);
  addon!.matmul(heap, Float64Array.of(0, 4 * M * K, 4 * (M * K + K * N), -1, 0, 1, 1, 1, M, N, K, 0, 0));
  return new Float32Array(heap, 4 * (M * K + K * N), M * N).slice();
}

describe.skipIf(nativeMissing != null)(`GEMM narrow column tails${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each([[128, 10, 128], [1000, 10, 128], [64, 4, 300], [33, 40, 70], [150, 100, 257], [8, 16, 5]])(
    '%i x %i (K %i): the bits of the same columns inside a wider product, 1 and 2 threads', (M, N, K) => {
      const a = randomValues(M * K, M + K);
      const bNarrow = randomValues(K * N, N + K);
      // B widened to whole 32-column tiles (the widest register tile) and at least 64: its first N columns are bNarrow's,
      // so columns 0..N of C are the same sums, computed in full tiles.
      const W = Math.max(64, Math.ceil(N / 32) * 32);
      const bWide = randomValues(K * W, 3);
      for (let k = 0; k < K; k++) bWide.set(bNarrow.subarray(k * N, (k + 1) * N), k * W);
      for (const threads of [1, 2]) {
        const narrow = gemm(a, bNarrow, M, N, K, threads);
        const wide = gemm(a, bWide, M, W, K, threads);
        const cols = new Float32Array(M * N);
        for (let r = 0; r < M; r++) cols.set(wide.subarray(r * W, r * W + N), r * N);
        expect(Buffer.from(narrow.buffer).equals(Buffer.from(cols.buffer)), `${threads} threads`).toBe(true);
      }
      const ref = tf.tidy(() => tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(bNarrow, [K, N])).dataSync());
      const got = gemm(a, bNarrow, M, N, K, 2);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (1 + Math.abs(ref[i])));
      expect(worst).toBeLessThan(1e-5);
      addon!.setThreads(2);
    });
});
