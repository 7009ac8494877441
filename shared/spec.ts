// Model-spec contract: the JSON a user edits, as zod schemas with inferred types.
import { z } from 'zod';

export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'softplus', 'swish', 'gelu',
] as const;
export const ActivationSchema = z.enum(ACTIVATIONS);
export type Activation = z.infer<typeof ActivationSchema>;

// Bounds far above any model that fits a 28×28 input (and the memory check's job beyond that): finite, and refused early.
const positiveInt = z.number().int().positive();
// Kernels, strides and pools above the 28×28 input are left to shape inference, which says why; this only stops absurd ones.
const side = positiveInt.max(1024);
const kernel = z.union([side, z.tuple([side, side])]);
export const PaddingSchema = z.enum(['valid', 'same']);

/** Seeded kernel initializers tfjs offers (Keras names); glorotUniform is Keras's default and the seed's. */
export const KERNEL_INITIALIZERS = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunUniform', 'lecunNormal'] as const;
export const KernelInitializerSchema = z.enum(KERNEL_INITIALIZERS);
/** Keras's L2 penalty: l2 · Σ kernel², added to the training loss. Optional and without default, so old specs parse unchanged. */
export const KernelRegularizerSchema = z.object({
  l2: z.number().min(0, 'kernelRegularizer.l2 must be ≥ 0').max(1, 'kernelRegularizer.l2 must be ≤ 1'),
});
const weightFields = { kernelInitializer: KernelInitializerSchema.optional(), kernelRegularizer: KernelRegularizerSchema.optional() };
/** A layer's own name, for "inputs" of later layers (graph models); Keras-like identifiers only, as tfjs needs unique plain names. */
export const LayerNameSchema = z.string().max(64).regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'a name starts with a letter and has at most 64 letters, digits, "_", "." or "-"');
/** Optional on every layer: a sequential model needs neither, so old specs stay valid. */
const graphFields = {
  name: LayerNameSchema.optional(),
  /** Names of earlier layers (or "input", the model input) this layer takes; default: the previous layer. */
  inputs: z.array(LayerNameSchema).min(1).max(16).optional(),
};

export const DenseLayerSchema = z.object({
  type: z.literal('Dense'),
  ...graphFields,
  units: positiveInt.max(65_536),
  activation: ActivationSchema.default('linear'),
  useBias: z.boolean().default(true),
  ...weightFields,
});
export const Conv2DLayerSchema = z.object({
  type: z.literal('Conv2D'),
  ...graphFields,
  filters: positiveInt.max(4096),
  kernelSize: kernel,
  strides: kernel.default(1),
  padding: PaddingSchema.default('valid'),
  activation: ActivationSchema.default('linear'),
  useBias: z.boolean().default(true),
  ...weightFields,
  /** Keras's dilation_rate; left out means 1 (kept absent so that old specs parse to the same object). */
  dilationRate: kernel.optional(),
});
const poolFields = {
  ...graphFields,
  poolSize: kernel.default(2),
  /** Defaults to poolSize, as in Keras. */
  strides: kernel.optional(),
  padding: PaddingSchema.default('valid'),
};
export const MaxPooling2DLayerSchema = z.object({ type: z.literal('MaxPooling2D'), ...poolFields });
export const AveragePooling2DLayerSchema = z.object({ type: z.literal('AveragePooling2D'), ...poolFields });
export const FlattenLayerSchema = z.object({ type: z.literal('Flatten'), ...graphFields });
export const DropoutLayerSchema = z.object({
  type: z.literal('Dropout'),
  ...graphFields,
  rate: z.number().min(0).lt(1),
});
export const BatchNormalizationLayerSchema = z.object({
  type: z.literal('BatchNormalization'),
  ...graphFields,
  momentum: z.number().gt(0).lt(1).default(0.99),
  epsilon: z.number().positive().max(1).default(0.001),
});
export const GlobalAveragePooling2DLayerSchema = z.object({ type: z.literal('GlobalAveragePooling2D'), ...graphFields });
export const DepthwiseConv2DLayerSchema = z.object({
  type: z.literal('DepthwiseConv2D'),
  ...graphFields,
  kernelSize: kernel,
  strides: kernel.default(1),
  padding: PaddingSchema.default('valid'),
  depthMultiplier: positiveInt.max(256).default(1),
  dilationRate: kernel.optional(),
  activation: ActivationSchema.default('linear'),
  useBias: z.boolean().default(true),
});
export const SeparableConv2DLayerSchema = z.object({
  type: z.literal('SeparableConv2D'),
  ...graphFields,
  filters: positiveInt.max(4096),
  kernelSize: kernel,
  strides: kernel.default(1),
  padding: PaddingSchema.default('valid'),
  depthMultiplier: positiveInt.max(256).default(1),
  dilationRate: kernel.optional(),
  activation: ActivationSchema.default('linear'),
  useBias: z.boolean().default(true),
});
export const LayerNormalizationLayerSchema = z.object({
  type: z.literal('LayerNormalization'),
  ...graphFields,
  epsilon: z.number().positive().max(1).default(0.001),
});
export const GlobalMaxPooling2DLayerSchema = z.object({ type: z.literal('GlobalMaxPooling2D'), ...graphFields });
const padAmount = z.number().int().min(0).max(64);
export const ZeroPadding2DLayerSchema = z.object({
  type: z.literal('ZeroPadding2D'),
  ...graphFields,
  /** Keras's forms: n, [rows, cols], or [[top, bottom], [left, right]]. */
  padding: z.union([padAmount, z.tuple([padAmount, padAmount]), z.tuple([z.tuple([padAmount, padAmount]), z.tuple([padAmount, padAmount])])]).default(1),
});
export const SpatialDropout2DLayerSchema = z.object({
  type: z.literal('SpatialDropout2D'),
  ...graphFields,
  rate: z.number().min(0).lt(1),
});
export const GaussianNoiseLayerSchema = z.object({
  type: z.literal('GaussianNoise'),
  ...graphFields,
  stddev: z.number().min(0).max(10),
});
export const LeakyReLULayerSchema = z.object({
  type: z.literal('LeakyReLU'),
  ...graphFields,
  /** Keras 2's default slope. */
  alpha: z.number().min(0).max(1).default(0.3),
});
export const PReLULayerSchema = z.object({
  type: z.literal('PReLU'),
  ...graphFields,
  /** Axes (1-based over H, W, C) along which one slope is shared; [1, 2] gives one slope a channel. */
  sharedAxes: z.array(z.number().int().min(1).max(3)).max(3).optional(),
});
export const AddLayerSchema = z.object({ type: z.literal('Add'), ...graphFields });
/** Concatenates along the last (channel) axis, as Keras's default. */
export const ConcatenateLayerSchema = z.object({ type: z.literal('Concatenate'), ...graphFields });

