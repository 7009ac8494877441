// Cross-entropy against soft targets (label smoothing, mixup) as one taped op, like loss.ts's sparse one (engine layer).
import * as tf from '@tensorflow/tfjs';
import { crossEntropyRows, EPSILON, type LossResult } from './loss.js';

const f32 = Math.fround;
const LO = f32(EPSILON);
const HI = f32(1 - EPSILON);

/**
 * Targets [n, classes] for integer labels with label smoothing ε: (1 − ε)·one-hot + ε/classes (Keras's and
 * PyTorch's rule). Written into `out` when given (the training loop reuses one buffer).
 */
export function smoothedTargets(labels: ArrayLike<number>, n: number, classes: number, smoothing: number, out?: Float32Array): Float32Array {
  const t = out ?? new Float32Array(n * classes);
  const off = smoothing / classes;
  const on = 1 - smoothing + off;
  t.fill(off, 0, n * classes);
  for (let r = 0; r < n; r++) t[r * classes + labels[r]] = on;
  return t;
}

/**
 * −mean_r Σ_c t[r,c] · log(clip(p[r,c], ε, 1−ε)) of `probs` [n, classes] against `targets` (rows summing to 1), with
 * its gradient −t[r,c] / (n · p[r,c]) where ε ≤ p ≤ 1−ε (0 where the clip holds, as the autodiff of the clip gives).
 * A row counts as correct when the largest probability is at the largest target (first one on ties): the label
 * under label smoothing, the dominant image's label under mixup.
 */
export function softCrossEntropy(probs: tf.Tensor2D, targets: Float32Array): LossResult {
  const [n, classes] = probs.shape;
  if (targets.length < n * classes) throw new RangeError(`softCrossEntropy: ${targets.length} targets for ${n}×${classes} outputs`);
  let value = 0;
  let correct = 0;
  const forward = (p: tf.Tensor, save: tf.GradSaveFunc) => {
    const grad = new Float32Array(n * classes);
    ({ value, correct } = softCrossEntropyRows(p.dataSync() as Float32Array, targets, n, classes, grad));
    const gradient = tf.tensor2d(grad, [n, classes]);
    save([gradient]);
    return { value: tf.scalar(value), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
  };
  const op = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  const loss = op(probs) as tf.Scalar;
  return { loss, value, correct };
}

/**
 * softCrossEntropy's arithmetic on softmax outputs `v` [n, classes]: the loss, its gradient written to `grad`, the hits.
 * Shared with the fused training steps (lossRows in loss.ts) so that soft targets give the taped op's bits there.
 */
export function softCrossEntropyRows(v: Float32Array, targets: Float32Array, n: number, classes: number, grad: Float32Array): { value: number; correct: number } {
  const g = -1 / n;
  let sum = 0;
  let correct = 0;
  for (let r = 0; r < n; r++) {
    const row = r * classes;
    let best = 0;
    let target = 0;
    for (let c = 0; c < classes; c++) {
      const pc = v[row + c];
      const tc = targets[row + c];
      if (pc > v[row + best]) best = c;
      if (tc > targets[row + target]) target = c;
      const clipped = pc < LO ? LO : pc > HI ? HI : pc;
      grad[row + c] = pc >= LO && pc <= HI ? (g * tc) / clipped : 0;
      if (tc !== 0) sum += tc * Math.log(clipped);
    }
    if (best === target) correct++;
  }
  return { value: -sum / n, correct };
}

/**
 * A fused step's loss rows: against `soft` targets [n, classes] when given (label smoothing, mixup:
 * softCrossEntropy's arithmetic, as the objective step tapes it), else against the labels (sparseCrossEntropy's arithmetic).
 */
export function lossRows(v: Float32Array, labels: Int32Array, soft: Float32Array | null, n: number, classes: number, grad: Float32Array): { value: number; correct: number } {
  return soft ? softCrossEntropyRows(v, soft, n, classes, grad) : crossEntropyRows(v, labels, n, classes, grad);
}
