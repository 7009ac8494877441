// Tests the addon's matmulOptim (a weight gradient's GEMM with the optimizer update in its parts, native/src/optim.c):
// the same bits as matmul then optim on 1 and 2 threads, and as tfjs's own optimizers on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { randomValues } from '../reference.js';
import { addon, nativeMissing } from './setup.js';

const F = 4;
/** [M, N, K]: the seed ANN's three weight gradients (784x256 row split, 256x128, 128x10 single part), two column-split ones (few rows; wider than tall). */
const SHAPES: Array<[number, number, number]> = [[784, 256, 128], [256, 128, 128], [128, 10, 128], [40, 300, 64], [128, 256, 64]];
const KINDS = { adam: 0, momentum: 1, sgd: 2, rmsprop: 3 } as const;
const H: Record<keyof typeof KINDS, number[]> = {
  adam: [0.9, 1 - 0.9, 0.999, 1 - 0.999, Math.fround(1 - 0.9 ** 3), Math.fround(1 - 0.999 ** 3), 1e-7, -1e-3],
  momentum: [0.9, -1e-2, 0, 0, 0, 0, 0, 0], sgd: [0, -1e-2, 0, 0, 0, 0, 0, 0], rmsprop: [0.9, 0.1, 0.5, 1e-3, 1e-7, 0, 0, 0],
};

/** A plain heap with A (K x M, transposed as the step passes it), B (K x N), dW, w, s1, s2 laid out in turn. */
function setup(M: number, N: number, K: number, seed: number) {
  const sizes = [K * M, K * N, M * N, M * N, M * N, M * N];
  const offs: number[] = [];
  let at = 64;
  for (const s of sizes) {
    offs.push(at);
    at += Math.ceil((s * F) / 64) * 64 + 64;
  }
  const heap = new ArrayBuffer(at);
  const view = (i: number) => new Float32Array(heap, offs[i], sizes[i]);
  view(0).set(randomValues(sizes[0], seed));
  view(1).set(randomValues(sizes[1], seed + 1));
  view(3).set(randomValues(sizes[3], seed + 2));
  view(4).set(randomValues(sizes[4], seed + 3).map((v) => v * 0.01));
  view(5).set(randomValues(sizes[5], seed + 4).map((v) => v * v * 1e-3));
  return { heap, offs, view };
}

function fused(M: number, N: number, K: number, kind: keyof typeof KINDS, threads: number) {
  const { heap, offs, view } = setup(M, N, K, M + N + K);
  addon!.setThreads(threads);
  const [a, b, g, w, s1, s2] = offs;
  const args = new Float64Array(23);
  args.set([a, b, g, M, N, K, 1, 0, KINDS[kind], ...H[kind], w, s1, s2, w, s1, s2]);
  addon!.matmulOptim(heap, args);
  return [2, 3, 4, 5].map((i) => Buffer.from(view(i).slice().buffer));
}

function separate(M: number, N: number, K: number, kind: keyof typeof KINDS, threads: number) {
  const { heap, offs, view } = setup(M, N, K, M + N + K);
  addon!.setThreads(threads);
  const [a, b, g, w, s1, s2] = offs;
  addon!.matmul(heap, Float64Array.of(a, b, g, -1, 0, 1, 1, 1, M, N, K, 1, 0));
  addon!.optim(heap, Float64Array.of(KINDS[kind], 1, ...H[kind], w, g, s1, s2, w, s1, s2, M * N));
  return [2, 3, 4, 5].map((i) => Buffer.from(view(i).slice().buffer));
}

