// Tests the soft-target cross-entropy: label smoothing and mixed targets against the direct formula and its autodiff.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { smoothedTargets, softCrossEntropy } from '../../../electron/engine/train/softLoss.js';
import { sparseCrossEntropy } from '../../../electron/engine/train/loss.js';
import { randomValues } from '../backend/kernels/reference.js';

const N = 16;
function probs(seed: number): Float32Array {
  const p = tf.tidy(() => tf.softmax(tf.tensor2d(randomValues(N * 10, seed), [N, 10]).mul(3)).dataSync() as Float32Array);
  p.fill(0, 0, 10); p[4] = 1; // a row at the clip bounds
  return p;
}
const labels = Int32Array.from({ length: N }, (_, i) => (i * 3) % 10);

/** −mean(Σ t·log(clip(p))) written with tfjs ops, and its gradient by autodiff. */
function direct(p: Float32Array, t: Float32Array) {
  return tf.tidy(() => {
    const f = (q: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(tf.tensor2d(t, [N, 10]), tf.log(tf.clipByValue(q, 1e-7, 1 - 1e-7))), -1)));
    const x = tf.tensor2d(p, [N, 10]);
    return { loss: f(x).dataSync()[0], grad: tf.grad(f)(x).dataSync() as Float32Array };
  });
}

function ours(p: Float32Array, t: Float32Array) {
  return tf.tidy(() => {
    let loss = 0, correct = 0;
    const grad = tf.grad((q: tf.Tensor) => {
      const r = softCrossEntropy(q as tf.Tensor2D, t);
      loss = r.value; correct = r.correct;
      return r.loss;
    })(tf.tensor2d(p, [N, 10])).dataSync() as Float32Array;
    return { loss, grad, correct };
  });
}

describe('soft-target cross-entropy', () => {
  beforeAll(() => selectBackend('cpu'));

  it('smoothed targets are (1 − ε)·one-hot + ε/10 and sum to 1', () => {
    const t = smoothedTargets(labels, N, 10, 0.1);
    expect(t[labels[0]]).toBeCloseTo(0.91, 7);
    expect(t[(labels[0] + 1) % 10]).toBeCloseTo(0.01, 7);
    for (let r = 0; r < N; r++) expect(t.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it.each([0.05, 0.1, 0.5])('label smoothing %f: loss and gradient equal the direct formula', (eps) => {
    const p = probs(11);
    const t = smoothedTargets(labels, N, 10, eps);
    const want = direct(p, t);
    const got = ours(p, t);
    expect(got.loss).toBeCloseTo(want.loss, 5);
    got.grad.forEach((g, i) => expect(Math.abs(g - want.grad[i]), `grad[${i}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want.grad[i]))));
  });

  it('with one-hot targets it is the sparse loss (value, gradient and hits)', () => {
    const p = probs(12);
    const t = smoothedTargets(labels, N, 10, 0);
    const got = ours(p, t);
    const want = tf.tidy(() => {
      let loss = 0, correct = 0;
      const grad = tf.grad((q: tf.Tensor) => { const r = sparseCrossEntropy(q as tf.Tensor2D, labels); loss = r.value; correct = r.correct; return r.loss; })(tf.tensor2d(p, [N, 10])).dataSync();
      return { loss, grad, correct };
    });
    expect(got.loss).toBeCloseTo(want.loss, 6);
    expect(got.correct).toBe(want.correct);
    got.grad.forEach((g, i) => expect(g).toBeCloseTo(want.grad[i], 6));
  });

  it('mixed targets: the hit is the largest target (the dominant image\'s label)', () => {
    const p = new Float32Array(N * 10).fill(0.01);
    const t = new Float32Array(N * 10);
    for (let r = 0; r < N; r++) {
      t[r * 10 + 2] = 0.7; t[r * 10 + 5] = 0.3; // λ = 0.7 of class 2, 0.3 of class 5
      p[r * 10 + (r < 4 ? 2 : 5)] = 0.91;
    }
    expect(ours(p, t).correct).toBe(4);
    const want = direct(p, t);
    expect(ours(p, t).loss).toBeCloseTo(want.loss, 5);
  });
});
