// Hyperparameter and data-config contract; defaults are the seed report's setup.
import { z } from 'zod';

// New optional fields carry no zod default: a config without them parses (and hashes) exactly as before; the engine
// fills in the old behaviour (OPTIONAL_DEFAULTS in shared/trainOptions.ts).
const adamEpsilon = z.number().gt(0, 'epsilon must be > 0').max(1, 'epsilon must be ≤ 1').optional();
/** Nesterov momentum as in PyTorch's SGD(nesterov=True); needs momentum > 0. */
const nesterov = z.boolean().optional();

export const OptimizerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('adam'), beta1: z.number().gt(0).lt(1).default(0.9), beta2: z.number().gt(0).lt(1).default(0.999), epsilon: adamEpsilon }),
  z.object({ type: z.literal('sgd'), momentum: z.number().min(0).lt(1).default(0.9), nesterov: nesterov }),
  /** Adam with decoupled weight decay (Loshchilov & Hutter; PyTorch's AdamW): w ← w·(1 − lr·weightDecay), then Adam's step. */
  z.object({
    type: z.literal('adamw'), beta1: z.number().gt(0).lt(1).default(0.9), beta2: z.number().gt(0).lt(1).default(0.999), epsilon: adamEpsilon,
    weightDecay: z.number().min(0, 'weightDecay must be ≥ 0').max(1, 'weightDecay above 1 erases the weights').default(0.01),
  }),
  z.object({ type: z.literal('rmsprop'), rho: z.number().gt(0).lt(1).default(0.9), momentum: z.number().min(0).lt(1).default(0) }),
]);
export type Optimizer = z.infer<typeof OptimizerSchema>;

export const ScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant') }),
  /** Multiply the rate by gamma every stepEpochs epochs. */
  z.object({ type: z.literal('step'), stepEpochs: z.number().int().positive().max(1000), gamma: z.number().gt(0).max(1) }),
  /** Cosine decay from the base rate to minLearningRate over all epochs (per batch). */
  z.object({ type: z.literal('cosine'), minLearningRate: z.number().min(0).max(10).default(0), warmupEpochs: z.number().int().min(0).max(1000).default(0) }),
  /** ReduceLROnPlateau on the validation loss (PyTorch's rule, relative threshold 1e-4), checked after each epoch. */
  z.object({
    type: z.literal('plateau'),
    factor: z.number().gt(0, 'factor must be in (0, 1)').lt(1, 'factor must be in (0, 1)').default(0.1),
    patience: z.number().int().min(0, 'patience must be ≥ 0').max(1000).default(10),
    minLr: z.number().min(0, 'minLr must be ≥ 0').max(10).optional(),
    cooldown: z.number().int().min(0, 'cooldown must be ≥ 0').max(1000).optional(),
  }),
  /** PyTorch's OneCycleLR (cosine annealing, two phases), stepped per batch. The peak is maxLr, else the learning rate. */
  z.object({
    type: z.literal('onecycle'),
    maxLr: z.number().gt(0, 'maxLr must be > 0').max(10, 'maxLr above 10 diverges').optional(),
    pctStart: z.number().gt(0, 'pctStart must be in (0, 1)').lt(1, 'pctStart must be in (0, 1)').default(0.3),
    divFactor: z.number().min(1, 'divFactor must be ≥ 1').max(1e6).default(25),
    finalDivFactor: z.number().min(1, 'finalDivFactor must be ≥ 1').max(1e9).default(1e4),
  }),
]);
export type Schedule = z.infer<typeof ScheduleSchema>;

export const EarlyStoppingSchema = z.object({
  monitor: z.enum(['valLoss', 'valAccuracy']).default('valLoss'),
  patience: z.number().int().min(1).max(1000).default(3),
  minDelta: z.number().min(0).max(1e6).default(0),
  restoreBestWeights: z.boolean().default(true),
});

