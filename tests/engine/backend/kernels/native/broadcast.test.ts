// Tests the native broadcast binary ops, comparisons and Select on wasm against the 'cpu' backend: exact, NaN included.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from '../reference.js';
import { addon, expectNative, expectSame, nativeMissing, useNative } from './setup.js';
import { broadcastGeometry } from '../../../../../electron/engine/backend/kernels/native/Broadcast.js';

beforeAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);


/** Seeded values with repeats (so equality holds somewhere), a NaN and infinities. */
function values(shape: number[], seed: number): Float32Array {
  const v = randomValues(size(shape), seed).map((x) => Math.round(x * 8) / 8);
  if (v.length > 3) [v[0], v[1], v[2]] = [NaN, Infinity, -Infinity];
  return v;
}

async function on(backend: string, fn: () => tf.Tensor) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = fn();
    return { shape: out.shape, dtype: out.dtype, values: out.dataSync() };
  });
}

async function same(fn: () => tf.Tensor, native = true) {
  const got = await expectNative('broadcast', () => on('wasm', fn), native);
  expectSame(got, await on('cpu', fn));
}

const OPS: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  equal: tf.equal, greater: tf.greater, greaterEqual: tf.greaterEqual, less: tf.less, lessEqual: tf.lessEqual,
  sub: tf.sub, div: tf.div, mul: tf.mul, add: tf.add,
};

// Global max pooling's mask, leaky ReLU's x > 0, layer norm's per-row and per-channel factors, a per-image scale, a
// bias-like term on the left, and a full 3-way broadcast.
const SHAPES: Array<[number[], number[]]> = [
  [[128, 6, 6, 64], [128, 1, 1, 64]], [[32, 28, 28, 16], []], [[16, 14, 14, 112], [16, 14, 14, 1]],
  [[16, 14, 14, 112], [1, 1, 1, 112]], [[64, 1, 1, 48], [64, 7, 7, 48]], [[7, 1, 5000], [1, 9, 1]], [[300, 200], [300, 200]],
];

describe.skipIf(nativeMissing != null)(`native broadcast ops equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(Object.keys(OPS).flatMap((op) => SHAPES.map(([a, b]) => [op, a, b] as const)))('%s of %j and %j', async (op, a, b) => {
    // Same shapes: Add and Multiply keep their element-wise kernel, the rest take the broadcast one.
    const native = !((op === 'add' || op === 'mul') && a.length === b.length && a.every((d, i) => d === b[i]))
      && !(op === 'add' && b.length > 0 && size(b) === b[b.length - 1] && b[b.length - 1] === a[a.length - 1]);
    await same(() => OPS[op](tf.tensor(values(a, a.length + 1), a), tf.tensor(values(b, b.length + 7), b)), native);
  });

  it('Select (tf.where) with a condition of the operands\' shape', async () => {
    const shape = [32, 14, 14, 32];
    await same(() => tf.where(tf.greater(tf.tensor(values(shape, 1), shape), 0), tf.tensor(values(shape, 2), shape), tf.tensor(values(shape, 3), shape)));
  });

  it('the gradients of global max pooling and leaky ReLU equal cpu and take the native path', async () => {
    const shape = [64, 6, 6, 64];
    const x = () => tf.tensor(values(shape, 5).map((v) => (Number.isFinite(v) ? v : 0.5)), shape);
    await same(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.max(t, [1, 2]), tf.range(0, 64))))(x()));
    await same(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(t, 0.1), 3)))(x()));
  });

  it.each([0.1, 0.2, 0.3, 1 / 3, -0.5])('LeakyReLU with alpha %s equals cpu to the bit (the product in double)', async (alpha) => {
    const shape = [32, 28, 28, 16];
    await same(() => tf.leakyRelu(tf.tensor(values(shape, 8), shape), alpha));
  });

  it.each<[number[], number[]]>([[[32, 14, 14, 32], [1, 1, 32]], [[32, 14, 14, 32], [32]], [[16, 14, 14, 32], [14, 14, 32]], [[40000], [1]]])(
    'PReLU of %j with alpha %j', async (x, a) => {
      await same(() => tf.prelu(tf.tensor(values(x, 9), x), tf.tensor(values(a, 10), a)));
    });

  it('PReLU\'s gradient (shared axes, as the bench model\'s) equals cpu', async () => {
    const [x, a] = [[32, 14, 14, 32], [1, 1, 32]];
    await same(() => tf.grads((t: tf.Tensor, al: tf.Tensor) => tf.sum(tf.mul(tf.prelu(t, al), 2)))([
      tf.tensor(values(x, 11).map((v) => (Number.isFinite(v) ? v : 0.25)), x), tf.tensor(values(a, 12).map((v) => (Number.isFinite(v) ? v : 0.5)), a)])[0]);
  });

  it('small tensors and int32 stay on the shipped kernels', async () => {
    await same(() => tf.equal(tf.tensor(values([4, 5], 1), [4, 5]), tf.tensor(values([5], 2), [5])), false);
    await same(() => tf.greater(tf.tensor(Int32Array.from({ length: 40000 }, (_, i) => i % 7), [200, 200], 'int32'), tf.scalar(3, 'int32')), false);
  });

  it('merges dimensions both operands step through alike', () => {
    expect(broadcastGeometry([128, 6, 6, 64], [128, 1, 1, 64])).toEqual({ out: [128, 6, 6, 64], shape: [128, 36, 64], sa: [2304, 64, 1], sb: [64, 0, 1] });
    expect(broadcastGeometry([8, 5], [])).toEqual({ out: [8, 5], shape: [40], sa: [1], sb: [0] });
    expect(broadcastGeometry([3, 4], [5])).toBeNull();
  });

  it('rejects operands that would leave the heap', () => {
    const heap = new ArrayBuffer(1024);
    expect(() => addon!.broadcast(heap, Float64Array.of(0, 0, 0, -1, 512, 1, 200, 1, 1))).toThrow(/outside the wasm heap/);
  });
});
