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

export const DenseLayerSchema = z.object({
  type: z.literal('Dense'),
  units: positiveInt.max(65_536),
  activation: ActivationSchema.default('linear'),
  useBias: z.boolean().default(true),
  ...weightFields,
});
export const Conv2DLayerSchema = z.object({
  type: z.literal('Conv2D'),
  filters: positiveInt.max(4096),
  kernelSize: kernel,
  strides: kernel.default(1),
  padding: PaddingSchema.default('valid'),
  activation: ActivationSchema.default('linear'),
  useBias: z.boolean().default(true),
  ...weightFields,
});
const poolFields = {
  poolSize: kernel.default(2),
  /** Defaults to poolSize, as in Keras. */
  strides: kernel.optional(),
  padding: PaddingSchema.default('valid'),
};
export const MaxPooling2DLayerSchema = z.object({ type: z.literal('MaxPooling2D'), ...poolFields });
export const AveragePooling2DLayerSchema = z.object({ type: z.literal('AveragePooling2D'), ...poolFields });
export const FlattenLayerSchema = z.object({ type: z.literal('Flatten') });
export const DropoutLayerSchema = z.object({
  type: z.literal('Dropout'),
  rate: z.number().min(0).lt(1),
});
export const BatchNormalizationLayerSchema = z.object({
  type: z.literal('BatchNormalization'),
  momentum: z.number().gt(0).lt(1).default(0.99),
  epsilon: z.number().positive().max(1).default(0.001),
});
export const GlobalAveragePooling2DLayerSchema = z.object({ type: z.literal('GlobalAveragePooling2D') });

export const LayerSpecSchema = z.discriminatedUnion('type', [
  DenseLayerSchema,
  Conv2DLayerSchema,
  MaxPooling2DLayerSchema,
  AveragePooling2DLayerSchema,
  FlattenLayerSchema,
  DropoutLayerSchema,
  BatchNormalizationLayerSchema,
  GlobalAveragePooling2DLayerSchema,
]);
export type LayerSpec = z.infer<typeof LayerSpecSchema>;
export type LayerType = LayerSpec['type'];
export const LAYER_TYPES: readonly LayerType[] = [
  'Dense', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'Flatten', 'Dropout', 'BatchNormalization', 'GlobalAveragePooling2D',
];

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
