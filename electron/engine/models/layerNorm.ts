// Engine layer: tfjs's LayerNormalization with a broadcasting forward pass whose gradient stays small.
import * as tf from '@tensorflow/tfjs';

type LayerNormArgs = Parameters<typeof tf.layers.layerNormalization>[0];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];
interface LayerNormFields {
  axis: number[];
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
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
