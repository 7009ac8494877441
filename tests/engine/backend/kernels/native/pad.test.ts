// Tests the native PadV2 and Max (a block of axes before the last) on wasm against the 'cpu' backend: exact, NaN included.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { randomValues } from '../reference.js';
import { expectSameAsCpu, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

const same = expectSameAsCpu;

const t = (shape: number[], seed: number, dtype: 'float32' | 'int32' = 'float32') =>
  dtype === 'int32' ? tf.tensor(Int32Array.from(randomValues(size(shape), seed), (v) => Math.round(v * 1000)), shape, 'int32')
    : tf.tensor(randomValues(size(shape), seed), shape);

/** A tensor with NaN, ±Infinity and -0 sprinkled in. */
const special = (shape: number[], seed: number) => {
  const v = randomValues(size(shape), seed);
  for (let i = 0; i < v.length; i += 97) v[i] = [NaN, Infinity, -Infinity, -0][(i / 97) % 4];
  return tf.tensor(v, shape);
};

describe.skipIf(nativeMissing != null)(`native PadV2 and Max equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each([
    { shape: [128, 28, 28, 16], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], value: 0 },
    { shape: [3, 20, 30, 40], paddings: [[1, 2], [0, 3], [2, 0], [1, 1]], value: -1.5 },
    { shape: [9, 70, 60], paddings: [[0, 0], [5, 0], [0, 7]], value: 2 },
    { shape: [40000], paddings: [[3, 4]], value: 0 },
    { shape: [300, 200], paddings: [[0, 0], [0, 0]], value: 0 },
    { shape: [2, 3, 4, 5, 30, 40], paddings: [[0, 1], [1, 0], [0, 0], [2, 1], [0, 0], [3, 3]], value: 0.25 },
  ])('PadV2 of $shape by $paddings with $value', async ({ shape, paddings, value }) => {
    await same('pad', () => tf.pad(special(shape, 7), paddings as Array<[number, number]>, value));
  });

  it('PadV2 of int32 with zeros runs natively; a non-zero int32 constant falls back, equal all the same', async () => {
    await same('pad', () => tf.pad(t([64, 30, 30], 3, 'int32'), [[0, 0], [1, 1], [2, 2]]));
    await same('pad', () => tf.pad(t([64, 30, 30], 3, 'int32'), [[0, 0], [1, 1], [2, 2]], 5), false);
  });

  it('PadV2 of rank 7 runs natively (the shipped kernel returns garbage beyond rank 6)', async () => {
    await same('pad', () => tf.pad(t([2, 2, 2, 2, 2, 2, 1024], 4), [[0, 0], [1, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 1]]));
  });

  it('ZeroPadding2D\'s gradient through tf.grad equals cpu, the forward native', async () => {
    const fn = () => tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]))))(t([16, 28, 28, 16], 5));
    await same('pad', fn);
  });

  it.each([
    { shape: [128, 7, 7, 64], axes: [1, 2], keepDims: false },
    { shape: [32, 14, 14, 96], axes: [1, 2], keepDims: true },
    { shape: [500, 130], axes: [0], keepDims: false },
    { shape: [6, 50, 40, 3], axes: [1], keepDims: false },
    { shape: [6, 50, 40, 30], axes: [0, 1, 2], keepDims: false },
  ])('Max of $shape over $axes (keepDims $keepDims), NaN and ±Infinity included', async ({ shape, axes, keepDims }) => {
    await same('maxMiddle', () => tf.max(special(shape, 9), axes, keepDims));
  });

  it('Max over the last axis, and int32, fall back to the shipped kernel', async () => {
    await same('maxMiddle', () => tf.max(t([300, 200], 1), -1), false);
    await same('maxMiddle', () => tf.max(t([300, 200], 1, 'int32'), 0), false);
  });

  it('global max pooling (tf.layers) equals cpu with the native Max', async () => {
    const layer = tf.layers.globalMaxPooling2d({});
    await same('maxMiddle', () => layer.apply(t([64, 9, 9, 48], 2)) as tf.Tensor);
  });
});
