// AdamW (engine layer): decoupled weight decay in front of the fused Adam step, as PyTorch's torch.optim.AdamW.
import * as tf from '@tensorflow/tfjs';
import { FusedAdam } from './fusedOptimizers.js';

type Grads = Parameters<tf.Optimizer['applyGradients']>[0];

/**
 * Loshchilov & Hutter's AdamW as PyTorch runs it: every variable that gets a gradient is first shrunk,
 * w ← w · (1 − lr · weightDecay), then Adam updates it with the gradient of the loss alone (the decay never enters
 * m or v). The rate is the scheduled one, so the decay follows the schedule, as in PyTorch. All trainable variables
 * decay, biases and batch-norm scales included (PyTorch's default parameter group).
 */
export class FusedAdamW extends FusedAdam {
  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number, readonly weightDecay: number) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(grads: Grads): void {
    if (this.weightDecay > 0) {
      const names = Array.isArray(grads)
        ? (grads as Array<{ name: string; tensor?: tf.Tensor }>).filter((e) => e.tensor != null).map((e) => e.name)
        : Object.keys(grads).filter((k) => (grads as Record<string, tf.Tensor | undefined>)[k] != null);
      const keep = 1 - this.learningRate * this.weightDecay;
      tf.tidy(() => {
        const factor = tf.scalar(keep);
        for (const name of names) {
          const v = tf.engine().registeredVariables[name];
          v.assign(tf.mul(v, factor));
        }
      });
    }
    super.applyGradients(grads);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}