export const LayerSpecSchema = z.discriminatedUnion('type', [
  DenseLayerSchema,
  Conv2DLayerSchema,
  MaxPooling2DLayerSchema,
  AveragePooling2DLayerSchema,
  FlattenLayerSchema,
  DropoutLayerSchema,
  BatchNormalizationLayerSchema,
  GlobalAveragePooling2DLayerSchema,
  DepthwiseConv2DLayerSchema,
  SeparableConv2DLayerSchema,
  LayerNormalizationLayerSchema,
  GlobalMaxPooling2DLayerSchema,
  ZeroPadding2DLayerSchema,
  SpatialDropout2DLayerSchema,
  GaussianNoiseLayerSchema,
  LeakyReLULayerSchema,
  PReLULayerSchema,
  AddLayerSchema,
  ConcatenateLayerSchema,
]);
export type LayerSpec = z.infer<typeof LayerSpecSchema>;
export type LayerType = LayerSpec['type'];
export const LAYER_TYPES: readonly LayerType[] = [
  'Dense', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'Flatten', 'Dropout', 'BatchNormalization', 'GlobalAveragePooling2D',
  'DepthwiseConv2D', 'SeparableConv2D', 'LayerNormalization', 'GlobalMaxPooling2D', 'ZeroPadding2D', 'SpatialDropout2D',
  'GaussianNoise', 'LeakyReLU', 'PReLU', 'Add', 'Concatenate',
];
/** Layers that take two or more inputs (named in "inputs"). */
export const MERGE_LAYER_TYPES: readonly LayerType[] = ['Add', 'Concatenate'];

/** [784] for a flattened MLP input, [28, 28, 1] for an image input. */
export const InputShapeSchema = z.union([
  z.tuple([z.literal(784)]),
  z.tuple([z.literal(28), z.literal(28), z.literal(1)]),
]);
export type InputShape = z.infer<typeof InputShapeSchema>;

export const ModelSpecSchema = z.object({
  name: z.string().min(1).max(120),
  inputShape: InputShapeSchema,
  layers: z.array(LayerSpecSchema).min(1).max(64),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;
/** What a user may write: defaults not yet applied. */
export type ModelSpecInput = z.input<typeof ModelSpecSchema>;
