// Per-layer kernel initializer and L2 regularizer from the spec to tfjs options (engine layer).
import * as tf from '@tensorflow/tfjs';
import type { KERNEL_INITIALIZERS } from '../../../shared/spec.js';

export interface WeightOptions {
  kernelInitializer?: (typeof KERNEL_INITIALIZERS)[number];
  kernelRegularizer?: { l2: number };
}

/** Seeded: the same seed gives the same initial weights on every backend (tfjs draws them in JS). Default glorotUniform. */
export function kernelInitializer(name: WeightOptions['kernelInitializer'], seed: number): ReturnType<typeof tf.initializers.glorotUniform> {
  switch (name ?? 'glorotUniform') {
    case 'glorotUniform': return tf.initializers.glorotUniform({ seed });
    case 'glorotNormal': return tf.initializers.glorotNormal({ seed });
    case 'heUniform': return tf.initializers.heUniform({ seed });
    case 'heNormal': return tf.initializers.heNormal({ seed });
    case 'lecunUniform': return tf.initializers.leCunUniform({ seed });
    case 'lecunNormal': return tf.initializers.leCunNormal({ seed });
  }
}

/**
 * tfjs's L2 regularizer (l2 · Σ kernel², Keras's rule) on the layer; the training step adds model.calculateLosses()
 * to the objective (train/objective.ts). No option at all without one, so the layer's config is as before.
 */
export function kernelRegularizer(r: WeightOptions['kernelRegularizer']): { kernelRegularizer?: ReturnType<typeof tf.regularizers.l2> } {
  return r && r.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: r.l2 }) } : {};
}