export const AugmentationSchema = z.object({
  /** Random integer shift of up to this many pixels in x and y (zero padded). */
  maxShift: z.number().int().min(0).max(8).default(0),
  horizontalFlip: z.boolean().default(false),
  /** Random rotation by up to ± this many degrees (bilinear, zero padded). */
  rotation: z.number().min(0, 'rotation must be ≥ 0 degrees').max(45, 'rotation above 45° turns garments sideways').optional(),
  /** Random zoom: scale drawn uniformly from [1 − zoom, 1 + zoom]. */
  zoom: z.number().min(0, 'zoom must be ≥ 0').max(0.5, 'zoom must be ≤ 0.5').optional(),
  /** Random erasing (cutout): with this probability a size×size square at a random centre is set to 0. */
  cutout: z.object({
    probability: z.number().gt(0, 'cutout probability must be in (0, 1]').max(1, 'cutout probability must be in (0, 1]'),
    size: z.number().int('cutout size is a whole number of pixels').min(1, 'cutout size must be ≥ 1 px').max(28, 'cutout size must be ≤ 28 px'),
  }).optional(),
  /** Mixup (Zhang et al.): each batch is mixed with a shuffled copy of itself by λ ~ Beta(α, α); 0 = off. */
  mixupAlpha: z.number().min(0, 'mixupAlpha must be ≥ 0').max(10, 'mixupAlpha must be ≤ 10').optional(),
});

export const HyperparametersSchema = z.object({
  optimizer: OptimizerSchema.default({ type: 'adam', beta1: 0.9, beta2: 0.999 }),
  learningRate: z.number().gt(0, 'learning rate must be > 0').max(10, 'learning rate above 10 diverges'),
  schedule: ScheduleSchema.default({ type: 'constant' }),
  batchSize: z.number().int().min(1).max(8192),
  epochs: z.number().int().min(1).max(1000),
  earlyStopping: EarlyStoppingSchema.nullable().default(null),
  augmentation: AugmentationSchema.nullable().default(null),
  /** Cross-entropy against (1 − ε)·one-hot + ε/10 (Szegedy et al.; Keras's label_smoothing). */
  labelSmoothing: z.number().min(0, 'labelSmoothing must be in [0, 0.5]').max(0.5, 'labelSmoothing must be in [0, 0.5]').optional(),
  /** Scale the gradients so their global L2 norm is at most this (PyTorch's clip_grad_norm_, Keras's global_clipnorm). */
  clipNorm: z.number().gt(0, 'clipNorm must be > 0').max(1e6).optional(),
  /** Clip every gradient element to [−clipValue, clipValue] (applied before clipNorm when both are set). */
  clipValue: z.number().gt(0, 'clipValue must be > 0').max(1e6).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
});
export type Hyperparameters = z.infer<typeof HyperparametersSchema>;
export type HyperparametersInput = z.input<typeof HyperparametersSchema>;

/** Adam 1e-3, batch 128, 10 epochs: the seed's section 4. */
export const SEED_HYPERPARAMETERS: Hyperparameters = HyperparametersSchema.parse({
  learningRate: 1e-3,
  batchSize: 128,
  epochs: 10,
});

export const SplitSchema = z.discriminatedUnion('type', [
  /** The seed's split: the last `validationSize` training images are the validation set. */
  z.object({ type: z.literal('tail'), validationSize: z.number().int().min(1).max(59999).default(10000) }),
  /** A seeded random fraction of the training images is the validation set. */
  z.object({ type: z.literal('fraction'), validationFraction: z.number().gt(0).lt(1), shuffleSeed: z.number().int().min(0).max(2 ** 31 - 1).default(0) }),
]);
export type Split = z.infer<typeof SplitSchema>;

export const DataConfigSchema = z.object({
  split: SplitSchema.default({ type: 'tail', validationSize: 10000 }),
  /** Train on this many samples; validation and test shrink in proportion unless fullTest. */
  limit: z.number().int().min(10).max(60000).nullable().default(null),
  fullTest: z.boolean().default(false),
});
export type DataConfig = z.infer<typeof DataConfigSchema>;
export const DEFAULT_DATA_CONFIG: DataConfig = DataConfigSchema.parse({});
