// Builders of the layer kinds beyond the seed's eight (engine layer): spec fields to tfjs layers, seeded like the rest.
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, LayerType } from '../../../shared/spec.js';
import { zeroPadding } from '../../../shared/model/newKinds.js';
import { fuseActivation } from './activations.js';
import { withTrainableDilation } from './dilation.js';
import { gaussianNoise, spatialDropout2d } from './noise.js';
import { layerNormalization } from './layerNorm.js';
import { globalMaxPooling2d, leakyReLU, prelu } from './graphOps.js';
import type { BuildContext } from './layerBuilders.js';

type Of<T extends LayerType> = Extract<LayerSpec, { type: T }>;
type Builder<L extends LayerSpec> = (layer: L, ctx: BuildContext) => tf.layers.Layer;
type NewType = 'DepthwiseConv2D' | 'SeparableConv2D' | 'LayerNormalization' | 'GlobalMaxPooling2D' | 'ZeroPadding2D'
  | 'SpatialDropout2D' | 'GaussianNoise' | 'LeakyReLU' | 'PReLU' | 'Add' | 'Concatenate';

const base = (ctx: BuildContext) => (ctx.inputShape ? { name: ctx.name, inputShape: ctx.inputShape } : { name: ctx.name });
const window = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);
/** A second initialiser seed in a layer (the pointwise kernel): far from the seed + index of the other layers. */
const SECOND_SEED = 100_003;

export const NEW_BUILDERS: { readonly [T in NewType]: Builder<Of<T>> } = {
  DepthwiseConv2D: (l, ctx) => fuseActivation(withTrainableDilation('depthwise', tf.layers.depthwiseConv2d, {
    ...base(ctx), kernelSize: window(l.kernelSize), strides: window(l.strides), padding: l.padding, depthMultiplier: l.depthMultiplier,
    dilationRate: window(l.dilationRate ?? 1), activation: l.activation, useBias: l.useBias,
    depthwiseInitializer: tf.initializers.glorotUniform({ seed: ctx.seed }), biasInitializer: tf.initializers.zeros(),
  })),
  SeparableConv2D: (l, ctx) => fuseActivation(withTrainableDilation('separable', tf.layers.separableConv2d, {
    ...base(ctx), filters: l.filters, kernelSize: window(l.kernelSize), strides: window(l.strides), padding: l.padding,
    depthMultiplier: l.depthMultiplier, dilationRate: window(l.dilationRate ?? 1), activation: l.activation, useBias: l.useBias,
    depthwiseInitializer: tf.initializers.glorotUniform({ seed: ctx.seed }),
    pointwiseInitializer: tf.initializers.glorotUniform({ seed: ctx.seed + SECOND_SEED }),
    biasInitializer: tf.initializers.zeros(),
  })),
  LayerNormalization: (l, ctx) => layerNormalization({ ...base(ctx), epsilon: l.epsilon }),
  GlobalMaxPooling2D: (_l, ctx) => globalMaxPooling2d(base(ctx)),
  ZeroPadding2D: (l, ctx) => tf.layers.zeroPadding2d({ ...base(ctx), padding: zeroPadding(l.padding) }),
  SpatialDropout2D: (l, ctx) => spatialDropout2d({ ...base(ctx), rate: l.rate }, ctx.seed),
  GaussianNoise: (l, ctx) => gaussianNoise({ ...base(ctx), stddev: l.stddev }, ctx.seed),
  LeakyReLU: (l, ctx) => leakyReLU({ ...base(ctx), alpha: l.alpha }),
  // Keras's default: slopes start at zero (a ReLU that learns its negative side).
  PReLU: (l, ctx) => prelu({ ...base(ctx), alphaInitializer: 'zeros', ...(l.sharedAxes ? { sharedAxes: l.sharedAxes } : {}) }),
  Add: (_l, ctx) => tf.layers.add(base(ctx)),
  Concatenate: (_l, ctx) => tf.layers.concatenate({ ...base(ctx), axis: -1 }),
};
