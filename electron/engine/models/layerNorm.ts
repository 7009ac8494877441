// Engine layer: tfjs's LayerNormalization with a broadcasting forward pass whose gradient stays small, and over the last
// axis two fused kernels (forward, gradient) when the backend has them (native addon on wasm).
import * as tf from '@tensorflow/tfjs';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../backend/kernels/native/LayerNorm.js';

type LayerNormArgs = Parameters<typeof tf.layers.layerNormalization>[0];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];
interface LayerNormFields {
  axis: number[];
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
}

/** True when the current backend has both fused kernels. */
export function fusedLayerNormAvailable(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(LAYER_NORM, backend) != null && tf.getKernel(LAYER_NORM_GRAD, backend) != null;
}

/**
 * y = (x − mean)·rstd·gamma + beta over the last axis in one kernel, its gradient (dx through the statistics, dgamma,
 * dbeta) in another: the op graph below takes ~12 kernels forward and ~20 backward, each a pass over the activations.
 */
function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor | null, beta: tf.Tensor | null, epsilon: number): tf.Tensor {
  const params = [gamma, beta].filter((p): p is tf.Tensor => p != null);
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xIn, ...ps] = args as tf.Tensor[];
    const g = gamma ? ps[0] : undefined;
    const b = beta ? ps[gamma ? 1 : 0] : undefined;
    const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM, { x: xIn, ...(g ? { gamma: g } : {}), ...(b ? { beta: b } : {}) },
      { epsilon }) as tf.Tensor[];
    save([xIn, mean, rstd, ...(g ? [g] : [])]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sMean, sRstd, sGamma] = saved;
      return tf.engine().runKernel(LAYER_NORM_GRAD, { x: sx, dy, mean: sMean, rstd: sRstd, ...(sGamma ? { gamma: sGamma } : {}) },
        { hasGamma: gamma != null, hasBeta: beta != null }) as tf.Tensor[];
    };
    return { value: y, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (op as unknown as (...t: tf.Tensor[]) => tf.Tensor)(x, ...params);
}

let BroadcastLayerNormalization: (new (args: LayerNormArgs) => tf.layers.Layer) | null = null;

/**
 * tfjs 4.22 tiles the statistics and gamma/beta up to the input's full shape before its batchNormalization (a
 * workaround for gradients that do not broadcast); Tile's gradient then runs one slice and one add per tile, 78,400 of
 * them for gamma on a 100×28×28×16 batch, minutes a step. The same formula with broadcasting ops,
 * y = (x − mean)·rsqrt(var + ε)·gamma + beta over the normalised axes, has a gradient of a few passes. The class name
 * and config stay tfjs's, so a saved model loads as a plain LayerNormalization.
 */
export function layerNormalization(args: LayerNormArgs): tf.layers.Layer {
  if (!BroadcastLayerNormalization) {
    const Base = Object.getPrototypeOf(tf.layers.layerNormalization({ name: 'layer_norm_probe' })).constructor as new (args: LayerNormArgs) => tf.layers.Layer;
    BroadcastLayerNormalization = class extends Base {
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        const self = this as unknown as LayerNormFields;
        return tf.tidy(() => {
          this.invokeCallHook(inputs, kwargs);
          const axes = self.axis;
          const rank = x.shape.length;
          if (axes.length === 1 && axes[0] === rank - 1 && rank >= 2 && x.dtype === 'float32' && x.size > 0 && fusedLayerNormAvailable()) {
            return fusedLayerNorm(x, self.gamma?.read() ?? null, self.beta?.read() ?? null, self.epsilon);
          }
          const shape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
          const mean = tf.mean(x, axes, true);
          const centred = tf.sub(x, mean);
          const variance = tf.mean(tf.square(centred), axes, true);
          let y = tf.mul(centred, tf.rsqrt(tf.add(variance, self.epsilon)));
          if (self.gamma) y = tf.mul(y, tf.reshape(self.gamma.read(), shape));
          if (self.beta) y = tf.add(y, tf.reshape(self.beta.read(), shape));
          return y;
        });
      }
    };
  }
  return new BroadcastLayerNormalization(args);
}
