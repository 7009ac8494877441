// Tests the native row-copy kernels (Concat and SplitV on any axis, Slice) on wasm against the 'cpu' backend: exact.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from '../reference.js';
import { addon, expectSameAsCpu, nativeMissing, useNative } from './setup.js';
import { sliceCopies } from '../../../../../electron/engine/backend/kernels/native/Slice.js';

beforeAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

const same = expectSameAsCpu;

const t = (shape: number[], seed: number, dtype: 'float32' | 'int32' = 'float32') =>
  dtype === 'int32' ? tf.tensor(Int32Array.from(randomValues(size(shape), seed), (v) => Math.round(v * 1000)), shape, 'int32')
    : tf.tensor(randomValues(size(shape), seed), shape);

describe.skipIf(nativeMissing != null)(`native Concat, SplitV and Slice equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each([
    { shapes: [[4, 5, 5, 16], [4, 5, 5, 32], [4, 5, 5, 3]], axis: 3 },
    { shapes: [[4, 5, 5, 16], [4, 5, 5, 32]], axis: -1 },
    { shapes: [[3, 4, 7], [3, 2, 7], [3, 5, 7]], axis: 1 },
    { shapes: [[2, 3], [5, 3]], axis: 0 },
    { shapes: [[6, 7, 9], [6, 7, 1]], axis: 2 },
  ])('Concat of $shapes on axis $axis', async ({ shapes, axis }) => {
    await same('copyRows', () => tf.concat(shapes.map((s, i) => t(s, i + 1)), axis));
  });

  it('Concat of int32 tensors, and the bench model\'s four branches (32×14×14×{32,32,32,16})', async () => {
    await same('copyRows', () => tf.concat([t([3, 4, 5], 1, 'int32'), t([3, 4, 2], 2, 'int32')], 2));
    await same('copyRows', () => tf.concat([32, 32, 32, 16].map((c, i) => t([32, 14, 14, c], i)), 3));
  });

  it.each([
    { shape: [4, 5, 5, 112], sizes: [32, 32, 32, 16], axis: 3 },
    { shape: [4, 6, 3], sizes: [1, 2, 3], axis: 1 },
    { shape: [9, 4], sizes: 3, axis: 0 },
    { shape: [5, 8, 6], sizes: [2, -1], axis: -1 },
  ])('SplitV of $shape into $sizes on axis $axis', async ({ shape, sizes, axis }) => {
    await same('copyRows', () => tf.split(t(shape, 3), sizes, axis));
  });

  it('copies a concatenation\'s and a split\'s rows interleaved (counter), with WORKBENCH_NATIVE_COPY=plain one copy after another: the same bytes, on 1 and 2 threads', async () => {
    const run = () => {
      let out: Float32Array[] = [];
      tf.tidy(() => {
        const parts = [32, 32, 32, 16, 5, 64, 1].map((c, i) => t([40, 14, 14, c], 10 + i));
        const cat = tf.concat(parts, 3);
        out = [cat, ...tf.split(cat, [32, 32, 32, 16, 5, 64, 1], 3)].map((o) => Float32Array.from(o.dataSync()));
      });
      return out;
    };
    await tf.setBackend('wasm');
    const c0 = addon!.counts().copyRowsInterleaved;
    const inter = run();
    expect(addon!.counts().copyRowsInterleaved - c0, 'interleaved calls').toBe(2);
    process.env.WORKBENCH_NATIVE_COPY = 'plain';
    try {
      for (const threads of [1, 2]) {
        addon!.setThreads(threads);
        const c1 = addon!.counts().copyRowsInterleaved;
        const plain = run();
        expect(addon!.counts().copyRowsInterleaved, 'the switch').toBe(c1);
        plain.forEach((p, i) => expect(Buffer.from(p.buffer).equals(Buffer.from(inter[i].buffer)), `${threads} thread(s), output ${i}`).toBe(true));
      }
    } finally {
      delete process.env.WORKBENCH_NATIVE_COPY;
      addon!.setThreads(2);
    }
  });

  it('Concat\'s gradient (SplitV) through tf.grad equals cpu and runs natively', async () => {
    const fn = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.concat([a, b], 3))))([t([8, 9, 9, 20], 1), t([8, 9, 9, 12], 2)]);
    await same('copyRows', fn);
  });

  it.each([
    { shape: [128, 30, 30, 16], begin: [0, 1, 1, 0], size: [128, 28, 28, 16] },
    { shape: [6, 9, 40, 70], begin: [1, 2, 3, 1], size: [4, 5, 30, 60] },
    { shape: [40, 3000], begin: [0, 100], size: [40, 1000] },
    { shape: [3, 40, 50, 20], begin: [0, 0, 5, 0], size: [3, 40, 40, 20] },
    { shape: [2, 3, 4, 100, 60], begin: [0, 1, 0, 3, 0], size: [2, 2, 4, 90, 60] },
  ])('Slice $shape at $begin of $size', async ({ shape, begin, size: sz }) => {
    await same('copyRows', () => tf.slice(t(shape, 4), begin, sz));
  });

  it('leaves contiguous and small slices, and bool concatenations, to the shipped kernels', async () => {
    await same('copyRows', () => tf.slice(t([64, 30, 30], 5), [10, 0, 0], [20, 30, 30]), false);
    await same('copyRows', () => tf.slice(t([4, 5, 6], 5), [1, 1, 1], [2, 2, 2]), false);
    await same('copyRows', () => tf.concat([tf.tensor([true, false], [2], 'bool'), tf.tensor([true], [1], 'bool')]), false);
  });

  it('plans a slice cut on many axes as at most 4096 copies, else leaves it', () => {
    expect(sliceCopies([128, 30, 30, 16], [0, 1, 1, 0], [128, 28, 28, 16])).toMatchObject({ rows: 28, srcStride: 480, width: 448 });
    expect(sliceCopies([128, 30, 30, 16], [0, 1, 1, 0], [128, 28, 28, 16])!.src).toHaveLength(128);
    expect(sliceCopies([100, 100, 3, 4], [1, 1, 1, 1], [99, 99, 2, 3])).toBeNull();
  });

  it('rejects copies that would leave the heap', () => {
    const heap = new ArrayBuffer(1024);
    expect(() => addon!.copyRows(heap, Float64Array.of(1, 0, 512, 2, 100, 100, 100))).toThrow(/outside the wasm heap/);
    expect(() => addon!.copyRows(heap, Float64Array.of(1, 0, 512, 2, 10, 20, 20))).toThrow(/bad sizes/);
  });
});
