// The training step with the optional objective terms (engine layer): soft targets, L2 penalties, gradient clipping.
import * as tf from '@tensorflow/tfjs';
import type { Hyperparameters } from '../../../shared/hyper.js';
import { sparseCrossEntropy, type LossResult } from './loss.js';
import { smoothedTargets, softCrossEntropy } from './softLoss.js';
import { sizeOf, type StepResult } from './step.js';
import { makeFusedStep } from './fusedGraphMlp.js';

export interface ObjectiveOptions {
  labelSmoothing: number;
  clipNorm: number | null;
  clipValue: number | null;
}

export function objectiveOptions(h: Pick<Hyperparameters, 'labelSmoothing' | 'clipNorm' | 'clipValue'>): ObjectiveOptions {
  return { labelSmoothing: h.labelSmoothing ?? 0, clipNorm: h.clipNorm ?? null, clipValue: h.clipValue ?? null };
}

/** True when a run needs this step rather than step.ts's lean one (which stays the path, and the numbers, of old configs). */
export function needsObjectiveStep(o: ObjectiveOptions, model: tf.LayersModel, softTargets: boolean): boolean {
  return softTargets || o.labelSmoothing > 0 || o.clipNorm != null || o.clipValue != null || hasPenalties(model);
}

function hasPenalties(model: tf.LayersModel): boolean {
  return model.layers.some((l) => l.losses.length > 0);
}

/**
 * Clips as PyTorch does: each element to ±clipValue, then all gradients together scaled by
 * min(1, clipNorm / (‖g‖₂ + 1e-6)) (clip_grad_norm_), computed on the device (no readback).
 */
export function clipGradients(grads: tf.NamedTensorMap, clipNorm: number | null, clipValue: number | null): tf.NamedTensorMap {
  return tf.tidy(() => {
    let out: tf.NamedTensorMap = { ...grads };
    if (clipValue != null) out = Object.fromEntries(Object.entries(out).map(([k, g]) => [k, tf.clipByValue(g, -clipValue, clipValue)]));
    if (clipNorm != null) {
      const total = tf.sqrt(tf.addN(Object.values(out).map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(clipNorm), tf.add(total, tf.scalar(1e-6))));
      out = Object.fromEntries(Object.entries(out).map(([k, g]) => [k, tf.mul(g, scale)]));
    }
    return out;
  });
}

/**
 * A step's soft targets for a batch: the batch's own (mixup) when given, else the labels smoothed by `smoothing` (in a
 * buffer reused batch after batch), else null (the labels themselves).
 */
function batchTargets(smoothing: number, numClasses: number) {
  let buffer = new Float32Array(0);
  return (y: Int32Array, n: number, soft?: Float32Array | null): Float32Array | null => {
    if (soft) return soft;
    if (!(smoothing > 0)) return null;
    if (buffer.length < n * numClasses) buffer = new Float32Array(n * numClasses);
    return smoothedTargets(y, n, numClasses, smoothing, buffer);
  };
}

/**
 * Like step.ts's makeTrainStep, with: soft targets passed per batch (mixup) or made from the labels (label smoothing),
 * the layers' L2 penalties (model.calculateLosses) added to the objective, and clipped gradients. The returned loss is
 * the objective the optimizer minimises: the cross-entropy against the (smoothed, mixed) targets plus the penalties,
 * as Keras reports its training loss. Validation and test losses stay the plain cross-entropy of the true labels.
 */
export function makeObjectiveStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], o: ObjectiveOptions, numClasses = 10) {
  const size = sizeOf(inputShape);
  const targetsOf = batchTargets(o.labelSmoothing, numClasses);
  return (x: Float32Array, y: Int32Array, batchSize: number, softTargets?: Float32Array | null): StepResult => {
    let result: LossResult | null = null;
    let penalty = 0;
    const targets = targetsOf(y, batchSize, softTargets);
    const objective = (xs: tf.Tensor) => (): tf.Scalar => {
      const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
      if (probs.shape[1] !== numClasses) throw new Error(`internal error: the model gives ${probs.shape[1]} outputs for ${numClasses} classes`);
      result = targets ? softCrossEntropy(probs, targets) : sparseCrossEntropy(probs, y);
      const penalties = model.calculateLosses();
      if (penalties.length === 0) return result.loss;
      const p = penalties.length === 1 ? penalties[0] : tf.addN(penalties);
      penalty = (p.dataSync() as Float32Array)[0];
      return tf.add(result.loss, p) as tf.Scalar;
    };
    tf.tidy(() => {
      const xs = tf.tensor(x.subarray(0, batchSize * size), [batchSize, ...inputShape], 'float32');
      if (o.clipNorm == null && o.clipValue == null) {
        optimizer.minimize(objective(xs));
        return;
      }
      const { grads } = optimizer.computeGradients(objective(xs));
      optimizer.applyGradients(clipGradients(grads, o.clipNorm, o.clipValue));
    });
    const r = result as LossResult | null;
    return { loss: r!.value + penalty, correct: r!.correct };
  };
}

/**
 * The objective step where soft targets (label smoothing, mixup) are its only term: the fused step that takes the model
 * (fusedGraphMlp.ts's makeFusedStep) with those targets, the same arithmetic as softCrossEntropy, so the same bits as
 * makeObjectiveStep; that step itself whenever the fused one cannot run, and for clipping or L2 penalties (their
 * gradients are tfjs ops on the tape). WORKBENCH_FUSED_SOFT=0 turns it off (read at make time).
 */
export function makeFastestObjectiveStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], o: ObjectiveOptions, numClasses = 10) {
  const objective = makeObjectiveStep(model, optimizer, inputShape, o, numClasses);
  if (process.env.WORKBENCH_FUSED_SOFT === '0' || o.clipNorm != null || o.clipValue != null || hasPenalties(model)) return objective;
  const fused = makeFusedStep(model, optimizer, inputShape, numClasses);
  if (fused == null) return objective;
  // The targets makeObjectiveStep uses: the batch's (mixup), else the smoothed labels, else none (the labels).
  const targetsOf = batchTargets(o.labelSmoothing, numClasses);
  return (x: Float32Array, y: Int32Array, batchSize: number, softTargets?: Float32Array | null): StepResult =>
    fused(x, y, batchSize, targetsOf(y, batchSize, softTargets)) ?? objective(x, y, batchSize, softTargets);
}
