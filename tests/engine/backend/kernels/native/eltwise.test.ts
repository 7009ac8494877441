// Tests the native Add, Multiply, Relu and Step on wasm against the 'cpu' backend, at sizes that take the native path and below.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MIN_NATIVE_ELEMENTS } from '../../../../../electron/engine/backend/kernels/native/eltwise.js';
import { expectClose, randomValues, runOn } from '../reference.js';
import { expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const t = (shape: number[], seed: number) => ({ shape, values: randomValues(size(shape), seed) });
/** wasm equals cpu exactly; the native kernel ran when `native` (default: the first input is big enough), else the shipped one. */
const both = async (kernel: string, inputs: Parameters<typeof runOn>[2], attrs: object = {}, native?: boolean) => {
  const first = Object.values(inputs)[0];
  const want = native ?? ((first.dtype ?? 'float32') === 'float32' && size(first.shape) >= MIN_NATIVE_ELEMENTS);
  const got = await expectNative('eltwise', () => runOn('wasm', kernel, inputs, attrs), want);
  expectClose(got, await runOn('cpu', kernel, inputs, attrs), 0, kernel);
};

const big = [16, 26, 26, 32];
const odd = [3, 101, 7, 33];
const small = [4, 5, 3];

describe.skipIf(nativeMissing != null)(`native element-wise kernels equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('the test shapes straddle the native threshold', () => {
    expect(size(big)).toBeGreaterThanOrEqual(MIN_NATIVE_ELEMENTS);
    expect(size(odd)).toBeGreaterThanOrEqual(MIN_NATIVE_ELEMENTS);
    expect(size(small)).toBeLessThan(MIN_NATIVE_ELEMENTS);
  });

  it.each([{ shape: big }, { shape: odd }, { shape: small }])('Add same shape $shape', async ({ shape }) => {
    await both('Add', { a: t(shape, 1), b: t(shape, 2) });
  });

  it.each([{ shape: big }, { shape: odd }, { shape: small }])('Add of a bias row, either side, as [n] and [1,1,1,n]: $shape', async ({ shape }) => {
    const n = shape[shape.length - 1];
    await both('Add', { a: t(shape, 3), b: t([n], 4) });
    await both('Add', { a: t([n], 5), b: t(shape, 6) }, {}, size(shape) >= MIN_NATIVE_ELEMENTS);
    await both('Add', { a: t(shape, 7), b: t([...shape.slice(0, -1).map(() => 1), n], 8) });
  });

  it('Add falls back for other broadcasts and int32', async () => {
    await both('Add', { a: t([64, 32, 40], 9), b: t([64, 1, 40], 10) }, {}, false);
    await both('Add', { a: t([300, 200], 11), b: t([300, 1], 12) }, {}, false);
    const ints = { shape: [300, 200], values: Int32Array.from({ length: 60000 }, (_, i) => i % 17), dtype: 'int32' as const };
    await both('Add', { a: ints, b: ints }, {}, false);
  });

  it.each([{ shape: big }, { shape: odd }, { shape: small }])('Multiply same shape $shape, and a scalar (shipped path)', async ({ shape }) => {
    await both('Multiply', { a: t(shape, 13), b: t(shape, 14) });
    await both('Multiply', { a: t(shape, 15), b: t([], 16) }, {}, false);
  });

  it.each([{ shape: big }, { shape: odd }, { shape: small }])('Relu and Step (alpha 0 and 0.3) $shape', async ({ shape }) => {
    await both('Relu', { x: t(shape, 17) });
    await both('Step', { x: t(shape, 18) }, { alpha: 0 });
    await both('Step', { x: t(shape, 19) }, { alpha: 0.3 });
  });

  it('keeps NaN through Relu and Step, as cpu does', async () => {
    const values = randomValues(size(big), 20);
    for (let i = 0; i < values.length; i += 997) values[i] = NaN;
    const got = await expectNative('eltwise', () => runOn('wasm', 'Relu', { x: { shape: big, values } }, {}));
    const want = await runOn('cpu', 'Relu', { x: { shape: big, values } }, {});
    const step = await runOn('wasm', 'Step', { x: { shape: big, values } }, { alpha: 0 });
    const stepCpu = await runOn('cpu', 'Step', { x: { shape: big, values } }, { alpha: 0 });
    expect(Number.isNaN(got.values[997]) && Number.isNaN(step.values[997])).toBe(true);
    const same = (p: ArrayLike<number>, q: ArrayLike<number>) => {
      for (let i = 0; i < q.length; i++) if (!Object.is(p[i], q[i]) && !(p[i] === 0 && q[i] === 0)) return i;
      return -1;
    };
    expect(same(got.values, want.values)).toBe(-1);
    expect(same(step.values, stepCpu.values)).toBe(-1);
  });

  it('a whole relu gradient (step · dy) over a seed-CNN activation equals cpu', async () => {
    const x = randomValues(size(big), 21);
    const dy = randomValues(size(big), 22);
    const grad = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const g = tf.grad((v: tf.Tensor) => tf.relu(v).mul(tf.tensor(dy, big)).sum())(tf.tensor(x, big));
        return { shape: g.shape, values: g.dataSync() as Float32Array };
      });
    };
    expectClose(await expectNative('eltwise', () => grad('wasm')), await grad('cpu'), 0);
  });
});
