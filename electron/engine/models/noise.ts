// Engine layer: SpatialDropout2D and GaussianNoise drawing from the run's seed (tfjs's own draw from Math.random).
import * as tf from '@tensorflow/tfjs';
import { dilatedClass } from './dilation.js';
import { addGaussianNoise } from './graphOps.js';

type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];
type DropoutArgs = Parameters<typeof tf.layers.dropout>[0];
type NoiseArgs = Parameters<typeof tf.layers.gaussianNoise>[0];

const one = (inputs: Inputs): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);

let SpatialDropout2D: (new (args: DropoutArgs, maskSeed?: number) => tf.layers.Layer) | null = null;

/**
 * Keras's SpatialDropout2D (tfjs has only the 1-D one): in training, whole channels of each sample are zeroed with
 * probability `rate` and the rest scaled by 1/(1 − rate); the identity in inference. Masks come from (seed, step) as
 * the seeded Dropout's do. Registered under its Keras class name, so a saved model loads with tf.loadLayersModel.
 */
export function spatialDropout2d(args: DropoutArgs, maskSeed: number): tf.layers.Layer {
  registerCustomLayers();
  return new SpatialDropout2D!(args, maskSeed);
}

/**
 * Registers the layer classes tfjs does not have (SpatialDropout2D), and a DepthwiseConv2D that honours its dilation
 * rate (tfjs 4.22's ignores it in call and output shape), so tf.loadLayersModel reads our saved models as trained.
 */
export function registerCustomLayers(): void {
  if (!SpatialDropout2D) {
    const Depthwise = dilatedClass('depthwise') as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>;
    tf.serialization.registerClass(Depthwise);
    const Base = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5, name: 'spatial_dropout_probe' })).constructor as new (args: DropoutArgs) => tf.layers.Layer;
    class Spatial extends Base {
      static className = 'SpatialDropout2D';
      private steps = 0;
      constructor(a: DropoutArgs, private readonly maskSeed = 0) {
        super(a);
      }
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const rate = (this as unknown as { rate: number }).rate;
        if (kwargs?.training !== true || !(rate > 0 && rate < 1)) return super.call(inputs, { ...kwargs, training: false });
        const seed = `${this.maskSeed}:${this.steps++}`;
        return tf.tidy(() => {
          this.invokeCallHook(inputs, kwargs);
          const x = one(inputs);
          const [n, , , c] = x.shape as [number, number, number, number];
          return tf.dropout(x, rate, [n, 1, 1, c], seed);
        });
      }
    }
    tf.serialization.registerClass(Spatial as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
    SpatialDropout2D = Spatial;
  }
}

let SeededNoise: (new (args: NoiseArgs, seed: number) => tf.layers.Layer) | null = null;

/** tfjs's GaussianNoise (class name and config kept) whose training noise comes from (seed, step), not Math.random. */
export function gaussianNoise(args: NoiseArgs, seed: number): tf.layers.Layer {
  if (!SeededNoise) {
    const Base = Object.getPrototypeOf(tf.layers.gaussianNoise({ stddev: 1, name: 'gaussian_noise_probe' })).constructor as new (args: NoiseArgs) => tf.layers.Layer;
    SeededNoise = class extends Base {
      private steps = 0;
      constructor(a: NoiseArgs, private readonly noiseSeed: number) {
        super(a);
      }
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        const stddev = (this as unknown as { stddev: number }).stddev;
        if (kwargs?.training !== true || !(stddev > 0)) return super.call(inputs, { ...kwargs, training: false });
        // A distinct integer per (seed, step): tfjs seeds its Gaussian generator with the number's text.
        const seed = this.noiseSeed * 1_000_003 + this.steps++;
        return tf.tidy(() => {
          this.invokeCallHook(inputs, kwargs);
          const x = one(inputs);
          return addGaussianNoise(x, stddev, seed);
        });
      }
    };
  }
  return new SeededNoise(args, seed);
}
