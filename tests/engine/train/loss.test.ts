// Tests the training loss op: tfjs autodiff's gradient of the old loss chain bit for bit, the same hits, the same loss.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { sparseCrossEntropy } from '../../../electron/engine/train/loss.js';
import { sparseCategoricalCrossentropy } from '../../../electron/engine/train/step.js';
import { randomValues } from '../backend/kernels/reference.js';

/** Softmax rows of random logits, with rows that hit the clip bounds (0 and 1 exactly), ties and a tiny probability. */
function cases(n: number, seed: number): { probs: Float32Array; labels: Int32Array } {
  const probs = tf.tidy(() => tf.softmax(tf.tensor2d(randomValues(n * 10, seed), [n, 10]).mul(4)).dataSync() as Float32Array);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % 10);
  probs.fill(0, 0, 10); probs[3] = 1; // row 0: one-hot, label elsewhere → p = 0 (below ε) at the label
  probs.fill(0, 10, 20); probs[10 + labels[1]] = 1; // row 1: p = 1 (above 1 − ε) at the label
  probs.fill(0.1, 20, 30); // row 2: all tied: argMax takes the first
  probs[30 + labels[3]] = 1e-9; // row 3: below ε at the label
  return { probs, labels };
}

function reference(probs: Float32Array, labels: Int32Array, n: number) {
  return tf.tidy(() => {
    const p = tf.tensor2d(probs, [n, 10]);
    const value = sparseCategoricalCrossentropy(p, tf.tensor1d(labels, 'int32'), 10);
    const g = tf.grad((q: tf.Tensor) => sparseCategoricalCrossentropy(q as tf.Tensor2D, tf.tensor1d(labels, 'int32'), 10))(p);
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(p, -1), tf.tensor1d(labels, 'int32')), 'int32')).dataSync()[0];
    return { loss: value.dataSync()[0], grad: g.dataSync() as Float32Array, hits };
  });
}

function ours(probs: Float32Array, labels: Int32Array, n: number) {
  return tf.tidy(() => {
    const p = tf.tensor2d(probs, [n, 10]);
    let value = 0, correct = 0;
    const g = tf.grad((q: tf.Tensor) => {
      const r = sparseCrossEntropy(q as tf.Tensor2D, labels);
      value = r.value; correct = r.correct;
      return r.loss;
    })(p);
    return { loss: value, grad: g.dataSync() as Float32Array, hits: correct };
  });
}

/** A number as text, −0 included (a template literal prints it as 0). */
const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

describe.each(['cpu', 'wasm'] as const)('the training loss on %s', (backend) => {
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  it.each([[128, 1], [37, 2], [1, 3]])('batch %i: gradient bit for bit, hits and loss as tfjs\'s loss chain', async (n, seed) => {
    await selectBackend(backend);
    const { probs, labels } = cases(Math.max(n, 4), seed);
    const want = reference(probs.subarray(0, n * 10), labels.subarray(0, n), n);
    const got = ours(probs.subarray(0, n * 10), labels.subarray(0, n), n);
    expect(got.hits).toBe(want.hits);
    expect(got.loss).toBeCloseTo(want.loss, 5);
    expect(got.grad.length).toBe(want.grad.length);
    for (let i = 0; i < want.grad.length; i++) {
      // Object.is: the sign of a zero counts too, it can reach the softmax gradient's sums.
      if (!Object.is(got.grad[i], want.grad[i])) expect(`${i}: ${show(got.grad[i])}`).toBe(`${i}: ${show(want.grad[i])}`);
    }
  });
});
