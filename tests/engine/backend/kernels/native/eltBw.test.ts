// WORKBENCH_ELT_BW's passes (native/src/eltbw.c, pad.c, broadcast.c, pooling.c) straight through the addon: PadV2 with
// unpadded axes merged, rank-1 broadcasts (LeakyReLU vectorised, Select, arithmetic, comparisons) split by elements,
// max pooling's 2x2 stride-2 gradient a band at a time, a slice's row blocks copied each in turn. Each gives the bits of the pass it replaces (the switch off) on
// 1 and 2 threads, with NaN, ±Inf, -0, denormals and ties; the counters prove which path ran. Then the same paths
// reached from tfjs ops on the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterAll(() => addon?.setThreads(2));
afterEach(() => {
  delete process.env.WORKBENCH_ELT_BW;
});

const MB = 1 << 20;
const heap = new ArrayBuffer(64 * MB);
const f32 = new Float32Array(heap);
const u8 = new Uint8Array(heap);
// Byte offsets of the operands and the output.
const A = 0, B = 16 * MB, C = 32 * MB, O = 48 * MB;

/** Deterministic values with specials: NaN, ±Inf, ±0, denormals, and many ties (multiples of 1/8). */
function fill(at: number, n: number, seed: number) {
  const v = f32.subarray(at / 4, at / 4 + n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = Math.round(((s >>> 8) / (1 << 24) - 0.5) * 64) / 8;
  }
  const specials = [NaN, Infinity, -Infinity, -0, 0, 1e-40, -1e-40, -3e-39, 3.4e38, -3.4e38];
  for (let i = 3; i < n; i += 97) v[i] = specials[(i / 97 | 0) % specials.length];
}