describe.skipIf(nativeMissing != null)(`native matmulOptim${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  afterAll(() => addon?.setThreads(2));

  const cases = SHAPES.flatMap((s) => (Object.keys(KINDS) as Array<keyof typeof KINDS>).map((k) => [...s, k] as const));
  it.each(cases)('%i x %i (K %i), %s: the bits of matmul then optim, on 1 and 2 threads', (M, N, K, kind) => {
    const before = addon!.counts().matmulOptim;
    const want = separate(M, N, K, kind, 1);
    for (const threads of [1, 2]) {
      const got = fused(M, N, K, kind, threads);
      ['dW', 'w', 's1', 's2'].forEach((name, i) => {
        if (kind === 'sgd' && i >= 2) return; // no state
        if (kind === 'momentum' && i === 3) return;
        expect(got[i].equals(want[i]), `${name} bit for bit, ${threads} threads`).toBe(true);
      });
      expect(separate(M, N, K, kind, threads).every((b, i) => b.equals(want[i])), 'separate calls on 2 threads').toBe(true);
    }
    expect(addon!.counts().matmulOptim - before).toBe(2);
  });

  it("equals tfjs's Adam on the cpu backend given the same gradient, and the GEMM tfjs's matMul", async () => {
    const [M, N, K] = [256, 128, 128];
    const { heap, offs, view } = setup(M, N, K, 5);
    const w0 = view(3).slice();
    const A = view(0).slice();
    const B = view(1).slice();
    addon!.setThreads(2);
    const [a, b, g, w] = offs;
    // Fresh state (zeros), step 1, as tfjs's Adam starts.
    view(4).fill(0);
    view(5).fill(0);
    const lr = 1e-3;
    const f32 = Math.fround; // 1 - beta^t as tfjs computes it: from the float32 beta power
    const h = [0.9, 1 - 0.9, 0.999, 1 - 0.999, f32(1 - f32(0.9)), f32(1 - f32(0.999)), 1e-7, -lr];
    const args = new Float64Array(23);
    args.set([a, b, g, M, N, K, 1, 0, 0, ...h, w, offs[4], offs[5], w, offs[4], offs[5]]);
    addon!.matmulOptim(heap, args);
    const prev = tf.getBackend();
    if (!(await tf.setBackend('cpu'))) throw new Error('no cpu backend');
    try {
      const ref = tf.tidy(() => tf.matMul(tf.tensor2d(A, [K, M]), tf.tensor2d(B, [K, N]), true, false).dataSync());
      const dW = view(2);
      let worst = 0;
      for (let i = 0; i < dW.length; i++) worst = Math.max(worst, Math.abs(dW[i] - ref[i]) / (1 + Math.abs(ref[i])));
      expect(worst).toBeLessThan(1e-5);
      const v = tf.variable(tf.tensor2d(w0, [M, N]), true, 'matmulOptimTestW');
      const opt = tf.train.adam(lr, 0.9, 0.999, 1e-7);
      opt.applyGradients([{ name: v.name, tensor: tf.tensor2d(dW.slice(), [M, N]) }]);
      const want = Float32Array.from(v.dataSync());
      expect(want.some((x, i) => x !== w0[i]), 'the weights moved').toBe(true);
      expect(Buffer.from(view(3).slice().buffer).equals(Buffer.from(want.buffer)), 'weights bit for bit').toBe(true);
      v.dispose();
      opt.dispose();
    } finally {
      if (prev) await tf.setBackend(prev);
    }
  });

  it('reads A from a Float32Array outside the heap when given one: the same bits', () => {
    const [M, N, K] = [784, 256, 128];
    const want = fused(M, N, K, 'adam', 2);
    const { heap, offs, view } = setup(M, N, K, M + N + K);
    const a = view(0).slice();
    view(0).fill(NaN); // not read
    const [, b, g, w, s1, s2] = offs;
    const args = new Float64Array(23);
    args.set([0, b, g, M, N, K, 1, 0, 0, ...H.adam, w, s1, s2, w, s1, s2]);
    addon!.matmulOptim(heap, args, a);
    [2, 3, 4, 5].forEach((i, k) => expect(Buffer.from(view(i).slice().buffer).equals(want[k]), `output ${i}`).toBe(true));
    args[0] = 4;
    expect(() => addon!.matmulOptim(heap, args, a)).toThrow(/outside the wasm heap/);
    expect(() => addon!.matmulOptim(heap, args, new Float64Array(4) as never)).toThrow(/Float32Array/);
  });

  it('refuses tensors outside the heap and bad sizes', () => {
    const heap = new ArrayBuffer(1024);
    const args = new Float64Array(23);
    args.set([0, 0, 0, 100, 100, 100, 1, 0, 0]);
    expect(() => addon!.matmulOptim(heap, args)).toThrow(/outside the wasm heap/);
    args[3] = 0;
    expect(() => addon!.matmulOptim(heap, args)).toThrow(/bad sizes/);
  });
});
