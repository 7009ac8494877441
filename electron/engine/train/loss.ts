// The training loss as one taped op: sparse categorical cross-entropy of softmax outputs, its gradient and the batch's hits.
import * as tf from '@tensorflow/tfjs';

/** Keras clips probabilities the same way before taking the log. */
export const EPSILON = 1e-7;

export interface LossResult {
  loss: tf.Scalar;
  /** Mean loss of the batch, read on the way (no second readback). */
  value: number;
  /** Rows whose largest probability (first one on ties, as argMax) is at the label. */
  correct: number;
}

const f32 = Math.fround;
const LO = f32(EPSILON);
const HI = f32(1 - EPSILON);

/**
 * −mean(log(clip(p[label], ε, 1−ε))) of `probs` [n, classes], as one custom-gradient op: the probabilities (n × 10
 * floats) are read once, and the loss, the hits and the gradient are computed here instead of by some 25 small
 * kernels and their tape entries. The gradient is, bit for bit, what tfjs's autodiff gives for
 * neg(mean(sum(oneHot · log(clipByValue(p, ε, 1−ε)), −1))) (step.ts's sparseCategoricalCrossentropy): each op of
 * that chain is one IEEE float32 operation, which a double operation rounded once to float32 reproduces exactly.
 * The loss value itself is summed in double, so it may differ from that chain in the last bits.
 */
export function sparseCrossEntropy(probs: tf.Tensor2D, labels: Int32Array): LossResult {
  const [n, classes] = probs.shape;
  let value = 0;
  let correct = 0;
  const forward = (p: tf.Tensor, save: tf.GradSaveFunc) => {
    const grad = new Float32Array(n * classes);
    const r = crossEntropyRows(p.dataSync() as Float32Array, labels, n, classes, grad);
    value = r.value;
    correct = r.correct;
    const gradient = tf.tensor2d(grad, [n, classes]);
    save([gradient]);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
  };
  const op = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  const loss = op(probs) as tf.Scalar;
  return { loss, value, correct };
}

/**
 * The loss of softmax outputs `v` [n, classes] against `labels`, its gradient written to `grad` and the hits: the
 * arithmetic of sparseCrossEntropy's op, shared with the fused MLP step (fusedMlp.ts) so both give the same bits.
 */
export function crossEntropyRows(v: Float32Array, labels: Int32Array, n: number, classes: number, grad: Float32Array): { value: number; correct: number } {
  // Chain rule from the end: neg → −1; mean over n → f32(−1 / n); sum → broadcast; · oneHot → that at the label,
  // −0 elsewhere; log → ÷ clip(p); clipByValue → kept where ε ≤ p ≤ 1−ε, +0 elsewhere.
  const g = f32(-1 / n);
  let sum = 0;
  let correct = 0;
  for (let r = 0; r < n; r++) {
    const row = r * classes;
    const label = labels[r];
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const pc = v[row + c];
      if (pc > v[row + best]) best = c;
      const inside = pc >= LO && pc <= HI;
      const clipped = pc < LO ? LO : pc > HI ? HI : pc;
      const up = c === label ? f32(g / clipped) : -0 / clipped;
      grad[row + c] = inside ? up : 0;
      if (c === label) sum += Math.log(clipped);
    }
    if (best === label) correct++;
  }
  return { value: -sum / n, correct };
}