/** The output bytes of `call` with the switch off and on, on `threads` threads, and the path counter's increase. */
function offOn(threads: number, outBytes: number, counter: 'padMerged' | 'broadcastFlat' | 'maxPoolGrad2x2' | 'copyRowsBlocks', call: () => void) {
  addon!.setThreads(threads);
  u8.fill(0xa5, O, O + outBytes); // a value the kernel did not write shows
  process.env.WORKBENCH_ELT_BW = '0';
  const c0 = addon!.counts()[counter];
  call();
  expect(addon!.counts()[counter] - c0, 'switched off').toBe(0);
  const off = u8.slice(O, O + outBytes);
  delete process.env.WORKBENCH_ELT_BW;
  u8.fill(0x5a, O, O + outBytes);
  call();
  const ran = addon!.counts()[counter] - c0;
  const on = u8.slice(O, O + outBytes);
  return { off, on, ran };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe.skipIf(nativeMissing != null)(`memory-bound passes (WORKBENCH_ELT_BW)${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  // [shape, paddings, value, merges]: merges = some axis from 2 on has no padding.
  const pads: [number[], [number, number][], number, boolean][] = [
    [[128, 28, 28, 16], [[0, 0], [1, 1], [1, 1], [0, 0]], 0, true], // residual-sep's ZeroPadding2D
    [[3, 5, 7, 3], [[0, 0], [2, 1], [0, 0], [0, 0]], 1.5, true], // two axes merge into axis 1
    [[2, 3, 4, 5, 3], [[1, 0], [0, 2], [0, 0], [1, 1], [0, 0]], -0, true], // a middle axis merges, -0 written as -0
    [[5, 7, 9], [[0, 0], [0, 0], [2, 3]], 0, false], // only the last axis padded: nothing to merge
    [[1, 1001], [[0, 0], [3, 4]], -2, false], // rank 1 as [1, n]
    [[4, 6, 1, 5], [[1, 1], [0, 0], [0, 0], [0, 0]], 0, true], // only axis 0 padded
  ];
  it.each(pads)('PadV2 %j by %j (value %d): the unmerged bits, 1 and 2 threads', (shape, paddings, value, merges) => {
    const inN = shape.reduce((p, q) => p * q, 1);
    const outN = shape.reduce((p, q, i) => p * (q + paddings[i][0] + paddings[i][1]), 1);
    fill(A, inN, 7 + shape.length);
    const args = Float64Array.from([A, O, shape.length, value, ...shape.flatMap((s, i) => [s, ...paddings[i]])]);
    for (const threads of [1, 2]) {
      const r = offOn(threads, 4 * outN, 'padMerged', () => addon!.pad(heap, args));
      expect(r.ran, 'merged-axes calls').toBe(merges ? 1 : 0);
      expect(same(r.on, r.off), `bits, ${threads} threads`).toBe(true);
    }
  });

  const BC = { add: 0, mul: 2, div: 3, select: 4, greater: 6, lessEqual: 9, prelu: 10, leaky: 11 };
  // [name, op, n, sb (0: b a scalar), scalar]
  const flats: [string, number, number, number, number][] = [
    ['leaky 0.1', BC.leaky, 128 * 784 * 16, 1, 0.1], // residual-sep's LeakyReLU
    ['leaky 0.3, odd size', BC.leaky, 32768 + 4099, 1, 0.3],
    ['leaky 1e-3, under the vector width', BC.leaky, 40000 + 13, 1, 1e-3],
    ['select', BC.select, 50001, 1, 0],
    ['multiply', BC.mul, 70001, 1, 0],
    ['divide by a scalar', BC.div, 33333, 0, 0],
    ['add a scalar', BC.add, 65537, 0, 0],
    ['greater (bytes)', BC.greater, 40961, 1, 0],
    ['less-equal a scalar (bytes)', BC.lessEqual, 40003, 0, 0],
    ['prelu by a scalar', BC.prelu, 36001, 0, 0],
  ];
  it.each(flats)('rank-1 %s: the single-row bits, 1 and 2 threads', (_name, op, n, sb, scalar) => {
    fill(A, n, 11);
    fill(B, n, 13);
    for (let i = 0; i < n; i++) u8[C + i] = (i * 7) % 3 === 0 ? 1 : 0;
    const isBool = op >= 5 && op <= 9;
    const args = Float64Array.of(op, A, op === BC.leaky ? -1 : B, op === BC.select ? C : -1, O, 1, n, 1, sb, scalar);
    for (const threads of [1, 2]) {
      const r = offOn(threads, isBool ? n : 4 * n, 'broadcastFlat', () => addon!.broadcast(heap, args));
      expect(r.ran, 'split calls').toBe(1);
      expect(same(r.on, r.off), `bits, ${threads} threads`).toBe(true);
    }
  });

  it('rank-1 LeakyReLU below the split size stays on the row pass', () => {
    fill(A, 1000, 3);
    const r = offOn(2, 4000, 'broadcastFlat', () => addon!.broadcast(heap, Float64Array.of(BC.leaky, A, -1, -1, O, 1, 1000, 1, 0, 0.2)));
    expect(r.ran).toBe(0);
    expect(same(r.on, r.off)).toBe(true);
  });

  // [n, h, w, c, covered by the 2x2 pass]
  const pools: [number, number, number, number, boolean][] = [
    [128, 28, 28, 16, true], // residual-sep's pool1
    [5, 22, 18, 24, true],
    [3, 2, 2, 8, true],
    [2, 9, 8, 16, false], // odd height: a row in no window
    [2, 8, 8, 12, false], // channels not a multiple of 8
  ];
  it.each(pools)('MaxPoolGrad %i×%i×%i×%i 2x2/2: the tiled pass\'s bits, 1 and 2 threads', (n, h, w, c, covered) => {
    const oh = Math.floor(h / 2), ow = Math.floor(w / 2);
    fill(A, n * h * w * c, 17);
    // One image's first channel all -inf (its windows route nothing), another's all equal (ties: the first wins).
    for (let p = 0; p < h * w; p++) f32[A / 4 + p * c] = -Infinity;
    if (n > 1) for (let p = 0; p < h * w; p++) f32[A / 4 + (h * w + p) * c + 1] = 0.5;
    fill(B, n * oh * ow * c, 19);
    const args = Float64Array.of(A, B, O, n, h, w, c, 2, 2, oh, ow, 2, 2, 0, 0);
    for (const threads of [1, 2]) {
      const r = offOn(threads, 4 * n * h * w * c, 'maxPoolGrad2x2', () => addon!.maxPoolGrad(heap, args));
      expect(r.ran, '2x2 calls').toBe(covered ? 1 : 0);
      expect(same(r.on, r.off), `bits, ${threads} threads`).toBe(true);
    }
  });

  // Copy plans: [name, copies as [src, dst, rows, srcStride, dstStride, width] in elements, blocks (not interleaved)]
  const rowsN = 130;
  const copyPlans: [string, number[][], boolean][] = [
    // residual-sep's interior slice [N,30,30,16] -> 28x28, N = 9: one copy per image
    ['slice 9x30x30x16 -> 28x28', Array.from({ length: 9 }, (_, c) => [c * 900 * 16 + 31 * 16, c * 784 * 16, 28, 480, 448, 448]), true],
    // a concatenation of widths 32, 32, 32, 16 into 112, and its split: the shared wide rows stay interleaved
    ['concat 32+32+32+16', [[0, 0, rowsN, 32, 112, 32], [rowsN * 32, 32, rowsN, 32, 112, 32], [2 * rowsN * 32, 64, rowsN, 32, 112, 32], [3 * rowsN * 32, 96, rowsN, 16, 112, 16]], false],
    ['split 112 -> 32+32+32+16', [[0, 0, rowsN, 112, 32, 32], [32, rowsN * 32, rowsN, 112, 32, 32], [64, 2 * rowsN * 32, rowsN, 112, 32, 32], [96, 3 * rowsN * 32, rowsN, 112, 16, 16]], false],
    ['odd slice blocks (7 rows of 5 of 13)', Array.from({ length: 300 }, (_, c) => [c * 13 * 11 + 3, c * 35, 7, 13, 5, 5]), true],
  ];
  it.each(copyPlans)('copyRows %s: the same bytes, 1 and 2 threads', (_name, plan, blocks) => {
    fill(A, 4 * MB / 4, 23);
    const outN = Math.max(...plan.map(([, d, r, , ds, w]) => d + (r - 1) * ds + w));
    const args = Float64Array.from([plan.length, ...plan.flatMap(([sr, d, r, ss, ds, w]) => [A + 4 * sr, O + 4 * d, r, ss, ds, w])]);
    for (const threads of [1, 2]) {
      const r = offOn(threads, 4 * outN, 'copyRowsBlocks', () => addon!.copyRows(heap, args));
      expect(r.ran, 'block-order calls').toBe(blocks ? 1 : 0);
      expect(same(r.on, r.off), `bytes, ${threads} threads`).toBe(true);
    }
  });

  it('tfjs ops on the wasm backend reach the passes, with the bits of the switch off', async () => {
    await tf.setBackend('wasm');
    addon!.setThreads(2);
    const run = (): Uint8Array[] => tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from({ length: 8 * 28 * 28 * 16 }, (_, i) => ((i * 37) % 101 - 50) / 16), [8, 28, 28, 16]);
      const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const leaky = tf.leakyRelu(x, 0.1);
      const y = tf.maxPool(x, 2, 2, 'valid');
      const dy = tf.onesLike(y).mul(tf.scalar(0.25));
      const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' } as never) as tf.Tensor;
      const inner = tf.slice(padded, [0, 1, 1, 0], [8, 28, 28, 16]);
      return [padded, leaky, dx, inner].map((t) => new Uint8Array(t.dataSync().slice().buffer));
    });
    process.env.WORKBENCH_ELT_BW = '0';
    const off = run();
    delete process.env.WORKBENCH_ELT_BW;
    const before = addon!.counts();
    const on = run();
    const after = addon!.counts();
    expect([after.padMerged - before.padMerged, after.broadcastFlat - before.broadcastFlat, after.maxPoolGrad2x2 - before.maxPoolGrad2x2,
      after.copyRowsBlocks - before.copyRowsBlocks]).toEqual([1, 1, 1, 1]);
    on.forEach((v, k) => expect(Buffer.from(v.buffer).equals(Buffer.from(off[k].buffer)), `output ${k}`).toBe(true));
  });
});
