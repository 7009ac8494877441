// Registry of tfjs layer constructors, one per spec layer type (engine layer): the only place spec fields meet tfjs options.
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, LayerType } from '../../../shared/spec.js';

export interface BuildContext {
  /** Keras-style name from inferShapes (dense_1, conv2d …), so tfjs's summary matches ours. */
  name: string;
  /** Seed for this layer's random initialiser: the model seed plus the layer index. */
  seed: number;
  /** Only on the first layer: the per-sample input shape. */
  inputShape?: number[];
}

type Of<T extends LayerType> = Extract<LayerSpec, { type: T }>;
type Builder<L extends LayerSpec> = (layer: L, ctx: BuildContext) => tf.layers.Layer;

const base = (ctx: BuildContext) => (ctx.inputShape ? { name: ctx.name, inputShape: ctx.inputShape } : { name: ctx.name });
/** Keras's defaults, seeded: the same seed gives the same initial weights on every backend (tfjs draws them in JS). */
const weights = (useBias: boolean, ctx: BuildContext) => ({
  useBias,
  kernelInitializer: tf.initializers.glorotUniform({ seed: ctx.seed }),
  biasInitializer: tf.initializers.zeros(),
});
const window = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

function pooling(make: (args: Parameters<typeof tf.layers.maxPooling2d>[0]) => tf.layers.Layer): Builder<Of<'MaxPooling2D'> | Of<'AveragePooling2D'>> {
  return (l, ctx) => make({ ...base(ctx), poolSize: window(l.poolSize), strides: window(l.strides ?? l.poolSize), padding: l.padding });
}

/** The mapped type makes a layer type without a builder a compile error. */
export const LAYER_BUILDERS: { readonly [T in LayerType]: Builder<Of<T>> } = {
  Dense: (l, ctx) => tf.layers.dense({ ...base(ctx), ...weights(l.useBias, ctx), units: l.units, activation: l.activation }),
  Conv2D: (l, ctx) => tf.layers.conv2d({
    ...base(ctx), ...weights(l.useBias, ctx),
    filters: l.filters, kernelSize: window(l.kernelSize), strides: window(l.strides), padding: l.padding, activation: l.activation,
  }),
  MaxPooling2D: pooling(tf.layers.maxPooling2d),
  AveragePooling2D: pooling(tf.layers.averagePooling2d),
  Flatten: (_l, ctx) => tf.layers.flatten(base(ctx)),
  // No seed here: tfjs would then draw the same mask on every step.
  Dropout: (l, ctx) => tf.layers.dropout({ ...base(ctx), rate: l.rate }),
  BatchNormalization: (l, ctx) => tf.layers.batchNormalization({ ...base(ctx), momentum: l.momentum, epsilon: l.epsilon }),
  GlobalAveragePooling2D: (_l, ctx) => tf.layers.globalAveragePooling2d(base(ctx)),
};

export function buildLayer<L extends LayerSpec>(layer: L, ctx: BuildContext): tf.layers.Layer {
  return (LAYER_BUILDERS[layer.type] as unknown as Builder<L>)(layer, ctx);
}
