// Tests the wasm Identity and Cast we register: they share memory instead of copying, and stay correct when the original is freed.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../electron/engine/backend/select.js';

beforeAll(async () => {
  await selectBackend('wasm', { native: false });
});

describe('sharing Identity and Cast on wasm', () => {
  it('clone shares the buffer, and each handle survives disposing the other', () => {
    const before = tf.memory().numDataBuffers;
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = a.clone();
    expect(tf.memory().numDataBuffers - before).toBe(1);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4]);
    b.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
  });

  it('a float32→float32 cast shares; real casts still convert (to bool as 0/1, which the shipped kernel did not)', () => {
    const a = tf.tensor([1.5, -2.5, 3.25]);
    const buffers = tf.memory().numDataBuffers;
    const same = tf.cast(a, 'float32');
    expect(tf.memory().numDataBuffers).toBe(buffers);
    const ints = tf.cast(a, 'int32');
    const bools = tf.cast(tf.tensor([0, 2, -1]), 'bool');
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.5, 3.25]);
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    expect(Array.from(bools.dataSync())).toEqual([0, 1, 1]);
    a.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.5, 3.25]);
    tf.dispose([same, ints, bools]);
  });

  it('string tensors still clone', () => {
    const s = tf.tensor(['a', 'bc']);
    const c = s.clone();
    s.dispose();
    expect(c.dataSync()).toEqual(['a', 'bc']);
    c.dispose();
  });

  it('a training step keeps the tensor count flat (saved tensors are released)', () => {
    const w = tf.variable(tf.randomNormal([20, 10], 0, 1, 'float32', 1));
    const opt = tf.train.adam();
    const step = () => tf.tidy(() => {
      opt.minimize(() => tf.relu(tf.matMul(tf.ones([4, 20]), w)).sum() as tf.Scalar);
    });
    step();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(n);
    opt.dispose();
    w.dispose();
  });
});
