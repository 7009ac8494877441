// Optimizers from hyperparameters, and changing their rate mid-run for schedules.
import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from '../../../shared/hyper.js';
import { FusedAdam, FusedMomentum, FusedRMSProp, FusedSGD } from './fusedOptimizers.js';
import { FusedAdamW } from './adamw.js';

/** tfjs's optimizers (same state, same numbers), updating all variables in one native call where it can. */
export function makeOptimizer(spec: Optimizer, learningRate: number): tf.Optimizer {
  switch (spec.type) {
    case 'adam':
      return new FusedAdam(learningRate, spec.beta1, spec.beta2, spec.epsilon ?? 1e-7);
    case 'adamw':
      return new FusedAdamW(learningRate, spec.beta1, spec.beta2, spec.epsilon ?? 1e-7, spec.weightDecay);
    case 'sgd':
      // Nesterov with momentum 0 is plain SGD (g + 0·buf), as in PyTorch's formula.
      return spec.momentum > 0 ? new FusedMomentum(learningRate, spec.momentum, spec.nesterov ?? false) : new FusedSGD(learningRate);
    case 'rmsprop':
      return new FusedRMSProp(learningRate, spec.rho, spec.momentum, 1e-7);
  }
}

/**
 * tfjs optimizers read their rate on every update but expose no setter except SGD's:
 * Adam and RMSProp keep it in a plain field, SGD and Momentum in a kept scalar.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === learningRate) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}
