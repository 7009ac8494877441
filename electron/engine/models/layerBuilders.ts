// Registry of tfjs layer constructors, one per spec layer type (engine layer): the only place spec fields meet tfjs options.
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, LayerType } from '../../../shared/spec.js';
import { batchNormalization } from './batchNorm.js';
import { trainingDense } from './denseTraining.js';
import { nativeDropoutOrNull } from '../backend/kernels/native/Dropout.js';
import { fuseActivation } from './activations.js';
import { kernelInitializer, kernelRegularizer, type WeightOptions } from './weightOptions.js';
import { withTrainableDilation } from './dilation.js';
import { fusedConv2d } from './convLayer.js';
import { fusedMaxPooling2d } from './poolLayer.js';
import { fusedGlobalAveragePooling2d } from './gapLayer.js';
import { NEW_BUILDERS } from './newBuilders.js';

export interface BuildContext {
  /** Keras-style name from inferShapes (dense_1, conv2d …), so tfjs's summary matches ours. */
  name: string;
  /** Seed for this layer's random initialiser and dropout masks: the model seed plus the layer index. */
  seed: number;
  /** Only on the first layer: the per-sample input shape. */
  inputShape?: number[];
}

type Of<T extends LayerType> = Extract<LayerSpec, { type: T }>;
type Builder<L extends LayerSpec> = (layer: L, ctx: BuildContext) => tf.layers.Layer;

const base = (ctx: BuildContext) => (ctx.inputShape ? { name: ctx.name, inputShape: ctx.inputShape } : { name: ctx.name });
/** Keras's defaults, seeded: the same seed gives the same initial weights on every backend (tfjs draws them in JS). */
const weights = (useBias: boolean, ctx: BuildContext, w: WeightOptions = {}) => ({
  useBias,
  kernelInitializer: kernelInitializer(w.kernelInitializer, ctx.seed),
  biasInitializer: tf.initializers.zeros(),
  ...kernelRegularizer(w.kernelRegularizer),
});
const window = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

function pooling(make: (args: Parameters<typeof tf.layers.maxPooling2d>[0]) => tf.layers.Layer): Builder<Of<'MaxPooling2D'> | Of<'AveragePooling2D'>> {
  return (l, ctx) => make({ ...base(ctx), poolSize: window(l.poolSize), strides: window(l.strides ?? l.poolSize), padding: l.padding });
}

type DropoutArgs = Parameters<typeof tf.layers.dropout>[0];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type Inputs = Parameters<tf.layers.Layer['call']>[0];

/**
 * tfjs's Dropout with masks drawn from `maskSeed` and a per-layer step counter (training calls only): a fixed tfjs
 * `seed` would draw the same mask on every step, no seed would draw from Math.random. A rebuilt model restarts the
 * counter, so a repeat of a run draws the same sequence. The class name stays "Dropout" and the seed is not in the
 * config, so a saved model loads with tf.loadLayersModel as a plain Dropout; inference is the identity as before.
 */
let SeededDropout: (new (args: DropoutArgs, maskSeed: number) => tf.layers.Layer) | null = null;
function seededDropout(args: DropoutArgs, maskSeed: number): tf.layers.Layer {
  if (!SeededDropout) {
    // The package exports only the factory; the class comes from an instance (of whichever tfjs copy is loaded).
    const Base = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5, name: 'seeded_dropout_probe' })).constructor as new (args: DropoutArgs) => tf.layers.Layer;
    SeededDropout = class extends Base {
      private readonly dropRate: number;
      private steps = 0;
      constructor(a: DropoutArgs, private readonly maskSeed: number) {
        super(a);
        this.dropRate = Math.max(Math.min(a.rate, 1), 0);
      }
      /** The seed of this training step's mask; advances the step (the fused MLP step draws through it too). */
      nextMaskSeed(): string {
        return `${this.maskSeed}:${this.steps++}`;
      }
      /** The rate training masks with: a rate outside (0, 1) makes training the identity and draws nothing. */
      get maskRate(): number {
        return this.dropRate;
      }
      override call(inputs: Inputs, kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
        if (kwargs?.training !== true || !(this.dropRate > 0 && this.dropRate < 1)) return super.call(inputs, kwargs);
        // A string seed: tfjs feeds it to seedrandom.alea as is, so (seed, step) pairs never collide.
        const seed = this.nextMaskSeed();
        return tf.tidy(() => {
          this.invokeCallHook(inputs, kwargs);
          const x = Array.isArray(inputs) ? inputs[0] : inputs;
          // One native pass with the same numbers where the backend has it (wasm + addon); tfjs's five ops elsewhere.
          return nativeDropoutOrNull(x, this.dropRate, seed) ?? tf.dropout(x, this.dropRate, undefined, seed);
        });
      }
    };
  }
  return new SeededDropout(args, maskSeed);
}

/** A Dropout built here (seeded masks), as the fused MLP step (train/fusedMlp.ts) needs it; null for any other layer. */
export function asSeededDropout(layer: tf.layers.Layer): { maskRate: number; nextMaskSeed(): string } | null {
  return SeededDropout != null && layer instanceof SeededDropout ? (layer as unknown as { maskRate: number; nextMaskSeed(): string }) : null;
}

/** The mapped type makes a layer type without a builder a compile error. */
export const LAYER_BUILDERS: { readonly [T in LayerType]: Builder<Of<T>> } = {
  // The leaner Dense pass and the fused activation compose: trainingDense applies `activation`, which fuseActivation swaps.
  Dense: (l, ctx) => fuseActivation(trainingDense({ ...base(ctx), ...weights(l.useBias, ctx, l), units: l.units, activation: l.activation })),
  // Training on wasm + native runs as one fused convolution op each way (convLayer.ts); elsewhere tfjs's Conv2D.
  Conv2D: (l, ctx) => fuseActivation(withTrainableDilation('conv', fusedConv2d, {
    ...base(ctx), ...weights(l.useBias, ctx, l),
    filters: l.filters, kernelSize: window(l.kernelSize), strides: window(l.strides), padding: l.padding, activation: l.activation,
    ...(l.dilationRate === undefined ? {} : { dilationRate: window(l.dilationRate) }),
  })),
  // Training directly after a fused relu Conv2D: one native gradient pass for pool, relu and bias (poolLayer.ts).
  MaxPooling2D: pooling(fusedMaxPooling2d),
  AveragePooling2D: pooling(tf.layers.averagePooling2d),
  Flatten: (_l, ctx) => tf.layers.flatten(base(ctx)),
  Dropout: (l, ctx) => seededDropout({ ...base(ctx), rate: l.rate }, ctx.seed),
  BatchNormalization: (l, ctx) => batchNormalization({ ...base(ctx), momentum: l.momentum, epsilon: l.epsilon }),
  // Training on wasm: tfjs's Mean gradient without its ones tensor (gapLayer.ts).
  GlobalAveragePooling2D: (_l, ctx) => fusedGlobalAveragePooling2d(base(ctx)),
  ...NEW_BUILDERS,
};

export function buildLayer<L extends LayerSpec>(layer: L, ctx: BuildContext): tf.layers.Layer {
  return (LAYER_BUILDERS[layer.type] as unknown as Builder<L>)(layer, ctx);
}
